package prologix_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/gpib/prologix"
)

// Example queries GPIB address 5 behind a GPIB-ETHERNET adapter; here the
// adapter is the emulator with a simulated instrument.
func Example() {
	srv := prologix.NewServer(nil)
	srv.Attach(prologix.Address{PAD: 5, SAD: -1}, sim.NewTestInstrument())
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	a, err := prologix.Dial(ctx, l.Addr().String(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	dmm, _ := a.Instrument(5, -1) // GPIB0::5::INSTR on this board
	dmm.Write(ctx, []byte("*IDN?"), true)
	buf := make([]byte, 256)
	n, _, err := dmm.Read(ctx, buf, transport.ReadOptions{TermChar: '\n', TermCharEnabled: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Split(string(buf[:n]), ",")[1])
	// Output: Test Instrument
}

// ExampleInstr_OnSRQ waits for a service request from the instrument at
// address 5: the adapter polls its SRQ line while a function is registered.
func ExampleInstr_OnSRQ() {
	srv := prologix.NewServer(nil)
	srv.Attach(prologix.Address{PAD: 5, SAD: -1}, sim.NewTestInstrument())
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	a, err := prologix.Dial(ctx, l.Addr().String(), &prologix.Options{SRQPollInterval: 10 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	dev, _ := a.Instrument(5, -1)
	srq := make(chan struct{}, 1)
	dev.OnSRQ(func() {
		select { // must not block
		case srq <- struct{}{}:
		default:
		}
	})
	defer dev.OnSRQ(nil)
	// Request service when a response is available (MAV, bit 4).
	dev.Write(ctx, []byte("*SRE 16;*IDN?"), true)
	select {
	case <-srq:
	case <-ctx.Done():
		fmt.Println("no service request")
		return
	}
	stb, _ := dev.ReadSTB(ctx)
	fmt.Printf("status byte %#02x\n", stb)
	// Output: status byte 0x50
}
