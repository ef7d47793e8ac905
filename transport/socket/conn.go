package socket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"syscall"

	"github.com/govisa/govisa/internal/deadline"
	"github.com/govisa/govisa/transport"
)

// Conn is a client session on a raw TCP socket. It implements
// [transport.Conn] and [transport.Clearer].
//
// Like every transport.Conn it is not safe for concurrent use, except that
// Close may be called at any time and unblocks a pending Read or Write.
type Conn struct {
	nc  *net.TCPConn
	rc  syscall.RawConn
	log *slog.Logger
	wd  deadline.Watcher

	// buf[r:w] holds received bytes not yet returned: what followed a
	// termination character, or what a small Read could not take.
	buf  []byte
	r, w int

	noDelay   atomic.Bool
	keepAlive atomic.Bool
	closed    atomic.Bool

	// State for the non-blocking read done through rc; kept in the Conn so
	// that the callback is a method value built once, not a closure per call.
	tryP   []byte
	tryN   int
	tryErr error
	tryFn  func(fd uintptr) bool
}

var (
	_ transport.Conn    = (*Conn)(nil)
	_ transport.Clearer = (*Conn)(nil)
)

// Dial opens a SOCKET session to addr ("host:port"; IPv6 hosts in brackets,
// "[::1]:5025"). ctx bounds the connection attempt only.
//
// Errors wrap transport.ErrInvalidArg for an address without a port,
// transport.ErrTimeout or transport.ErrAborted when ctx ends first, and
// transport.ErrNotFound when the host cannot be reached or refuses the
// connection (VISA reports VI_ERROR_RSRC_NFOUND for that).
func Dial(ctx context.Context, addr string, opts Options) (*Conn, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, transport.Errorf("dial", transport.ErrInvalidArg, err)
	}
	d := net.Dialer{KeepAliveConfig: keepAliveConfig(opts.KeepAlive)}
	if !opts.KeepAlive {
		d.KeepAlive = -1 // net.Dialer enables keepalive by default
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, dialError(ctx, err)
	}
	tc, ok := nc.(*net.TCPConn)
	if !ok { // cannot happen for network "tcp"; guard rather than panic
		nc.Close()
		return nil, transport.Errorf("dial", transport.ErrNotSupported, errors.New("not a TCP connection"))
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		tc.Close()
		return nil, transport.NetError("dial", err)
	}
	if err := tc.SetNoDelay(opts.NoDelay); err != nil {
		tc.Close()
		return nil, transport.NetError("dial", err)
	}
	size := opts.BufferSize
	if size <= 0 {
		size = DefaultBufferSize
	}
	c := &Conn{
		nc:  tc,
		rc:  rc,
		log: orDiscard(opts.Logger),
		buf: make([]byte, size),
	}
	c.wd.Init(tc, deadline.Both)
	c.tryFn = c.tryReadFD
	c.noDelay.Store(opts.NoDelay)
	c.keepAlive.Store(opts.KeepAlive)
	c.log.Debug("socket: connected", "remote", tc.RemoteAddr(), "nodelay", opts.NoDelay, "keepalive", opts.KeepAlive)
	return c, nil
}

func dialError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return transport.NetError("dial", cerr)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return transport.Errorf("dial", transport.ErrTimeout, err)
	}
	return transport.Errorf("dial", transport.ErrNotFound, err)
}

// Write sends all of p, or fails with the count sent so far. end has no
// meaning on a raw socket, which has no END indicator: the caller appends
// the write termination character (LF) itself.
func (c *Conn) Write(ctx context.Context, p []byte, end bool) (int, error) {
	if c.closed.Load() {
		return 0, transport.Errorf("write", transport.ErrClosed, nil)
	}
	if err := c.arm(ctx, deadline.Write); err != nil {
		return 0, c.opError("write", ctx, err)
	}
	n, err := c.nc.Write(p)
	if err != nil {
		return n, c.opError("write", ctx, err)
	}
	return n, nil
}

// Read reads one message (or part of one) into p following VPP-4.3 rule
// 6.1:
//
//   - with opt.TermCharEnabled, it stops after opt.TermChar, which is
//     included in p (Reason TermChar); bytes after it stay buffered for the
//     next Read;
//   - it stops when p is full (Reason Count);
//   - with opt.SuppressEND false it also stops when at least one byte has
//     been read and no more bytes are available right now (Reason END);
//     with SuppressEND true (the VISA default for sockets) it waits.
//
// A deadline or cancellation of ctx ends the Read with an error wrapping
// transport.ErrTimeout (deadline) or transport.ErrAborted (cancellation),
// and the bytes read so far are returned with it; the session stays usable.
// A peer that closes the connection gives transport.ErrConnLost, again with
// the bytes read so far.
func (c *Conn) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if c.closed.Load() {
		return 0, 0, transport.Errorf("read", transport.ErrClosed, nil)
	}
	if len(p) == 0 {
		return 0, transport.ReasonCount, nil
	}
	n, why := c.take(p, opt)
	if why != 0 {
		return n, why, nil
	}
	// The buffer is empty now. Arm deadlines before any I/O, even a
	// non-blocking one, so a past deadline left by an earlier cancellation
	// cannot leak into this Read.
	if err := c.arm(ctx, deadline.Read); err != nil {
		return n, 0, c.opError("read", ctx, err)
	}
	for {
		rem := p[n:]
		// A large request reads straight into p: a block transfer of many
		// megabytes then costs no copy. Small requests go through buf so
		// that byte-sized reads do not each cost a system call.
		direct := len(rem) >= len(c.buf)
		dst := c.buf
		if direct {
			dst = rem
			if opt.TermCharEnabled {
				// Bytes after a termination character are moved to buf,
				// so they must fit in it.
				dst = rem[:len(c.buf)]
			}
		}
		var m int
		var err error
		if n == 0 || opt.SuppressEND {
			m, err = c.nc.Read(dst)
		} else {
			m, err = c.tryRead(dst)
			if m == 0 && (err == nil || err == io.EOF) {
				// Nothing more right now (or the peer is gone, which the
				// next Read reports): the receive buffer ran dry, which is
				// END for a socket.
				return n, transport.ReasonEND, nil
			}
		}
		if direct {
			got := dst[:m]
			if opt.TermCharEnabled {
				if i := bytes.IndexByte(got, opt.TermChar); i >= 0 {
					c.r, c.w = 0, copy(c.buf, got[i+1:])
					n += i + 1
					why := transport.ReasonTermChar
					if n == len(p) {
						why |= transport.ReasonCount
					}
					return n, why, nil
				}
			}
			n += m
			if n == len(p) {
				return n, transport.ReasonCount, nil
			}
		} else if m > 0 {
			c.r, c.w = 0, m
			k, why := c.take(rem, opt)
			n += k
			if why != 0 {
				return n, why, nil
			}
		}
		if err != nil {
			return n, 0, c.opError("read", ctx, err)
		}
	}
}

