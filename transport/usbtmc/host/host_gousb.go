//go:build !linux && gousb && cgo

package host

import (
	"context"
	"fmt"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
	"github.com/govisa/govisa/transport/usbtmc/gousb"
)

// Available reports whether this build reaches USB devices, and how.
func Available() (bool, string) { return true, "libusb through gousb (cgo build with -tags gousb)" }

// Open opens a USB INSTR resource through libusb (gousb build tag).
// Sessions of this process to the same interface share one connection.
func Open(ctx context.Context, m Match, opts ...usbtmc.Option) (transport.Conn, error) {
	found, err := gousb.Find(m)
	if err != nil {
		return nil, err
	}
	f := found[0]
	key := fmt.Sprintf("libusb:%04x:%04x:%s#%d", f.VendorID, f.ProductID, f.Serial, f.Interface)
	return join(key, func() (transport.Conn, error) {
		m.Serial, m.Interface = f.Serial, f.Interface
		dev, err := gousb.Open(m)
		if err != nil {
			return nil, err
		}
		c, err := usbtmc.Open(ctx, dev, dev.Interface(), opts...)
		if err != nil {
			dev.Close()
			return nil, err
		}
		return c, nil
	})
}

// OpenRaw opens a USB RAW resource through libusb.
func OpenRaw(ctx context.Context, m Match, opts ...usbtmc.Option) (transport.Conn, error) {
	m.Raw = true
	dev, err := gousb.Open(m)
	if err != nil {
		return nil, err
	}
	return usbtmc.OpenRaw(dev, dev.Interface(), opts...), nil
}

// Resources lists the USBTMC interfaces libusb sees as INSTR resource
// names (devices without a serial number cannot be named and are left
// out, as on Linux).
func Resources() []string {
	found, err := gousb.Find(Match{Interface: -1})
	if err != nil {
		return nil
	}
	return resourceNames(found)
}

func resourceNames(found []gousb.Found) []string {
	var out []string
	for _, f := range found {
		if f.TMC && f.Serial != "" {
			out = append(out, resourceName(f.VendorID, f.ProductID, f.Serial, f.Interface))
		}
	}
	return out
}
