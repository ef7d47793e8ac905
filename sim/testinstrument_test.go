package sim

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/ieee4882"
	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deviceReader adapts Device.Read to io.Reader, reporting io.EOF at the
// END of the response message, the way a VISA client's read loop would.
type deviceReader struct {
	ctx   context.Context
	d     transport.Device
	ended bool
	reads int
}

func (r *deviceReader) Read(p []byte) (int, error) {
	if r.ended {
		return 0, io.EOF
	}
	n, end, err := r.d.Read(r.ctx, p)
	r.reads++
	if end {
		r.ended = true
	}
	return n, err
}

func TestBlockSmall(t *testing.T) {
	ti := NewTestInstrument()
	assert.Equal(t, "#15\x00\x01\x02\x03\x04\n", query(t, ti, "TEST:BLOCK? 5"))
	assert.Equal(t, "#10\n", query(t, ti, "TEST:BLOCK? 0"))
	assert.Equal(t, "#15\x00\x01\x02\x03\x04;x\n", query(t, ti, "TEST:BLOCK? 5;TEST:ECHO? x"))

	resp := query(t, ti, "TEST:BLOCK? 300")
	data, rest, err := ieee4882.DecodeBlock([]byte(resp), 300)
	require.NoError(t, err)
	assert.Equal(t, "\n", string(rest))
	for i, b := range data {
		require.Equal(t, byte(i), b, "byte %d", i)
	}
}

func TestBlockOverMax(t *testing.T) {
	ti := NewTestInstrument(WithMaxBlock(100))
	assert.Equal(t, "#3100", query(t, ti, "TEST:BLOCK? 100")[:5])
	write(t, ti, "TEST:BLOCK? 101")
	assert.Equal(t, byte(ieee4882.STBEAV), stb(t, ti), "no response was queued")
	assert.Equal(t, `-222,"Data out of range"`+"\n", query(t, ti, "SYST:ERR?"))
}

// A multi-megabyte block read in small, odd-sized Reads through a
// BlockReader: header, exactly L data bytes with the right content, then the
// terminator carrying END.
func TestBlockStreamedInSmallReads(t *testing.T) {
	const n = 3<<20 + 17
	ti := NewTestInstrument()
	write(t, ti, "TEST:BLOCK? 3145745")
	ctx, cancel := context.WithTimeout(context.Background(), 10*okTimeout)
	defer cancel()
	dr := &deviceReader{ctx: ctx, d: ti}
	br := ieee4882.NewBlockReader(dr, n)
	var progress int64
	br.Progress = func(done, total int64) {
		progress = done
		assert.Equal(t, int64(n), total)
	}
	buf := make([]byte, 4093)
	var off int64
	for {
		k, err := br.Read(buf)
		for i := range k {
			if buf[i] != byte(off+int64(i)) {
				t.Fatalf("byte %d = %d", off+int64(i), buf[i])
			}
		}
		off += int64(k)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		require.False(t, dr.ended, "END before the terminator")
	}
	assert.Equal(t, int64(n), off)
	assert.Equal(t, int64(n), progress)
	rest, err := io.ReadAll(dr)
	require.NoError(t, err)
	assert.Equal(t, "\n", string(rest), "the terminator carries END")
	assert.Zero(t, stb(t, ti)&ieee4882.STBMAV)
}

// A 1 GiB block (the default maximum, which needs the "#A" header) is
// generated lazily: queuing it and reading a few bytes allocates nothing
// like its size.
func TestHugeBlockIsLazy(t *testing.T) {
	ti := NewTestInstrument()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	write(t, ti, "TEST:BLOCK? 1073741824")
	ctx, cancel := context.WithTimeout(context.Background(), okTimeout)
	defer cancel()
	buf := make([]byte, 64<<10)
	n, end, err := ti.Read(ctx, buf)
	require.NoError(t, err)
	assert.False(t, end)
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20))

	h, err := ieee4882.ParseBlockHeader(buf[:n])
	require.NoError(t, err)
	assert.Equal(t, ieee4882.BlockDefiniteExt, h.Kind)
	assert.Equal(t, int64(1<<30), h.DataLen)
	assert.Equal(t, "#A1073741824", string(buf[:h.HeaderLen]))
	for i, b := range buf[h.HeaderLen:n] {
		require.Equal(t, byte(i), b)
	}
	require.NoError(t, ti.Clear(context.Background()))

	write(t, ti, "TEST:BLOCK? 1073741825")
	assert.Equal(t, `-222,"Data out of range"`+"\n", query(t, ti, "SYST:ERR?"))
}

func TestPatternData(t *testing.T) {
	d := patternData(600)
	p := make([]byte, 700)
	n, err := d.ReadAt(p, 10)
	assert.Equal(t, 590, n)
	assert.ErrorIs(t, err, io.EOF)
	for i := range n {
		require.Equal(t, byte(10+i), p[i])
	}
	n, err = d.ReadAt(p[:5], 598)
	assert.Equal(t, 2, n)
	assert.ErrorIs(t, err, io.EOF)
	n, err = d.ReadAt(p, 600)
	assert.Zero(t, n)
	assert.ErrorIs(t, err, io.EOF)
}

func TestMultiResponse(t *testing.T) {
	m := newMulti([]Response{Text("ab"), Text(""), Block(patternData(3)), Text("\n")})
	assert.Equal(t, int64(2+3+3+1), m.Size())
	got, err := io.ReadAll(io.NewSectionReader(m, 0, m.Size()))
	require.NoError(t, err)
	assert.Equal(t, "ab#13\x00\x01\x02\n", string(got))
	p := make([]byte, 4)
	n, err := m.ReadAt(p, 6)
	assert.Equal(t, 3, n)
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "\x01\x02\n", string(p[:n]))
	assert.Zero(t, newMulti(nil).Size())
}

// BenchmarkIDNQuery measures one *IDN? write+read through the Device API,
// next to a bare loopback TCP round trip of the same bytes measured in the
// same run (ratio_vs_tcp < 1 means the in-process device is cheaper than
// one TCP round trip).
func BenchmarkIDNQuery(b *testing.B) {
	ti := NewTestInstrument()
	ctx := context.Background()
	cmd := []byte("*IDN?\n")
	want := len("govisa,Test Instrument,0," + Version + "\n")
	buf := make([]byte, 256)

	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := ti.Write(ctx, cmd, true); err != nil {
			b.Fatal(err)
		}
		n, end, err := ti.Read(ctx, buf)
		if err != nil || !end || n != want {
			b.Fatalf("read %d %v %v", n, end, err)
		}
	}
	b.StopTimer()
	dev := b.Elapsed()

	tcp := tcpRoundTrips(b, b.N, cmd, want)
	b.ReportMetric(float64(tcp.Nanoseconds())/float64(b.N), "tcp_ns/op")
	b.ReportMetric(float64(dev)/float64(tcp), "ratio_vs_tcp")
}

// tcpRoundTrips times n request/response round trips over loopback TCP to a
// server that answers every line with a fixed reply of respLen bytes.
func tcpRoundTrips(b *testing.B, n int, req []byte, respLen int) time.Duration {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	reply := []byte(strings.Repeat("x", respLen-1) + "\n")
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			if _, err := r.ReadSlice('\n'); err != nil {
				return
			}
			if _, err := c.Write(reply); err != nil {
				return
			}
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, respLen)
	start := time.Now()
	for range n {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
	d := time.Since(start)
	c.Close()
	<-done
	return d
}