// take moves buffered bytes into p and reports whether that ends the Read.
func (c *Conn) take(p []byte, opt transport.ReadOptions) (int, transport.Reason) {
	avail := c.buf[c.r:c.w]
	if len(avail) == 0 {
		return 0, 0
	}
	if len(avail) > len(p) {
		avail = avail[:len(p)]
	}
	var why transport.Reason
	if opt.TermCharEnabled {
		if i := bytes.IndexByte(avail, opt.TermChar); i >= 0 {
			avail = avail[:i+1]
			why = transport.ReasonTermChar
		}
	}
	n := copy(p, avail)
	c.r += n
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	if n == len(p) {
		why |= transport.ReasonCount
	}
	return n, why
}

// Clear discards input: the bytes buffered in the session and those the
// system has already received. A raw socket has no device clear, so this
// is what VISA does for viClear on a SOCKET session (pyvisa-py drains the
// socket the same way); the instrument itself is not cleared. Bytes still
// in flight on the network are not waited for.
func (c *Conn) Clear(ctx context.Context) error {
	if c.closed.Load() {
		return transport.Errorf("clear", transport.ErrClosed, nil)
	}
	dropped := c.w - c.r
	c.r, c.w = 0, 0
	if err := c.arm(ctx, deadline.Read); err != nil {
		return c.opError("clear", ctx, err)
	}
	for {
		m, err := c.tryRead(c.buf)
		dropped += m
		if err != nil {
			return c.opError("clear", ctx, err)
		}
		if m == 0 {
			break
		}
		if err := ctx.Err(); err != nil { // a peer that never stops sending
			return c.opError("clear", ctx, err)
		}
	}
	c.log.Debug("socket: clear", "dropped", dropped)
	return nil
}

// opError classifies an I/O error: the local Close first, then the state
// of ctx (a cancellation shows as a past deadline on the socket), then the
// socket error itself.
func (c *Conn) opError(op string, ctx context.Context, err error) error {
	if c.closed.Load() {
		return transport.Errorf(op, transport.ErrClosed, err)
	}
	if cerr := ctx.Err(); cerr != nil {
		return transport.NetError(op, cerr)
	}
	if errors.Is(err, io.EOF) {
		return transport.Errorf(op, transport.ErrConnLost, err)
	}
	return transport.NetError(op, err)
}

// SetNoDelay changes TCP_NODELAY (VI_ATTR_TCPIP_NODELAY) on the open session.
func (c *Conn) SetNoDelay(on bool) error {
	if c.closed.Load() {
		return transport.Errorf("set_nodelay", transport.ErrClosed, nil)
	}
	if err := c.nc.SetNoDelay(on); err != nil {
		return transport.NetError("set_nodelay", err)
	}
	c.noDelay.Store(on)
	return nil
}

// NoDelay reports the current TCP_NODELAY setting.
func (c *Conn) NoDelay() bool { return c.noDelay.Load() }

// SetKeepAlive turns TCP keepalive (VI_ATTR_TCPIP_KEEPALIVE) on, with
// [KeepAliveIdle], [KeepAliveInterval] and [KeepAliveCount], or off.
func (c *Conn) SetKeepAlive(on bool) error {
	if c.closed.Load() {
		return transport.Errorf("set_keepalive", transport.ErrClosed, nil)
	}
	var err error
	if on {
		err = c.nc.SetKeepAliveConfig(keepAliveConfig(true))
	} else {
		err = c.nc.SetKeepAlive(false)
	}
	if err != nil {
		return transport.NetError("set_keepalive", err)
	}
	c.keepAlive.Store(on)
	return nil
}

// KeepAlive reports whether TCP keepalive is on.
func (c *Conn) KeepAlive() bool { return c.keepAlive.Load() }

// Buffered returns the number of received bytes held for the next Read.
func (c *Conn) Buffered() int { return c.w - c.r }

// RemoteAddr returns the instrument's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// LocalAddr returns the local end of the connection.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// Close closes the session. It may be called while a Read or Write is
// blocked in another goroutine, which then returns an error wrapping
// transport.ErrClosed. Closing twice returns nil.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.wd.Release()
	c.log.Debug("socket: close", "remote", c.nc.RemoteAddr())
	if err := c.nc.Close(); err != nil {
		return transport.NetError("close", err)
	}
	return nil
}
