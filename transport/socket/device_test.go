package socket

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govisa/govisa/transport"
)

// testDevice is a small IEEE 488.2-ish instrument for the tests and
// benchmarks of this package (package sim's instrument is not a dependency
// of transport/socket). Commands, terminated by LF:
//
//	*IDN?        identity
//	ECHO? text   text
//	BLOCK? n     "#<d><n>" + n bytes (byte i = i mod 256) + LF, generated
//	             while read, never held in memory
//	DELAY ms     delays the next response
//	SILENT?      a query the device never answers
//
// Anything else is recorded and ignored.
type testDevice struct {
	mu      sync.Mutex
	wake    chan struct{}
	in      []byte
	out     []*testResp
	delay   time.Duration
	msgs    []string // every message received, LF stripped, first 64 bytes
	maxPart int      // largest single Write
	parts   int      // Writes with end=false
	big     []byte   // last message longer than 64 bytes, whole
}

type testResp struct {
	head    []byte
	n, pos  int64 // block body length and position
	tail    []byte
	readyAt time.Time
}

const testIDN = "GOVISA,TEST-SOCKET,0,1.0"

var testPattern = func() []byte {
	b := make([]byte, serverWriteChunk+256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

func newTestDevice() *testDevice { return &testDevice{wake: make(chan struct{})} }

func (d *testDevice) broadcast() {
	close(d.wake)
	d.wake = make(chan struct{})
}

func (d *testDevice) Write(ctx context.Context, p []byte, end bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.maxPart = max(d.maxPart, len(p))
	if len(d.in)+len(p) > 64<<20 {
		d.in = d.in[:0]
		return transport.Errorf("write", transport.ErrTooLarge, nil)
	}
	d.in = append(d.in, p...)
	if !end {
		d.parts++
		return nil
	}
	// Only the head is turned into a string: garbage floods must not make
	// the test device the biggest allocator in the test.
	trimmed := bytes.TrimRight(d.in, "\r\n")
	msg := string(trimmed[:min(len(trimmed), 64)])
	if bytes.HasPrefix(d.in, []byte("DATA ")) {
		d.big = bytes.Clone(d.in)
	}
	d.in = d.in[:0]
	d.msgs = append(d.msgs, msg)
	var r *testResp
	switch cmd, arg, _ := strings.Cut(msg, " "); cmd {
	case "*IDN?":
		r = &testResp{head: []byte(testIDN + "\n")}
	case "ECHO?":
		r = &testResp{head: []byte(arg + "\n")}
	case "BLOCK?":
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n < 0 {
			return nil
		}
		ls := strconv.FormatInt(n, 10)
		r = &testResp{head: []byte(fmt.Sprintf("#%d%s", len(ls), ls)), n: n, tail: []byte("\n")}
	case "DELAY":
		ms, _ := strconv.Atoi(arg)
		d.delay = time.Duration(ms) * time.Millisecond
	}
	if r != nil {
		r.readyAt = time.Now().Add(d.delay)
		d.delay = 0
		d.out = append(d.out, r)
		d.broadcast()
	}
	return nil
}

func (d *testDevice) Read(ctx context.Context, p []byte) (int, bool, error) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		d.mu.Lock()
		var wait <-chan time.Time
		if len(d.out) > 0 {
			r := d.out[0]
			if w := time.Until(r.readyAt); w <= 0 {
				n, end := r.read(p)
				if end {
					d.out = d.out[1:]
				}
				d.mu.Unlock()
				return n, end, nil
			} else {
				wait = time.After(w)
			}
		}
		ch := d.wake
		d.mu.Unlock()
		if dl, ok := ctx.Deadline(); ok && timer == nil { // Done may not fire by itself
			timer = time.NewTimer(time.Until(dl))
		}
		var tc <-chan time.Time
		if timer != nil {
			tc = timer.C
		}
		select {
		case <-ch:
		case <-wait:
		case <-tc:
			return 0, false, transport.Errorf("read", transport.ErrTimeout, nil)
		case <-ctx.Done():
			return 0, false, transport.NetError("read", ctx.Err())
		}
	}
}

// read copies the next bytes of the response into p.
func (r *testResp) read(p []byte) (int, bool) {
	n := 0
	if len(r.head) > 0 {
		k := copy(p, r.head)
		r.head = r.head[k:]
		n += k
	}
	for n < len(p) && r.pos < r.n {
		k := copy(p[n:min(len(p), n+int(min(r.n-r.pos, serverWriteChunk)))], testPattern[r.pos%256:])
		r.pos += int64(k)
		n += k
	}
	if n < len(p) && r.pos == r.n && len(r.head) == 0 {
		k := copy(p[n:], r.tail)
		r.tail = r.tail[k:]
		n += k
	}
	return n, len(r.head) == 0 && r.pos == r.n && len(r.tail) == 0
}

func (d *testDevice) ReadSTB(ctx context.Context) (byte, error) { return 0, nil }

func (d *testDevice) Clear(ctx context.Context) error {
	d.mu.Lock()
	d.in, d.out = d.in[:0], nil
	d.broadcast()
	d.mu.Unlock()
	return nil
}

func (d *testDevice) Trigger(ctx context.Context) error { return nil }
