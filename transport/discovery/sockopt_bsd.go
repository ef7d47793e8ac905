//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package discovery

import "golang.org/x/sys/unix"

// tuneMulticast sets TTL/hop limit 255 (RFC 6762 §11) and turns multicast
// loopback on so that a browser and a responder on one host see each other.
func tuneMulticast(fd uintptr, v6 bool) error {
	s := int(fd)
	if v6 {
		return firstErr(
			unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, 255),
			unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 1),
		)
	}
	return firstErr(
		unix.SetsockoptByte(s, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, 255),
		unix.SetsockoptByte(s, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 1),
	)
}
