package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/govisa/govisa/sim"
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	dev := sim.NewTestInstrument()
	srv, err := startServers(serveFlags{socket: "127.0.0.1:0", vxi11: "127.0.0.1:0", portmapper: "none", hislip: "127.0.0.1:0"}, dev)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.shutdown(sctx)
	}()
	fmt.Fprintln(stdout, "govisa demo: the test instrument is served on loopback over SOCKET, VXI-11 and HiSLIP")

	rm, err := visa.NewResourceManager("")
	if err != nil {
		return err
	}
	defer rm.Close()
	for _, name := range srv.names {
		if err := demoResource(ctx, rm, name, *blockSize, *queries, stdout); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
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
