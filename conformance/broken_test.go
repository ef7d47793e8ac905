package conformance_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govisa/govisa/conformance"
	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file proves that no check is vacuous: for every check there is a
// device, connection or library that violates the rule it verifies, and
// the check must fail against it. The breakage is armed only after the
// suite's opening *IDN? (the first program message, the first dial, the
// first open), so that the run itself starts.

// ---- broken devices ------------------------------------------------------

var delayRE = regexp.MustCompile(`TEST:DELAY \d+`)

// brokenDev wraps the test instrument and misbehaves as its flags say.
type brokenDev struct {
	in       *sim.TestInstrument
	messages atomic.Int64 // program messages seen
	noEND    bool         // never flags the end of a response
	noClear  bool         // device clear does nothing
	zeroSTB  bool         // the status byte always reads 0
	noTrig   bool         // triggers are ignored
	noDelay  bool         // TEST:DELAY is ignored
	corrupt  bool         // byte 3000 of long responses is flipped
	mixEcho  bool         // every 5th TEST:ECHO? answers something else

	mu  sync.Mutex
	off int // offset in the current response
	n   int // echo commands seen
}

func (d *brokenDev) armed() bool { return d.messages.Load() > 1 }

func (d *brokenDev) Write(ctx context.Context, p []byte, end bool) error {
	if end || bytes.IndexByte(p, '\n') >= 0 {
		d.messages.Add(1)
	}
	if d.armed() && d.noDelay && bytes.Contains(p, []byte("TEST:DELAY")) {
		p = delayRE.ReplaceAll(p, []byte("*CLS"))
	}
	if d.armed() && d.mixEcho && bytes.HasPrefix(p, []byte("TEST:ECHO?")) {
		d.mu.Lock()
		d.n++
		if d.n%5 == 0 {
			p = []byte("TEST:ECHO? mixed\n")
		}
		d.mu.Unlock()
	}
	return d.in.Write(ctx, p, end)
}

func (d *brokenDev) Read(ctx context.Context, p []byte) (int, bool, error) {
	n, end, err := d.in.Read(ctx, p)
	if !d.armed() {
		return n, end, err
	}
	if d.corrupt {
		d.mu.Lock()
		if d.off <= 3000 && 3000 < d.off+n {
			p[3000-d.off] ^= 0xFF
		}
		d.off += n
		if end {
			d.off = 0
		}
		d.mu.Unlock()
	}
	if d.noEND {
		end = false
	}
	return n, end, err
}

func (d *brokenDev) ReadSTB(ctx context.Context) (byte, error) {
	b, err := d.in.ReadSTB(ctx)
	if d.armed() && d.zeroSTB {
		b = 0
	}
	return b, err
}

func (d *brokenDev) Clear(ctx context.Context) error {
	if d.armed() && d.noClear {
		return nil
	}
	return d.in.Clear(ctx)
}

func (d *brokenDev) Trigger(ctx context.Context) error {
	if d.armed() && d.noTrig {
		return nil
	}
	return d.in.Trigger(ctx)
}

// srqDev is a brokenDev that also requests service; a bare brokenDev
// never does (the noSRQ breakage).
type srqDev struct{ *brokenDev }

func (d srqDev) SubscribeSRQ(f func()) func() { return d.in.SubscribeSRQ(f) }

// ---- broken connections --------------------------------------------------

type connHooks struct {
	read     func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error)
	write    func(ctx context.Context, c transport.Conn, p []byte, end bool) (int, error)
	noLocker bool
}

type wrapConn struct {
	inner transport.Conn
	h     *connHooks
}

func (w *wrapConn) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if w.h.read != nil {
		return w.h.read(ctx, w.inner, p, opt)
	}
	return w.inner.Read(ctx, p, opt)
}

func (w *wrapConn) Write(ctx context.Context, p []byte, end bool) (int, error) {
	if w.h.write != nil {
		return w.h.write(ctx, w.inner, p, end)
	}
	return w.inner.Write(ctx, p, end)
}

func (w *wrapConn) Close() error { return w.inner.Close() }

func (w *wrapConn) Clear(ctx context.Context) error { return w.inner.(transport.Clearer).Clear(ctx) }

// wrapINSTR adds what INSTR transports offer.
type wrapINSTR struct{ *wrapConn }

func (w wrapINSTR) ReadSTB(ctx context.Context) (byte, error) {
	return w.inner.(transport.STBReader).ReadSTB(ctx)
}
func (w wrapINSTR) Trigger(ctx context.Context) error {
	return w.inner.(transport.Triggerer).Trigger(ctx)
}
func (w wrapINSTR) OnSRQ(f func()) { w.inner.(transport.SRQNotifier).OnSRQ(f) }

