package sim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/govisa/govisa/sim"
)

// The test instrument driven through the transport.Device API, as a
// protocol server would drive it.
func Example() {
	dev := sim.NewTestInstrument(sim.WithIdentity("ACME,Model 1,1234,1.0"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()

	srq := make(chan struct{}, 1)
	unsubscribe := dev.SubscribeSRQ(func() { srq <- struct{}{} })
	defer unsubscribe()

	ask := func(msg string) string {
		if err := dev.Write(ctx, []byte(msg+"\n"), true); err != nil {
			return err.Error()
		}
		buf := make([]byte, 256)
		var out []byte
		for {
			n, end, err := dev.Read(ctx, buf)
			if err != nil {
				return err.Error()
			}
			out = append(out, buf[:n]...)
			if end {
				return string(out)
			}
		}
	}
	fmt.Print(ask("*IDN?"))
	fmt.Printf("%q\n", ask("TEST:ECHO? hello world;TEST:BLOCK? 3"))
	fmt.Print(ask("NOT:A:COMMAND;SYST:ERR?"))

	// Service request: enable STB bit 0 in *SRE, then let TEST:SRQ set it.
	_ = dev.Write(ctx, []byte("*SRE 1;TEST:SRQ\n"), true)
	<-srq
	stb, _ := dev.ReadSTB(ctx)
	fmt.Printf("STB %#02x\n", stb)
	// Output:
	// ACME,Model 1,1234,1.0
	// "hello world;#13\x00\x01\x02\n"
	// -113,"Undefined header"
	// STB 0x41
}
