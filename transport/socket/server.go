package socket

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

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
	serverReadChunk  = 32 << 10 // bytes read from a client per system call
	serverWriteChunk = 64 << 10 // bytes of response copied per Device.Read
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

// WithResponseTimeout sets how long a client that sent a query keeps the
// device to itself while it waits for the response (default
// DefaultResponseTimeout). Other clients wait at most this long after the
// device falls silent.
func WithResponseTimeout(d time.Duration) ServerOption {
	return func(c *serverConfig) { c.responseTimeout = d }
}

// WithWriteTimeout bounds how long the server waits for a client to accept
// response bytes (default DefaultWriteTimeout); a client that does not read
// its responses is disconnected after it.
func WithWriteTimeout(d time.Duration) ServerOption {
	return func(c *serverConfig) { c.writeTimeout = d }
}

// WithLogger sets the server's logger; nil (the default) is silent.
func WithLogger(l *slog.Logger) ServerOption {
	return func(c *serverConfig) { c.log = l }
}

// Server hosts one [transport.Device] on raw TCP sockets, as an instrument
// serves SCPI on port 5025. Any number of clients may connect at once; they
// share the device the way programs share a real instrument, with one
// message exchange at a time (see WithResponseTimeout).
//
// Each connection has one goroutine that reads its bytes, frames them into
// program messages with a [Splitter] and delivers them to Device.Write
// (end=true at each LF). The device's output is pumped by one goroutine per
// server from Device.Read to the connection whose query it answers, through
// one reusable buffer, so a large block streams without being held in
// memory. One pump rather than one per connection: a connection that had
// its own pump would take responses meant for another.
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
	pumping   bool
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
	if !s.pumping {
		s.pumping = true
		s.wg.Add(1)
		go s.pump()
	}
	s.mu.Unlock()
	defer s.removeListener(l)
	s.log.Info("socket: serving", "addr", l.Addr())

	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			// Timeouts are the only accept errors worth retrying
			// portably; back off so a persistent one cannot spin.
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return transport.NetError("accept", err)
		}
		backoff = 0
		s.start(nc)
	}
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
}

func (s *Server) start(nc net.Conn) {
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
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go c.serve()
}

func (c *serverConn) close() {
	c.once.Do(func() {
		c.cancel()
		c.nc.Close()
	})
}

// serve is the connection's input loop.
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
			// The client may have half-closed after its last query
			// (echo '*IDN?' | nc host 5025): let the answer go out.
			s.ex.waitAnswered(c.ctx, c)
			return
		}
	}
}

// deliver hands one Splitter segment to the device.
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
	s.ex.delivered(c, end, end && query && err == nil)
	if err != nil {
		if c.ctx.Err() != nil {
			return err
		}
		// The device refused this message; it reports that in-band
		// (error queue), and the connection goes on.
		s.log.Debug("socket: device write failed", "err", err)
	}
	return nil
}

// pump moves the device's output to the connection that owns the device.
func (s *Server) pump() {
	defer s.wg.Done()
	buf := make([]byte, serverWriteChunk)
	for {
		until, ok := s.ex.wantRead()
		if !ok {
			return
		}
		ctx, cancel := context.WithDeadline(s.ctx, until)
		n, end, err := s.dev.Read(ctx, buf)
		cancel()
		if s.ctx.Err() != nil {
			return
		}
		n = min(max(n, 0), len(buf)) // never trust a count beyond the buffer
		timedOut := err != nil && errors.Is(err, transport.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
		failed := err != nil && !timedOut
		if failed {
			s.log.Debug("socket: device read failed", "err", err)
		}
		target := s.ex.output(n, end, timedOut, failed)
		if n > 0 && target != nil {
			target.send(buf[:n])
		}
	}
}

// send writes response bytes to the client, disconnecting a client that
// does not take them within the write timeout.
func (c *serverConn) send(p []byte) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.s.cfg.writeTimeout))
	if _, err := c.nc.Write(p); err != nil {
		c.s.log.Debug("socket: response write failed", "remote", c.nc.RemoteAddr(), "err", err)
		c.close()
	}
}
