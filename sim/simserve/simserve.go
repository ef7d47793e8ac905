// Package simserve puts simulated instruments on the network: every
// resource of a definition file (or any transport.Device) over VXI-11 and
// HiSLIP (each under its own device name / sub-address), TCPIP SOCKET (a
// port each), serial pseudo-terminals (one per ASRL resource, Linux) and a
// Prologix GPIB-ETHERNET emulation fronting the GPIB resources. It is what
// `govisa serve` and `govisa demo` run.
package simserve

import (
	"context"
	"errors"
	"fmt"
	"github.com/govisa/govisa/transport/hislip"
	"log/slog"
	"net"
	"strconv"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/sim/simvisa"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/visa"
)

// Protocol names used in [Served] and passed to a [Loader].
const (
	SOCKET   = "SOCKET"
	VXI11    = "VXI-11"
	HiSLIP   = "HiSLIP"
	Serial   = "serial"
	Prologix = "Prologix"
)

// Options says which protocols to serve and where. An empty address turns
// a protocol off.
type Options struct {
	// Socket is the TCPIP SOCKET listen address of the first device; the
	// others get the following ports (any free port when the port is 0).
	Socket string
	// VXI11 is the core channel listen address. Portmapper is where to run
	// (or register with) a portmapper; "" or "none" runs none, and the
	// served names then carry the core port (host,port form).
	VXI11, Portmapper string
	// HiSLIP is the HiSLIP listen address.
	HiSLIP string
	// HiSLIPConfig, when set, configures the HiSLIP server before it
	// serves (TLS, SASL users: HiSLIP 2.0 secure connections).
	HiSLIPConfig func(*hislip.Server)
	// Serial serves each ASRL device on a pseudo-terminal of its own.
	Serial bool
	// Prologix is the listen address of the emulated GPIB-ETHERNET.
	Prologix string
	// Logger receives debug traces of the servers; nil is silent.
	Logger *slog.Logger
}

// Device is one device to serve.
type Device struct {
	// Resource is the resource name in the definition file (canonical), ""
	// for a device that is not from a file.
	Resource string
	// RN is Resource parsed (zero when Resource is "").
	RN visa.ResourceName
	// DeviceName is the device's name in the file.
	DeviceName string
	Dev        transport.Device
	// Sim is the same device when it came from a file.
	Sim *sim.Device
	// EOM holds its pyvisa-sim terminators for its interface type.
	EOM sim.EOM
}

// A Loader returns the devices to serve over one protocol and a function
// that releases them. It is called once per protocol.
type Loader func(protocol string) ([]Device, func(), error)

// FileLoader loads path ("" = the bundled default set) once per protocol:
// every protocol gets its own instances of the file's resources, because a
// server may pull responses on its own (a serial line forwards them as
// they come) and would take them from under another protocol's client.
// Load mistakes are reported by the first call.
func FileLoader(path string, opts ...sim.Option) Loader {
	return func(string) ([]Device, func(), error) {
		d, err := simvisa.NewDialer(path, nil, opts...)
		if err != nil {
			return nil, nil, err
		}
		names, _ := d.List(context.Background())
		var out []Device
		for _, n := range names {
			dev, ok := d.Device(n)
			if !ok {
				continue // a synthesized GPIB INTFC
			}
			rn, _ := visa.ParseResourceName(n)
			out = append(out, Device{Resource: n, RN: rn, DeviceName: dev.Definition().Name, Dev: dev, Sim: dev, EOM: dev.EOM()})
		}
		return out, func() { d.Close() }, nil
	}
}

// SharedLoader serves one device, the same instance over every network
// protocol; a serial line gets a fresh instance from newDev.
func SharedLoader(name string, newDev func() transport.Device) Loader {
	shared := newDev()
	return func(protocol string) ([]Device, func(), error) {
		dev := shared
		if protocol == Serial {
			dev = newDev()
		}
		return []Device{{DeviceName: name, Dev: dev, EOM: sim.EOM{Q: "\n", R: "\n"}}}, func() {}, nil
	}
}

