//go:build gousb && cgo

package gousb

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	lib "github.com/google/gousb"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
	"github.com/govisa/govisa/transport/usbtmc/usbfs"
)

// Match selects an instrument (the same fields as usbfs.Match).
type Match = usbfs.Match

// Found is one USBTMC (or, for RAW, any) interface of an attached device.
type Found struct {
	VendorID, ProductID uint16
	Serial              string
	Interface           int
	Protocol            uint8 // bInterfaceProtocol (1 = USB488)
	TMC                 bool  // class 0xFE, subclass 3
}

// shared is the one libusb context of the process: a context per device
// would start a libusb event thread each.
var shared struct {
	sync.Mutex
	ctx  *lib.Context
	refs int
}

func acquire() *lib.Context {
	shared.Lock()
	defer shared.Unlock()
	if shared.ctx == nil {
		shared.ctx = lib.NewContext()
	}
	shared.refs++
	return shared.ctx
}

func release() {
	shared.Lock()
	defer shared.Unlock()
	shared.refs--
	if shared.refs == 0 && shared.ctx != nil {
		shared.ctx.Close()
		shared.ctx = nil
	}
}

// Find lists the interfaces matching m (all TMC interfaces of all devices
// when m.VendorID is 0), reading serial numbers from the devices, which
// libusb has to open for that.
func Find(m Match) ([]Found, error) {
	ctx := acquire()
	defer release()
	devs, err := ctx.OpenDevices(func(d *lib.DeviceDesc) bool {
		if m.VendorID != 0 && (uint16(d.Vendor) != m.VendorID || uint16(d.Product) != m.ProductID) {
			return false
		}
		return m.Raw || hasTMC(d)
	})
	defer func() {
		for _, d := range devs {
			d.Close()
		}
	}()
	var out []Found
	for _, d := range devs {
		serial, _ := d.SerialNumber()
		if m.Serial != "" && serial != m.Serial {
			continue
		}
		for _, in := range interfaces(d.Desc) {
			if (!m.Raw && !in.TMC) || (m.Interface >= 0 && in.Interface != m.Interface) {
				continue
			}
			in.VendorID, in.ProductID, in.Serial = uint16(d.Desc.Vendor), uint16(d.Desc.Product), serial
			out = append(out, in)
		}
	}
	if len(out) == 0 {
		if err != nil {
			return nil, transport.Errorf("open", mapErr(err), fmt.Errorf("gousb: %w", err))
		}
		return nil, transport.Errorf("open", transport.ErrNotFound, fmt.Errorf("gousb: no USB interface %04x:%04x serial %q interface %d", m.VendorID, m.ProductID, m.Serial, m.Interface))
	}
	return out, nil
}

func hasTMC(d *lib.DeviceDesc) bool {
	for _, in := range interfaces(d) {
		if in.TMC {
			return true
		}
	}
	return false
}

// interfaces lists the first alternate setting of every interface of the
// lowest-numbered configuration, in interface order.
func interfaces(d *lib.DeviceDesc) []Found {
	cfg, ok := firstConfig(d)
	if !ok {
		return nil
	}
	var out []Found
	for _, in := range cfg.Interfaces {
		if len(in.AltSettings) == 0 {
			continue
		}
		a := in.AltSettings[0]
		out = append(out, Found{Interface: in.Number, Protocol: uint8(a.Protocol), TMC: a.Class == 0xFE && a.SubClass == 3})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Interface < out[j].Interface })
	return out
}

func firstConfig(d *lib.DeviceDesc) (lib.ConfigDesc, bool) {
	best, ok := 0, false
	for n := range d.Configs {
		if !ok || n < best {
			best, ok = n, true
		}
	}
	return d.Configs[best], ok
}

// Device is one claimed interface of a libusb device. It implements
// usbtmc.Transfers and usbtmc.Halter; Close releases everything.
type Device struct {
	dev   *lib.Device
	cfg   *lib.Config
	intf  *lib.Interface
	out   *lib.OutEndpoint
	in    *lib.InEndpoint
	intr  *lib.InEndpoint
	ifc   usbtmc.Interface
	cmu   sync.Mutex // Device.ControlTimeout is shared by control calls
	once  sync.Once
	found Found
}

