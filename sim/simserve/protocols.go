package simserve

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/asrl"
	"github.com/govisa/govisa/transport/gpib/prologix"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/govisa/govisa/transport/socket"
	"github.com/govisa/govisa/transport/vxi11"
	"github.com/govisa/govisa/visa"
)

// startSockets gives each device a SOCKET port: the flag's port, then the
// following ones (or any free port when the flag's port is 0).
func (s *Server) startSockets(addr string, devs []Device) error {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("simserve: socket address %q: %w", addr, err)
	}
	base, err := strconv.Atoi(portStr)
	if err != nil || base < 0 || base+len(devs) > 65536 {
		return fmt.Errorf("simserve: socket address %q: bad port", addr)
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
		if d.Sim != nil && d.Sim.Framing() == "pyvisa" {
			srv := newRawSocket(d.Dev, s.log)
			s.goServe(func() error { return srv.Serve(l) })
			s.stops = append(s.stops, srv.Shutdown)
		} else {
			srv := socket.NewServer(d.Dev, socket.WithLogger(s.log))
			s.goServe(func() error { return srv.Serve(l) })
			s.stops = append(s.stops, srv.Shutdown)
		}
		host, p := HostPort(l.Addr())
		s.add(SOCKET, "TCPIP0::"+host+"::"+p+"::SOCKET", i)
	}
	return nil
}

// lanNames picks a unique LAN device name per device: the resource's own
// name when it has one of the wanted kind, then prefix0, prefix1, ... .
// GPIB resources keep their address in VXI-11 gateway form ("gpib0,8").
func lanNames(devs []Device, hislipNames bool) []string {
	prefix := "inst"
	if hislipNames {
		prefix = "hislip"
	}
	names := make([]string, len(devs))
	used := map[string]bool{}
	for i, d := range devs {
		rn := d.RN
		switch {
		case d.Resource == "":
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

func (s *Server) startVXI11(o Options, devs []Device) error {
	opts := vxi11.ServerOptions{Portmapper: vxi11.PortmapperAuto, PortmapperAddr: o.Portmapper, Logger: o.Logger}
	if o.Portmapper == "none" || o.Portmapper == "" {
		opts = vxi11.ServerOptions{Portmapper: vxi11.PortmapperNone, Logger: o.Logger}
	}
	srv := vxi11.NewServer(opts)
	names := lanNames(devs, false)
	for i, d := range devs {
		if err := srv.AddDevice(names[i], d.Dev); err != nil {
			return err
		}
	}
	if err := srv.Start(o.VXI11); err != nil {
		return fmt.Errorf("vxi11: %w", err)
	}
	s.stops = append(s.stops, srv.Shutdown)
	host, port := HostPort(srv.CoreAddr())
	for i := range devs {
		if opts.Portmapper == vxi11.PortmapperNone || !standardPortmapper(srv.PortmapperAddr()) {
			// Clients cannot find the core port on port 111: name it
			// (pyvisa-py's host,port form, which govisa also accepts).
			s.add(VXI11, "TCPIP0::"+host+","+port+"::"+names[i]+"::INSTR", i)
		} else {
			s.add(VXI11, "TCPIP0::"+host+"::"+names[i]+"::INSTR", i)
		}
	}
	return nil
}

func (s *Server) startHiSLIP(addr string, configure func(*hislip.Server), devs []Device) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	names := lanNames(devs, true)
	m := make(map[string]transport.Device, len(devs))
	for i, d := range devs {
		m[names[i]] = d.Dev
	}
	srv := hislip.NewServer(m)
	if configure != nil {
		configure(srv)
	}
	s.goServe(func() error { return srv.Serve(l) })
	s.stops = append(s.stops, srv.Shutdown)
	host, port := HostPort(l.Addr())
	for i := range devs {
		s.add(HiSLIP, "TCPIP0::"+host+"::"+names[i]+","+port+"::INSTR", i)
	}
	return nil
}

// startSerial puts each ASRL device (or the lone test instrument) on a
// pseudo-terminal of its own.
func (s *Server) startSerial(devs []Device) error {
	for i, d := range devs {
		if d.Resource != "" && d.RN.Interface != visa.VI_INTF_ASRL {
			continue
		}
		pty, err := asrl.OpenPTY()
		if err != nil {
			return fmt.Errorf("simserve: serial: %w", err)
		}
		opts := asrl.DefaultServeOptions()
		opts.Logger = s.log
		if q := d.EOM.Q; q != "" {
			opts.TermChar = q[len(q)-1]
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := asrl.Serve(ctx, pty.Master, d.Dev, opts); err != nil && ctx.Err() == nil {
				select {
				case s.errc <- fmt.Errorf("serial %s: %w", pty.SlavePath, err):
				default:
				}
			}
		}()
		s.stops = append(s.stops, func(context.Context) error {
			cancel()
			<-done
			return pty.Close()
		})
		s.add(Serial, "ASRL"+pty.SlavePath+"::INSTR", i)
	}
	return nil
}

// startPrologix fronts the GPIB devices (or the lone test instrument, at
// address 5) with one emulated GPIB-ETHERNET adapter. Devices of several
// boards share its single bus; a second device at a taken address is left
// out.
func (s *Server) startPrologix(addr string, devs []Device) error {
	srv := prologix.NewServer(s.log)
	type attached struct {
		i    int
		name string
	}
	var on []attached
	taken := map[prologix.Address]bool{}
	for i, d := range devs {
		a := prologix.Address{PAD: 5, SAD: -1}
		if d.Resource != "" {
			if d.RN.Interface != visa.VI_INTF_GPIB || d.RN.Class != "INSTR" {
				continue
			}
			a = prologix.Address{PAD: d.RN.PrimaryAddr, SAD: d.RN.SecondaryAddr}
		}
		if taken[a] {
			continue
		}
		if err := srv.Attach(a, d.Dev); err != nil {
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
	s.goServe(func() error { return srv.Serve(l) })
	s.stops = append(s.stops, func(context.Context) error { return srv.Close() })
	host, port := HostPort(l.Addr())
	s.add(Prologix, "PRLGX-TCPIP0::"+host+"::"+port+"::INTFC", -1)
	for _, a := range on {
		s.add(Prologix, a.name, a.i)
	}
	return nil
}

func standardPortmapper(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "111"
}
