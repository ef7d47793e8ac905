package socket

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/govisa/govisa/internal/acceptloop"
	"github.com/govisa/govisa/transport"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or
// Close. It wraps transport.ErrClosed.
var ErrServerClosed = transport.Errorf("serve", transport.ErrClosed, errors.New("socket server closed"))

// Defaults for the server options.
const (
	DefaultResponseTimeout = 2 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
)

const (
	serverReadChunk  = 32 << 10  // bytes read from a client per system call
	serverWriteChunk = 256 << 10 // bytes of response copied per Device.Read: 64 KiB halved block throughput; 256 KiB still fits in L2
)

// ServerOption configures a Server.
type ServerOption func(*serverConfig)

type serverConfig struct {
	maxMessage      int
	responseTimeout time.Duration
	writeTimeout    time.Duration
	log             *slog.Logger
}

// WithMaxMessage bounds how many bytes of one program message a connection
// buffers (default DefaultMaxMessage); see [Splitter] for what happens to
// longer messages.
func WithMaxMessage(n int) ServerOption {
	return func(c *serverConfig) { c.maxMessage = n }
}

// WithResponseTimeout sets how long the server waits for the device's next
// response bytes after a query, and how long a client that stopped in the
// middle of a message keeps the device (default DefaultResponseTimeout).
// The wait for response bytes runs on a deadline renewed when half spent,
// so it lasts between half of d and d.
func WithResponseTimeout(d time.Duration) ServerOption {
	return func(c *serverConfig) { c.responseTimeout = d }
}

// WithWriteTimeout bounds how long the server waits for a client to accept
// response bytes (default DefaultWriteTimeout); a client that does not read
// its responses is disconnected after it (after between half of d and d:
// the deadline is renewed when half spent).
func WithWriteTimeout(d time.Duration) ServerOption {
	return func(c *serverConfig) { c.writeTimeout = d }
}

// WithLogger sets the server's logger; nil (the default) is silent.
func WithLogger(l *slog.Logger) ServerOption {
	return func(c *serverConfig) { c.log = l }
}

// Server hosts one [transport.Device] on raw TCP sockets, as an instrument
// serves SCPI on port 5025. Any number of clients may connect at once; they
// share the device the way programs share a real instrument, one message
// exchange at a time.
//
// Each connection has one goroutine. It reads the client's bytes, frames
// them into program messages with a [Splitter] and delivers them to
// Device.Write (end=true at each LF). After a query (a message containing
// '?', the IEEE 488.2 query marker) it relays the response from Device.Read
// to the client through one reusable buffer until the response's end, so a
// large block streams without being held in memory, and the query's answer
// goes to the client that asked. The same goroutine does both because
// output pumped by a goroutine of its own per connection would be taken by
// whichever connection's pump read first; and because a response then
// costs no hand-over between goroutines. A query that is never answered
// holds the device for the response timeout. A message without '?' gets
// no response read: its output, if the device makes any, waits for the next
// query.
type Server struct {
	dev transport.Device
	cfg serverConfig
	log *slog.Logger
	ex  *exchange

	ctx    context.Context // ends when the server closes
	cancel context.CancelFunc
	wg     sync.WaitGroup // connection goroutines and the pump

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[*serverConn]struct{}
	closed    bool
}

