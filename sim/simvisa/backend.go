// Package simvisa is the "@sim" VISA backend: simulated instruments from
// pyvisa-sim definition files (see package sim), reached through the same
// session layer as the native backend (visa.ConnLibrary), so read
// termination, timeouts, locks, events, attributes and the frontend are the
// code under test.
//
// Import it for its side effect:
//
//	import _ "github.com/govisa/govisa/sim/simvisa"
//
//	rm, _ := visa.NewResourceManager("@sim")            // the bundled default set
//	rm, _ := visa.NewResourceManager("bench.yaml@sim")  // your own file
//
// Each resource manager gets its own instances of the devices; sessions of
// one resource manager (and of all resource managers of one library) that
// open the same resource share its state, as they would share a real
// instrument. The backend lives apart from package sim because protocol
// packages' own tests use sim's instruments and package visa imports the
// protocol packages.
package simvisa

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/visa"
)

func init() { visa.Register("sim", Backend{}) }

// Backend is the "sim" backend registered with package visa.
type Backend struct{}

// Open loads path (a definition file; "" = the bundled default set) and
// returns a library over it.
func (Backend) Open(path string) (visa.Library, error) {
	d, err := NewDialer(path, nil)
	if err != nil {
		return nil, err
	}
	return visa.NewConnLibrary(d, nil), nil
}

// Info describes the backend.
func (Backend) Info() visa.BackendInfo { return info() }

func info() visa.BackendInfo {
	return visa.BackendInfo{
		Name:        "sim",
		Description: "simulated instruments from pyvisa-sim definition files (spec " + sim.SpecVersion + ") with govisa extensions",
		Version:     sim.Version,
		Capabilities: []visa.Capability{
			{Name: "ASRL INSTR", Usable: true},
			{Name: "GPIB INSTR", Usable: true},
			{Name: "GPIB INTFC", Usable: true, Reason: "a simulated board: SDC, GET, IFC, ATN over the board's devices"},
			{Name: "TCPIP INSTR", Usable: true},
			{Name: "TCPIP SOCKET", Usable: true},
			{Name: "USB INSTR", Usable: true},
			{Name: "USB RAW", Usable: true},
		},
	}
}

// Dialer connects sessions to the devices of one definition file. It
// implements visa.Dialer.
type Dialer struct {
	defs    *sim.Definitions
	names   []string // canonical names in file order
	devices map[string]*sim.Device
	boards  map[int][]*boardDev // GPIB board -> devices on it
	log     *slog.Logger
}

type boardDev struct {
	pad, sad int
	dev      *sim.Device
}

// NewDialer loads path ("" = the bundled default set) and instantiates each
// resource's device. Device options (a logger, limits) apply to every
// device.
func NewDialer(path string, log *slog.Logger, opts ...sim.Option) (*Dialer, error) {
	var defs *sim.Definitions
	var err error
	if path == "" {
		defs, err = sim.LoadDefault()
	} else {
		defs, err = sim.LoadFile(path)
	}
	if err != nil {
		return nil, err
	}
	return NewDialerFrom(defs, log, opts...)
}

// NewDialerFrom is NewDialer for definitions already loaded.
func NewDialerFrom(defs *sim.Definitions, log *slog.Logger, opts ...sim.Option) (*Dialer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dialer{defs: defs, devices: map[string]*sim.Device{}, boards: map[int][]*boardDev{}, log: log}
	for _, r := range defs.Resources {
		rn, err := visa.ParseResourceName(r.Name)
		if err != nil {
			return nil, &sim.DefinitionError{File: defs.File, Line: r.Line, Msg: fmt.Sprintf("invalid resource name %q: %v", r.Name, err)}
		}
		name := rn.String()
		if _, dup := d.devices[name]; dup {
			return nil, &sim.DefinitionError{File: defs.File, Line: r.Line, Msg: fmt.Sprintf("resource %s is listed twice (as %s)", r.Name, name)}
		}
		dev, err := r.NewDevice(opts...)
		if err != nil {
			return nil, err
		}
		d.devices[name] = dev
		d.names = append(d.names, name)
		if rn.Interface == visa.VI_INTF_GPIB && rn.Class == "INSTR" {
			d.boards[rn.Board] = append(d.boards[rn.Board], &boardDev{pad: rn.PrimaryAddr, sad: rn.SecondaryAddr, dev: dev})
		}
	}
	return d, nil
}

// Definitions returns the loaded file.
func (d *Dialer) Definitions() *sim.Definitions { return d.defs }

// Device returns the device behind a resource name (any spelling).
func (d *Dialer) Device(name string) (*sim.Device, bool) {
	rn, err := visa.ParseResourceName(name)
	if err != nil {
		return nil, false
	}
	dev, ok := d.devices[rn.String()]
	return dev, ok
}

