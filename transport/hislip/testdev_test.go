package hislip

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govisa/govisa/transport"
)

// testDev is a small test-only instrument:
//
//	*IDN?          -> "GOVISA,HISLIPTEST,<name>,1\n"
//	ECHO? text     -> "text\n"
//	TALK text      -> "text\n" (a response to a command without '?')
//	BLOCK? n       -> n bytes, byte i = i mod 256 (generated while read)
//	DELAY ms       -> the next response becomes available ms later
//	NOREPLY?       -> a query that is never answered
//	SRQ            -> requests service (STB bit 6)
//	anything else  -> no response
type testDev struct {
	name string

	mu        sync.Mutex
	in        []byte
	out       []resp
	wake      chan struct{}
	aborted   uint64
	delay     time.Duration
	stb       byte
	triggers  int
	rl        []transport.RemoteLocal
	subs      map[int]func()
	nsub      int
	writes    int
	lastWrite []byte
}

type resp struct {
	size  int64
	off   int64
	data  []byte // nil = pattern
	ready time.Time
}

func newTestDev(name string) *testDev {
	return &testDev{name: name, wake: make(chan struct{}), subs: map[int]func(){}}
}

func (d *testDev) notifyLocked() {
	close(d.wake)
	d.wake = make(chan struct{})
}

func (d *testDev) Write(ctx context.Context, p []byte, end bool) error {
	d.mu.Lock()
	d.in = append(d.in, p...)
	d.writes++
	if !end {
		d.mu.Unlock()
		return nil
	}
	msg := strings.TrimRight(string(d.in), "\r\n")
	d.lastWrite = append([]byte(nil), d.in...)
	d.in = d.in[:0]
	var subs []func()
	add := func(b []byte, n int64) {
		d.out = append(d.out, resp{size: n, data: b, ready: time.Now().Add(d.delay)})
		d.delay = 0
	}
	switch {
	case msg == "*IDN?":
		add([]byte("GOVISA,HISLIPTEST,"+d.name+",1\n"), 0)
	case strings.HasPrefix(msg, "ECHO? "):
		add([]byte(msg[len("ECHO? "):]+"\n"), 0)
	case strings.HasPrefix(msg, "TALK "):
		add([]byte(msg[len("TALK "):]+"\n"), 0)
	case strings.HasPrefix(msg, "BLOCK? "):
		n, _ := strconv.ParseInt(msg[len("BLOCK? "):], 10, 64)
		add(nil, n)
	case strings.HasPrefix(msg, "DELAY "):
		ms, _ := strconv.Atoi(msg[len("DELAY "):])
		d.delay = time.Duration(ms) * time.Millisecond
	case msg == "SRQ":
		d.stb |= 0x40
		for _, f := range d.subs {
			subs = append(subs, f)
		}
	}
	d.notifyLocked()
	d.mu.Unlock()
	for _, f := range subs {
		f()
	}
	return nil
}

func (d *testDev) Read(ctx context.Context, p []byte) (int, bool, error) {
	d.mu.Lock()
	ab := d.aborted
	for {
		if d.aborted != ab {
			d.mu.Unlock()
			return 0, false, transport.Errorf("read", transport.ErrAborted, nil)
		}
		var timer <-chan time.Time
		var tm *time.Timer
		if len(d.out) > 0 {
			r := &d.out[0]
			wait := time.Until(r.ready)
			if wait <= 0 {
				var n int
				if r.data != nil {
					n = copy(p, r.data[r.off:])
				} else {
					n = int(min(int64(len(p)), r.size-r.off))
					fillPattern(p[:n], r.off)
				}
				r.off += int64(n)
				total := r.size
				if r.data != nil {
					total = int64(len(r.data))
				}
				end := r.off >= total
				if end {
					d.out = d.out[1:]
				}
				d.mu.Unlock()
				return n, end, nil
			}
			tm = time.NewTimer(wait)
			timer = tm.C
		}
		w := d.wake
		d.mu.Unlock()
		select {
		case <-w:
		case <-timer:
		case <-ctx.Done():
			if tm != nil {
				tm.Stop()
			}
			return 0, false, transport.NetError("read", ctx.Err())
		}
		if tm != nil {
			tm.Stop()
		}
		d.mu.Lock()
	}
}

func (d *testDev) ReadSTB(ctx context.Context) (byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stb
	d.stb &^= 0x40
	return s, nil
}

func (d *testDev) Clear(ctx context.Context) error {
	d.mu.Lock()
	d.in, d.out = d.in[:0], nil
	d.aborted++
	d.notifyLocked()
	d.mu.Unlock()
	return nil
}

func (d *testDev) Trigger(ctx context.Context) error {
	d.mu.Lock()
	d.triggers++
	d.mu.Unlock()
	return nil
}

func (d *testDev) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	d.mu.Lock()
	d.rl = append(d.rl, mode)
	d.mu.Unlock()
	return nil
}

func (d *testDev) SubscribeSRQ(f func()) func() {
	d.mu.Lock()
	id := d.nsub
	d.nsub++
	d.subs[id] = f
	d.mu.Unlock()
	return func() {
		d.mu.Lock()
		delete(d.subs, id)
		d.mu.Unlock()
	}
}

func (d *testDev) triggerCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.triggers
}

var patternTable = func() []byte {
	b := make([]byte, 64<<10+256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

// fillPattern writes byte i = (off+i) mod 256 into p, 64 KiB at a time.
func fillPattern(p []byte, off int64) {
	start := int(off & 0xff)
	for len(p) > 0 {
		n := copy(p, patternTable[start:start+64<<10])
		p = p[n:]
		start = (start + n) & 0xff
	}
}

func (d *testDev) writeCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.writes
}
