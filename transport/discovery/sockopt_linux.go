//go:build linux

package discovery

import "golang.org/x/sys/unix"

// tuneMulticast sets the socket options RFC 6762 wants on an mDNS socket:
// TTL/hop limit 255 (§11), loopback on so that a browser and a responder on
// the same host see each other, and, on Linux, IP_MULTICAST_ALL off so that
// a socket only receives groups it joined on its own interface.
func tuneMulticast(fd uintptr, v6 bool) error {
	s := int(fd)
	if v6 {
		return firstErr(
			unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, 255),
			unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 1),
			unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0),
		)
	}
	return firstErr(
		unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, 255),
		unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 1),
		unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0),
	)
}
