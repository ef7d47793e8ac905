package rpc

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/govisa/govisa/internal/benchutil"
)

// tcpEcho serves a bare 4-byte echo on loopback: the baseline an RPC round
// trip is compared with.
func tcpEcho(b *testing.B) (net.Conn, func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		var buf [4]byte
		for {
			if _, err := io.ReadFull(conn, buf[:]); err != nil {
				return
			}
			if _, err := conn.Write(buf[:]); err != nil {
				return
			}
		}
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	return conn, func() { conn.Close(); l.Close(); <-done }
}

// nullServer serves a program whose procedures answer at once, on
// loopback TCP, and returns a client of it.
func nullServer(b *testing.B) *Client {
	srv := NewServer()
	srv.Register(testProg, 1, func(ctx context.Context, req *Request, res []byte) ([]byte, error) { return res, nil })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(l) }()
	b.Cleanup(func() { srv.Close(); <-served })
	c, err := Dial(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkNullRoundTrip times the RPC NULL procedure over loopback TCP
// against a bare 4-byte TCP echo, interleaved in the same run
// (benchutil.Compare); rt_ratio_vs_tcp is the ratio of the medians.
func BenchmarkNullRoundTrip(b *testing.B) {
	benchNull(b, func() (context.Context, func()) { return context.Background(), func() {} })
}

// BenchmarkCallWithDeadline is the same round trip with a fresh deadline
// context per call, which adds the deadline and cancellation hooks.
func BenchmarkCallWithDeadline(b *testing.B) {
	benchNull(b, func() (context.Context, func()) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		return ctx, func() { cancel() }
	})
}

func benchNull(b *testing.B, newCtx func() (context.Context, func())) {
	c := nullServer(b)
	echo, stop := tcpEcho(b)
	b.Cleanup(stop)
	var buf [4]byte
	call := func() {
		ctx, done := newCtx()
		defer done()
		if err := c.Call(ctx, testProg, 1, 1, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	bare := func() {
		if _, err := echo.Write(buf[:]); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(echo, buf[:]); err != nil {
			b.Fatal(err)
		}
	}
	for range 100 {
		call()
		bare()
	}
	b.ReportAllocs()
	r := benchutil.Compare(b, bare, call)
	benchutil.ReportLatency(b, r, "tcp")
}

var benchData = make([]byte, 1024)

type benchWrite struct{}

func (benchWrite) AppendXDR(b []byte) []byte {
	b = AppendInt32(b, 7)
	b = AppendUint32(b, 2000)
	b = AppendUint32(b, 10000)
	b = AppendInt32(b, 8)
	return AppendOpaque(b, benchData)
}

// BenchmarkXDREncode encodes a device_write call (header and 1 KiB of data).
func BenchmarkXDREncode(b *testing.B) {
	buf := make([]byte, 0, 2048)
	h := CallHeader{XID: 1, Prog: 0x0607AF, Vers: 1, Proc: 11}
	var a Appender = benchWrite{}
	b.ReportAllocs()
	b.SetBytes(int64(len(a.AppendXDR(h.AppendXDR(buf[:0])))))
	for range b.N {
		buf = a.AppendXDR(h.AppendXDR(buf[:0]))
	}
}

// BenchmarkXDRDecode decodes the same message, the data as a sub-slice.
func BenchmarkXDRDecode(b *testing.B) {
	h := CallHeader{XID: 1, Prog: 0x0607AF, Vers: 1, Proc: 11}
	msg := benchWrite{}.AppendXDR(h.AppendXDR(nil))
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	var d Decoder
	for range b.N {
		d.Reset(msg)
		var ch CallHeader
		_ = ch.DecodeXDR(&d)
		_, _ = d.Int32()
		_, _ = d.Uint32()
		_, _ = d.Uint32()
		_, _ = d.Int32()
		_, _ = d.Opaque(NoMax)
		if d.End() != nil {
			b.Fatal(d.Err())
		}
	}
}
