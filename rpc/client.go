package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govisa/govisa/internal/deadline"
	"github.com/govisa/govisa/transport"
)

// ClientOption configures a [Client].
type ClientOption func(*clientConfig)

type clientConfig struct {
	maxRecord  int
	logger     *slog.Logger
	retransmit time.Duration
	cred, verf OpaqueAuth
	dialer     *net.Dialer
}

// WithMaxRecord caps the size of a reply the client accepts (default
// [DefaultMaxRecord]; on UDP also capped at 65535, the largest datagram).
// A larger TCP reply fails with transport.ErrTooLarge and breaks the
// connection, since the stream can no longer be followed.
func WithMaxRecord(n int) ClientOption { return func(c *clientConfig) { c.maxRecord = n } }

// WithLogger sets a logger for debug traces (dropped replies, connection
// failures). The default is silent.
func WithLogger(l *slog.Logger) ClientOption { return func(c *clientConfig) { c.logger = l } }

// WithRetransmit sets the first retransmission interval of calls over UDP
// (default 1 s, doubled after each retransmission). It has no effect on TCP.
func WithRetransmit(d time.Duration) ClientOption { return func(c *clientConfig) { c.retransmit = d } }

// WithDialer makes [Dial] connect with d (local address, keep-alive,
// control hooks, ...). It has no effect on [NewClient].
func WithDialer(d *net.Dialer) ClientOption { return func(c *clientConfig) { c.dialer = d } }

// WithAuth sets the credentials and verifier sent with every call
// (default AUTH_NONE for both).
func WithAuth(cred, verf OpaqueAuth) ClientOption {
	return func(c *clientConfig) { c.cred, c.verf = cred, verf }
}

// Client is an ONC-RPC client over one connection. Calls may be made
// concurrently: each gets a fresh xid and the replies, in whatever order
// they come, go to their callers. Over TCP, messages are record-marked and
// a broken connection fails every pending and later call with an error
// wrapping transport.ErrConnLost; over UDP each call is one datagram,
// retransmitted until a reply comes or the context ends.
//
// Over TCP there is no reader goroutine: a waiting caller reads the
// connection itself (see client_read.go), so that the common case of one
// call at a time costs no goroutine hand-off.
type Client struct {
	conn   net.Conn
	stream bool
	cfg    clientConfig

	wsem   chan struct{}    // write lock that a waiting caller can leave on ctx
	wwatch deadline.Watcher // write deadlines; used under wsem
	rwatch deadline.Watcher // read deadlines; used by the reader token holder
	xid    atomic.Uint32

	mu      sync.Mutex
	pending map[uint32]*pendingCall
	reading bool // stream: a caller (or the escort) holds the reader token
	// bigWriters counts writes of messages over escortSize in progress
	// (stream): while one is, replies must be read even if no caller
	// waits (see escort).
	bigWriters int
	err        error // terminal: set once, returned by every later call
	done       chan struct{}

	// Used only by the holder of the reader token (stream).
	rr *RecordReader
	d  Decoder
}

type pendingCall struct {
	res  Decodable
	done chan error    // the outcome, sent by whoever read the reply
	wake chan struct{} // stream: the reader token is free, try to take it
	// waiting is set (under Client.mu) while the caller blocks in
	// waitStream, where a wake reaches it.
	waiting bool
}

var pendingPool = sync.Pool{New: func() any {
	return &pendingCall{done: make(chan error, 1), wake: make(chan struct{}, 1)}
}}

// maxPooledBuf keeps the pool from pinning the memory of huge messages.
const maxPooledBuf = 64 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }
func putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// Dial connects to an RPC server. network is "tcp", "tcp4", "tcp6", "udp",
// "udp4" or "udp6". Failures wrap transport sentinels (ErrTimeout when ctx
// ends, ErrConnLost when the peer refuses).
func Dial(ctx context.Context, network, addr string, opts ...ClientOption) (*Client, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return nil, transport.Errorf("rpc dial", transport.ErrInvalidArg, fmt.Errorf("network %q", network))
	}
	var cfg clientConfig
	for _, o := range opts {
		o(&cfg)
	}
	d := cfg.dialer
	if d == nil {
		d = new(net.Dialer)
	}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, transport.NetError("rpc dial", err)
	}
	return NewClient(conn, opts...), nil
}