// wrapLocking adds device locks.
type wrapLocking struct{ wrapINSTR }

func (w wrapLocking) Lock(ctx context.Context, typ transport.LockType, key string, timeout time.Duration) error {
	return w.inner.(transport.Locker).Lock(ctx, typ, key, timeout)
}
func (w wrapLocking) Unlock(ctx context.Context) error { return w.inner.(transport.Locker).Unlock(ctx) }

// brokenDialer wraps every connection after the first in the hooks.
type brokenDialer struct {
	testDialer
	h     *connHooks
	dials atomic.Int64
}

func (d *brokenDialer) Dial(ctx context.Context, rn visa.ResourceName, attrs *visa.AttrStore) (transport.Conn, error) {
	c, err := d.testDialer.Dial(ctx, rn, attrs)
	if err != nil || d.h == nil || d.dials.Add(1) == 1 {
		return c, err
	}
	w := &wrapConn{inner: c, h: d.h}
	if _, ok := c.(transport.STBReader); !ok {
		return w, nil
	}
	if _, ok := c.(transport.Locker); ok && !d.h.noLocker {
		return wrapLocking{wrapINSTR{w}}, nil
	}
	return wrapINSTR{w}, nil
}

// ---- broken libraries ----------------------------------------------------

type brokenLib struct {
	visa.Library
	opens     atomic.Int64
	open      func(l visa.Library, ctx context.Context, rm visa.Session, name string) (visa.Session, error)
	close     func(l visa.Library, s visa.Session) error
	get       func(l visa.Library, s visa.Session, a visa.Attr) (any, error)
	set       func(l visa.Library, s visa.Session, a visa.Attr, v any) error
	write     func(l visa.Library, ctx context.Context, s visa.Session, p []byte) (int, visa.Status, error)
	wait      func(l visa.Library, ctx context.Context, s visa.Session, t visa.EventType, tmo time.Duration) (visa.Event, error)
	lock      func(l visa.Library, ctx context.Context, s visa.Session, mode visa.AccessMode, tmo time.Duration, key string) (string, error)
	unlockNop bool
}

func (b *brokenLib) armed() bool { return b.opens.Load() > 1 }

func (b *brokenLib) Open(ctx context.Context, rm visa.Session, name string, mode visa.AccessMode, tmo time.Duration) (visa.Session, error) {
	if b.opens.Add(1) > 1 && b.open != nil {
		return b.open(b.Library, ctx, rm, name)
	}
	return b.Library.Open(ctx, rm, name, mode, tmo)
}

func (b *brokenLib) Close(s visa.Session) error {
	if b.armed() && b.close != nil {
		return b.close(b.Library, s)
	}
	return b.Library.Close(s)
}

func (b *brokenLib) GetAttribute(s visa.Session, a visa.Attr) (any, error) {
	if b.armed() && b.get != nil {
		return b.get(b.Library, s, a)
	}
	return b.Library.GetAttribute(s, a)
}

func (b *brokenLib) SetAttribute(s visa.Session, a visa.Attr, v any) error {
	if b.armed() && b.set != nil {
		return b.set(b.Library, s, a, v)
	}
	return b.Library.SetAttribute(s, a, v)
}

func (b *brokenLib) Write(ctx context.Context, s visa.Session, p []byte) (int, visa.Status, error) {
	if b.armed() && b.write != nil {
		return b.write(b.Library, ctx, s, p)
	}
	return b.Library.Write(ctx, s, p)
}

func (b *brokenLib) WaitOnEvent(ctx context.Context, s visa.Session, t visa.EventType, tmo time.Duration) (visa.Event, error) {
	if b.armed() && b.wait != nil {
		return b.wait(b.Library, ctx, s, t, tmo)
	}
	return b.Library.WaitOnEvent(ctx, s, t, tmo)
}

func (b *brokenLib) Lock(ctx context.Context, s visa.Session, mode visa.AccessMode, tmo time.Duration, key string) (string, error) {
	if b.armed() && b.lock != nil {
		return b.lock(b.Library, ctx, s, mode, tmo, key)
	}
	return b.Library.Lock(ctx, s, mode, tmo, key)
}

func (b *brokenLib) Unlock(ctx context.Context, s visa.Session) error {
	if b.armed() && b.unlockNop {
		return nil
	}
	return b.Library.Unlock(ctx, s)
}

// ---- the breakers --------------------------------------------------------

type breaker struct {
	check string
	proto string // "socket" or "vxi11"
	dev   func(d *brokenDev) transport.Device
	conn  *connHooks
	lib   func(b *brokenLib)
}

func withSRQ(d *brokenDev) transport.Device { return srqDev{d} }

