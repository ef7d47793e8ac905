package vxi11

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/rpc/portmap"
	"github.com/govisa/govisa/transport"
)

// Client is one VXI-11 link to a device: a core-channel connection with a
// link created by create_link, an abort channel opened when a call must be
// aborted, and an interrupt channel served when service requests are
// wanted. It implements transport.Conn and the capability interfaces
// Clearer, STBReader, Triggerer, Locker (exclusive locks), RemoteLocalController
// and SRQNotifier.
//
// Like every transport.Conn, operations must be serialised by the caller;
// Close may be called at any time and unblocks an operation in progress.
type Client struct {
	opts   Options
	log    *slog.Logger
	host   string
	device string
	rpc    *rpc.Client

	lid       LinkID
	abortPort uint16
	maxRecv   uint32

	closed   atomic.Bool
	inFlight atomic.Int32

	// Reused by the core calls (client_call.go); opBusy guards them
	// against calls made concurrently in spite of the Conn contract.
	opBusy atomic.Bool
	cctx   callCtx
	aw     abortWatch

	// Scratch arguments and results of the serialised I/O operations, kept
	// here so that a call allocates nothing for them.
	wp DeviceWriteParms
	wr DeviceWriteResp
	rp DeviceReadParms
	rr readResult

	abortMu sync.Mutex
	abortCl *rpc.Client

	lockMu sync.Mutex
	locked bool

	srqMu  sync.Mutex
	srqOn  bool
	intr   *intrServer
	srqFn  atomic.Pointer[func()]
	handle []byte
}

// Dial opens a link to device ("inst0", "gpib0,5", ...; "" means "inst0")
// on host. The core port comes from opts.CorePort, or from the
// portmapper of host. ctx bounds the whole opening, the lock wait of
// opts.LockOnOpen included.
//
// Errors wrap transport sentinels: ErrNotFound when nothing serves VXI-11
// there or the device name is unknown (error 3), ErrLocked when the lock
// could not be had, ErrTimeout when ctx ended.
func Dial(ctx context.Context, host, device string, opts Options) (*Client, error) {
	opts.setDefaults()
	if device == "" {
		device = "inst0"
	}
	if len(device) > MaxDeviceName {
		return nil, transport.Errorf("vxi11 dial", transport.ErrInvalidArg, fmt.Errorf("device name longer than %d bytes", MaxDeviceName))
	}
	port := opts.CorePort
	if port == 0 {
		p, err := getPort(ctx, host, &opts)
		if err != nil {
			return nil, err
		}
		port = p
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	conn, err := opts.Dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, dialErr("vxi11 dial", addr, err)
	}
	c := &Client{
		opts:   opts,
		log:    opts.Logger,
		host:   host,
		device: device,
		rpc: rpc.NewClient(conn, rpc.WithLogger(opts.Logger),
			rpc.WithMaxRecord(opts.MaxReadChunk+64<<10)),
	}
	c.aw.c = c
	if err := c.createLink(ctx); err != nil {
		c.rpc.Close()
		return nil, err
	}
	c.log.Debug("vxi11: link created", "addr", addr, "device", device, "lid", c.lid,
		"abortPort", c.abortPort, "maxRecvSize", c.maxRecv)
	return c, nil
}

func dialErr(op, addr string, err error) error {
	err = transport.NetError(op, err)
	if errors.Is(err, transport.ErrConnLost) {
		// Refused or unreachable: nothing serves VXI-11 there.
		return transport.Errorf(op, transport.ErrNotFound, fmt.Errorf("%s: %w", addr, err))
	}
	return err
}

// getPort asks the host's portmapper for the core channel's TCP port.
func getPort(ctx context.Context, host string, opts *Options) (int, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(opts.PortmapperPort))
	conn, err := opts.Dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, dialErr("vxi11 portmapper", addr, err)
	}
	pm := portmap.NewClient(rpc.NewClient(conn, rpc.WithLogger(opts.Logger), rpc.WithMaxRecord(64<<10)))
	defer pm.Close()
	port, err := pm.GetPort(ctx, ProgCore, ProgVersion, portmap.ProtoTCP)
	if err != nil {
		return 0, fmt.Errorf("vxi11 portmapper %s: %w", addr, err)
	}
	if port == 0 || port > 0xFFFF {
		return 0, transport.Errorf("vxi11 portmapper", transport.ErrNotFound,
			fmt.Errorf("%s has no VXI-11 core program registered", addr))
	}
	return int(port), nil
}

