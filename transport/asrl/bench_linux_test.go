//go:build linux

package asrl

import (
	"context"
	"os"
	"testing"
	"time"
)

// BenchmarkQuery measures one *IDN? query through Conn and Serve with a
// simulated instrument, and, in the same run, a bare round trip over
// another pty (raw writes and reads, the far side echoing a fixed answer).
// ratio_vs_raw is how much the VISA serial path costs on top of the line.
func BenchmarkQuery(b *testing.B) {
	// Baseline: raw pty round trip.
	raw := rawPTY(b)
	slave, err := os.OpenFile(raw.SlavePath, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer slave.Close()
	answer := []byte("govisa,Test Instrument,0,dev\n")
	echoDone := make(chan struct{})
	go func() {
		defer close(echoDone)
		buf := make([]byte, 64)
		for {
			if _, err := raw.Master.Read(buf); err != nil {
				return
			}
			raw.Master.Write(answer)
		}
	}()
	s := servePTY(b, nil)
	c := openConn(b, s.pty.SlavePath, DefaultConfig())
	buf := make([]byte, 256)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b.ResetTimer()

	start := time.Now()
	for range b.N {
		if _, err := slave.Write([]byte("*IDN?\n")); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < len(answer); {
			n, err := slave.Read(buf[got:])
			if err != nil {
				b.Fatal(err)
			}
			got += n
		}
	}
	rawNs := float64(time.Since(start).Nanoseconds()) / float64(b.N)

	start = time.Now()
	for range b.N {
		if _, err := c.Write(ctx, []byte("*IDN?\n"), true); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx, buf, lineOpt); err != nil {
			b.Fatal(err)
		}
	}
	connNs := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.StopTimer()
	raw.Master.SetReadDeadline(time.Unix(1, 0))
	<-echoDone
	b.ReportMetric(rawNs, "raw_ns/query")
	b.ReportMetric(connNs, "asrl_ns/query")
	b.ReportMetric(connNs/rawNs, "ratio_vs_raw")
}
