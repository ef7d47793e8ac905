// Command govisa is the govisa command-line tool: information about the
// backends, resource listing, one-shot queries, an interactive shell,
// serving simulated instruments on the network, a benchmark, the
// conformance suite against any resource, and a demo.
//
//	govisa info
//	govisa list [QUERY]
//	govisa query [--timeout 2s] [--backend @sim] RESOURCE COMMAND
//	govisa shell [--backend @sim]
//	govisa serve [--socket 127.0.0.1:5025]
//	govisa bench [--json] RESOURCE
//	govisa conformance [--json] RESOURCE
//	govisa demo
//
// Each command prints its flags with -h.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is the govisa version, printed by info.
const version = "0.1.0"

type command struct {
	name  string
	usage string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"info", "show version, Go runtime and backends with what each supports here", runInfo},
		{"list", "list resources the backend finds: list [--backend X] [QUERY]", runList},
		{"query", "send a command and print the reply: query [--timeout D] [--backend X] RESOURCE COMMAND", runQuery},
		{"serve", "serve simulated instruments: serve [--config FILE|@sim] [--socket A] [--vxi11 A] [--hislip A] [--serial] [--prologix A] [--tls-cert F --tls-key F] [--mdns IFACES]", runServe},
		{"demo", "start simulated instruments on loopback and use them through the API", runDemo},
		{"shell", "interactive shell like pyvisa-shell (plain lines from a pipe): shell [--backend X] [--trace]", runShell},
		{"bench", "query round-trip percentiles and block throughput: bench [--json] [--backend X] RESOURCE", runBench},
		{"conformance", "check VISA semantics against a resource: conformance [--json] [--report FILE] [--backend X] RESOURCE", runConformance},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: govisa COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-6s %s\n", c.name, c.usage)
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			if err := c.run(ctx, args[1:], stdout, stderr); err != nil {
				fmt.Fprintln(stderr, "govisa "+c.name+":", err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "govisa: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}