func breakers() []breaker {
	return []breaker{
		{check: "session/open-close", proto: "socket", lib: func(b *brokenLib) {
			b.close = func(visa.Library, visa.Session) error { return nil } // never closes
		}},
		{check: "session/reopen", proto: "socket", lib: func(b *brokenLib) {
			b.open = func(l visa.Library, ctx context.Context, rm visa.Session, name string) (visa.Session, error) {
				if b.opens.Load() > 4 { // a device that runs out of links
					return 0, &visa.Error{Status: visa.VI_ERROR_RSRC_NFOUND, Op: "viOpen", Msg: "no more links"}
				}
				return l.Open(ctx, rm, name, visa.VI_NO_LOCK, 0)
			}
		}},
		{check: "session/concurrent", proto: "socket", dev: func(d *brokenDev) transport.Device { d.mixEcho = true; return withSRQ(d) }},
		{check: "session/connection-loss", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				n, r, err := c.Read(ctx, p, opt)
				if errors.Is(err, transport.ErrConnLost) || errors.Is(err, transport.ErrClosed) {
					// Hides the loss: hangs until the timeout.
					if dl, ok := ctx.Deadline(); ok {
						time.Sleep(time.Until(dl))
					}
					return 0, 0, transport.Errorf("read", transport.ErrTimeout, nil)
				}
				return n, r, err
			}}},
		{check: "attr/defaults", proto: "socket", lib: func(b *brokenLib) {
			b.open = func(l visa.Library, ctx context.Context, rm visa.Session, name string) (visa.Session, error) {
				s, err := l.Open(ctx, rm, name, visa.VI_NO_LOCK, 0)
				if err == nil {
					_ = l.SetAttribute(s, visa.VI_ATTR_TMO_VALUE, uint32(5000))
				}
				return s, err
			}
		}},
		{check: "attr/read-only", proto: "socket", lib: func(b *brokenLib) {
			b.set = func(l visa.Library, s visa.Session, a visa.Attr, v any) error {
				if err := l.SetAttribute(s, a, v); errors.Is(err, visa.ErrAttrReadOnly) {
					return nil // ignored silently
				} else {
					return err
				}
			}
		}},
		{check: "attr/unsupported", proto: "socket", lib: func(b *brokenLib) {
			b.get = func(l visa.Library, s visa.Session, a visa.Attr) (any, error) {
				v, err := l.GetAttribute(s, a)
				if errors.Is(err, visa.ErrAttrNotSupp) {
					return uint32(0), nil
				}
				return v, err
			}
		}},
		{check: "attr/round-trip", proto: "socket", lib: func(b *brokenLib) {
			b.set = func(l visa.Library, s visa.Session, a visa.Attr, v any) error {
				if a == visa.VI_ATTR_TERMCHAR {
					return nil // accepted, not stored
				}
				return l.SetAttribute(s, a, v)
			}
		}},
		{check: "read/end", proto: "vxi11", dev: func(d *brokenDev) transport.Device { d.noEND = true; return withSRQ(d) }},
		{check: "read/termchar", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				if opt.TermChar != '\n' {
					opt.TermCharEnabled = false
				}
				return c.Read(ctx, p, opt)
			}}},
		{check: "read/termchar-disabled", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				opt.TermCharEnabled = true
				return c.Read(ctx, p, opt)
			}}},
		{check: "read/count", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				n, r, err := c.Read(ctx, p, opt)
				if r == transport.ReasonCount {
					r = transport.ReasonEND
				}
				return n, r, err
			}}},
		{check: "read/suppress-end", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				opt.SuppressEND = false
				return c.Read(ctx, p, opt)
			}}},
		{check: "write/send-end", proto: "vxi11", conn: &connHooks{
			write: func(ctx context.Context, c transport.Conn, p []byte, end bool) (int, error) {
				return c.Write(ctx, p, true)
			}}},
		{check: "read/chunked", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				if len(p) > 1 {
					p = p[:len(p)/2] // returns early, claiming the count
				}
				return c.Read(ctx, p, opt)
			}}},
		{check: "block/definite", proto: "socket", dev: func(d *brokenDev) transport.Device { d.corrupt = true; return withSRQ(d) }},
		{check: "block/indefinite", proto: "vxi11", dev: func(d *brokenDev) transport.Device { d.noEND = true; return withSRQ(d) }},
		{check: "block/extended-header", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				n, r, err := c.Read(ctx, p, opt)
				if i := bytes.Index(p[:n], []byte("#A")); i >= 0 {
					p[i+1] = '9' // misreads the ≥1 GB header form
				}
				return n, r, err
			}}},
		{check: "timing/query-delay", proto: "socket", lib: func(b *brokenLib) {
			b.write = func(l visa.Library, ctx context.Context, s visa.Session, p []byte) (int, visa.Status, error) {
				time.Sleep(time.Second) // a write that stalls
				return l.Write(ctx, s, p)
			}
		}},
		{check: "timing/timeout", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				ctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond) // gives up early
				defer cancel()
				return c.Read(ctx, p, opt)
			}}},
		{check: "timing/timeout-late-response", proto: "vxi11", dev: func(d *brokenDev) transport.Device { d.noDelay = true; return withSRQ(d) }},
		{check: "timing/cancel", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				n, r, err := c.Read(ctx, p, opt)
				if err != nil && errors.Is(ctx.Err(), context.Canceled) {
					return n, r, transport.Errorf("read", transport.ErrIO, nil) // loses the cause
				}
				return n, r, err
			}}},
		{check: "timing/deadline", proto: "socket", conn: &connHooks{
			read: func(ctx context.Context, c transport.Conn, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second) // ignores the caller's deadline
				defer cancel()
				return c.Read(ctx, p, opt)
			}}},
		{check: "device/clear", proto: "vxi11", dev: func(d *brokenDev) transport.Device { d.noClear = true; return withSRQ(d) }},
		{check: "status/stb-mav", proto: "vxi11", dev: func(d *brokenDev) transport.Device { d.zeroSTB = true; return withSRQ(d) }},
		{check: "status/trigger", proto: "vxi11", dev: func(d *brokenDev) transport.Device { d.noTrig = true; return withSRQ(d) }},
		{check: "event/srq-queue", proto: "vxi11", dev: func(d *brokenDev) transport.Device { return d }},
		{check: "event/srq-handler", proto: "vxi11", dev: func(d *brokenDev) transport.Device { return d }},
		{check: "event/not-enabled", proto: "socket", lib: func(b *brokenLib) {
			b.wait = func(l visa.Library, ctx context.Context, s visa.Session, t visa.EventType, tmo time.Duration) (visa.Event, error) {
				time.Sleep(tmo)
				return visa.Event{}, &visa.Error{Status: visa.VI_ERROR_TMO, Op: "viWaitOnEvent"}
			}
		}},
		{check: "lock/exclusive", proto: "socket", lib: func(b *brokenLib) {
			b.lock = func(visa.Library, context.Context, visa.Session, visa.AccessMode, time.Duration, string) (string, error) {
				return "ignored", nil
			}
			b.unlockNop = true
		}},
		{check: "lock/shared", proto: "socket", lib: func(b *brokenLib) {
			b.lock = func(l visa.Library, ctx context.Context, s visa.Session, mode visa.AccessMode, tmo time.Duration, key string) (string, error) {
				return l.Lock(ctx, s, mode, tmo, "") // drops the requested key
			}
		}},
		{check: "lock/device", proto: "vxi11", conn: &connHooks{noLocker: true}},
	}
}

