//go:build linux

package linuxgpib_test

import (
	"context"
	"fmt"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/gpib/linuxgpib"
)

// A program's GPIB code runs unchanged against a simulated board: find
// the instruments on the bus, then query one of them.
func Example() {
	bus := linuxgpib.NewSimBus()
	defer bus.Close()
	bus.Attach(5, -1, sim.NewTestInstrument())
	bus.Attach(7, 3, sim.NewTestInstrument())
	undo := linuxgpib.Simulate(0, bus) // /dev/gpib0 is now the simulation
	defer undo()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	board, err := linuxgpib.Open(0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer board.Close()
	found, err := board.FindListeners(ctx, linuxgpib.DefaultScanTimeout)
	fmt.Println(found, err)

	dev, _ := board.Instrument(5, -1)
	dev.SetAttr(0x3FFF0184, true) // VI_ATTR_GPIB_UNADDR_EN: UNT UNL after each transfer
	if _, err := dev.Write(ctx, []byte("*IDN?\n"), true); err != nil {
		fmt.Println(err)
		return
	}
	buf := make([]byte, 256)
	n, _, err := dev.Read(ctx, buf, transport.ReadOptions{TermChar: '\n', TermCharEnabled: true})
	fmt.Printf("%q %v\n", buf[:n], err)
	// Output:
	// [{5 -1} {7 3}] <nil>
	// "govisa,Test Instrument,0,0.1\n" <nil>
}
