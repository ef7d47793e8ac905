//go:build linux

package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
	"github.com/govisa/govisa/transport/usbtmc/kdriver"
	"github.com/govisa/govisa/transport/usbtmc/usbfs"
)

// Root is the sysfs directory Open enumerates (a variable for tests).
var Root = usbfs.SysfsRoot

// Available reports whether this build reaches USB devices, and how.
func Available() (bool, string) {
	return true, "usbfs in pure Go (needs write access to /dev/bus/usb: a udev rule), else the usbtmc kernel driver's /dev/usbtmcN"
}

// Open opens a USB INSTR resource: the first USBTMC interface matching m.
// It prefers usbfs and falls back to /dev/usbtmcN when usbfs is not
// permitted and the kernel driver owns the interface. Sessions of this
// process to the same interface share one connection (a *[Session]);
// options apply when the connection is first opened.
func Open(ctx context.Context, m Match, opts ...usbtmc.Option) (transport.Conn, error) {
	found, err := usbfs.Find(Root, m)
	if err != nil {
		return nil, err
	}
	in := found[0]
	key := fmt.Sprintf("%s#%d", in.Device.Node(), in.Interface.Number)
	return join(key, func() (transport.Conn, error) { return open(ctx, in, opts) })
}

func open(ctx context.Context, in usbfs.Instrument, opts []usbtmc.Option) (transport.Conn, error) {
	dev, err := usbfs.OpenDevice(in.Device.Node(), in.Interface.Number, usbfs.Options{Config: in.Device.Config})
	if err != nil {
		if errors.Is(err, transport.ErrLocked) && in.Interface.Misc != "" {
			kc, kerr := kdriver.Open(filepath.Join("/dev", in.Interface.Misc), nil)
			if kerr == nil {
				return kc, nil
			}
			err = fmt.Errorf("%w; kernel driver node: %v", err, kerr)
		}
		return nil, fmt.Errorf("%w\n%s", err, Explain(in))
	}
	ifc := dev.Interface()
	ifc.Serial = in.Device.Serial
	c, err := usbtmc.Open(ctx, dev, ifc, opts...)
	if err != nil {
		dev.Close()
		return nil, err
	}
	return c, nil
}

// OpenRaw opens a USB RAW resource through usbfs.
func OpenRaw(ctx context.Context, m Match, opts ...usbtmc.Option) (transport.Conn, error) {
	m.Raw = true
	found, err := usbfs.Find(Root, m)
	if err != nil {
		return nil, err
	}
	in := found[0]
	dev, err := usbfs.OpenDevice(in.Device.Node(), in.Interface.Number, usbfs.Options{Config: in.Device.Config})
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, Explain(in))
	}
	return usbtmc.OpenRaw(dev, dev.Interface(), opts...), nil
}

// Explain says why an instrument may not be usable and what to do: node
// permissions, the kernel driver, the udev rule to install.
func Explain(in usbfs.Instrument) string {
	var b strings.Builder
	node := in.Device.Node()
	fmt.Fprintf(&b, "USB %04x:%04x serial %q interface %d at %s", in.Device.VendorID, in.Device.ProductID, in.Device.Serial, in.Interface.Number, node)
	if f, err := os.OpenFile(node, os.O_RDWR, 0); err != nil {
		fmt.Fprintf(&b, "\n  usbfs: %v", err)
		if errors.Is(err, os.ErrPermission) {
			fmt.Fprintf(&b, "\n  install a udev rule, e.g. /etc/udev/rules.d/99-govisa-usbtmc.rules:\n    %s  then: sudo udevadm control --reload && sudo udevadm trigger", usbfs.UdevRule(in.Device.VendorID, in.Device.ProductID))
		}
	} else {
		f.Close()
		b.WriteString("\n  usbfs: node is writable")
	}
	if in.Interface.Driver != "" {
		fmt.Fprintf(&b, "\n  kernel driver %q owns the interface (usbfs detaches it while a session is open)", in.Interface.Driver)
	}
	if in.Interface.Misc != "" {
		fmt.Fprintf(&b, "\n  kernel driver node: /dev/%s", in.Interface.Misc)
	}
	return b.String()
}

// Resources lists the USBTMC interfaces of the attached devices as INSTR
// resource names (from sysfs; devices without a serial number cannot be
// named and are left out).
func Resources() []string { return sysfsNames(Root) }
