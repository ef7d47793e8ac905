package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/sim/simvisa"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/asrl"
	"github.com/govisa/govisa/transport/gpib/prologix"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/govisa/govisa/transport/socket"
	"github.com/govisa/govisa/transport/vxi11"
	"github.com/govisa/govisa/visa"
)

// serveFlags are the listen addresses of `govisa serve`.
type serveFlags struct {
	socket, vxi11, portmapper, hislip, prologix string
	serial                                      bool
	config                                      string
}

// bundledConfig names the bundled default set for --config.
const bundledConfig = "@sim"

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f serveFlags
	fs.StringVar(&f.config, "config", "", `pyvisa-sim definition file whose resources to serve, or "@sim" for the bundled default set (empty: the test instrument alone)`)
	fs.StringVar(&f.socket, "socket", "127.0.0.1:5025", "TCPIP SOCKET listen address; with --config each resource gets the next port (port 0: any) (empty: off)")
	fs.StringVar(&f.vxi11, "vxi11", "", "VXI-11 core channel listen address, e.g. 127.0.0.1:0 (empty: off)")
	fs.StringVar(&f.portmapper, "portmapper", "127.0.0.1:111", `portmapper for VXI-11: an address to run ours on (or register with the one there), or "none"`)
	fs.StringVar(&f.hislip, "hislip", "", "HiSLIP listen address, e.g. 127.0.0.1:4880 (empty: off)")
	fs.StringVar(&f.prologix, "prologix", "", "Prologix GPIB-ETHERNET emulation listen address fronting the GPIB resources, e.g. 127.0.0.1:1234 (empty: off)")
	fs.BoolVar(&f.serial, "serial", false, "serve each ASRL resource on a pseudo-terminal (Linux)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := startServers(f, servedLoader(f.config))
	if err != nil {
		return err
	}
	for i, n := range srv.names {
		fmt.Fprintln(stdout, n)
		if f.config != "" {
			fmt.Fprintf(stderr, "%s\t<- %s\n", n, srv.origins[i])
		}
	}
	fmt.Fprintln(stdout, "ready")
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-srv.errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.shutdown(sctx); err != nil && serveErr == nil {
		serveErr = err
	}
	return serveErr
}

// servedDevice is one device to put on the network.
type servedDevice struct {
	resource string            // resource name in the definition file ("" for the lone test instrument)
	rn       visa.ResourceName // its parsed form
	device   string            // device name in the file
	dev      transport.Device  //
	sdev     *sim.Device       // the same, when it came from a file
	eom      sim.EOM           // pyvisa-sim terminators for its interface type
	hasIDN   func(string) bool // reports whether a query is a dialogue of the device
}

// loader returns the devices to serve over one protocol (kind) and a
// function that releases them.
type loader func(kind string) ([]servedDevice, func(), error)

// servedLoader loads config for each protocol: every protocol gets its own
// instances of the file's resources, because a server may pull responses
// on its own (a serial line forwards them as they come) and would take
// them from under another protocol's client. Without config the lone test
// instrument is shared by the network protocols, as before --config
// existed; a serial line gets an instance of its own.
func servedLoader(config string) loader {
	if config != "" {
		return func(string) ([]servedDevice, func(), error) { return loadServed(config) }
	}
	shared := sim.NewTestInstrument()
	return func(kind string) ([]servedDevice, func(), error) {
		dev := shared
		if kind == "serial" {
			dev = sim.NewTestInstrument()
		}
		return []servedDevice{{dev: dev, device: "test instrument", eom: sim.EOM{Q: "\n", R: "\n"}}}, func() {}, nil
	}
}

// loadServed returns the devices of a definition file ("@sim": the bundled
// default set).
func loadServed(config string) ([]servedDevice, func(), error) {
	path := config
	if config == bundledConfig {
		path = ""
	}
	d, err := simvisa.NewDialer(path, nil)
	if err != nil {
		return nil, nil, err
	}
	names, _ := d.List(context.Background())
	var out []servedDevice
	for _, n := range names {
		dev, ok := d.Device(n)
		if !ok {
			continue // a synthesized GPIB INTFC
		}
		rn, _ := visa.ParseResourceName(n)
		def := dev.Definition()
		out = append(out, servedDevice{resource: n, rn: rn, device: def.Name, dev: dev, sdev: dev, eom: dev.EOM(),
			hasIDN: func(q string) bool {
				for _, dl := range def.Dialogues {
					if dl.Q == q {
						return true
					}
				}
				return false
			}})
	}
	return out, func() { d.Close() }, nil
}

// servers are the protocol servers of one `serve` or `demo` run.
type servers struct {
	names   []string
	origins []string       // what each name serves: resource and device
	kinds   []string       // protocol of each name
	devs    []int          // index into the served devices for each name (-1: an adapter)
	meta    []servedDevice // the devices of the first protocol, for their descriptions
	stops   []func(context.Context) error
	errc    chan error
}

