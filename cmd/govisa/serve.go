package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/govisa/govisa/transport/socket"
	"github.com/govisa/govisa/transport/vxi11"
)

// serveFlags are the listen addresses of `govisa serve`.
type serveFlags struct {
	socket, vxi11, portmapper, hislip string
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f serveFlags
	fs.StringVar(&f.socket, "socket", "127.0.0.1:5025", "TCPIP SOCKET listen address (empty: off)")
	fs.StringVar(&f.vxi11, "vxi11", "", "VXI-11 core channel listen address, e.g. 127.0.0.1:0 (empty: off)")
	fs.StringVar(&f.portmapper, "portmapper", "127.0.0.1:111", `portmapper for VXI-11: an address to run ours on (or register with the one there), or "none"`)
	fs.StringVar(&f.hislip, "hislip", "", "HiSLIP listen address, e.g. 127.0.0.1:4880 (empty: off)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dev := sim.NewTestInstrument()
	srv, err := startServers(f, dev)
	if err != nil {
		return err
	}
	for _, n := range srv.names {
		fmt.Fprintln(stdout, n)
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

// servers are the protocol servers of one `serve` or `demo` run.
type servers struct {
	names []string
	stops []func(context.Context) error
	errc  chan error
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

// startServers hosts dev over every protocol whose address is set.
func startServers(f serveFlags, dev transport.Device) (s *servers, err error) {
	s = &servers{errc: make(chan error, 4)}
	defer func() {
		if err != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = s.shutdown(ctx)
		}
	}()
	if f.socket != "" {
		l, err := net.Listen("tcp", f.socket)
		if err != nil {
			return s, err
		}
		srv := socket.NewServer(dev)
		go func() { s.errc <- ignoreClosed(srv.Serve(l)) }()
		s.stops = append(s.stops, srv.Shutdown)
		s.names = append(s.names, socketResource(l.Addr()))
	}
	if f.vxi11 != "" {
		opts := vxi11.ServerOptions{Portmapper: vxi11.PortmapperAuto, PortmapperAddr: f.portmapper}
		if f.portmapper == "none" || f.portmapper == "" {
			opts = vxi11.ServerOptions{Portmapper: vxi11.PortmapperNone}
		}
		srv := vxi11.NewServer(opts)
		if err := srv.AddDevice("inst0", dev); err != nil {
			return s, err
		}
		if err := srv.Start(f.vxi11); err != nil {
			return s, fmt.Errorf("vxi11: %w", err)
		}
		s.stops = append(s.stops, srv.Shutdown)
		host, port := hostPort(srv.CoreAddr())
		if opts.Portmapper == vxi11.PortmapperNone || !standardPortmapper(srv.PortmapperAddr()) {
			// Clients cannot find the core port on port 111: name it
			// (pyvisa-py's host,port form, which govisa also accepts).
			s.names = append(s.names, "TCPIP0::"+host+","+port+"::inst0::INSTR")
		} else {
			s.names = append(s.names, "TCPIP0::"+host+"::inst0::INSTR")
		}
	}
	if f.hislip != "" {
		l, err := net.Listen("tcp", f.hislip)
		if err != nil {
			return s, err
		}
		srv := hislip.NewServer(map[string]transport.Device{"hislip0": dev})
		go func() { s.errc <- ignoreClosed(srv.Serve(l)) }()
		s.stops = append(s.stops, srv.Shutdown)
		host, port := hostPort(l.Addr())
		s.names = append(s.names, "TCPIP0::"+host+"::hislip0,"+port+"::INSTR")
	}
	if len(s.stops) == 0 {
		return s, errors.New("nothing to serve: give --socket, --vxi11 or --hislip")
	}
	return s, nil
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
