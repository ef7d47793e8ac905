//go:build !linux

package asrl

import (
	"errors"
	"os"

	"github.com/govisa/govisa/transport"
)

// PTY is a pseudo-terminal pair; only available on Linux.
type PTY struct {
	Master    *os.File
	SlavePath string
}

// OpenPTY fails with transport.ErrNotSupported outside Linux.
func OpenPTY() (*PTY, error) {
	return nil, transport.Errorf("openpty", transport.ErrNotSupported, errors.New("pseudo-terminals are only supported on Linux"))
}

// Close closes both sides.
func (p *PTY) Close() error { return p.Master.Close() }
