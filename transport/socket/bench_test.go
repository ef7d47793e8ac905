package socket

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// plainServer is the bare-TCP baseline: a Go TCP server that answers a line
// with the same bytes the test device would, with no framing codec, no
// device and no exchange in between. "BLOCK? n" streams the block from one
// 64 KiB buffer; any other line gets the *IDN? reply.
func plainServer(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				br := bufio.NewReaderSize(nc, 4096)
				idn := []byte(testIDN + "\n")
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						return
					}
					if len(line) > 7 && string(line[:7]) == "BLOCK? " {
						n, _ := strconv.Atoi(string(line[7 : len(line)-1]))
						ls := strconv.Itoa(n)
						fmt.Fprintf(nc, "#%d%s", len(ls), ls)
						for n > 0 {
							k := min(n, serverWriteChunk)
							if _, err := nc.Write(testPattern[:k]); err != nil {
								return
							}
							n -= k
						}
						nc.Write([]byte("\n"))
						continue
					}
					if _, err := nc.Write(idn); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

func benchServer(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := NewServer(newTestDevice())
	go s.Serve(l)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return l.Addr().String()
}

func benchDial(b *testing.B, addr string) *Conn {
	c, err := Dial(context.Background(), addr, DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// visaQueries runs n *IDN? queries through a socket.Conn.
func visaQueries(b *testing.B, c *Conn, ctx context.Context, p []byte, n int) {
	cmd := []byte("*IDN?\n")
	for range n {
		if _, err := c.Write(ctx, cmd, true); err != nil {
			b.Fatal(err)
		}
		if k, _, err := c.Read(ctx, p, termLF.on); err != nil || k != len(testIDN)+1 {
			b.Fatalf("read %d bytes: %v", k, err)
		}
	}
}

// BenchmarkQuery measures a *IDN? round trip through socket.Conn and
// socket.Server against a bare-TCP baseline (plain net.Conn write + read of
// the same bytes from a plain Go server) in the same run. It also counts
// the client's allocations per query, measured against the plain server so
// that the server's own allocations (same process) are not counted.
func BenchmarkQuery(b *testing.B) {
	c := benchDial(b, benchServer(b))
	plainAddr := plainServer(b)
	cp := benchDial(b, plainAddr)
	nc, err := net.Dial("tcp", plainAddr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	p := make([]byte, 4096)
	visaQueries(b, c, ctx, p, 100) // warm up both paths
	visaQueries(b, cp, ctx, p, 100)

	cmd := []byte("*IDN?\n")
	reply := make([]byte, len(testIDN)+1)
	tcpQueries := func(n int) {
		for range n {
			if _, err := nc.Write(cmd); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(nc, reply); err != nil {
				b.Fatal(err)
			}
		}
	}
	// The two paths alternate in rounds so that noise from other processes
	// on the machine falls on both alike.
	b.ResetTimer()
	var visa, tcp time.Duration
	for done := 0; done < b.N; {
		k := min(b.N-done, 200)
		t0 := time.Now()
		visaQueries(b, c, ctx, p, k)
		visa += time.Since(t0)
		t0 = time.Now()
		tcpQueries(k)
		tcp += time.Since(t0)
		done += k
	}
	b.StopTimer()

	var m0, m1 runtime.MemStats
	const allocRuns = 2000
	runtime.ReadMemStats(&m0)
	visaQueries(b, cp, ctx, p, allocRuns)
	runtime.ReadMemStats(&m1)

	// The same with a fresh context per query, as a session that folds its
	// timeout into each call does; the cost of creating the contexts
	// themselves (the caller's) is measured apart and subtracted.
	fresh := func(query bool) uint64 {
		var a, z runtime.MemStats
		runtime.ReadMemStats(&a)
		for range allocRuns {
			qctx, qcancel := context.WithTimeout(context.Background(), time.Minute)
			if query {
				visaQueries(b, cp, qctx, p, 1)
			}
			qcancel()
		}
		runtime.ReadMemStats(&z)
		return z.Mallocs - a.Mallocs
	}
	withCtx, ctxOnly := fresh(true), fresh(false)

	n := float64(b.N)
	b.ReportMetric(float64(visa.Nanoseconds())/n, "ns/op")
	b.ReportMetric(float64(tcp.Nanoseconds())/n, "tcp_ns/op")
	b.ReportMetric(float64(visa)/float64(tcp), "rt_ratio_vs_tcp")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/allocRuns, "client_allocs/query")
	b.ReportMetric((float64(withCtx)-float64(ctxOnly))/allocRuns, "client_allocs/query_new_ctx")
}

// BenchmarkBlockRead64MiB measures reading a 64 MiB IEEE 488.2 block with
// socket.Conn.Read in 1 MiB chunks from socket.Server against a plain
// net.Conn reading the same bytes from a plain Go server, in the same run.
func BenchmarkBlockRead64MiB(b *testing.B) {
	const size = 64 << 20
	c := benchDial(b, benchServer(b))
	nc, err := net.Dial("tcp", plainServer(b))
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	chunk := make([]byte, 1<<20)
	cmd := []byte("BLOCK? " + strconv.Itoa(size) + "\n")
	hdr := "#8" + strconv.Itoa(size)

	visaBlock := func() {
		if _, err := c.Write(ctx, cmd, true); err != nil {
			b.Fatal(err)
		}
		if n, _, err := c.Read(ctx, chunk[:len(hdr)], termLF.off); err != nil || string(chunk[:n]) != hdr {
			b.Fatalf("header %q: %v", chunk[:n], err)
		}
		for left := size + 1; left > 0; { // the block and its LF
			n, _, err := c.Read(ctx, chunk[:min(left, len(chunk))], termLF.off)
			if err != nil {
				b.Fatal(err)
			}
			left -= n
		}
	}
	tcpBlock := func() {
		if _, err := nc.Write(cmd); err != nil {
			b.Fatal(err)
		}
		for left := len(hdr) + size + 1; left > 0; {
			n, err := io.ReadFull(nc, chunk[:min(left, len(chunk))])
			if err != nil {
				b.Fatal(err)
			}
			left -= n
		}
	}
	visaBlock()
	tcpBlock()

	b.ResetTimer()
	var visa, tcp time.Duration
	for range b.N { // alternate, as in BenchmarkQuery
		t0 := time.Now()
		visaBlock()
		visa += time.Since(t0)
		t0 = time.Now()
		tcpBlock()
		tcp += time.Since(t0)
	}
	b.StopTimer()

	mb := float64(size) * float64(b.N) / 1e6
	b.ReportMetric(visa.Seconds()/float64(b.N)*1e9, "ns/op")
	b.ReportMetric(mb/visa.Seconds(), "MB/s")
	b.ReportMetric(mb/tcp.Seconds(), "tcp_MB/s")
	b.ReportMetric(tcp.Seconds()/visa.Seconds(), "tput_ratio_vs_tcp")
}
