//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package discovery

// tuneMulticast is a no-op here: the standard library's defaults (TTL 1,
// loopback off) still work between hosts.
func tuneMulticast(fd uintptr, v6 bool) error { return nil }