// NewClient returns a client over conn. A conn that implements
// net.PacketConn (a connected UDP socket) is used one message per datagram,
// read by a goroutine of the client; any other conn is a stream with
// record marking, read by the callers themselves. The client owns conn:
// [Client.Close] closes it.
func NewClient(conn net.Conn, opts ...ClientOption) *Client {
	c := &Client{
		conn:    conn,
		wsem:    make(chan struct{}, 1),
		pending: make(map[uint32]*pendingCall),
		done:    make(chan struct{}),
		cfg:     clientConfig{maxRecord: DefaultMaxRecord, retransmit: time.Second},
	}
	for _, o := range opts {
		o(&c.cfg)
	}
	if c.cfg.maxRecord <= 0 {
		c.cfg.maxRecord = DefaultMaxRecord
	}
	if c.cfg.retransmit <= 0 {
		c.cfg.retransmit = time.Second
	}
	_, isPacket := conn.(net.PacketConn)
	c.stream = !isPacket
	// Start from a time-derived xid so that a new client on the same
	// server port is unlikely to reuse the xids of an old one.
	c.xid.Store(uint32(time.Now().UnixNano()))
	c.wwatch.Init(conn, deadline.Write)
	c.rwatch.Init(conn, deadline.Read)
	if c.stream {
		c.rr = NewRecordReader(conn, c.cfg.maxRecord)
		close(c.done)
	} else {
		go c.readLoop()
	}
	return c
}

// LocalAddr returns the local address of the connection.
func (c *Client) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// RemoteAddr returns the address of the server.
func (c *Client) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

func (c *Client) logger() *slog.Logger {
	if c.cfg.logger == nil {
		return discardLogger
	}
	return c.cfg.logger
}

var discardLogger = slog.New(slog.DiscardHandler)

// Close closes the connection. Pending calls fail with an error wrapping
// transport.ErrClosed; over UDP, Close waits for the reader goroutine to
// end.
func (c *Client) Close() error {
	c.mu.Lock()
	first := c.err == nil
	if first {
		c.err = transport.Errorf("rpc", transport.ErrClosed, nil)
	}
	c.mu.Unlock()
	var err error
	if first {
		err = c.conn.Close()
	}
	<-c.done
	c.failPending(c.terminalErr())
	c.wwatch.Release()
	c.rwatch.Release()
	return err
}

func (c *Client) terminalErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// fail records a terminal error, closes the connection and fails every
// pending call.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
		c.logger().Debug("rpc client: connection failed", "remote", c.conn.RemoteAddr(), "err", err)
	}
	err = c.err
	c.mu.Unlock()
	c.conn.Close()
	c.failPending(err)
}

func (c *Client) failPending(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for xid, p := range c.pending {
		delete(c.pending, xid)
		p.done <- err
	}
}

// Call calls procedure proc of program prog, version vers, and waits for
// its reply. args appends the encoded arguments (nil for void); res decodes
// the results (nil to ignore them).
//
// res.DecodeXDR runs on whichever goroutine reads the reply (the caller
// itself when it is the only one waiting, another waiting caller, or over
// UDP the client's reader goroutine) while the reply is in a reused
// buffer: slices from [Decoder.Opaque] are only valid until it returns, so
// it must copy what it keeps, and it must not block.
//
// The call ends when the reply comes, when ctx ends (the error wraps
// transport.ErrTimeout for a deadline, transport.ErrAborted for a
// cancellation; a late reply is dropped), or when the connection fails
// (transport.ErrConnLost) or is closed (transport.ErrClosed). A reply other
// than SUCCESS gives an [*AcceptError] or a [*RejectError]. Over TCP, a
// call whose request could not be written whole breaks the connection.
func (c *Client) Call(ctx context.Context, prog, vers, proc uint32, args Appender, res Decodable) error {
	if err := ctxEnded(ctx); err != nil {
		return transport.NetError("rpc call", err)
	}
	p := pendingPool.Get().(*pendingCall)
	p.res = res
	xid := c.xid.Add(1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		p.res = nil
		pendingPool.Put(p)
		return err
	}
	c.pending[xid] = p
	c.mu.Unlock()

	bp := getBuf()
	msg := c.encode(*bp, xid, prog, vers, proc, args)
	*bp = msg
	err := c.write(ctx, msg)
	if err != nil {
		putBuf(bp)
		return c.abandon(xid, p, err)
	}
	if c.stream {
		putBuf(bp)
		return c.waitStream(ctx, xid, p)
	}
	err = c.wait(ctx, xid, p, msg)
	putBuf(bp)
	return err
}

// wait waits for the reply to xid over UDP, resending msg at growing
// intervals meanwhile.
func (c *Client) wait(ctx context.Context, xid uint32, p *pendingCall, msg []byte) error {
	var tick <-chan time.Time
	var timer *time.Timer
	interval := c.cfg.retransmit
	if msg != nil {
		timer = time.NewTimer(interval)
		defer timer.Stop()
		tick = timer.C
	}
	for {
		select {
		case err := <-p.done:
			c.release(p)
			return err
		case <-ctx.Done():
			return c.abandon(xid, p, transport.NetError("rpc call", ctxEnded(ctx)))
		case <-tick:
			// A lost datagram is normal on UDP; an error writing one is
			// reported only if no reply comes before ctx ends.
			_, _ = c.conn.Write(msg)
			interval *= 2
			timer.Reset(interval)
		}
	}
}

