package hislip

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"github.com/govisa/govisa/internal/benchutil"
	"github.com/govisa/govisa/transport"
)

// tcpBaseline is a bare TCP peer in the same process: "ping" gets one
// line echoed back; "bulk" streams n bytes.
func tcpBaseline(b *testing.B, handler func(net.Conn)) net.Conn {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		l.Close()
		if err != nil {
			return
		}
		defer c.Close()
		handler(c)
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(); <-done })
	return c
}

func echoLines(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		if _, err := c.Write(line); err != nil {
			return
		}
	}
}

// BenchmarkQueryRoundTrip compares one HiSLIP query (client, server and
// test device in this process) with a bare TCP ping-pong of the same bytes
// against a Go echo server, interleaved by benchutil.Compare so that load
// drifting on a busy machine affects both medians alike.
func BenchmarkQueryRoundTrip(b *testing.B) {
	env := startServer(b, nil)
	benchQuery(b, dial(b, env.addr, "hislip0"))
}

// BenchmarkQueryRoundTripTLS is BenchmarkQueryRoundTrip on an encrypted
// session (HiSLIP 2.0, TLS 1.3 on both channels), against the same
// clear-text TCP baseline.
func BenchmarkQueryRoundTripTLS(b *testing.B) {
	env := tlsServer(b, nil)
	benchQuery(b, dial(b, env.addr, "hislip0", trusting()))
}

func benchQuery(b *testing.B, c *Client) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	q := []byte("ECHO? ping\n")
	buf := make([]byte, 64)
	tcp := tcpBaseline(b, echoLines)
	tbr := bufio.NewReader(tcp)
	hislipQuery := func() {
		if _, err := c.Write(ctx, q, true); err != nil {
			b.Fatal(err)
		}
		if n, _, err := c.Read(ctx, buf, transport.ReadOptions{}); err != nil || n != 5 {
			b.Fatalf("read %d: %v", n, err)
		}
	}
	tcpQuery := func() {
		if _, err := tcp.Write(q); err != nil {
			b.Fatal(err)
		}
		if _, err := tbr.ReadSlice('\n'); err != nil {
			b.Fatal(err)
		}
	}
	for range 200 { // warm up both paths
		hislipQuery()
		tcpQuery()
	}
	b.ReportAllocs()
	r := benchutil.Compare(b, tcpQuery, hislipQuery)
	benchutil.ReportLatency(b, r, "tcp")
}

// BenchmarkBlockRead64MiB reads a 64 MiB response and compares the
// throughput with streaming 64 MiB over bare TCP, interleaved by
// benchutil.Compare.
func BenchmarkBlockRead64MiB(b *testing.B) {
	const size = 64 << 20
	env := startServer(b, nil)
	c := dial(b, env.addr, "hislip0", WithMaxMessageKB(1024))
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	buf := make([]byte, 1<<20)
	tcp := tcpBaseline(b, func(conn net.Conn) {
		chunk := make([]byte, 1<<20)
		fillPattern(chunk, 0)
		br := bufio.NewReader(conn)
		for {
			if _, err := br.ReadByte(); err != nil {
				return
			}
			for sent := 0; sent < size; sent += len(chunk) {
				if _, err := conn.Write(chunk); err != nil {
					return
				}
			}
		}
	})
	ours := func() {
		if _, err := c.Write(ctx, []byte("BLOCK? 67108864\n"), true); err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			n, r, err := c.Read(ctx, buf, transport.ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			got += n
			if r.Has(transport.ReasonEND) {
				break
			}
		}
		if got != size {
			b.Fatalf("got %d", got)
		}
	}
	baseline := func() {
		if _, err := tcp.Write([]byte{1}); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < size; {
			n, err := tcp.Read(buf)
			if err != nil {
				b.Fatal(err)
			}
			got += n
		}
	}
	b.SetBytes(size)
	r := benchutil.Compare(b, baseline, ours)
	benchutil.ReportThroughput(b, r, size, "tcp")
}

// BenchmarkOverlappedPipelined compares queries per second with 16
// pipelined queries in overlapped mode against one-at-a-time synchronized
// queries.
func BenchmarkOverlappedPipelined(b *testing.B) {
	const depth = 16
	env := startServer(b, nil)
	ov := dial(b, env.addr, "hislip0", WithOverlapped(true))
	sy := dial(b, env.addr, "hislip1")
	ctx := context.Background()
	q := []byte("ECHO? ping\n")
	buf := make([]byte, 64)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for j := 0; j < depth; j++ {
			if _, err := ov.Write(ctx, q, true); err != nil {
				b.Fatal(err)
			}
		}
		for j := 0; j < depth; j++ {
			if _, _, err := ov.Read(ctx, buf, transport.ReadOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	ovT := time.Since(start)
	start = time.Now()
	for i := 0; i < b.N; i++ {
		for j := 0; j < depth; j++ {
			if _, err := sy.Write(ctx, q, true); err != nil {
				b.Fatal(err)
			}
			if _, _, err := sy.Read(ctx, buf, transport.ReadOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	syT := time.Since(start)
	b.StopTimer()
	n := float64(b.N * depth)
	b.ReportMetric(n/ovT.Seconds(), "overlapped_queries/s")
	b.ReportMetric(n/syT.Seconds(), "sync_queries/s")
	b.ReportMetric(syT.Seconds()/ovT.Seconds(), "speedup")
}
