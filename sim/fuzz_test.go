package sim

import (
	"context"
	"testing"
	"time"
)

// FuzzProgramMessage feeds arbitrary program messages to the test
// instrument: it must never panic, and whatever response it queues must be
// readable to its END with the announced bytes.
func FuzzProgramMessage(f *testing.F) {
	for _, s := range []string{"*IDN?", "*ESE 4;*ESE?;*OPC?", `TEST:ECHO? "a;b";*STB?`, "TEST:BLOCK? 17",
		"*SRE 255;TEST:SRQ;*STB?", "SYST:ERR?\nSYST:ERR?", "*ESE #HFF", "TEST:DELAY 0;*OPC?", ":syst:err:next?",
		"*ESE 1e400", "TEST:BLOCK? 1e3", "\x00;;\r\n", "'unterminated;*IDN?"} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, msg []byte, end bool) {
		ti := NewTestInstrument(WithMaxBlock(1<<16), WithMaxInput(1<<12))
		ctx := context.Background()
		defer ti.Clear(ctx) // also stops a TEST:DELAY timer
		if err := ti.Write(ctx, msg, end); err != nil {
			t.Fatal(err)
		}
		if err := ti.Write(ctx, []byte("\n"), true); err != nil {
			t.Fatal(err)
		}
		b, _ := ti.ReadSTB(ctx)
		if b&0x10 == 0 {
			return // no response queued (or it is delayed: not read here)
		}
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		buf := make([]byte, 1000)
		total := 0
		for {
			n, e, err := ti.Read(rctx, buf)
			if err != nil {
				t.Fatalf("read after %d bytes: %v", total, err)
			}
			total += n
			if e {
				if buf[n-1] != '\n' {
					t.Fatalf("response does not end in newline")
				}
				break
			}
		}
	})
}
