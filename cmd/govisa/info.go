package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/govisa/govisa/visa"
)

func runInfo(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "govisa %s\n", version)
	fmt.Fprintf(stdout, "Go runtime: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "CGO_ENABLED" || s.Key == "vcs.revision" {
				fmt.Fprintf(stdout, "  %s=%s\n", s.Key, s.Value)
			}
		}
	}
	fmt.Fprintln(stdout, "Backends:")
	for _, b := range visa.Backends() {
		fmt.Fprintf(stdout, "  @%s: %s (version %s)\n", b.Name, b.Description, b.Version)
		for _, c := range b.Capabilities {
			mark := "yes"
			if !c.Usable {
				mark = "no"
			}
			line := fmt.Sprintf("    %-24s %s", c.Name, mark)
			if c.Reason != "" {
				line += " — " + c.Reason
			}
			fmt.Fprintln(stdout, line)
		}
	}
	return nil
}