func (c *Client) createLink(ctx context.Context) error {
	p := CreateLinkParms{ClientID: c.opts.ClientID, LockDevice: c.opts.LockOnOpen, Device: c.device}
	if c.opts.LockOnOpen {
		lt := c.opts.LockTimeout
		if dl, ok := ctx.Deadline(); ok {
			lt = min(lt, time.Until(dl))
		}
		p.LockTimeout = ms(lt)
	}
	var r CreateLinkResp
	if err := c.rpc.Call(ctx, ProgCore, ProgVersion, ProcCreateLink, &p, &r); err != nil {
		return fmt.Errorf("vxi11 create_link: %w", err)
	}
	if r.Error != NoError {
		return codeErr("create_link "+strconv.Quote(c.device), r.Error)
	}
	c.lid, c.abortPort, c.maxRecv = r.LID, r.AbortPort, r.MaxRecvSize
	if c.maxRecv == 0 {
		// Not allowed (the minimum is 1024); be lenient with the server.
		c.maxRecv = minRecvSize
	}
	c.locked = c.opts.LockOnOpen
	return nil
}

// LinkID returns the link id create_link gave.
func (c *Client) LinkID() LinkID { return c.lid }

// MaxRecvSize returns the server's maxRecvSize: Write sends at most this
// many bytes per device_write.
func (c *Client) MaxRecvSize() uint32 { return c.maxRecv }

// AbortPort returns the abort channel port create_link gave (0: the server
// has no abort channel).
func (c *Client) AbortPort() uint16 { return c.abortPort }

// Close destroys the interrupt channel and the link and closes the
// connections. When an operation is in progress it does not wait for it:
// it closes the connection (the server drops the link of a closed
// connection, locks included), which fails the operation with
// transport.ErrClosed.
func (c *Client) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return nil
	}
	if c.inFlight.Load() == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.TimeoutGrace)
		c.srqMu.Lock()
		if c.intr != nil {
			_ = c.rpc.Call(ctx, ProgCore, ProgVersion, ProcDestroyIntrChan, nil, nil)
		}
		c.srqMu.Unlock()
		var r DeviceError
		err := c.rpc.Call(ctx, ProgCore, ProgVersion, ProcDestroyLink, &DeviceLink{LID: c.lid}, &r)
		cancel()
		if err != nil || r.Error != NoError {
			c.log.Debug("vxi11: destroy_link failed", "err", err, "code", r.Error)
		}
	}
	err := c.rpc.Close()
	c.aw.release()
	c.abortMu.Lock()
	if c.abortCl != nil {
		c.abortCl.Close()
		c.abortCl = nil
	}
	c.abortMu.Unlock()
	c.srqMu.Lock()
	if c.intr != nil {
		c.intr.close()
		c.intr = nil
	}
	c.srqMu.Unlock()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return transport.NetError("vxi11 close", err)
	}
	return nil
}

// do makes one core call that the caller's ctx may cancel. The server gets
// the deadline as io_timeout (set by the caller in args) and answers on its
// own when it passes; the client waits TimeoutGrace longer before it gives
// up. A cancelled ctx sends device_abort on the abort channel, so that the
// server ends the call with error 23 and the link stays in step.
func (c *Client) do(ctx context.Context, op string, proc uint32, args rpc.Appender, res rpc.Decodable) error {
	if c.closed.Load() {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	dl, hasDL := ctx.Deadline()
	var err error
	if c.opBusy.CompareAndSwap(false, true) {
		err = c.callReused(ctx, dl, hasDL, proc, args, res)
		c.opBusy.Store(false)
	} else {
		err = c.callDerived(ctx, dl, hasDL, proc, args, res)
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return transport.Errorf(op, ctxKind(ctx), err)
	}
	if errors.Is(err, transport.ErrTimeout) && hasDL {
		// The server did not answer within its own io_timeout and our
		// grace: free the link on its side before giving up.
		actx, acancel := context.WithTimeout(context.Background(), c.opts.TimeoutGrace)
		_ = c.sendAbort(actx)
		acancel()
		return transport.Errorf(op, transport.ErrTimeout, fmt.Errorf("no reply from the server: %w", err))
	}
	if c.closed.Load() {
		return transport.Errorf(op, transport.ErrClosed, err)
	}
	return fmt.Errorf("vxi11 %s: %w", op, err)
}

// callReused makes the RPC under the Client's reused call context.
func (c *Client) callReused(ctx context.Context, dl time.Time, hasDL bool, proc uint32, args rpc.Appender, res rpc.Decodable) error {
	// With a cancellable ctx (every context with a deadline from package
	// context), the call needs no deadline of its own: the end of ctx
	// starts the aborter, which gives the call up TimeoutGrace later at
	// the latest. Without one, the RPC client enforces the deadline,
	// which costs setting socket deadlines on every call.
	var cdl time.Time
	if hasDL && ctx.Done() == nil {
		cdl = dl.Add(c.opts.TimeoutGrace)
	}
	c.cctx.reset(cdl, ctx.Done() != nil)
	c.aw.begin(ctx)
	defer c.aw.end()
	// Checked after begin: a cancellation from now on runs the aborter;
	// one before (when the registration may have fired idle) is seen here.
	if err := ctx.Err(); err != nil {
		// Ended before anything was sent: nothing to abort.
		return transport.NetError("rpc call", err)
	}
	return c.rpc.Call(&c.cctx, ProgCore, ProgVersion, proc, args, res)
}

// callDerived makes the RPC under contexts derived for this call alone: the
// way of a call made while another is in progress.
func (c *Client) callDerived(ctx context.Context, dl time.Time, hasDL bool, proc uint32, args rpc.Appender, res rpc.Decodable) error {
	callCtx := ctx
	cancel := context.CancelFunc(func() {})
	switch {
	case hasDL:
		callCtx, cancel = context.WithDeadline(context.WithoutCancel(ctx), dl.Add(c.opts.TimeoutGrace))
	case ctx.Done() != nil:
		callCtx, cancel = context.WithCancel(context.WithoutCancel(ctx))
	}
	defer cancel()
	var ab *aborter
	if ctx.Done() != nil {
		ab = &aborter{c: c, cancel: cancel, callDone: make(chan struct{}), finished: make(chan struct{})}
		ab.stop = context.AfterFunc(ctx, ab.run)
	}
	err := c.rpc.Call(callCtx, ProgCore, ProgVersion, proc, args, res)
	if ab != nil {
		close(ab.callDone)
		if !ab.stop() {
			<-ab.finished
		}
	}
	return err
}

// ctxKind is the sentinel for a ctx that ended: ErrTimeout for a deadline,
// ErrAborted for a cancellation.
func ctxKind(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return transport.ErrTimeout
	}
	return transport.ErrAborted
}

