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
	"github.com/govisa/govisa/transport/socket"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sockAddr := fs.String("socket", "127.0.0.1:5025", "TCPIP SOCKET listen address (empty to disable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dev := sim.NewTestInstrument()
	var shutdowns []func(context.Context) error
	errc := make(chan error, 4)
	if *sockAddr != "" {
		l, err := net.Listen("tcp", *sockAddr)
		if err != nil {
			return err
		}
		srv := socket.NewServer(dev)
		go func() { errc <- srv.Serve(l) }()
		shutdowns = append(shutdowns, srv.Shutdown)
		fmt.Fprintln(stdout, socketResource(l.Addr()))
	}
	if len(shutdowns) == 0 {
		return errors.New("nothing to serve: give --socket ADDR")
	}
	fmt.Fprintln(stdout, "ready")
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, sd := range shutdowns {
		if err := sd(sctx); err != nil && serveErr == nil {
			serveErr = err
		}
	}
	return serveErr
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
