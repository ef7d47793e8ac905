package usbtmc

import (
	"context"
	"io"
	"sync"

	"github.com/govisa/govisa/transport"
)

// RawConn is a `USB::...::RAW` session: plain bulk writes and reads on the
// interface's pipes, no USBTMC headers. A read returns what one bulk
// transfer delivered; a short packet ends it and is reported as END unless
// the caller sets SuppressEND.
type RawConn struct {
	t         Transfers
	ifc       Interface
	buf       []byte
	data      []byte
	short     bool
	closeCtx  context.Context
	closeFn   context.CancelFunc
	closeOnce sync.Once
	maxOut    int
}

var _ transport.Conn = (*RawConn)(nil)

// OpenRaw starts a RAW session on ifc through t. Only [WithMaxTransfer]
// applies. The RawConn owns t.
func OpenRaw(t Transfers, ifc Interface, opts ...Option) *RawConn {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if ifc.MaxPacket == 0 {
		ifc.MaxPacket = 512
	}
	mp := int(ifc.MaxPacket)
	r := &RawConn{t: t, ifc: ifc, buf: make([]byte, max(cfg.maxTransfer/mp*mp, mp)), maxOut: cfg.maxTransfer}
	r.closeCtx, r.closeFn = context.WithCancel(context.Background())
	return r
}

func (r *RawConn) opCtx(ctx context.Context) (context.Context, func()) {
	if r.closeCtx.Err() != nil {
		return nil, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(r.closeCtx, func() { cancel(transport.ErrClosed) })
	return ctx, func() { stop(); cancel(nil) }
}

func (r *RawConn) err(op string, err error) error {
	if r.closeCtx.Err() != nil {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	return transport.NetError(op, err)
}

// Write sends p on the Bulk-OUT pipe in transfers of at most the configured
// size. end has no wire representation in RAW mode.
func (r *RawConn) Write(ctx context.Context, p []byte, end bool) (int, error) {
	ctx, done := r.opCtx(ctx)
	if ctx == nil {
		return 0, transport.Errorf("write", transport.ErrClosed, nil)
	}
	defer done()
	sent := 0
	for sent < len(p) {
		k := min(len(p)-sent, r.maxOut)
		n, err := r.t.BulkOut(ctx, r.ifc.BulkOut, p[sent:sent+k])
		sent += n
		if err != nil {
			return sent, r.err("write", err)
		}
	}
	return sent, nil
}

// Read returns bytes of the next bulk transfer (buffered remainder first).
func (r *RawConn) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if len(p) == 0 {
		return 0, 0, nil
	}
	ctx, done := r.opCtx(ctx)
	if ctx == nil {
		return 0, 0, transport.Errorf("read", transport.ErrClosed, nil)
	}
	defer done()
	if len(r.data) == 0 {
		n, err := r.t.BulkIn(ctx, r.ifc.BulkIn, r.buf)
		if err != nil {
			return 0, 0, r.err("read", err)
		}
		r.data, r.short = r.buf[:n], n < len(r.buf)
	}
	k := min(len(p), len(r.data))
	var reason transport.Reason
	if opt.TermCharEnabled {
		for i, b := range r.data[:k] {
			if b == opt.TermChar {
				k, reason = i+1, transport.ReasonTermChar
				break
			}
		}
	}
	copy(p, r.data[:k])
	r.data = r.data[k:]
	if len(r.data) == 0 && r.short && !opt.SuppressEND {
		reason |= transport.ReasonEND
	}
	if k == len(p) {
		reason |= transport.ReasonCount
	}
	return k, reason, nil
}

// Close closes the transfers when they implement io.Closer.
func (r *RawConn) Close() error {
	var err error
	r.closeOnce.Do(func() {
		r.closeFn()
		if c, ok := r.t.(io.Closer); ok {
			err = c.Close()
		}
	})
	return err
}