// NewServer returns a server for dev. It serves nothing until Serve or
// ListenAndServe.
func NewServer(dev transport.Device, opts ...ServerOption) *Server {
	cfg := serverConfig{
		maxMessage:      DefaultMaxMessage,
		responseTimeout: DefaultResponseTimeout,
		writeTimeout:    DefaultWriteTimeout,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.maxMessage <= 0 {
		cfg.maxMessage = DefaultMaxMessage
	}
	if cfg.responseTimeout <= 0 {
		cfg.responseTimeout = DefaultResponseTimeout
	}
	if cfg.writeTimeout <= 0 {
		cfg.writeTimeout = DefaultWriteTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		dev:    dev,
		cfg:    cfg,
		log:    orDiscard(cfg.log),
		ex:     newExchange(cfg.responseTimeout),
		ctx:    ctx,
		cancel: cancel,
		conns:  make(map[*serverConn]struct{}),
	}
}

// ListenAndServe listens on the TCP address addr and serves; see Serve.
func (s *Server) ListenAndServe(addr string) error {
	if s.isClosed() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return transport.NetError("listen", err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l until the server is closed, and then
// returns ErrServerClosed. It closes l on return. Serve may be called for
// several listeners at once (an IPv4 and an IPv6 one, say).
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	defer s.removeListener(l)
	s.log.Info("socket: serving", "addr", l.Addr())

	if err := acceptloop.Serve(l, s.isClosed, s.start); err != nil {
		return transport.NetError("accept", err)
	}
	return ErrServerClosed
}

func (s *Server) removeListener(l net.Listener) {
	s.mu.Lock()
	for i, x := range s.listeners {
		if x == l {
			s.listeners = append(s.listeners[:i], s.listeners[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	l.Close()
}

// Addr returns the address of the first listener being served, or nil.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close closes the listeners and every connection at once and returns
// without waiting for the goroutines to finish; Shutdown waits.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.cancel()
	var first error
	for _, l := range s.listeners {
		if err := l.Close(); err != nil && first == nil && !errors.Is(err, net.ErrClosed) {
			first = err
		}
	}
	for c := range s.conns {
		c.close()
	}
	s.mu.Unlock()
	s.ex.close()
	if first != nil {
		return transport.NetError("close", first)
	}
	return nil
}

// Shutdown closes the listeners and connections, as Close does, and waits
// until every goroutine of the server has ended or ctx is done. A raw
// socket has no way to tell clients to finish, so connections are not
// drained first.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.Close()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		return transport.NetError("shutdown", ctx.Err())
	}
}

// serverConn is one client connection.
type serverConn struct {
	s       *Server
	nc      net.Conn
	ctx     context.Context
	cancel  context.CancelFunc
	once    sync.Once
	inMsg   bool // parts of a message were delivered, the end is due
	query   bool // the message being delivered in parts contains '?'
	dropped int64
	out     []byte // response buffer, allocated at the first query

	// Deadlines for relaying, renewed lazily (see readCtx).
	rctx     context.Context
	rcancel  context.CancelFunc
	rdl, wdl time.Time
}

// start serves nc on its own goroutine; false means the server is closed
// (nc is closed then).
func (s *Server) start(nc net.Conn) bool {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true) // responses are small and latency-bound
	}
	ctx, cancel := context.WithCancel(s.ctx)
	c := &serverConn{s: s, nc: nc, ctx: ctx, cancel: cancel}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel()
		nc.Close()
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go c.serve()
	return true
}

func (c *serverConn) close() {
	c.once.Do(func() {
		c.cancel() // also ends rctx
		c.nc.Close()
	})
}

// serve is the connection's goroutine.
func (c *serverConn) serve() {
	s := c.s
	log := s.log.With("remote", c.nc.RemoteAddr())
	log.Debug("socket: client connected")
	defer func() {
		s.ex.leave(c)
		c.close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		if c.dropped > 0 {
			log.Warn("socket: dropped over-long input", "bytes", c.dropped, "max", s.cfg.maxMessage)
		}
		log.Debug("socket: client gone")
		s.wg.Done()
	}()
	sp := NewSplitter(s.cfg.maxMessage)
	buf := make([]byte, serverReadChunk)
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			if ferr := sp.Feed(buf[:n], c.deliver); ferr != nil {
				log.Debug("socket: input stopped", "err", ferr)
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// deliver hands one Splitter segment to the device and, after a query,
// relays the response.
func (c *serverConn) deliver(kind SegmentKind, seg []byte) error {
	s := c.s
	if kind == SegDropped {
		c.dropped += int64(len(seg))
		return nil
	}
	end := kind == SegMessage
	if end && !c.inMsg && len(seg) == 1 {
		return nil // a bare LF: an empty program message does nothing
	}
	if err := s.ex.acquire(c.ctx, c); err != nil {
		return err
	}
	query := c.query || bytes.IndexByte(seg, '?') >= 0
	err := s.dev.Write(c.ctx, seg, end)
	c.inMsg, c.query = !end, query && !end
	if err != nil {
		// The device refused the message; it reports that in-band (error
		// queue), and the connection goes on.
		s.log.Debug("socket: device write failed", "err", err)
	} else if end && query {
		c.relay()
	}
	s.ex.release(c, !end)
	return c.ctx.Err()
}

// relay copies one response message from the device to the client. Bytes
// the client does not take (it left, or stopped reading past the write
// timeout) are still drained from the device, so that they cannot turn up
// as the answer to another client's query.
func (c *serverConn) relay() {
	s := c.s
	if c.out == nil {
		c.out = make([]byte, serverWriteChunk)
	}
	alive := true
	for {
		n, end, err := s.dev.Read(c.readCtx(), c.out)
		n = min(max(n, 0), len(c.out)) // never trust a count beyond the buffer
		if n > 0 && alive {
			c.writeDeadline()
			if _, werr := c.nc.Write(c.out[:n]); werr != nil {
				s.log.Debug("socket: response write failed", "remote", c.nc.RemoteAddr(), "err", werr)
				alive = false
				c.close()
			}
		}
		if end {
			return
		}
		if err != nil {
			if s.ctx.Err() == nil {
				s.log.Debug("socket: no complete response", "err", err)
			}
			return
		}
	}
}

// readCtx returns the context for Device.Read while relaying: it expires
// between half the response timeout and the whole of it from now. Creating
// a context with a deadline on every read would arm a new runtime timer
// each time, which can wake the network poller and shows in the round
// trip of every query; this one is renewed only when half spent.
func (c *serverConn) readCtx() context.Context {
	now := time.Now()
	if c.rctx == nil || c.rdl.Sub(now) < c.s.cfg.responseTimeout/2 {
		if c.rcancel != nil {
			c.rcancel()
		}
		c.rdl = now.Add(c.s.cfg.responseTimeout)
		c.rctx, c.rcancel = context.WithDeadline(c.ctx, c.rdl)
	}
	return c.rctx
}

// writeDeadline gives the client between half the write timeout and the
// whole of it to take response bytes, renewed lazily like readCtx.
func (c *serverConn) writeDeadline() {
	now := time.Now()
	if c.wdl.Sub(now) < c.s.cfg.writeTimeout/2 {
		c.wdl = now.Add(c.s.cfg.writeTimeout)
		_ = c.nc.SetWriteDeadline(c.wdl)
	}
}
