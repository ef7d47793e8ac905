//go:build linux && (ppc64 || ppc64le)

package asrl

import "golang.org/x/sys/unix"

// On PowerPC the plain termios already holds c_ispeed/c_ospeed and there is
// no termios2.
const (
	tcgets = unix.TCGETS
	tcsets = unix.TCSETS
)