// Close stops the devices' pending timers.
func (d *Dialer) Close() error {
	for _, dev := range d.devices {
		dev.Close()
	}
	return nil
}

// Dial opens a session's connection: a loopback to the resource's device,
// or a simulated board for GPIBn::INTFC.
func (d *Dialer) Dial(ctx context.Context, rn visa.ResourceName, attrs *visa.AttrStore) (transport.Conn, error) {
	name := rn.String()
	if dev, ok := d.devices[name]; ok {
		d.log.Debug("sim: dial", "resource", name)
		if rn.Interface == visa.VI_INTF_ASRL {
			return newSerialLoopback(dev), nil
		}
		return sim.NewLoopback(dev), nil
	}
	if rn.Interface == visa.VI_INTF_GPIB && rn.Class == "INTFC" {
		if devs, ok := d.boards[rn.Board]; ok {
			return &board{devs: devs}, nil
		}
	}
	return nil, transport.Errorf("open", transport.ErrNotFound, fmt.Errorf("%s is not defined in %s", name, d.defs.File))
}

// List returns the file's resources, then a GPIBn::INTFC per GPIB board.
func (d *Dialer) List(context.Context) ([]string, error) {
	out := append([]string(nil), d.names...)
	for b := range d.boards {
		intfc := "GPIB" + strconv.Itoa(b) + "::INTFC"
		if _, ok := d.devices[intfc]; !ok {
			out = append(out, intfc)
		}
	}
	return out, nil
}

// Info describes the backend.
func (d *Dialer) Info() visa.BackendInfo {
	i := info()
	i.Description += " (" + d.defs.File + ", " + strconv.Itoa(len(d.names)) + " resources)"
	return i
}

// GPIB command bytes a simulated board understands (IEEE 488.1 multiline
// messages sent with ATN).
const (
	gpibGTL = 0x01
	gpibSDC = 0x04
	gpibGET = 0x08
	gpibLLO = 0x11
	gpibDCL = 0x14
	gpibUNL = 0x3F
	gpibUNT = 0x5F
)

// board is a GPIB INTFC session on a simulated bus: addressed commands
// reach the devices on the board.
type board struct {
	devs      []*boardDev
	listeners map[*boardDev]bool
}

// Write is refused: the board session carries no data of its own.
func (b *board) Write(context.Context, []byte, bool) (int, error) {
	return 0, transport.Errorf("write", transport.ErrNotSupported, fmt.Errorf("a simulated GPIB board has no data transfer; use its devices' INSTR resources"))
}

// Read is refused like Write.
func (b *board) Read(context.Context, []byte, transport.ReadOptions) (int, transport.Reason, error) {
	return 0, 0, transport.Errorf("read", transport.ErrNotSupported, fmt.Errorf("a simulated GPIB board has no data transfer; use its devices' INSTR resources"))
}

// Close ends the board session; the devices stay.
func (b *board) Close() error { return nil }

// Command interprets bus commands: listen addresses, UNL, SDC, GET, DCL,
// GTL and LLO.
func (b *board) Command(ctx context.Context, cmd []byte) error {
	if b.listeners == nil {
		b.listeners = map[*boardDev]bool{}
	}
	for _, c := range cmd {
		c &= 0x7F
		switch {
		case c == gpibUNL:
			clear(b.listeners)
		case c == gpibUNT:
		case c >= 0x20 && c < 0x3F:
			for _, d := range b.devs {
				if d.pad == int(c-0x20) {
					b.listeners[d] = true
				}
			}
		case c == gpibSDC:
			for d := range b.listeners {
				if err := d.dev.Clear(ctx); err != nil {
					return err
				}
			}
		case c == gpibDCL:
			for _, d := range b.devs {
				if err := d.dev.Clear(ctx); err != nil {
					return err
				}
			}
		case c == gpibGET:
			for d := range b.listeners {
				if err := d.dev.Trigger(ctx); err != nil {
					return err
				}
			}
		case c == gpibGTL:
			for d := range b.listeners {
				_ = d.dev.RemoteLocal(ctx, transport.RENAddressGTL)
			}
		case c == gpibLLO:
			for _, d := range b.devs {
				_ = d.dev.RemoteLocal(ctx, transport.RENAssertLLO)
			}
		}
	}
	return nil
}

// SendIFC resets the bus: nobody is addressed.
func (b *board) SendIFC(context.Context) error {
	clear(b.listeners)
	return nil
}

// ControlATN accepts every mode: the simulated bus has no data phase.
func (b *board) ControlATN(context.Context, int) error { return nil }

// PassControl is refused: no simulated device can take control.
func (b *board) PassControl(context.Context, int, int) error {
	return transport.Errorf("pass_control", transport.ErrNotSupported, fmt.Errorf("no simulated device is controller-capable"))
}