// abandon removes xid from the pending set and returns err; if the reader
// already took the call, its outcome is awaited (it is being decoded) and
// returned instead, so that res is never written after Call returns.
func (c *Client) abandon(xid uint32, p *pendingCall, err error) error {
	c.mu.Lock()
	_, mine := c.pending[xid]
	delete(c.pending, xid)
	c.mu.Unlock()
	if !mine {
		if got := <-p.done; err == nil || got != nil {
			err = got
		}
	}
	c.release(p)
	return err
}

// release returns p to the pool once its call is over. A hand-over of the
// reader token that p received but will not use is passed on.
func (c *Client) release(p *pendingCall) {
	select {
	case <-p.wake:
		c.mu.Lock()
		c.wakeOneLocked()
		c.mu.Unlock()
	default:
	}
	p.res, p.waiting = nil, false
	pendingPool.Put(p)
}

// Send sends a one-way call: procedure proc is called and no reply is
// awaited (VXI-11's device_intr_srq is such a call). Errors are those of
// writing the message.
func (c *Client) Send(ctx context.Context, prog, vers, proc uint32, args Appender) error {
	if err := ctxEnded(ctx); err != nil {
		return transport.NetError("rpc send", err)
	}
	if err := c.terminalErr(); err != nil {
		return err
	}
	bp := getBuf()
	*bp = c.encode(*bp, c.xid.Add(1), prog, vers, proc, args)
	err := c.write(ctx, *bp)
	putBuf(bp)
	return err
}

func (c *Client) encode(buf []byte, xid, prog, vers, proc uint32, args Appender) []byte {
	buf = buf[:0]
	if c.stream {
		buf = AppendRecordMark(buf)
	}
	h := CallHeader{XID: xid, Prog: prog, Vers: vers, Proc: proc, Cred: c.cfg.cred, Verf: c.cfg.verf}
	buf = h.AppendXDR(buf)
	if args != nil {
		buf = args.AppendXDR(buf)
	}
	return buf
}

// write sends one encoded message. On a stream the writes are serialised
// and bounded by ctx; a partial write breaks the connection.
func (c *Client) write(ctx context.Context, msg []byte) error {
	if !c.stream {
		if len(msg) > 65507 {
			return transport.Errorf("rpc send", transport.ErrTooLarge, errors.New("message exceeds one UDP datagram"))
		}
		if _, err := c.conn.Write(msg); err != nil {
			return transport.NetError("rpc send", err)
		}
		return nil
	}
	if err := FinishRecord(msg); err != nil {
		return err
	}
	select {
	case c.wsem <- struct{}{}:
	case <-ctx.Done():
		return transport.NetError("rpc send", ctxEnded(ctx))
	}
	defer func() { <-c.wsem }()
	if err := c.terminalErr(); err != nil {
		return err
	}
	// The deadline and a cancellation interrupt a write blocked on a full
	// socket buffer.
	if err := c.armWrite(ctx); err != nil {
		return transport.NetError("rpc send", err)
	}
	defer c.wwatch.Disarm()
	if len(msg) > escortSize {
		c.mu.Lock()
		c.bigWriters++
		c.wakeOneLocked()
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			c.bigWriters--
			c.mu.Unlock()
		}()
	}
	var n int
	var err error
	for {
		var k int
		k, err = c.conn.Write(msg[n:])
		n += k
		if err == nil || n > 0 || !isTimeout(err) || ctxEnded(ctx) != nil {
			break
		}
		// Nothing written, interrupted by a late callback of an earlier
		// context: this call may go on.
		if err = c.armWrite(ctx); err != nil {
			break
		}
	}
	if err == nil {
		return nil
	}
	if cerr := ctxEnded(ctx); cerr != nil && isTimeout(err) {
		err = cerr
	}
	err = transport.NetError("rpc send", err)
	if n > 0 || !errors.Is(err, transport.ErrTimeout) && !errors.Is(err, transport.ErrAborted) {
		// Part of a record is on the wire, or the socket is broken: the
		// stream is out of step for good.
		c.fail(transport.Errorf("rpc send", transport.ErrConnLost, err))
	}
	return err
}

func decodeReply(d *Decoder, res Decodable) (err error) {
	var h ReplyHeader
	if err := h.DecodeBody(d); err != nil {
		return err
	}
	if err := h.Err(); err != nil {
		return err
	}
	if res == nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = transport.Errorf("rpc call", transport.ErrProtocol, fmt.Errorf("result decoder panicked: %v", r))
		}
	}()
	// Bytes after the results are tolerated: some instruments pad replies.
	return res.DecodeXDR(d)
}
