package rpc

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
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

// BenchmarkNullRoundTrip times the RPC NULL procedure over loopback TCP and,
// in the same run, a bare 4-byte TCP echo; it reports the echo's time per
// round trip (tcp_ns/op) and the ratio of the two (ratio_vs_tcp).
func BenchmarkNullRoundTrip(b *testing.B) {
	srv := NewServer()
	srv.Register(testProg, 1, func(ctx context.Context, req *Request, res []byte) ([]byte, error) { return res, nil })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(l) }()
	defer func() { srv.Close(); <-served }()
	c, err := Dial(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	echo, stop := tcpEcho(b)
	defer stop()
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := c.Call(ctx, testProg, 1, 0, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	rpcDur := time.Since(start)
	b.StopTimer()
	var buf [4]byte
	start = time.Now()
	for range b.N {
		if _, err := echo.Write(buf[:]); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(echo, buf[:]); err != nil {
			b.Fatal(err)
		}
	}
	tcpDur := time.Since(start)
	b.ReportMetric(float64(tcpDur.Nanoseconds())/float64(b.N), "tcp_ns/op")
	b.ReportMetric(float64(rpcDur)/float64(tcpDur), "ratio_vs_tcp")
}

// BenchmarkCallWithDeadline is the same NULL round trip with a deadline
// context, the way transports call (it adds the write-deadline hooks).
func BenchmarkCallWithDeadline(b *testing.B) {
	srv := NewServer()
	srv.Register(testProg, 1, func(ctx context.Context, req *Request, res []byte) ([]byte, error) { return res, nil })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(l) }()
	defer func() { srv.Close(); <-served }()
	c, err := Dial(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := c.Call(ctx, testProg, 1, 0, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
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
