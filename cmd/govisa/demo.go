package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"sort"
	"time"

	"github.com/govisa/govisa/sim/simserve"
	"github.com/govisa/govisa/visa"
)

// runDemo is the main job on the embedded default: it serves the test
// instrument on loopback in-process, opens it through the public API like
// any user program would, and prints what it measured.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	blockSize := fs.Int("block", 1<<20, "size of the binary block to read")
	queries := fs.Int("queries", 200, "number of *IDN? queries to time")
	defaultSet := fs.Bool("default-set", true, "also serve the bundled @sim default set over every protocol and query each resource")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := simserve.Start(simserve.Options{Socket: "127.0.0.1:0", VXI11: "127.0.0.1:0", HiSLIP: "127.0.0.1:0"}, loaderFor(""))
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fmt.Fprintln(stdout, "govisa demo: the test instrument is served on loopback over SOCKET, VXI-11 and HiSLIP")

	rm, err := visa.NewResourceManager("")
	if err != nil {
		return err
	}
	defer rm.Close()
	for _, sv := range srv.Served {
		if err := demoResource(ctx, rm, sv.Name, *blockSize, *queries, stdout); err != nil {
			return fmt.Errorf("%s: %w", sv.Name, err)
		}
	}
	if *defaultSet {
		return demoDefaultSet(ctx, rm, stdout)
	}
	return nil
}

// demoDefaultSet serves the bundled default set over every protocol and
// asks each served resource who it is.
func demoDefaultSet(ctx context.Context, rm *visa.ResourceManager, stdout io.Writer) error {
	o := simserve.Options{Socket: "127.0.0.1:0", VXI11: "127.0.0.1:0", HiSLIP: "127.0.0.1:0", Prologix: "127.0.0.1:0", Serial: runtime.GOOS == "linux"}
	srv, err := simserve.Start(o, loaderFor(bundledConfig))
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "\n== the bundled default set (%d resources) served over SOCKET, VXI-11, HiSLIP, serial and Prologix\n", len(srv.Devices))
	var adapter *visa.Resource
	defer func() {
		if adapter != nil {
			adapter.Close()
		}
	}()
	for _, sv := range srv.Served {
		if sv.Index < 0 { // the Prologix adapter: the GPIB names go through it
			if adapter, err = rm.OpenResource(ctx, sv.Name, visa.WithTimeout(2*time.Second)); err != nil {
				return fmt.Errorf("%s: %w", sv.Name, err)
			}
			continue
		}
		q := identityQuery(srv.Devices[sv.Index])
		r, err := rm.OpenResource(ctx, sv.Name, visa.WithTimeout(2*time.Second), visa.WithReadTermination("\n"))
		if err != nil {
			return fmt.Errorf("%s: %w", sv.Name, err)
		}
		answer, err := r.Query(ctx, q)
		r.Close()
		if err != nil {
			return fmt.Errorf("%s (%s): %w", sv.Name, srv.Describe(sv), err)
		}
		fmt.Fprintf(stdout, "%-8s %-45s %-6s -> %s\n", sv.Protocol, sv.Name, q, answer)
	}
	return nil
}

// identityQuery is "?IDN" for devices that answer it (pyvisa-sim's
// "device 1" dialect), "*IDN?" otherwise.
func identityQuery(d simserve.Device) string {
	if d.Sim != nil {
		for _, dl := range d.Sim.Definition().Dialogues {
			if dl.Q == "?IDN" {
				return "?IDN"
			}
		}
	}
	return "*IDN?"
}
func demoResource(ctx context.Context, rm *visa.ResourceManager, name string, blockSize, queries int, stdout io.Writer) error {
	fmt.Fprintf(stdout, "\n== %s\n", name)
	r, err := rm.OpenResource(ctx, name, visa.WithTimeout(5*time.Second))
	if err != nil {
		return err
	}
	defer r.Close()
	idn, err := r.Query(ctx, "*IDN?")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "*IDN?  -> %s\n", idn)

	rts := make([]time.Duration, 0, queries)
	for i := 0; i < queries; i++ {
		t0 := time.Now()
		if _, err := r.Query(ctx, "*IDN?"); err != nil {
			return err
		}
		rts = append(rts, time.Since(t0))
	}
	sort.Slice(rts, func(i, j int) bool { return rts[i] < rts[j] })
	fmt.Fprintf(stdout, "query round trip over %d queries: median %v, p99 %v\n", queries, rts[len(rts)/2].Round(time.Microsecond), rts[len(rts)*99/100].Round(time.Microsecond))

	t0 := time.Now()
	data, err := r.QueryBlock(ctx, fmt.Sprintf("TEST:BLOCK? %d", blockSize), visa.BlockOptions{MaxBytes: int64(blockSize)})
	if err != nil {
		return err
	}
	el := time.Since(t0)
	for i, b := range data {
		if b != byte(i) {
			return fmt.Errorf("block byte %d is %d, want %d", i, b, byte(i))
		}
	}
	if len(data) != blockSize {
		return fmt.Errorf("block has %d bytes, want %d", len(data), blockSize)
	}
	fmt.Fprintf(stdout, "TEST:BLOCK? %d -> %d bytes in %v (%.1f MB/s), content verified\n",
		blockSize, len(data), el.Round(time.Microsecond), float64(len(data))/el.Seconds()/1e6)
	return nil
}
