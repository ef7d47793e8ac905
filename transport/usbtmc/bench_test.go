package usbtmc

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

// BenchmarkBlockReadInProcess reads a 4 MiB block through the USBTMC
// engine and, in the same run, through plain bulk pipes of the same
// simulated instrument (RAW): the ratio is the engine's framing cost
// without any USB stack in between. The VM benchmark in ./vmtest measures
// the same over the kernel's dummy_hcd.
func BenchmarkBlockReadInProcess(b *testing.B) {
	const size = 4 << 20
	cmd := []byte(fmt.Sprintf("TEST:BLOCK? %d\n", size))
	want := size + len(fmt.Sprintf("#%d%d", len(fmt.Sprint(size)), size)) + 1
	ctx := context.Background()
	tmcDev := NewDevice(sim.NewTestInstrument(), DeviceOptions{})
	c, err := Open(ctx, tmcDev, testIfc)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	raw := OpenRaw(NewDevice(sim.NewTestInstrument(), DeviceOptions{Raw: true}), testIfc)
	defer raw.Close()
	buf := make([]byte, 1<<20)
	read := func(conn transport.Conn, untilEND bool) time.Duration {
		t := time.Now()
		if _, err := conn.Write(ctx, cmd, true); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < want; {
			n, why, err := conn.Read(ctx, buf, transport.ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			got += n
			if untilEND && why.Has(transport.ReasonEND) && got != want {
				b.Fatalf("END after %d of %d bytes", got, want)
			}
		}
		return time.Since(t)
	}
	var tTMC, tRaw time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tTMC += read(c, true)
		tRaw += read(raw, false)
	}
	b.ReportMetric(float64(size)*float64(b.N)/tTMC.Seconds()/1e6, "MB/s_usbtmc")
	b.ReportMetric(float64(size)*float64(b.N)/tRaw.Seconds()/1e6, "MB/s_raw")
	b.ReportMetric(tRaw.Seconds()/tTMC.Seconds(), "ratio_vs_raw")
}
