package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/govisa/govisa/transport/discovery"
	"github.com/govisa/govisa/visa"
)

func runQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 2*time.Second, "I/O timeout (VI_ATTR_TMO_VALUE)")
	var rf rmFlags
	rf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("usage: govisa query [--timeout D] [--backend X] [--trace] RESOURCE COMMAND")
	}
	rm, err := rf.open(stderr)
	if err != nil {
		return err
	}
	defer rm.Close()
	r, err := rm.OpenResource(ctx, fs.Arg(0), visa.WithTimeout(*timeout))
	if err != nil {
		return err
	}
	defer r.Close()
	reply, err := r.Query(ctx, fs.Arg(1))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, reply)
	return nil
}

func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf rmFlags
	rf.register(fs)
	network := fs.Bool("network", false, "also search the network (mDNS/DNS-SD and the VXI-11 portmapper probe); native backend only")
	ifaces := fs.String("iface", "", "with --network: comma-separated interfaces to search (default: all multicast/broadcast-capable)")
	timeout := fs.Duration("timeout", time.Second, "how long network discovery listens for answers")
	asJSON := fs.Bool("json", false, "print a JSON array of {resource, interface, board, class, alias}")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var rm *visa.ResourceManager
	var err error
	if *network {
		if rf.backend != "" && rf.backend != "@go" {
			return errors.New("--network needs the native backend")
		}
		d := visa.NewNativeDialer()
		d.Discovery = &discovery.Options{Timeout: *timeout}
		if *ifaces != "" {
			d.Discovery.Interfaces = strings.Split(*ifaces, ",")
		}
		rm, err = visa.NewResourceManagerFor(rf.wrap(visa.NewConnLibrary(d, nil), stderr))
	} else {
		rm, err = rf.open(stderr)
	}
	if err != nil {
		return err
	}
	defer rm.Close()
	query := "?*::INSTR"
	if fs.NArg() > 0 {
		query = fs.Arg(0)
	}
	lctx, cancel := context.WithTimeout(ctx, *timeout+5*time.Second)
	defer cancel()
	names, err := rm.ListResources(lctx, query)
	if err != nil && !errors.Is(err, visa.ErrResourceNFound) {
		return err
	}
	if !*asJSON {
		for _, n := range names {
			if info, err := rm.ResourceInfo(n); err == nil && info.Alias != "" {
				fmt.Fprintf(stdout, "%s  (alias %s)\n", n, info.Alias)
				continue
			}
			fmt.Fprintln(stdout, n)
		}
		return nil
	}
	type entry struct {
		Resource  string `json:"resource"`
		Interface string `json:"interface"`
		Board     int    `json:"board"`
		Class     string `json:"class"`
		Alias     string `json:"alias,omitempty"`
	}
	out := []entry{}
	for _, n := range names {
		e := entry{Resource: n}
		if info, err := rm.ResourceInfo(n); err == nil {
			e.Interface, e.Board, e.Class, e.Alias = info.InterfaceType.String(), info.InterfaceBoard, string(info.ResourceClass), info.Alias
		}
		out = append(out, e)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
