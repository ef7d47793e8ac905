//go:build linux && !ppc64 && !ppc64le

package asrl

import "golang.org/x/sys/unix"

// termios2 ioctls: the speed fields carry any baud rate with BOTHER.
const (
	tcgets = unix.TCGETS2
	tcsets = unix.TCSETS2
)
