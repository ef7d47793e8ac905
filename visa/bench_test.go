package visa_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/require"
)

// bareTCPServer answers each line it reads with reply, or, for a line
// starting with "BLOCK", with blockSize pattern bytes: the same bytes the
// test instrument sends, from a plain Go TCP server with no VISA layer.
func bareTCPServer(tb testing.TB, reply []byte, block []byte) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						return
					}
					out := reply
					if len(line) > 5 && string(line[:5]) == "BLOCK" {
						out = block
					}
					if _, err := c.Write(out); err != nil {
						return
					}
				}
			}(c)
		}
	}()
	tb.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

// BenchmarkSocketQuery measures a *IDN? round trip through the public API
// and the same exchange over bare TCP in the same run.
func BenchmarkSocketQuery(b *testing.B) {
	r, _ := openTest(b)
	idn, err := r.Query(bg, "*IDN?")
	require.NoError(b, err)
	addr := bareTCPServer(b, []byte(idn+"\n"), nil)
	c, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	defer c.Close()
	br := bufio.NewReader(c)
	cmd := []byte("*IDN?\n")

	bare := measure(b.N, func() {
		if _, err := c.Write(cmd); err != nil {
			b.Fatal(err)
		}
		if _, err := br.ReadSlice('\n'); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := r.Query(bg, "*IDN?"); err != nil {
			b.Fatal(err)
		}
	}
	ours := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N), "bare-ns/op")
	b.ReportMetric(float64(ours)/float64(bare), "rt_ratio_vs_tcp")
}

// BenchmarkSocketBlock64MiB reads a 64 MiB IEEE block through the public
// API and the same 64 MiB over bare TCP in the same run.
func BenchmarkSocketBlock64MiB(b *testing.B) {
	const size = 64 << 20
	r, _ := openTest(b, visa.WithTimeout(30*time.Second))
	hdr := fmt.Sprintf("#8%08d", size)
	block := make([]byte, len(hdr)+size+1)
	copy(block, hdr)
	for i := 0; i < size; i++ {
		block[len(hdr)+i] = byte(i)
	}
	block[len(block)-1] = '\n'
	addr := bareTCPServer(b, nil, block)
	c, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	defer c.Close()
	buf := make([]byte, len(block))
	cmd := []byte("BLOCK?\n")
	bare := measure(b.N, func() {
		if _, err := c.Write(cmd); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	})
	q := fmt.Sprintf("TEST:BLOCK? %d", size)
	b.SetBytes(size)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		data, err := r.QueryBlock(bg, q, visa.BlockOptions{MaxBytes: size})
		if err != nil || len(data) != size {
			b.Fatal(err, len(data))
		}
	}
	ours := time.Since(start)
	b.StopTimer()
	mbs := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / 1e6 }
	b.ReportMetric(mbs(bare), "bare-MB/s")
	b.ReportMetric(float64(bare)/float64(ours), "tput_ratio_vs_tcp")
}

func measure(n int, f func()) time.Duration {
	start := time.Now()
	for i := 0; i < n; i++ {
		f()
	}
	return time.Since(start)
}
