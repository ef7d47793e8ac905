package usbtmc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/govisa/govisa/transport"
)

// Conn is a USBTMC/USB488 client session. It implements [transport.Conn],
// [transport.Clearer], [transport.STBReader], [transport.Triggerer],
// [transport.RemoteLocalController] and [transport.SRQNotifier]. Like every
// Conn it is not safe for concurrent use except that Close may be called at
// any time and unblocks a blocked operation.
type Conn struct {
	t    Transfers
	ifc  Interface
	caps Capabilities
	cfg  config
	log  *slog.Logger

	tag    byte // bTag of the last Bulk-OUT header
	stbTag byte // bTag of the last READ_STATUS_BYTE (2..127)
	inTag  byte // bTag of the REQUEST_DEV_DEP_MSG_IN being answered

	out []byte // one Bulk-OUT transfer
	buf []byte // one Bulk-IN transfer (len is a multiple of the packet size)

	// Response state: data holds unread bytes of the current transfer,
	// left counts its bytes still in the pipe.
	data    []byte
	left    uint32
	eom     bool
	inXfer  bool
	xquirks Quirk // quirks that apply to the transfer in progress

	vendor bool // VI_ATTR_IO_PROT = VI_PROT_USBTMC_VENDOR: Write and Read use vendor-specific messages

	srq       atomic.Pointer[func()]
	srqLatch  atomic.Bool
	stbCh     chan [2]byte
	intrDone  chan struct{}
	closeCtx  context.Context
	closeFn   context.CancelFunc
	closeOnce sync.Once
}

var (
	_ transport.Conn                  = (*Conn)(nil)
	_ transport.Clearer               = (*Conn)(nil)
	_ transport.STBReader             = (*Conn)(nil)
	_ transport.Triggerer             = (*Conn)(nil)
	_ transport.RemoteLocalController = (*Conn)(nil)
	_ transport.SRQNotifier           = (*Conn)(nil)
)

// Open starts a session on the USBTMC interface ifc reached through t. It
// reads the capabilities (GET_CAPABILITIES), asserts REN when the device
// accepts it (see [WithREN]), optionally clears the device, and starts
// watching the interrupt endpoint when there is one. The Conn owns t: Close
// closes it when it implements io.Closer.
func Open(ctx context.Context, t Transfers, ifc Interface, opts ...Option) (*Conn, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if !cfg.quirksSet {
		cfg.quirks = LookupQuirks(ifc.VendorID, ifc.ProductID)
	}
	if ifc.MaxPacket == 0 {
		ifc.MaxPacket = 512
	}
	if ifc.BulkIn&0x80 == 0 || ifc.BulkOut&0x80 != 0 || (ifc.InterruptIn != 0 && ifc.InterruptIn&0x80 == 0) {
		return nil, transport.Errorf("open", transport.ErrInvalidArg, fmt.Errorf("usbtmc: endpoint directions out=%#02x in=%#02x intr=%#02x", ifc.BulkOut, ifc.BulkIn, ifc.InterruptIn))
	}
	mp := int(ifc.MaxPacket)
	size := max(cfg.maxTransfer/mp*mp, 4*mp)
	c := &Conn{
		t: t, ifc: ifc, cfg: cfg, log: cfg.log,
		tag: 0, stbTag: 1,
		out:   make([]byte, 0, size),
		buf:   make([]byte, size),
		stbCh: make(chan [2]byte, 4),
	}
	if c.log == nil {
		c.log = slog.New(discard{})
	}
	c.closeCtx, c.closeFn = context.WithCancel(context.Background())
	caps, err := c.getCapabilities(ctx)
	if err != nil {
		c.closeFn()
		return nil, err
	}
	c.caps = caps
	if ifc.InterruptIn != 0 {
		c.intrDone = make(chan struct{})
		go c.watchInterrupt()
	}
	if cfg.ren && c.ifc.Protocol == 1 && caps.RemoteLocal {
		if err := c.simple(ctx, ReqRENControl, 1, "ren_control"); err != nil {
			c.log.Debug("usbtmc: REN_CONTROL at open failed", "err", err)
		}
	}
	if cfg.clearOnOpen {
		if err := c.Clear(ctx); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Capabilities returns what the device reported in GET_CAPABILITIES.
func (c *Conn) Capabilities() Capabilities { return c.caps }

// Interface returns the interface description the Conn was opened with.
func (c *Conn) Interface() Interface { return c.ifc }

// Quirks returns the quirks in effect.
func (c *Conn) Quirks() Quirk { return c.cfg.quirks }

// Close stops the interrupt watcher and closes the transfers when they
// implement io.Closer. A blocked operation returns ErrClosed.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.closeFn()
		if cl, ok := c.t.(io.Closer); ok {
			err = cl.Close()
		}
		if c.intrDone != nil {
			<-c.intrDone
		}
	})
	return err
}