func TestEveryCheckFailsAgainstABrokenDevice(t *testing.T) {
	covered := map[string]bool{}
	for _, b := range breakers() {
		covered[b.check] = true
		t.Run(b.check, func(t *testing.T) {
			t.Parallel()
			bd := &brokenDev{in: sim.NewTestInstrument()}
			var dev transport.Device = withSRQ(bd)
			if b.dev != nil {
				dev = b.dev(bd)
			}
			var s served
			if b.proto == "vxi11" {
				s = serveVXI11(t, dev)
			} else {
				s = serveSocket(t, dev)
			}
			d := &brokenDialer{h: b.conn}
			newRM := func() (*visa.ResourceManager, error) {
				var lib visa.Library = visa.NewConnLibrary(d, nil)
				if b.lib != nil {
					bl := &brokenLib{Library: lib}
					b.lib(bl)
					lib = bl
				}
				return visa.NewResourceManagerFor(lib)
			}
			rm, err := newRM()
			require.NoError(t, err)
			defer rm.Close()
			rep := conformance.Run(context.Background(), conformance.Config{
				RM: rm, Resource: s.name, Checks: []string{b.check}, Timeout: time.Second,
				NewRM: newRM, Disconnect: s.proxy.DropAll,
			})
			require.Empty(t, rep.Error)
			res, ok := rep.Result(b.check)
			require.True(t, ok)
			assert.Equal(t, conformance.Fail, res.Outcome, "%s must fail against a device that breaks its rule; got %s %s", b.check, res.Outcome, res.Reason)
			t.Logf("%s: %s", b.check, res.Reason)
		})
	}
	for _, c := range conformance.Checks() {
		assert.True(t, covered[c.Name], "no broken device demonstrates that %s can fail", c.Name)
	}
}
