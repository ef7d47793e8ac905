package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/govisa/govisa/conformance"
	"github.com/govisa/govisa/visa"
)

func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf rmFlags
	rf.register(fs)
	asJSON := fs.Bool("json", false, "print the JSON report instead of the table")
	reportFile := fs.String("report", "", "also write the JSON report to this file (attach it to a bug report)")
	timeout := fs.Duration("timeout", 2*time.Second, "I/O timeout of the sessions the checks open")
	tolerance := fs.Duration("tolerance", 500*time.Millisecond, "how late a timeout or cancellation may take effect")
	long := fs.Bool("long", false, "include the 100 MiB transfers")
	checks := fs.String("checks", "", `run only these checks: names or "area/" prefixes, comma-separated (default all)`)
	features := fs.String("features", "", "declare the resource's features instead of detecting them (END,device-clear,status-byte,trigger,service-request,device-locks,test-instrument)")
	list := fs.Bool("list", false, "list the checks and exit")
	verbose := fs.Bool("v", false, "log each check as it finishes to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *list {
		for _, c := range conformance.Checks() {
			needs := ""
			if c.Needs != 0 {
				needs = " [needs " + c.Needs.String() + "]"
			}
			fmt.Fprintf(stdout, "%-30s %s%s\n", c.Name, c.Doc, needs)
		}
		return nil
	}
	if fs.NArg() != 1 {
		return errors.New("usage: govisa conformance [--json] [--report FILE] [--backend X] [--trace] [--long] [--checks LIST] RESOURCE")
	}
	cfg := conformance.Config{Resource: fs.Arg(0), Timeout: *timeout, Tolerance: *tolerance, Long: *long}
	if *checks != "" {
		cfg.Checks = strings.Split(*checks, ",")
	}
	if *features != "" {
		f, err := conformance.ParseFeatures(*features)
		if err != nil {
			return err
		}
		cfg.Features = f
	}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	rm, err := rf.open(stderr)
	if err != nil {
		return err
	}
	defer rm.Close()
	cfg.RM = rm
	cfg.NewRM = func() (*visa.ResourceManager, error) { return rf.open(stderr) }
	rep := conformance.Run(ctx, cfg)
	if *reportFile != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*reportFile, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.Table(stdout); err != nil {
		return err
	}
	if rep.Error != "" {
		return errors.New(rep.Error)
	}
	if _, fail, _ := rep.Counts(); fail > 0 {
		return fmt.Errorf("%d check(s) failed", fail)
	}
	return nil
}
