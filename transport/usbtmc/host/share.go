package host

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
)

// A USB interface can be claimed once, but VISA lets one process open any
// number of sessions to a resource. Sessions to the same interface share
// one connection; their operations are serialised (a Query is one Write
// and Read under the caller's own lock, as with every Conn).
type shared struct {
	key  string
	conn transport.Conn
	sem  chan struct{} // one operation at a time
	refs int
	subs map[*Session]func()
	smu  sync.Mutex
}

var registry = struct {
	sync.Mutex
	m map[string]*shared
}{m: map[string]*shared{}}

// Session is one VISA session on a shared USB connection. It implements
// [transport.Conn] and the capability interfaces; a capability the
// underlying connection lacks returns ErrNotSupported.
type Session struct {
	s         *shared
	vendor    atomic.Bool // VI_ATTR_IO_PROT = VI_PROT_USBTMC_VENDOR for this session
	closeCtx  context.Context
	closeFn   context.CancelFunc
	closeOnce sync.Once
}

var (
	_ transport.Conn                  = (*Session)(nil)
	_ transport.Clearer               = (*Session)(nil)
	_ transport.STBReader             = (*Session)(nil)
	_ transport.Triggerer             = (*Session)(nil)
	_ transport.RemoteLocalController = (*Session)(nil)
	_ transport.SRQNotifier           = (*Session)(nil)
)

// join returns a session on the connection registered under key, opening
// it with open when there is none.
func join(key string, open func() (transport.Conn, error)) (*Session, error) {
	registry.Lock()
	defer registry.Unlock()
	s := registry.m[key]
	if s == nil {
		c, err := open()
		if err != nil {
			return nil, err
		}
		s = &shared{key: key, conn: c, sem: make(chan struct{}, 1), subs: map[*Session]func(){}}
		if n, ok := c.(transport.SRQNotifier); ok {
			n.OnSRQ(s.fanOut)
		}
		registry.m[key] = s
	}
	s.refs++
	h := &Session{s: s}
	h.closeCtx, h.closeFn = context.WithCancel(context.Background())
	return h, nil
}

func (s *shared) fanOut() {
	s.smu.Lock()
	fs := make([]func(), 0, len(s.subs))
	for _, f := range s.subs {
		fs = append(fs, f)
	}
	s.smu.Unlock()
	for _, f := range fs {
		f()
	}
}

// Conn returns the underlying connection (a *usbtmc.Conn or a
// *kdriver.Conn) for inspection; do not use it while sessions run.
func (h *Session) Conn() transport.Conn { return h.s.conn }

// begin waits for the connection and ties ctx to the session's Close.
func (h *Session) begin(ctx context.Context, op string) (context.Context, func(), error) {
	if h.closeCtx.Err() != nil {
		return nil, nil, transport.Errorf(op, transport.ErrClosed, nil)
	}
	var timeout <-chan time.Time
	if d, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(d))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case h.s.sem <- struct{}{}:
	case <-timeout:
		return nil, nil, transport.Errorf(op, transport.ErrTimeout, errors.New("host: another session holds the instrument"))
	case <-ctx.Done():
		return nil, nil, transport.NetError(op, ctx.Err())
	case <-h.closeCtx.Done():
		return nil, nil, transport.Errorf(op, transport.ErrClosed, nil)
	}
	cctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(h.closeCtx, cancel)
	return cctx, func() { stop(); cancel(); <-h.s.sem }, nil
}

func (h *Session) fix(op string, err error) error {
	if err != nil && h.closeCtx.Err() != nil {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	return err
}

// vendorConn is a connection that can send USBTMC vendor-specific
// messages (a *usbtmc.Conn).
type vendorConn interface {
	VendorWrite(ctx context.Context, p []byte) (int, error)
	VendorRead(ctx context.Context, p []byte) (int, transport.Reason, error)
}

// Write implements transport.Conn. In vendor-specific mode it sends
// VENDOR_SPECIFIC_OUT messages (see [Session.SetAttr]).
func (h *Session) Write(ctx context.Context, p []byte, end bool) (int, error) {
	ctx, done, err := h.begin(ctx, "write")
	if err != nil {
		return 0, err
	}
	defer done()
	if vc, ok := h.s.conn.(vendorConn); ok && h.vendor.Load() {
		n, err := vc.VendorWrite(ctx, p)
		return n, h.fix("write", err)
	}
	n, err := h.s.conn.Write(ctx, p, end)
	return n, h.fix("write", err)
}

// Read implements transport.Conn. In vendor-specific mode it reads
// VENDOR_SPECIFIC_IN messages.
func (h *Session) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	ctx, done, err := h.begin(ctx, "read")
	if err != nil {
		return 0, 0, err
	}
	defer done()
	if vc, ok := h.s.conn.(vendorConn); ok && h.vendor.Load() {
		n, r, err := vc.VendorRead(ctx, p)
		return n, r, h.fix("read", err)
	}
	n, r, err := h.s.conn.Read(ctx, p, opt)
	return n, r, h.fix("read", err)
}