// Served is one name a client can open.
type Served struct {
	Name     string // the VISA resource name to open
	Protocol string
	// Index is the device's position in its protocol's device list (and in
	// Server.Devices), -1 for the Prologix adapter itself (open it before
	// the GPIB names that follow it).
	Index int
}

// Server is a running set of protocol servers.
type Server struct {
	// Served lists the names to open, one per served resource and protocol,
	// in the order: SOCKET, VXI-11, HiSLIP, serial, Prologix.
	Served []Served
	// Devices are the devices of the first protocol started (every
	// protocol has the same list, in the same order).
	Devices []Device

	log   *slog.Logger
	stops []func(context.Context) error
	errc  chan error
}

// Start serves the loader's devices over every protocol opts turns on. It
// fails when nothing would be served.
func Start(opts Options, load Loader) (s *Server, err error) {
	s = &Server{errc: make(chan error, 64), log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			_ = s.Shutdown(context.Background())
		}
	}()
	start := func(proto string, on bool, run func(devs []Device) error) error {
		if !on {
			return nil
		}
		devs, release, err := load(proto)
		if err != nil {
			return err
		}
		if s.Devices == nil {
			s.Devices = devs
		}
		s.stops = append(s.stops, func(context.Context) error { release(); return nil })
		return run(devs)
	}
	steps := []struct {
		proto string
		on    bool
		run   func([]Device) error
	}{
		{SOCKET, opts.Socket != "", func(d []Device) error { return s.startSockets(opts.Socket, d) }},
		{VXI11, opts.VXI11 != "", func(d []Device) error { return s.startVXI11(opts, d) }},
		{HiSLIP, opts.HiSLIP != "", func(d []Device) error { return s.startHiSLIP(opts.HiSLIP, opts.HiSLIPConfig, d) }},
		{Serial, opts.Serial, s.startSerial},
		{Prologix, opts.Prologix != "", func(d []Device) error { return s.startPrologix(opts.Prologix, d) }},
	}
	for _, st := range steps {
		if err := start(st.proto, st.on, st.run); err != nil {
			return s, err
		}
	}
	if len(s.Served) == 0 {
		return s, errors.New("simserve: nothing to serve: turn on a protocol (with serial or Prologix only, the devices need ASRL or GPIB resources)")
	}
	return s, nil
}

// Err delivers the first error of a server that stopped on its own.
func (s *Server) Err() <-chan error { return s.errc }

// Shutdown stops every server and releases the devices.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	for i := len(s.stops) - 1; i >= 0; i-- {
		if err := s.stops[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.stops = nil
	return errors.Join(errs...)
}

// Describe says what a served name reaches, for people.
func (s *Server) Describe(sv Served) string {
	if sv.Index < 0 {
		return "the Prologix adapter (open it first)"
	}
	d := s.Devices[sv.Index]
	if d.Resource == "" {
		return fmt.Sprintf("device %q", d.DeviceName)
	}
	return fmt.Sprintf("%s (device %q)", d.Resource, d.DeviceName)
}

func (s *Server) add(proto, name string, i int) {
	s.Served = append(s.Served, Served{Name: name, Protocol: proto, Index: i})
}

// goServe runs a Serve loop and reports an unexpected end.
func (s *Server) goServe(serve func() error) {
	go func() {
		if err := ignoreClosed(serve()); err != nil {
			select {
			case s.errc <- err:
			default:
			}
		}
	}()
}

func ignoreClosed(err error) error {
	if err == nil || errors.Is(err, net.ErrClosed) || errors.Is(err, transport.ErrClosed) {
		return nil
	}
	return err
}

// HostPort splits a listener address for a resource name (IPv6 in
// brackets).
func HostPort(a net.Addr) (string, string) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		h, p, _ := net.SplitHostPort(a.String())
		return h, p
	}
	host := ta.IP.String()
	if ta.IP.To4() == nil {
		host = "[" + host + "]"
	}
	return host, strconv.Itoa(ta.Port)
}
