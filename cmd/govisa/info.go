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
	printAliases(stdout)
	return nil
}

// printAliases says where aliases come from and what they are, since an
// alias that does not resolve is otherwise a puzzle.
func printAliases(w io.Writer) {
	file := visa.DefaultAliasFile()
	fmt.Fprintf(w, "Aliases (%s, or $%s; COMn = ASRLn::INSTR built in):\n", file, visa.AliasesEnv)
	a, err := visa.LoadAliases(file)
	if err != nil {
		fmt.Fprintf(w, "  not used: %v\n", err)
		return
	}
	names := a.Names()
	if len(names) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, n := range names {
		rn, _ := a.Resolve(n)
		fmt.Fprintf(w, "  %-16s %s\n", n, rn)
	}
}