func (s *servers) add(kind, name string, i int, d servedDevice) {
	s.names = append(s.names, name)
	s.kinds = append(s.kinds, kind)
	s.devs = append(s.devs, i)
	origin := fmt.Sprintf("device %q", d.device)
	if d.resource != "" {
		origin = d.resource + " (" + origin + ")"
	}
	if i < 0 {
		origin = "the adapter"
	}
	s.origins = append(s.origins, origin)
}

func (s *servers) shutdown(ctx context.Context) error {
	var errs []error
	for i := len(s.stops) - 1; i >= 0; i-- {
		if err := s.stops[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// startServers hosts every device over every protocol whose address is set.
func startServers(f serveFlags, load loader) (s *servers, err error) {
	s = &servers{errc: make(chan error, 64)}
	defer func() {
		if err != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = s.shutdown(ctx)
		}
	}()
	start := func(kind string, on bool, run func(devs []servedDevice) error) error {
		if !on {
			return nil
		}
		devs, release, err := load(kind)
		if err != nil {
			return err
		}
		if s.meta == nil {
			s.meta = devs
		}
		s.stops = append(s.stops, func(context.Context) error { release(); return nil })
		return run(devs)
	}
	if err := start("SOCKET", f.socket != "", func(d []servedDevice) error { return s.startSockets(f.socket, d) }); err != nil {
		return s, err
	}
	if err := start("VXI-11", f.vxi11 != "", func(d []servedDevice) error { return s.startVXI11(f, d) }); err != nil {
		return s, err
	}
	if err := start("HiSLIP", f.hislip != "", func(d []servedDevice) error { return s.startHiSLIP(f.hislip, d) }); err != nil {
		return s, err
	}
	if err := start("serial", f.serial, s.startSerial); err != nil {
		return s, err
	}
	if err := start("Prologix", f.prologix != "", func(d []servedDevice) error { return s.startPrologix(f.prologix, d) }); err != nil {
		return s, err
	}
	if len(s.names) == 0 {
		return s, errors.New("nothing to serve: give --socket, --vxi11, --hislip, --serial or --prologix (with --serial or --prologix, the file needs ASRL or GPIB resources)")
	}
	return s, nil
}

// startSockets gives each device a SOCKET port: the flag's port, then the
// following ones (or any free port when the flag's port is 0).
func (s *servers) startSockets(addr string, devs []servedDevice) error {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--socket %q: %w", addr, err)
	}
	base, err := strconv.Atoi(portStr)
	if err != nil || base < 0 || base+len(devs) > 65536 {
		return fmt.Errorf("--socket %q: bad port", addr)
	}
	for i, d := range devs {
		port := 0
		if base != 0 {
			port = base + i
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return err
		}
		srv := socket.NewServer(d.dev)
		go func() { s.errc <- ignoreClosed(srv.Serve(l)) }()
		s.stops = append(s.stops, srv.Shutdown)
		s.add("SOCKET", socketResource(l.Addr()), i, d)
	}
	return nil
}

// lanNames picks a unique LAN device name per device: the resource's own
// name when it has one of the wanted kind, then prefix0, prefix1, ... .
// GPIB resources keep their address in VXI-11 gateway form ("gpib0,8").
func lanNames(devs []servedDevice, hislipNames bool) []string {
	prefix := "inst"
	if hislipNames {
		prefix = "hislip"
	}
	names := make([]string, len(devs))
	used := map[string]bool{}
	for i, d := range devs {
		rn := d.rn
		switch {
		case d.resource == "":
			names[i] = prefix + "0"
		case rn.Interface == visa.VI_INTF_TCPIP && rn.Class == "INSTR" && rn.HiSLIP == hislipNames && !used[strings.ToLower(rn.LANDevice)]:
			names[i] = rn.LANDevice
		case !hislipNames && rn.Interface == visa.VI_INTF_GPIB && rn.Class == "INSTR":
			n := "gpib" + strconv.Itoa(rn.Board) + "," + strconv.Itoa(rn.PrimaryAddr)
			if rn.SecondaryAddr >= 0 {
				n += "," + strconv.Itoa(rn.SecondaryAddr)
			}
			if !used[n] {
				names[i] = n
			}
		}
		if names[i] != "" {
			used[strings.ToLower(names[i])] = true
		}
	}
	k := 0
	for i := range names {
		for names[i] == "" {
			n := prefix + strconv.Itoa(k)
			k++
			if !used[n] {
				names[i] = n
				used[n] = true
			}
		}
	}
	return names
}

func (s *servers) startVXI11(f serveFlags, devs []servedDevice) error {
	opts := vxi11.ServerOptions{Portmapper: vxi11.PortmapperAuto, PortmapperAddr: f.portmapper}
	if f.portmapper == "none" || f.portmapper == "" {
		opts = vxi11.ServerOptions{Portmapper: vxi11.PortmapperNone}
	}
	srv := vxi11.NewServer(opts)
	names := lanNames(devs, false)
	for i, d := range devs {
		if err := srv.AddDevice(names[i], d.dev); err != nil {
			return err
		}
	}
	if err := srv.Start(f.vxi11); err != nil {
		return fmt.Errorf("vxi11: %w", err)
	}
	s.stops = append(s.stops, srv.Shutdown)
	host, port := hostPort(srv.CoreAddr())
	for i, d := range devs {
		if opts.Portmapper == vxi11.PortmapperNone || !standardPortmapper(srv.PortmapperAddr()) {
			// Clients cannot find the core port on port 111: name it
			// (pyvisa-py's host,port form, which govisa also accepts).
			s.add("VXI-11", "TCPIP0::"+host+","+port+"::"+names[i]+"::INSTR", i, d)
		} else {
			s.add("VXI-11", "TCPIP0::"+host+"::"+names[i]+"::INSTR", i, d)
		}
	}
	return nil
}

func (s *servers) startHiSLIP(addr string, devs []servedDevice) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	names := lanNames(devs, true)
	m := make(map[string]transport.Device, len(devs))
	for i, d := range devs {
		m[names[i]] = d.dev
	}
	srv := hislip.NewServer(m)
	go func() { s.errc <- ignoreClosed(srv.Serve(l)) }()
	s.stops = append(s.stops, srv.Shutdown)
	host, port := hostPort(l.Addr())
	for i, d := range devs {
		s.add("HiSLIP", "TCPIP0::"+host+"::"+names[i]+","+port+"::INSTR", i, d)
	}
	return nil
}

