package rpc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

// scriptReader returns its steps one per Read: a byte slice (copied, in
// pieces if p is short) or an error.
type scriptReader struct{ steps []any }

func (s *scriptReader) Read(p []byte) (int, error) {
	if len(s.steps) == 0 {
		return 0, io.EOF
	}
	switch v := s.steps[0].(type) {
	case error:
		s.steps = s.steps[1:]
		return 0, v
	case []byte:
		n := copy(p, v)
		if n == len(v) {
			s.steps = s.steps[1:]
		} else {
			s.steps[0] = v[n:]
		}
		return n, nil
	}
	panic("bad step")
}

func markOf(n int, last bool) []byte {
	m := uint32(n)
	if last {
		m |= lastFragment
	}
	return binary.BigEndian.AppendUint32(nil, m)
}

func TestRecordReaderResumesAfterTimeout(t *testing.T) {
	small := []byte("0123456789")
	big := bytes.Repeat([]byte("abcdefgh"), 2*readBufSize/8+3) // read straight into the record
	stream := append(markOf(4, false), small[:4]...)
	stream = append(stream, markOf(6, true)...)
	stream = append(stream, small[4:]...)
	stream = append(stream, markOf(len(big), true)...)
	stream = append(stream, big...)
	stream = append(stream, markOf(3, true)...)
	stream = append(stream, "xyz"...)

	// Cut the stream at every length up to 40 bytes and in the big record,
	// with a timeout between the two parts.
	cuts := []int{1, 2, 3, 5, 8, 9, 12, 17, 20, 22, 30, 40, 2000, 5000, 8000, len(stream) - 5, len(stream) - 1}
	for _, cut := range cuts {
		sr := &scriptReader{steps: []any{stream[:cut], os.ErrDeadlineExceeded, stream[cut:]}}
		rr := NewRecordReader(sr, 0)
		var got [][]byte
		timeouts := 0
		for len(got) < 3 {
			rec, err := rr.ReadRecord()
			if err != nil {
				require.ErrorIs(t, err, os.ErrDeadlineExceeded, "cut %d", cut)
				timeouts++
				require.Equal(t, 1, timeouts, "cut %d", cut)
				continue
			}
			got = append(got, append([]byte(nil), rec...))
		}
		assert.Equal(t, small, got[0], "cut %d", cut)
		assert.Equal(t, big, got[1], "cut %d", cut)
		assert.Equal(t, []byte("xyz"), got[2], "cut %d", cut)
		_, err := rr.ReadRecord()
		assert.ErrorIs(t, err, io.EOF, "cut %d", cut)
	}
}

func TestRecordReaderOneReadPerShortRecord(t *testing.T) {
	var stream bytes.Buffer
	w := NewRecordWriter(&stream, 0)
	for range 3 {
		require.NoError(t, w.WriteRecord([]byte("short reply")))
	}
	cr := &countingReader{r: &stream}
	rr := NewRecordReader(cr, 0)
	for range 3 {
		rec, err := rr.ReadRecord()
		require.NoError(t, err)
		assert.Equal(t, "short reply", string(rec))
	}
	// All three records were in the stream: one read took them all.
	assert.Equal(t, 1, cr.n)
	assert.Zero(t, rr.Buffered())
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) { c.n++; return c.r.Read(p) }

// TestReaderTokenHandOver: the caller reading the connection is cancelled
// while another call waits and while a reply is half-way through; the
// other call takes over the reading and gets its reply whole.
func TestReaderTokenHandOver(t *testing.T) {
	gotA := make(chan struct{})
	aDone := make(chan struct{})
	addr := rawServer(t, func(conn net.Conn) {
		rr := NewRecordReader(conn, 0)
		var xids []uint32
		for i := range 2 {
			rec, err := rr.ReadRecord()
			if err != nil {
				return
			}
			var h CallHeader
			if h.DecodeXDR(NewDecoder(rec)) != nil {
				return
			}
			xids = append(xids, h.XID)
			if i == 0 {
				close(gotA)
			}
		}
		reply := replyU32(xids[1], 42)
		msg := append(markOf(len(reply), true), reply...)
		if _, err := conn.Write(msg[:10]); err != nil {
			return
		}
		<-aDone
		if _, err := conn.Write(msg[10:]); err != nil {
			return
		}
		_, _ = rr.ReadRecord() // wait for the client to go
	})
	c := dialT(t, "tcp", addr)
	actx, cancelA := context.WithCancel(context.Background())
	errA := make(chan error, 1)
	// A is alone when it waits: it holds the reader token.
	go func() { errA <- c.Call(actx, 1, 1, 1, nil, nil) }()
	<-gotA
	errB := make(chan error, 1)
	var b uint32
	go func() { errB <- c.Call(ctxT(t), 1, 1, 2, nil, intoU32(&b)) }()
	for {
		// B is pending once its xid is filed.
		c.mu.Lock()
		n := len(c.pending)
		c.mu.Unlock()
		if n == 2 {
			break
		}
		runtimeGosched()
	}
	cancelA()
	err := <-errA
	assert.ErrorIs(t, err, transport.ErrAborted)
	close(aDone)
	require.NoError(t, <-errB)
	assert.Equal(t, uint32(42), b)
}

