package vxi11

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

func benchServer(b *testing.B) (*Server, *Client) {
	b.Helper()
	srv := NewServer(ServerOptions{})
	if err := srv.AddDevice("inst0", sim.NewTestInstrument()); err != nil {
		b.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	c, err := Dial(context.Background(), "127.0.0.1", "inst0", Options{CorePort: srvPort(srv)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return srv, c
}

// bareTCP starts a loopback TCP server that runs serve on each connection
// and returns a connection to it.
func bareTCP(b *testing.B, serve func(net.Conn)) net.Conn {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		serve(c)
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(); l.Close(); <-done })
	return conn
}

// BenchmarkQueryRoundTrip: Write "*IDN?" + Read through VXI-11 (two RPCs)
// against one bare TCP request/response of the same sizes, in the same run.
func BenchmarkQueryRoundTrip(b *testing.B) {
	_, c := benchServer(b)
	idn := []byte("govisa,Test Instrument,0," + sim.Version + "\n")
	conn := bareTCP(b, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			if _, err := r.ReadSlice('\n'); err != nil {
				return
			}
			if _, err := c.Write(idn); err != nil {
				return
			}
		}
	})
	ctx := context.Background()
	cmd := []byte("*IDN?\n")
	buf := make([]byte, 256)
	vxQuery := func() {
		if _, err := c.Write(ctx, cmd, true); err != nil {
			b.Fatal(err)
		}
		n, _, err := c.Read(ctx, buf, transport.ReadOptions{})
		if err != nil || n != len(idn) {
			b.Fatal(n, err)
		}
	}
	tcpQuery := func() {
		if _, err := conn.Write(cmd); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, buf[:len(idn)]); err != nil {
			b.Fatal(err)
		}
	}
	vxQuery()
	tcpQuery()
	b.ReportAllocs()
	b.ResetTimer()
	var vx, bare time.Duration
	// Interleaved in blocks so that both see the same machine load.
	for done := 0; done < b.N; {
		k := min(b.N-done, 100)
		t0 := time.Now()
		for range k {
			vxQuery()
		}
		t1 := time.Now()
		for range k {
			tcpQuery()
		}
		vx += t1.Sub(t0)
		bare += time.Since(t1)
		done += k
	}
	b.ReportMetric(float64(vx.Nanoseconds())/float64(b.N), "ns/query")
	b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N), "ns/tcp_rt")
	b.ReportMetric(float64(vx)/float64(bare), "rt_ratio_vs_tcp")
}

const blockSize = 64 << 20

// BenchmarkBlockRead64MiB: TEST:BLOCK? 67108864 read through the Client
// against bare TCP streaming 64 MiB, in the same run.
func BenchmarkBlockRead64MiB(b *testing.B) {
	_, c := benchServer(b)
	src := make([]byte, 1<<20)
	conn := bareTCP(b, func(c net.Conn) {
		var one [1]byte
		for {
			if _, err := io.ReadFull(c, one[:]); err != nil {
				return
			}
			for sent := 0; sent < blockSize; sent += len(src) {
				if _, err := c.Write(src); err != nil {
					return
				}
			}
		}
	})
	ctx := context.Background()
	cmd := []byte("TEST:BLOCK? " + strconv.Itoa(blockSize) + "\n")
	dst := make([]byte, blockSize+64)
	vxRead := func() {
		if _, err := c.Write(ctx, cmd, true); err != nil {
			b.Fatal(err)
		}
		n, r, err := c.Read(ctx, dst, transport.ReadOptions{})
		if err != nil || !r.Has(transport.ReasonEND) || n < blockSize {
			b.Fatal(n, r, err)
		}
	}
	tcpRead := func() {
		if _, err := conn.Write([]byte{1}); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, dst[:blockSize]); err != nil {
			b.Fatal(err)
		}
	}
	vxRead()
	tcpRead()
	b.ResetTimer()
	var vx, bare time.Duration
	for range b.N {
		t0 := time.Now()
		vxRead()
		t1 := time.Now()
		tcpRead()
		vx += t1.Sub(t0)
		bare += time.Since(t1)
	}
	mb := float64(blockSize) * float64(b.N) / 1e6
	b.ReportMetric(mb/vx.Seconds(), "vxi11_MB/s")
	b.ReportMetric(mb/bare.Seconds(), "tcp_MB/s")
	b.ReportMetric(bare.Seconds()/vx.Seconds(), "tput_ratio_vs_tcp")
}