// opCtx ties ctx to Close so that Close unblocks the operation.
func (c *Conn) opCtx(ctx context.Context) (context.Context, func()) {
	if c.closeCtx.Err() != nil {
		return nil, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(c.closeCtx, func() { cancel(transport.ErrClosed) })
	return ctx, func() { stop(); cancel(nil) }
}

// opErr maps a failure in an operation to the sentinel the caller sees:
// ErrClosed when Close ended it.
func (c *Conn) opErr(op string, ctx context.Context, err error) error {
	if c.closeCtx.Err() != nil {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	if errors.Is(context.Cause(ctx), transport.ErrClosed) {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	return transport.NetError(op, err)
}

func (c *Conn) nextTag() byte {
	c.tag = nextTag(c.tag)
	return c.tag
}

// maxOutData is the data capacity of one Bulk-OUT transfer.
func (c *Conn) maxOutData() int { return cap(c.out) - HeaderSize - 3 }

// Write sends p as DEV_DEP_MSG_OUT transfers of at most the configured
// size, EOM on the last when end is true. After a timeout it aborts the
// Bulk-OUT transfer so the device accepts the next one; the count then
// includes the bytes the device reported as received. In vendor-specific
// mode (see [Conn.SetAttr]) it is [Conn.VendorWrite] and end is ignored.
func (c *Conn) Write(ctx context.Context, p []byte, end bool) (int, error) {
	return c.send(ctx, p, end, c.vendor)
}

// send writes p as DEV_DEP_MSG_OUT or VENDOR_SPECIFIC_OUT transfers.
func (c *Conn) send(ctx context.Context, p []byte, end, vendor bool) (int, error) {
	ctx, done := c.opCtx(ctx)
	if ctx == nil {
		return 0, transport.Errorf("write", transport.ErrClosed, nil)
	}
	defer done()
	sent := 0
	for sent < len(p) {
		chunk := min(len(p)-sent, c.maxOutData())
		last := sent+chunk == len(p)
		tag := c.nextTag()
		if vendor {
			c.out = AppendVendorOut(c.out[:0], tag, p[sent:sent+chunk])
		} else {
			c.out = AppendMsgOut(c.out[:0], tag, p[sent:sent+chunk], end && last)
		}
		if _, err := c.t.BulkOut(ctx, c.ifc.BulkOut, c.out); err != nil {
			err = c.opErr("write", ctx, err)
			switch {
			case errors.Is(err, transport.ErrTimeout) || errors.Is(err, transport.ErrAborted):
				n, aerr := c.abortBulkOut(tag)
				if aerr != nil {
					c.log.Debug("usbtmc: abort bulk-out failed", "err", aerr)
				}
				sent += min(int(n), chunk)
			case errors.Is(err, transport.ErrIO):
				c.outStalled()
			}
			return sent, err
		}
		sent += chunk
	}
	return sent, nil
}

// outStalled clears the Bulk-OUT halt after a Bulk-OUT transfer failed
// with a stall (USBTMC 1.0: a device halts Bulk-OUT on a MsgID it does
// not support), so the next message gets through.
func (c *Conn) outStalled() {
	actx, cancel := c.abortCtx()
	c.clearHalt(actx, c.ifc.BulkOut)
	cancel()
}

type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }
