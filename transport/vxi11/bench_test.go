package vxi11

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/govisa/govisa/internal/benchutil"
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
// against one bare TCP request/response of the same sizes, interleaved in
// the same run (benchutil.Compare); rt_ratio_vs_tcp is the ratio of the
// medians.
func BenchmarkQueryRoundTrip(b *testing.B) {
	benchQuery(b, func() (context.Context, func()) { return context.Background(), func() {} })
}

// BenchmarkQueryRoundTripDeadline is the same query with a fresh deadline
// context per query, the way the VISA frontend calls (io_timeout set, a
// context to watch).
func BenchmarkQueryRoundTripDeadline(b *testing.B) {
	benchQuery(b, func() (context.Context, func()) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		return ctx, func() { cancel() }
	})
}

func benchQuery(b *testing.B, newCtx func() (context.Context, func())) {
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
	cmd := []byte("*IDN?\n")
	buf := make([]byte, 256)
	vxQuery := func() {
		ctx, done := newCtx()
		defer done()
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
	for range 100 { // warm up both paths (buffers, TCP windows)
		vxQuery()
		tcpQuery()
	}
	b.ReportAllocs()
	r := benchutil.Compare(b, tcpQuery, vxQuery)
	benchutil.ReportLatency(b, r, "tcp")
}

const blockSize = 64 << 20

// BenchmarkBlockRead64MiB: TEST:BLOCK? 67108864 read through the Client
// against bare TCP streaming 64 MiB, interleaved in the same run;
// tput_ratio_vs_tcp is the ratio of the medians' throughputs.
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
	b.ReportAllocs()
	r := benchutil.Compare(b, tcpRead, vxRead)
	benchutil.ReportThroughput(b, r, blockSize, "tcp")
}