// result turns a VXI-11 error code into the error of op; an abort that the
// caller's ctx caused is reported as that ctx's end.
func (c *Client) result(ctx context.Context, op string, code ErrorCode) error {
	if code == NoError {
		return nil
	}
	if code == ErrAbort && ctx.Err() != nil {
		return transport.Errorf(op, ctxKind(ctx), fmt.Errorf("%w: %w", code, ctx.Err()))
	}
	return codeErr(op, code)
}

// ioTimeout returns the io_timeout field for ctx: the time left until its
// deadline in ms, or 0xFFFFFFFF (forever) without one. A deadline already
// past fails with ErrTimeout before anything is sent.
func ioTimeout(ctx context.Context, op string) (uint32, error) {
	dl, ok := ctx.Deadline()
	if !ok {
		if err := ctx.Err(); err != nil {
			return 0, transport.NetError(op, err)
		}
		return 0xFFFFFFFF, nil
	}
	rem := time.Until(dl)
	if rem <= 0 {
		return 0, transport.Errorf(op, transport.ErrTimeout, context.DeadlineExceeded)
	}
	if err := ctx.Err(); err != nil {
		return 0, transport.NetError(op, err)
	}
	return ms(rem), nil
}

// aborter sends device_abort when the caller's ctx is cancelled during a
// call, and repeats it (in case it overtook the call on its way to the
// server) until the call ends or TimeoutGrace passes; then it gives the
// call up.
type aborter struct {
	c        *Client
	cancel   context.CancelFunc
	callDone chan struct{}
	finished chan struct{}
	stop     func() bool
}

func (a *aborter) run() {
	defer close(a.finished)
	grace := a.c.opts.TimeoutGrace
	giveUp := time.NewTimer(grace)
	defer giveUp.Stop()
	wait := 5 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(context.Background(), grace)
		err := a.c.sendAbort(actx)
		cancel()
		if err != nil {
			a.c.log.Debug("vxi11: device_abort failed; abandoning the call", "err", err)
			a.cancel()
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-a.callDone:
			t.Stop()
			return
		case <-giveUp.C:
			t.Stop()
			a.cancel()
			return
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// sendAbort calls device_abort for the link on the abort channel, opening
// it the first time.
func (c *Client) sendAbort(ctx context.Context) error {
	c.abortMu.Lock()
	defer c.abortMu.Unlock()
	if c.abortPort == 0 {
		return transport.Errorf("device_abort", transport.ErrNotSupported, errors.New("the server has no abort channel"))
	}
	if c.abortCl == nil {
		if c.closed.Load() {
			return transport.Errorf("device_abort", transport.ErrClosed, nil)
		}
		addr := net.JoinHostPort(c.host, strconv.Itoa(int(c.abortPort)))
		conn, err := c.opts.Dialer.DialContext(ctx, "tcp", addr)
		if err != nil {
			return transport.NetError("device_abort", err)
		}
		c.abortCl = rpc.NewClient(conn, rpc.WithLogger(c.opts.Logger), rpc.WithMaxRecord(4096))
	}
	var r DeviceError
	err := c.abortCl.Call(ctx, ProgAsync, ProgVersion, ProcDeviceAbort, &DeviceLink{LID: c.lid}, &r)
	if err != nil {
		c.abortCl.Close()
		c.abortCl = nil
		return err
	}
	return codeErr("device_abort", r.Error)
}

// Abort sends device_abort on the abort channel: the call in progress on
// the link (typically a Read blocked in another goroutine) ends with an
// error wrapping transport.ErrAborted. The link stays usable.
func (c *Client) Abort(ctx context.Context) error {
	if c.closed.Load() {
		return transport.Errorf("device_abort", transport.ErrClosed, nil)
	}
	return c.sendAbort(ctx)
}
