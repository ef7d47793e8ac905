//go:build !linux && !(gousb && cgo)

package host

import (
	"context"
	"fmt"
	"runtime"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
)

// errNoUSB says what this build lacks: usbfs exists only on Linux, and
// libusb comes in only with the gousb build tag and cgo.
var errNoUSB = fmt.Errorf("USB on %s needs a build with -tags gousb (cgo + libusb)", runtime.GOOS)

// Open is not available here: see errNoUSB.
func Open(ctx context.Context, m Match, opts ...usbtmc.Option) (transport.Conn, error) {
	return nil, transport.Errorf("open", transport.ErrNotSupported, errNoUSB)
}

// OpenRaw is not available here: see errNoUSB.
func OpenRaw(ctx context.Context, m Match, opts ...usbtmc.Option) (transport.Conn, error) {
	return nil, transport.Errorf("open", transport.ErrNotSupported, errNoUSB)
}

// Resources lists nothing without a USB path.
func Resources() []string { return nil }

// Available reports whether this build reaches USB devices, and how (or
// why not).
func Available() (bool, string) { return false, errNoUSB.Error() }
