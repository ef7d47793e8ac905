package prologix

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

// scriptLink is a link whose peer says exactly the given bytes, a few at a
// time, and then falls silent (timeout at once, no waiting).
type scriptLink struct {
	in      []byte
	chunk   int
	written int
}

func (l *scriptLink) write(ctx context.Context, p []byte) error {
	l.written += len(p)
	return nil
}

func (l *scriptLink) readSome(ctx context.Context, p []byte, until time.Time) (int, error) {
	if len(l.in) == 0 {
		return 0, transport.Errorf("read", transport.ErrTimeout, nil)
	}
	n := copy(p[:min(len(p), l.chunk)], l.in)
	l.in = l.in[n:]
	return n, nil
}

func (l *scriptLink) close() error { return nil }

func scriptAdapter(in []byte, chunk int) *Adapter {
	a := &Adapter{l: &scriptLink{in: in, chunk: max(chunk, 1)}, opts: (&Options{UseEOT: true, EOTChar: 4}).withDefaults(), addr: Address{PAD: -1, SAD: -1}}
	a.closeCtx, a.closeCancel = context.WithCancel(context.Background())
	a.readTmo = a.opts.ReadTimeout
	return a
}

// FuzzAdapterAnswers feeds arbitrary adapter output to the client's
// parsing of ++srq and ++spoll answers and of instrument data: no panic,
// every error wraps a transport sentinel, no read returns more than asked.
func FuzzAdapterAnswers(f *testing.F) {
	f.Add([]byte("1\r\n"), []byte("65\r\n"), []byte("abc\x04"), uint8(1))
	f.Add([]byte("0\n"), []byte("256\r\n"), []byte("a\nb\n"), uint8(7))
	f.Add([]byte("yes\r\n"), []byte{}, bytes.Repeat([]byte{'x'}, 300), uint8(64))
	f.Add(bytes.Repeat([]byte{'1'}, 400), []byte("-1\n"), []byte("\x04\x04"), uint8(2))
	f.Fuzz(func(t *testing.T, srq, spoll, data []byte, chunk uint8) {
		sentinel := func(err error) {
			t.Helper()
			for _, k := range []error{transport.ErrTimeout, transport.ErrProtocol, transport.ErrAborted} {
				if errors.Is(err, k) {
					return
				}
			}
			t.Fatalf("error without a sentinel: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		a := scriptAdapter(srq, int(chunk))
		if on, err := a.SRQ(ctx); err != nil {
			sentinel(err)
		} else if s := string(bytes.TrimRight(bytes.SplitN(srq, []byte{'\n'}, 2)[0], "\r")); (s == "1") != on {
			t.Fatalf("++srq answer %q read as %v", srq, on)
		}
		a = scriptAdapter(spoll, int(chunk))
		if _, err := a.SerialPoll(ctx, Address{PAD: 1, SAD: -1}); err != nil {
			sentinel(err)
		}
		a = scriptAdapter(data, int(chunk))
		in, _ := a.Instrument(1, -1)
		buf := make([]byte, 16)
		// The client asks a silent adapter again until the deadline: keep
		// it short.
		rctx, rcancel := context.WithTimeout(ctx, 3*time.Millisecond)
		defer rcancel()
		for range 64 {
			n, why, err := in.Read(rctx, buf, transport.ReadOptions{TermChar: '\n', TermCharEnabled: len(data)%2 == 0})
			if n > len(buf) || (err == nil && why == 0) {
				t.Fatalf("read %d bytes, reason %b, %v", n, why, err)
			}
			if err != nil {
				sentinel(err)
				break
			}
		}
	})
}

// fuzzDev answers at once: no response (a timeout), RQS set.
type fuzzDev struct{}

func (fuzzDev) Write(context.Context, []byte, bool) error { return nil }
func (fuzzDev) Read(context.Context, []byte) (int, bool, error) {
	return 0, false, transport.Errorf("read", transport.ErrTimeout, nil)
}
func (fuzzDev) ReadSTB(context.Context) (byte, error) { return 0x40, nil }
func (fuzzDev) Clear(context.Context) error           { return nil }
func (fuzzDev) Trigger(context.Context) error         { return nil }

// rwPair reads the script and collects what the emulator answers.
type rwPair struct {
	r io.Reader
	w bytes.Buffer
}

func (p *rwPair) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *rwPair) Write(b []byte) (int, error) { return p.w.Write(b) }

// FuzzEmulator runs the emulator's command interpreter on arbitrary host
// input: no panic, it ends when the input does, and its answers stay
// bounded by what it was asked.
func FuzzEmulator(f *testing.F) {
	f.Add([]byte("++addr 5\n++spoll\n++srq\n++trg 5 7 99 31 x\n++read 10\n++ver\n"))
	f.Add([]byte("++addr 7 99\n*IDN?\n++eos 9\n++eot_char 300\n++read_tmo_ms 0\n++spoll 5 200\n"))
	f.Add([]byte("++addr\n++auto 1\nx\x1b\n\n++savecfg 1\n++llo\n++loc\n++clr\n++read eoi\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		srv := NewServer(nil)
		defer srv.Close()
		srv.Attach(Address{PAD: 5, SAD: -1}, fuzzDev{})
		srv.Attach(Address{PAD: 7, SAD: 3}, fuzzDev{})
		rw := &rwPair{r: bytes.NewReader(in)}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.ServeConn(ctx, rw); err != nil && ctx.Err() != nil {
			t.Fatalf("emulator did not finish: %v", err)
		}
		// Every answer line is short: a ++ answer is at most the version.
		for _, line := range bytes.Split(rw.w.Bytes(), []byte("\r\n")) {
			if len(line) > len(Version) {
				t.Fatalf("answer line of %d bytes", len(line))
			}
		}
	})
}
