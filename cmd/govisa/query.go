package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/govisa/govisa/visa"
)

func runQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 2*time.Second, "I/O timeout (VI_ATTR_TMO_VALUE)")
	backend := fs.String("backend", "", `backend: "" (native), "@sim", "file.yaml@sim", ...`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("usage: govisa query [--timeout D] [--backend X] RESOURCE COMMAND")
	}
	rm, err := visa.NewResourceManager(*backend)
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
	backend := fs.String("backend", "", `backend: "" (native), "@sim", ...`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rm, err := visa.NewResourceManager(*backend)
	if err != nil {
		return err
	}
	defer rm.Close()
	query := "?*::INSTR"
	if fs.NArg() > 0 {
		query = fs.Arg(0)
	}
	names, err := rm.ListResources(ctx, query)
	if err != nil && !errors.Is(err, visa.ErrResourceNFound) {
		return err
	}
	for _, n := range names {
		fmt.Fprintln(stdout, n)
	}
	return nil
}