// SetAttr applies VI_ATTR_IO_PROT ([usbtmc.AttrIOProt]) to this session
// only: with VI_PROT_USBTMC_VENDOR its Write and Read use vendor-specific
// messages, other sessions on the same instrument are not affected. The
// usbtmc kernel driver path has no vendor-specific messages: asking for
// them there is an error wrapping ErrInvalidArg. Other ids return
// ErrNotSupported.
func (h *Session) SetAttr(id uint32, v any) error {
	if id != usbtmc.AttrIOProt {
		return transport.Errorf("set_attr", transport.ErrNotSupported, nil)
	}
	vendor, err := usbtmc.VendorProtocol(v)
	if err != nil {
		return err
	}
	if _, ok := h.s.conn.(vendorConn); vendor && !ok {
		return transport.Errorf("set_attr", transport.ErrInvalidArg,
			fmt.Errorf("host: VI_PROT_USBTMC_VENDOR needs usbfs access; %T (the usbtmc kernel driver) sends no vendor-specific messages", h.s.conn))
	}
	h.vendor.Store(vendor)
	return nil
}

// Attr reports VI_ATTR_IO_PROT as this session applies it.
func (h *Session) Attr(id uint32) (any, bool) {
	if id != usbtmc.AttrIOProt {
		return nil, false
	}
	if h.vendor.Load() {
		return uint16(usbtmc.ProtUSBTMCVendor), true
	}
	return uint16(usbtmc.ProtNormal), true
}

// Clear implements transport.Clearer.
func (h *Session) Clear(ctx context.Context) error {
	c, ok := h.s.conn.(transport.Clearer)
	if !ok {
		return transport.Errorf("clear", transport.ErrNotSupported, nil)
	}
	ctx, done, err := h.begin(ctx, "clear")
	if err != nil {
		return err
	}
	defer done()
	return h.fix("clear", c.Clear(ctx))
}

// ReadSTB implements transport.STBReader.
func (h *Session) ReadSTB(ctx context.Context) (byte, error) {
	c, ok := h.s.conn.(transport.STBReader)
	if !ok {
		return 0, transport.Errorf("read_stb", transport.ErrNotSupported, nil)
	}
	ctx, done, err := h.begin(ctx, "read_stb")
	if err != nil {
		return 0, err
	}
	defer done()
	b, err := c.ReadSTB(ctx)
	return b, h.fix("read_stb", err)
}

// Trigger implements transport.Triggerer.
func (h *Session) Trigger(ctx context.Context) error {
	c, ok := h.s.conn.(transport.Triggerer)
	if !ok {
		return transport.Errorf("trigger", transport.ErrNotSupported, nil)
	}
	ctx, done, err := h.begin(ctx, "trigger")
	if err != nil {
		return err
	}
	defer done()
	return h.fix("trigger", c.Trigger(ctx))
}

// RemoteLocal implements transport.RemoteLocalController.
func (h *Session) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	c, ok := h.s.conn.(transport.RemoteLocalController)
	if !ok {
		return transport.Errorf("remote_local", transport.ErrNotSupported, nil)
	}
	ctx, done, err := h.begin(ctx, "remote_local")
	if err != nil {
		return err
	}
	defer done()
	return h.fix("remote_local", c.RemoteLocal(ctx, mode))
}

// OnSRQ implements transport.SRQNotifier: every session sharing the
// connection is told of each service request.
func (h *Session) OnSRQ(f func()) {
	h.s.smu.Lock()
	defer h.s.smu.Unlock()
	if f == nil {
		delete(h.s.subs, h)
		return
	}
	h.s.subs[h] = f
}

// Close ends the session; the last one closes the connection. A blocked
// operation of this session returns ErrClosed.
func (h *Session) Close() error {
	var err error
	h.closeOnce.Do(func() {
		h.closeFn()
		h.OnSRQ(nil)
		registry.Lock()
		h.s.refs--
		last := h.s.refs == 0
		if last {
			delete(registry.m, h.s.key)
		}
		registry.Unlock()
		if last {
			err = h.s.conn.Close()
		}
	})
	return err
}
