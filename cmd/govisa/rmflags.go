package main

import (
	"flag"
	"io"
	"log/slog"
	"os"

	"github.com/govisa/govisa/visa"
)

// rmFlags are the flags of the commands that open a resource manager:
// which backend, and whether to trace every VISA call.
type rmFlags struct {
	backend string
	trace   bool
}

func (f *rmFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.backend, "backend", "", `backend: "" (native), "@sim", "file.yaml@sim", ...`)
	fs.BoolVar(&f.trace, "trace", false, "log every VISA call with its arguments, status and duration to stderr (also GOVISA_TRACE=1)")
}

// open opens a resource manager on the chosen backend, traced to stderr
// when --trace is given or GOVISA_TRACE asks for it.
func (f *rmFlags) open(stderr io.Writer) (*visa.ResourceManager, error) {
	lib, err := visa.OpenLibrary(f.backend)
	if err != nil {
		return nil, err
	}
	return visa.NewResourceManagerFor(f.wrap(lib, stderr))
}

// wrap traces lib to stderr when --trace is given, or as GOVISA_TRACE asks.
func (f *rmFlags) wrap(lib visa.Library, stderr io.Writer) visa.Library {
	if f.trace {
		return visa.NewTraceLibrary(lib, slog.New(slog.NewTextHandler(stderr, nil)))
	}
	if _, traced := lib.(*visa.TraceLibrary); traced {
		return lib
	}
	return visa.TraceFromEnv(lib)
}

// isTerminal reports whether w is a terminal (a character device), the
// condition for drawing progress bars and for line editing.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