// Open claims the first interface matching m (detaching a kernel driver
// where libusb can) and reads its endpoints from the descriptors.
func Open(m Match) (*Device, error) {
	found, err := Find(m)
	if err != nil {
		return nil, err
	}
	f := found[0]
	ctx := acquire()
	d := &Device{found: f}
	fail := func(err error) (*Device, error) {
		d.close()
		return nil, transport.Errorf("open", mapErr(err), fmt.Errorf("gousb: %04x:%04x interface %d: %w", f.VendorID, f.ProductID, f.Interface, err))
	}
	devs, err := ctx.OpenDevices(func(desc *lib.DeviceDesc) bool {
		return uint16(desc.Vendor) == f.VendorID && uint16(desc.Product) == f.ProductID
	})
	for _, x := range devs {
		if s, _ := x.SerialNumber(); d.dev == nil && s == f.Serial {
			d.dev = x
		} else {
			x.Close()
		}
	}
	if d.dev == nil {
		if err == nil {
			err = errors.New("device went away")
		}
		return fail(err)
	}
	d.dev.SetAutoDetach(true) // not supported everywhere; claiming then reports the owner
	cfgDesc, _ := firstConfig(d.dev.Desc)
	if d.cfg, err = d.dev.Config(cfgDesc.Number); err != nil {
		return fail(err)
	}
	if d.intf, err = d.cfg.Interface(f.Interface, 0); err != nil {
		return fail(err)
	}
	ifc := usbtmc.Interface{Number: uint8(f.Interface), Protocol: f.Protocol, VendorID: f.VendorID, ProductID: f.ProductID, Serial: f.Serial}
	for _, ep := range d.intf.Setting.Endpoints {
		switch {
		case ep.TransferType == lib.TransferTypeBulk && ep.Direction == lib.EndpointDirectionOut && ifc.BulkOut == 0:
			ifc.BulkOut = uint8(ep.Address)
			d.out, err = d.intf.OutEndpoint(ep.Number)
		case ep.TransferType == lib.TransferTypeBulk && ep.Direction == lib.EndpointDirectionIn && ifc.BulkIn == 0:
			ifc.BulkIn, ifc.MaxPacket = uint8(ep.Address), uint16(ep.MaxPacketSize)
			d.in, err = d.intf.InEndpoint(ep.Number)
		case ep.TransferType == lib.TransferTypeInterrupt && ep.Direction == lib.EndpointDirectionIn && ifc.InterruptIn == 0:
			ifc.InterruptIn, ifc.IntrPacket = uint8(ep.Address), uint16(ep.MaxPacketSize)
			d.intr, err = d.intf.InEndpoint(ep.Number)
		}
		if err != nil {
			return fail(err)
		}
	}
	if d.out == nil || d.in == nil {
		return fail(errors.New("the interface has no bulk-out/bulk-in pair"))
	}
	d.ifc = ifc
	return d, nil
}

// Interface describes the claimed interface for usbtmc.Open.
func (d *Device) Interface() usbtmc.Interface { return d.ifc }

// wrap classifies a libusb error, preferring the context's own end.
func wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return transport.NetError(op, cerr)
	}
	return transport.Errorf(op, mapErr(err), fmt.Errorf("gousb: %w", err))
}

// mapErr maps libusb errors and transfer statuses onto the transport
// sentinels (a stall is ErrIO, as for usbfs).
func mapErr(err error) error {
	var le lib.Error
	if errors.As(err, &le) {
		switch le {
		case lib.ErrorTimeout:
			return transport.ErrTimeout
		case lib.ErrorNoDevice:
			return transport.ErrConnLost
		case lib.ErrorAccess, lib.ErrorBusy:
			return transport.ErrLocked
		case lib.ErrorNotFound:
			return transport.ErrNotFound
		case lib.ErrorNotSupported:
			return transport.ErrNotSupported
		case lib.ErrorInvalidParam:
			return transport.ErrInvalidArg
		}
		return transport.ErrIO
	}
	var ts lib.TransferStatus
	if errors.As(err, &ts) {
		switch ts {
		case lib.TransferTimedOut:
			return transport.ErrTimeout
		case lib.TransferNoDevice:
			return transport.ErrConnLost
		case lib.TransferCancelled:
			return transport.ErrAborted
		}
	}
	return transport.ErrIO
}

// BulkOut implements usbtmc.Transfers.
func (d *Device) BulkOut(ctx context.Context, ep uint8, p []byte) (int, error) {
	n, err := d.out.WriteContext(ctx, p)
	return n, wrap(ctx, "bulk_out", err)
}

// BulkIn implements usbtmc.Transfers.
func (d *Device) BulkIn(ctx context.Context, ep uint8, p []byte) (int, error) {
	n, err := d.in.ReadContext(ctx, p)
	return n, wrap(ctx, "bulk_in", err)
}

// InterruptIn implements usbtmc.Transfers.
func (d *Device) InterruptIn(ctx context.Context, ep uint8, p []byte) (int, error) {
	if d.intr == nil {
		return 0, transport.Errorf("interrupt_in", transport.ErrNotSupported, nil)
	}
	n, err := d.intr.ReadContext(ctx, p)
	return n, wrap(ctx, "interrupt_in", err)
}

// Control implements usbtmc.Transfers. libusb control transfers take a
// timeout, not a context: the time left before ctx's deadline, or 5 s
// (the USB 2.0 limit for a control request) without one.
func (d *Device) Control(ctx context.Context, reqType, req uint8, value, index uint16, data []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, transport.NetError("control", err)
	}
	tmo := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		tmo = max(time.Until(dl), time.Millisecond)
	}
	d.cmu.Lock()
	defer d.cmu.Unlock()
	d.dev.ControlTimeout = tmo
	n, err := d.dev.Control(reqType, req, value, index, data)
	return max(n, 0), wrap(ctx, "control", err)
}

// ClearHalt implements usbtmc.Halter with the standard
// CLEAR_FEATURE(ENDPOINT_HALT) request; libusb does the same in
// libusb_clear_halt, which gousb does not expose.
func (d *Device) ClearHalt(ctx context.Context, ep uint8) error {
	const reqTypeEndpoint, clearFeature, endpointHalt = 0x02, 0x01, 0
	_, err := d.Control(ctx, reqTypeEndpoint, clearFeature, endpointHalt, uint16(ep), nil)
	return err
}

// Close releases the interface, the configuration and the device.
func (d *Device) Close() error {
	d.close()
	return nil
}

func (d *Device) close() {
	d.once.Do(func() {
		if d.intf != nil {
			d.intf.Close()
		}
		if d.cfg != nil {
			d.cfg.Close()
		}
		if d.dev != nil {
			d.dev.Close()
		}
		release()
	})
}

// Compile-time checks: the engine runs over a Device.
var (
	_ usbtmc.Transfers = (*Device)(nil)
	_ usbtmc.Halter    = (*Device)(nil)
)
