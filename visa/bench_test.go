package visa_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/govisa/govisa/internal/benchutil"
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

	b.ReportAllocs()
	res := benchutil.Compare(b, func() {
		if _, err := c.Write(cmd); err != nil {
			b.Fatal(err)
		}
		if _, err := br.ReadSlice('\n'); err != nil {
			b.Fatal(err)
		}
	}, func() {
		if _, err := r.Query(bg, "*IDN?"); err != nil {
			b.Fatal(err)
		}
	})
	benchutil.ReportLatency(b, res, "tcp")
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
	bare := func() {
		if _, err := c.Write(cmd); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
	q := fmt.Sprintf("TEST:BLOCK? %d", size)
	opt := visa.BlockOptions{MaxBytes: size, Buffer: make([]byte, size)}
	b.SetBytes(size)
	res := benchutil.Compare(b, bare, func() {
		data, err := r.QueryBlock(bg, q, opt)
		if err != nil || len(data) != size {
			b.Fatal(err, len(data))
		}
	})
	benchutil.ReportThroughput(b, res, size, "tcp")
}

// TestQueryAllocations checks the client side of a Query allocates at most
// three times (the returned string is one). The instrument here is the
// bare TCP responder, which allocates nothing per request, so every
// allocation counted is the client's.
func TestQueryAllocations(t *testing.T) {
	addr := bareTCPServer(t, []byte("govisa,Test Instrument,0,0.1\n"), nil)
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(bg, "TCPIP::127.0.0.1::"+port+"::SOCKET")
	require.NoError(t, err)
	_, err = r.Query(bg, "*IDN?") // warm up buffers
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := r.Query(bg, "*IDN?"); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.1f allocations per Query", allocs)
	if allocs > 3 {
		t.Fatalf("%.1f allocations per Query, want ≤ 3", allocs)
	}
}