// startSerial puts each ASRL device (or the lone test instrument) on a
// pseudo-terminal of its own.
func (s *servers) startSerial(devs []servedDevice) error {
	for i, d := range devs {
		if d.resource != "" && d.rn.Interface != visa.VI_INTF_ASRL {
			continue
		}
		pty, err := asrl.OpenPTY()
		if err != nil {
			return fmt.Errorf("--serial: %w", err)
		}
		opts := asrl.DefaultServeOptions()
		if q := d.eom.Q; q != "" {
			opts.TermChar = q[len(q)-1]
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := asrl.Serve(ctx, pty.Master, d.dev, opts); err != nil && ctx.Err() == nil {
				s.errc <- fmt.Errorf("serial %s: %w", pty.SlavePath, err)
			}
		}()
		s.stops = append(s.stops, func(context.Context) error {
			cancel()
			<-done
			return pty.Close()
		})
		s.add("serial", "ASRL"+pty.SlavePath+"::INSTR", i, d)
	}
	return nil
}

// startPrologix fronts the GPIB devices (or the lone test instrument, at
// address 5) with one emulated GPIB-ETHERNET adapter. Devices of several
// boards share its single bus; a second device at a taken address is left
// out.
func (s *servers) startPrologix(addr string, devs []servedDevice) error {
	srv := prologix.NewServer(nil)
	type attached struct {
		i    int
		name string
	}
	var on []attached
	taken := map[prologix.Address]bool{}
	for i, d := range devs {
		a := prologix.Address{PAD: 5, SAD: -1}
		if d.resource != "" {
			if d.rn.Interface != visa.VI_INTF_GPIB || d.rn.Class != "INSTR" {
				continue
			}
			a = prologix.Address{PAD: d.rn.PrimaryAddr, SAD: d.rn.SecondaryAddr}
		}
		if taken[a] {
			continue
		}
		if err := srv.Attach(a, d.dev); err != nil {
			return fmt.Errorf("prologix: %w", err)
		}
		taken[a] = true
		name := "GPIB0::" + strconv.Itoa(a.PAD)
		if a.SAD >= 0 {
			name += "::" + strconv.Itoa(a.SAD)
		}
		on = append(on, attached{i, name + "::INSTR"})
	}
	if len(on) == 0 {
		return nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	go func() { s.errc <- ignoreClosed(srv.Serve(l)) }()
	s.stops = append(s.stops, func(context.Context) error { return srv.Close() })
	host, port := hostPort(l.Addr())
	s.add("Prologix", "PRLGX-TCPIP0::"+host+"::"+port+"::INTFC", -1, servedDevice{})
	for _, a := range on {
		s.add("Prologix", a.name, a.i, devs[a.i])
	}
	return nil
}

func standardPortmapper(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "111"
}

func ignoreClosed(err error) error {
	if err == nil || errors.Is(err, net.ErrClosed) || errors.Is(err, transport.ErrClosed) {
		return nil
	}
	return err
}

// socketResource is the VISA resource name of a SOCKET listener.
func socketResource(a net.Addr) string {
	host, port := hostPort(a)
	return "TCPIP0::" + host + "::" + port + "::SOCKET"
}

func hostPort(a net.Addr) (string, string) {
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