func TestDialWithDialer(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	var used atomic.Bool
	d := &net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		used.Store(true)
		return nil
	}}
	c := dialT(t, "tcp", ts.tcp, WithDialer(d))
	var sum uint32
	require.NoError(t, c.Call(ctxT(t), testProg, 1, procAdd, u32s(2, 3), intoU32(&sum)))
	assert.Equal(t, uint32(5), sum)
	assert.True(t, used.Load())
}

func runtimeGosched() { runtime.Gosched() }

// TestLargeWriteWhileReplyPending: a call is abandoned while the server
// writes a reply larger than the socket buffers, and the next call sends
// arguments as large; the server reads them only once its reply is read.
// The client must read (and drop) the stale reply while it writes.
func TestLargeWriteWhileReplyPending(t *testing.T) {
	const size = 16 << 20
	gotA := make(chan struct{})
	addr := rawServer(t, func(conn net.Conn) {
		rr := NewRecordReader(conn, 2*size)
		w := NewRecordWriter(conn, 0)
		for i := 0; ; i++ {
			rec, err := rr.ReadRecord()
			if err != nil {
				return
			}
			var h CallHeader
			d := NewDecoder(rec)
			if h.DecodeXDR(d) != nil {
				return
			}
			if i == 0 {
				close(gotA)
			}
			// Echo the arguments (call A: a big blob of its own).
			reply := (&ReplyHeader{XID: h.XID}).AppendXDR(nil)
			if h.Proc == 1 {
				reply = AppendOpaque(reply, make([]byte, size))
			} else {
				b, _ := d.Opaque(NoMax)
				reply = AppendUint32(reply, uint32(len(b)))
			}
			if w.WriteRecord(reply) != nil {
				return
			}
		}
	})
	c := dialT(t, "tcp", addr, WithMaxRecord(2*size))
	actx, cancel := context.WithCancel(context.Background())
	errA := make(chan error, 1)
	go func() { errA <- c.Call(actx, 1, 1, 1, nil, nil) }()
	<-gotA
	cancel()
	require.ErrorIs(t, <-errA, transport.ErrAborted)

	var n uint32
	// A generous deadline: 32 MiB cross loopback, under -race on a busy
	// machine; without the escort the call never completes.
	bctx, bcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer bcancel()
	require.NoError(t, c.Call(bctx, 1, 1, 2, opaque(make([]byte, size)), intoU32(&n)))
	assert.Equal(t, uint32(size), n)
	// Back to callers reading their own replies.
	require.NoError(t, c.Call(ctxT(t), 1, 1, 2, opaque([]byte("x")), intoU32(&n)))
	assert.Equal(t, uint32(1), n)
}

// FuzzRecordReaderResume: a stream read with a timeout at an arbitrary
// point gives the same records (and the same final error) as when read
// in one go.
func FuzzRecordReaderResume(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, 1, 2, 0x80, 0, 0, 1, 3}, uint16(5))
	f.Add(append(markOf(5000, true), make([]byte, 5000)...), uint16(4100))
	f.Add([]byte{0x80, 0, 0, 0, 0x80}, uint16(2))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		readAll := func(r io.Reader) ([][]byte, error) {
			rr := NewRecordReader(r, 8192)
			var recs [][]byte
			for {
				rec, err := rr.ReadRecord()
				if err != nil {
					if errors.Is(err, os.ErrDeadlineExceeded) {
						continue
					}
					return recs, err
				}
				recs = append(recs, append([]byte(nil), rec...))
			}
		}
		want, werr := readAll(bytes.NewReader(data))
		c := min(int(cut), len(data))
		got, gerr := readAll(&scriptReader{steps: []any{data[:c], os.ErrDeadlineExceeded, data[c:]}})
		if len(got) != len(want) {
			t.Fatalf("%d records, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("record %d differs", i)
			}
		}
		if errors.Is(werr, transport.ErrTooLarge) != errors.Is(gerr, transport.ErrTooLarge) ||
			errors.Is(werr, io.ErrUnexpectedEOF) != errors.Is(gerr, io.ErrUnexpectedEOF) {
			t.Fatalf("error %v, want %v", gerr, werr)
		}
	})
}
