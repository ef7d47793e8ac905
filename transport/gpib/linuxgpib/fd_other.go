//go:build !linux

package linuxgpib

import (
	"errors"
	"syscall"

	"github.com/govisa/govisa/transport"
)

// Open fails outside Linux: linux-gpib is a Linux driver.
func Open(n int) (*Board, error) {
	return nil, transport.Errorf("open", transport.ErrNotSupported, errors.New("linux-gpib needs Linux"))
}

// ecomm does not exist here; errno 0 never reaches the mapping.
var ecomm syscall.Errno = 0

// Boards returns no boards outside Linux.
func Boards() []int { return nil }
