//go:build !linux

package host

import (
	"context"
	"errors"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
)

var errNoUSB = errors.New("host: USB instruments on this system need libusb through the gousb build tag, which this build does not include")

// Open is not available without the gousb build tag outside Linux.
func Open(ctx context.Context, m Match, opts ...usbtmc.Option) (transport.Conn, error) {
	return nil, transport.Errorf("open", transport.ErrNotSupported, errNoUSB)
}

// OpenRaw is not available without the gousb build tag outside Linux.
func OpenRaw(ctx context.Context, m Match, opts ...usbtmc.Option) (transport.Conn, error) {
	return nil, transport.Errorf("open", transport.ErrNotSupported, errNoUSB)
}
