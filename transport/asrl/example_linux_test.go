//go:build linux

package asrl_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/asrl"
)

// Example opens a serial port and queries an instrument. The "port" here
// is a pseudo-terminal with a simulated instrument on its other side.
func Example() {
	pty, err := asrl.OpenPTY()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pty.Close()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- asrl.Serve(ctx, pty.Master, sim.NewTestInstrument(), nil) }()
	defer func() { stop(); <-served }()

	cfg := asrl.DefaultConfig()
	cfg.BaudRate = 115200
	cfg.EndOut = asrl.EndTermChar // append LF when END is sent
	c, err := asrl.Open(ctx, pty.SlavePath, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	qctx, cancel := context.WithTimeout(ctx, 2*time.Second) // the VISA timeout
	defer cancel()
	if _, err := c.Write(qctx, []byte("*IDN?"), true); err != nil {
		fmt.Println(err)
		return
	}
	buf := make([]byte, 256)
	n, why, err := c.Read(qctx, buf, transport.ReadOptions{TermChar: '\n', TermCharEnabled: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Split(string(buf[:n]), ",")[1], why.Has(transport.ReasonEND))
	// Output: Test Instrument true
}
