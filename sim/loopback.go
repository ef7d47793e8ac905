package sim

import (
	"bytes"
	"context"
	"sync"

	"github.com/govisa/govisa/transport"
)

// loopbackChunk is how much a Loopback asks the device for at once.
const loopbackChunk = 64 << 10

// Loopback is a client-side transport.Conn over an in-process
// transport.Device, with the VPP-4.3 read rules: a read ends on the
// device's END flag, on the termination character when enabled, or when
// the buffer is full; bytes past a termination character stay buffered.
// It implements transport.Clearer, STBReader, Triggerer,
// RemoteLocalController (when the device does) and SRQNotifier (when the
// device is a transport.SRQSource). The @sim backend's sessions use it.
type Loopback struct {
	dev transport.Device

	// closeCtx is cancelled by Close, which unblocks a pending Read.
	closeCtx context.Context
	cancel   context.CancelFunc

	store  []byte // backing array of buf
	buf    []byte // bytes read from the device, not yet returned
	bufEnd bool   // the last byte of buf carried END

	smu   sync.Mutex
	unsub func()
}

var (
	_ transport.Conn                  = (*Loopback)(nil)
	_ transport.Clearer               = (*Loopback)(nil)
	_ transport.STBReader             = (*Loopback)(nil)
	_ transport.Triggerer             = (*Loopback)(nil)
	_ transport.SRQNotifier           = (*Loopback)(nil)
	_ transport.RemoteLocalController = (*Loopback)(nil)
)

// NewLoopback returns a Conn to dev.
func NewLoopback(dev transport.Device) *Loopback {
	ctx, cancel := context.WithCancel(context.Background())
	return &Loopback{dev: dev, closeCtx: ctx, cancel: cancel}
}

// opCtx derives the context of one device call: it ends at ctx's deadline
// (armed here, because the VISA session layer may put a deadline in ctx
// without a timer behind Done) and when the Loopback is closed.
func (l *Loopback) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if err := l.closeCtx.Err(); err != nil {
		return nil, nil
	}
	var cancel context.CancelFunc
	if dl, ok := ctx.Deadline(); ok {
		ctx, cancel = context.WithDeadline(ctx, dl)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	stop := context.AfterFunc(l.closeCtx, cancel)
	return ctx, func() { stop(); cancel() }
}

func (l *Loopback) closedErr(op string) error {
	return transport.Errorf(op, transport.ErrClosed, nil)
}

// Write delivers p to the device; end is END on its last byte.
func (l *Loopback) Write(ctx context.Context, p []byte, end bool) (int, error) {
	octx, done := l.opCtx(ctx)
	if octx == nil {
		return 0, l.closedErr("write")
	}
	defer done()
	if err := l.dev.Write(octx, p, end); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Read reads one message or part of it (VPP-4.3 rule 6.1).
func (l *Loopback) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if len(p) == 0 {
		return 0, transport.ReasonCount, nil
	}
	n := 0
	for {
		if len(l.buf) > 0 {
			chunk := l.buf
			stop := false
			if opt.TermCharEnabled {
				if i := bytes.IndexByte(chunk, opt.TermChar); i >= 0 {
					chunk, stop = chunk[:i+1], true
				}
			}
			k := copy(p[n:], chunk)
			n += k
			l.buf = l.buf[k:]
			var why transport.Reason
			if len(l.buf) == 0 && l.bufEnd && !opt.SuppressEND {
				why |= transport.ReasonEND
			}
			if stop && k == len(chunk) {
				why |= transport.ReasonTermChar
			}
			if n == len(p) {
				why |= transport.ReasonCount
			}
			if len(l.buf) == 0 {
				l.bufEnd = false
			}
			if why != 0 {
				return n, why, nil
			}
		}
		octx, done := l.opCtx(ctx)
		if octx == nil {
			return n, 0, l.closedErr("read")
		}
		want := min(len(p)-n, loopbackChunk)
		if len(l.store) < want {
			l.store = make([]byte, want)
		}
		m, end, err := l.dev.Read(octx, l.store[:want])
		done()
		l.buf, l.bufEnd = l.store[:m], end
		if err != nil {
			if l.closeCtx.Err() != nil {
				err = l.closedErr("read")
			}
			l.buf = l.buf[:0]
			return n, 0, err
		}
	}
}

// Clear performs a device clear and drops buffered input.
func (l *Loopback) Clear(ctx context.Context) error {
	l.buf, l.bufEnd = l.buf[:0], false
	octx, done := l.opCtx(ctx)
	if octx == nil {
		return l.closedErr("clear")
	}
	defer done()
	return l.dev.Clear(octx)
}

// ReadSTB serial-polls the device.
func (l *Loopback) ReadSTB(ctx context.Context) (byte, error) {
	octx, done := l.opCtx(ctx)
	if octx == nil {
		return 0, l.closedErr("readstb")
	}
	defer done()
	return l.dev.ReadSTB(octx)
}

// Trigger sends a device trigger.
func (l *Loopback) Trigger(ctx context.Context) error {
	octx, done := l.opCtx(ctx)
	if octx == nil {
		return l.closedErr("trigger")
	}
	defer done()
	return l.dev.Trigger(octx)
}

// RemoteLocal forwards a REN operation to devices that track it.
func (l *Loopback) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	rl, ok := l.dev.(transport.RemoteLocalDevice)
	if !ok {
		return transport.Errorf("remote_local", transport.ErrNotSupported, nil)
	}
	return rl.RemoteLocal(ctx, mode)
}

// OnSRQ delivers the device's service requests to f (nil stops).
func (l *Loopback) OnSRQ(f func()) {
	l.smu.Lock()
	defer l.smu.Unlock()
	if l.unsub != nil {
		l.unsub()
		l.unsub = nil
	}
	src, ok := l.dev.(transport.SRQSource)
	if f == nil || !ok || l.closeCtx.Err() != nil {
		return
	}
	l.unsub = src.SubscribeSRQ(f)
}

// Close stops SRQ delivery and unblocks a pending operation. The device
// itself stays as it is (other sessions may use it).
func (l *Loopback) Close() error {
	l.cancel()
	l.OnSRQ(nil)
	return nil
}
