package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/sim/simserve"
	"github.com/govisa/govisa/transport"
)

// bundledConfig names the bundled default set for --config.
const bundledConfig = "@sim"

// loaderFor returns what `serve --config config` serves: the file's
// resources, the bundled default set for "@sim", or the lone test
// instrument when config is empty.
func loaderFor(config string) simserve.Loader {
	switch config {
	case "":
		return simserve.SharedLoader("test instrument", func() transport.Device { return sim.NewTestInstrument() })
	case bundledConfig:
		return simserve.FileLoader("")
	}
	return simserve.FileLoader(config)
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o simserve.Options
	config := fs.String("config", "", `pyvisa-sim definition file whose resources to serve, or "@sim" for the bundled default set (empty: the test instrument alone)`)
	fs.StringVar(&o.Socket, "socket", "127.0.0.1:5025", "TCPIP SOCKET listen address; with --config each resource gets the next port (port 0: any) (empty: off)")
	fs.StringVar(&o.VXI11, "vxi11", "", "VXI-11 core channel listen address, e.g. 127.0.0.1:0 (empty: off)")
	fs.StringVar(&o.Portmapper, "portmapper", "127.0.0.1:111", `portmapper for VXI-11: an address to run ours on (or register with the one there), or "none"`)
	fs.StringVar(&o.HiSLIP, "hislip", "", "HiSLIP listen address, e.g. 127.0.0.1:4880 (empty: off)")
	fs.StringVar(&o.Prologix, "prologix", "", "Prologix GPIB-ETHERNET emulation listen address fronting the GPIB resources, e.g. 127.0.0.1:1234 (empty: off)")
	fs.BoolVar(&o.Serial, "serial", false, "serve each ASRL resource on a pseudo-terminal (Linux)")
	var sec secureFlags
	sec.register(fs)
	mdns := fs.String("mdns", "", "announce the served network resources by mDNS/DNS-SD on these interfaces (comma-separated; off when empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := sec.configure()
	if err != nil {
		return err
	}
	o.HiSLIPConfig = cfg
	srv, err := simserve.Start(o, loaderFor(*config))
	if err != nil {
		return err
	}
	for _, sv := range srv.Served {
		fmt.Fprintln(stdout, sv.Name)
		if *config != "" {
			fmt.Fprintf(stderr, "%s\t<- %s\n", sv.Name, srv.Describe(sv))
		}
	}
	if *mdns != "" {
		stop, err := announce(ctx, *mdns, srv.Served)
		if err != nil {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
			return err
		}
		defer stop()
	}
	fmt.Fprintln(stdout, "ready")
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-srv.Err():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && serveErr == nil {
		serveErr = err
	}
	return serveErr
}
