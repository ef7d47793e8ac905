package prologix

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// BenchmarkQuery measures one *IDN? query through the Prologix client and
// emulator, and in the same run a bare TCP round trip of the same sizes
// (an echo server answering a fixed line).
func BenchmarkQuery(b *testing.B) { benchQuery(b, false) }

// BenchmarkQuerySRQPolling is BenchmarkQuery while the instrument has an
// SRQ function registered, so the adapter polls ++srq every 50 ms (the
// default) between the queries.
func BenchmarkQuerySRQPolling(b *testing.B) { benchQuery(b, true) }

func benchQuery(b *testing.B, srq bool) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	answer := []byte("govisa,Test Instrument,0,dev\n")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			c.Write(answer)
		}
	}()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	bs := startServer(b)
	in := instr(b, dial(b, bs.addr, nil), 5, -1)
	if srq {
		in.OnSRQ(func() {})
		defer in.OnSRQ(nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	buf := make([]byte, 256)
	b.ResetTimer()

	start := time.Now()
	for range b.N {
		raw.Write([]byte("++read 10\n"))
		if _, err := io.ReadFull(raw, buf[:len(answer)]); err != nil {
			b.Fatal(err)
		}
	}
	rawNs := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	start = time.Now()
	for range b.N {
		if _, err := in.Write(ctx, []byte("*IDN?"), true); err != nil {
			b.Fatal(err)
		}
		if _, _, err := in.Read(ctx, buf, lineOpt); err != nil {
			b.Fatal(err)
		}
	}
	plxNs := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.StopTimer()
	raw.Close()
	l.Close()
	wg.Wait()
	b.ReportMetric(rawNs, "tcp_ns/query")
	b.ReportMetric(plxNs, "prologix_ns/query")
	b.ReportMetric(plxNs/rawNs, "ratio_vs_tcp")
}
