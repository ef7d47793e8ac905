package rpc

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sort"
	"sync"

	"github.com/govisa/govisa/internal/acceptloop"
	"github.com/govisa/govisa/transport"
)

// ErrServerClosed is returned by [Server.Serve] and [Server.ServePacket]
// after [Server.Shutdown] or [Server.Close].
var ErrServerClosed = transport.Errorf("rpc serve", transport.ErrClosed, errors.New("server closed"))

// NoReply is returned by a [Handler] for a one-way procedure: the server
// sends no reply at all (VXI-11's device_intr_srq is such a procedure).
//
//lint:ignore ST1012 NoReply is a control value a handler returns, not a failure.
var NoReply = errors.New("rpc: no reply")

// Request is one incoming call as a [Handler] sees it. The server reuses it
// for the next call on the same connection: do not keep it after the
// handler returns.
type Request struct {
	CallHeader
	// Args holds the encoded arguments. It aliases the server's receive
	// buffer and is valid only until the handler returns.
	Args *Decoder
	// Network is "tcp" or "udp".
	Network    string
	LocalAddr  net.Addr
	RemoteAddr net.Addr
}

// Handler serves the calls of one program version. It decodes its
// arguments from req.Args (then calls req.Args.End() before acting, so that
// malformed arguments are refused before any effect), appends its results
// to res and returns the extended slice.
//
// The error decides the reply:
//
//   - nil: SUCCESS with the results.
//   - [NoReply]: nothing is sent (one-way procedure).
//   - an [AcceptStat] such as ProcUnavail (possibly wrapped): that status.
//   - any error while req.Args holds a decoding error, or with arguments
//     left unconsumed: GARBAGE_ARGS.
//   - any other error, or a panic: SYSTEM_ERR, logged.
//
// Calls on one TCP connection are handled one after the other, so a slow
// handler delays only its own connection. ctx ends when the connection
// does, or when the server is closed; it carries what
// [Server.ConnContext] put in it. Procedure 0 (NULL) is answered by the
// server and never reaches the handler.
type Handler func(ctx context.Context, req *Request, res []byte) ([]byte, error)

// Server dispatches ONC-RPC calls to registered programs. Configure its
// exported fields before the first Serve; NewServer gives the defaults.
type Server struct {
	// MaxRecord caps an incoming TCP record (default DefaultMaxRecord);
	// a larger one closes the connection without allocating for it.
	MaxRecord int
	// Logger receives handler panics and errors (Error level) and
	// connection events (Debug level). nil is silent.
	Logger *slog.Logger
	// ConnContext, when set, derives the context of a new TCP connection;
	// handlers of calls on it receive that context, which is cancelled when
	// the connection ends (use context.AfterFunc to clean up per-connection
	// state).
	ConnContext func(ctx context.Context, c net.Conn) context.Context
	// MaxReplyBuffer is the capacity up to which a connection keeps its
	// reply buffer from one call to the next (default
	// DefaultMaxReplyBuffer). Handlers append their results to it, so a
	// server whose replies are large (bulk reads) avoids allocating one per
	// call by raising it, at the cost of that much memory per connection;
	// the buffer of a larger reply is dropped once the reply is sent.
	MaxReplyBuffer int

	mu       sync.Mutex
	progs    map[uint32]map[uint32]Handler
	lns      map[net.Listener]struct{}
	pcs      map[net.PacketConn]struct{}
	conns    map[*serverConn]struct{}
	closing  bool
	wg       sync.WaitGroup
	baseCtx  context.Context
	cancel   context.CancelFunc
	initOnce sync.Once
}

type serverConn struct {
	conn net.Conn
	busy bool
}

// DefaultMaxReplyBuffer is the default [Server.MaxReplyBuffer].
const DefaultMaxReplyBuffer = 64 << 10

// NewServer returns a server with no programs.
func NewServer() *Server {
	s := &Server{}
	s.init()
	return s
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.progs = make(map[uint32]map[uint32]Handler)
		s.lns = make(map[net.Listener]struct{})
		s.pcs = make(map[net.PacketConn]struct{})
		s.conns = make(map[*serverConn]struct{})
		s.baseCtx, s.cancel = context.WithCancel(context.Background())
	})
}

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return discardLogger
	}
	return s.Logger
}

// Register makes h serve version vers of program prog, replacing any
// handler registered for them. It may be called while serving.
func (s *Server) Register(prog, vers uint32, h Handler) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.progs[prog] == nil {
		s.progs[prog] = make(map[uint32]Handler)
	}
	s.progs[prog][vers] = h
}

// Unregister removes version vers of program prog.
func (s *Server) Unregister(prog, vers uint32) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.progs[prog], vers)
	if len(s.progs[prog]) == 0 {
		delete(s.progs, prog)
	}
}

// Programs returns the registered (program, version) pairs, sorted.
func (s *Server) Programs() [][2]uint32 {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][2]uint32
	for p, vs := range s.progs {
		for v := range vs {
			out = append(out, [2]uint32{p, v})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i][0] < out[j][0] || out[i][0] == out[j][0] && out[i][1] < out[j][1]
	})
	return out
}

// lookup returns the handler of prog/vers, or the status to answer and the
// supported version range.
func (s *Server) lookup(prog, vers uint32) (Handler, AcceptStat, uint32, uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs, ok := s.progs[prog]
	if !ok {
		return nil, ProgUnavail, 0, 0
	}
	if h, ok := vs[vers]; ok {
		return h, Success, 0, 0
	}
	lo, hi := ^uint32(0), uint32(0)
	for v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	return nil, ProgMismatch, lo, hi
}

// Serve accepts TCP connections on l and serves each on its own goroutine
// until l fails or the server is shut down. It always returns a non-nil
// error: [ErrServerClosed] after Shutdown or Close. Serve closes l.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.lns[l] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.lns, l)
		s.mu.Unlock()
		l.Close()
	}()
	err := acceptloop.Serve(l, s.isClosing, func(conn net.Conn) bool {
		sc := &serverConn{conn: conn}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			conn.Close()
			return false
		}
		s.conns[sc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(sc)
		return true
	})
	if err != nil {
		return transport.NetError("rpc accept", err)
	}
	return ErrServerClosed
}

// keepReplyBuffer returns out emptied for the next reply, or a new small
// buffer when out grew beyond MaxReplyBuffer.
func (s *Server) keepReplyBuffer(out []byte) []byte {
	limit := s.MaxReplyBuffer
	if limit <= 0 {
		limit = DefaultMaxReplyBuffer
	}
	if cap(out) > limit {
		return make([]byte, 0, 512)
	}
	return out[:0]
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) serveConn(sc *serverConn) {
	defer s.wg.Done()
	conn := sc.conn
	// The hook gets the cancellable context, so that what it registers
	// (context.AfterFunc) runs when this connection ends.
	ctx, cancel := context.WithCancel(s.baseCtx)
	if s.ConnContext != nil {
		ctx = s.ConnContext(ctx, conn)
	}
	defer func() {
		cancel()
		conn.Close()
		s.mu.Lock()
		delete(s.conns, sc)
		s.mu.Unlock()
	}()
	rr := NewRecordReader(conn, s.MaxRecord)
	out := make([]byte, 0, 512)
	st := new(callState)
	for {
		rec, err := rr.ReadRecord()
		if err != nil {
			if errors.Is(err, transport.ErrTooLarge) {
				s.log().Warn("rpc server: record too large, closing connection", "remote", conn.RemoteAddr(), "err", err)
			} else {
				s.log().Debug("rpc server: connection ended", "remote", conn.RemoteAddr(), "err", err)
			}
			return
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			return
		}
		sc.busy = true
		s.mu.Unlock()
		var reply bool
		out, reply = s.handle(ctx, st, rec, AppendRecordMark(out[:0]), "tcp", conn.LocalAddr(), conn.RemoteAddr())
		if reply {
			if err := FinishRecord(out); err != nil {
				s.log().Error("rpc server: reply too large", "err", err)
				return
			}
			if _, err := conn.Write(out); err != nil {
				s.log().Debug("rpc server: write failed", "remote", conn.RemoteAddr(), "err", err)
				return
			}
		}
		out = s.keepReplyBuffer(out)
		s.mu.Lock()
		sc.busy = false
		closing := s.closing
		s.mu.Unlock()
		if closing {
			return
		}
	}
}

// ServePacket answers calls arriving as datagrams on pc (UDP), one at a
// time, until pc fails or the server is shut down. It returns
// [ErrServerClosed] after Shutdown or Close, and closes pc.
func (s *Server) ServePacket(pc net.PacketConn) error {
	s.init()
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		pc.Close()
		return ErrServerClosed
	}
	s.pcs[pc] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.pcs, pc)
		s.mu.Unlock()
		pc.Close()
	}()
	buf := make([]byte, 65536)
	out := make([]byte, 0, 512)
	st := new(callState)
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return transport.NetError("rpc serve", err)
		}
		var reply bool
		out, reply = s.handle(s.baseCtx, st, buf[:n], out[:0], "udp", pc.LocalAddr(), addr)
		switch {
		case !reply:
		case len(out) > 65507:
			s.log().Error("rpc server: reply does not fit a datagram", "len", len(out))
		default:
			if _, err := pc.WriteTo(out, addr); err != nil {
				s.log().Debug("rpc server: datagram write failed", "remote", addr, "err", err)
			}
		}
		out = s.keepReplyBuffer(out)
	}
}

// Shutdown stops the server gracefully: it closes the listeners and packet
// connections, closes idle TCP connections, and waits for calls in progress
// to finish and their replies to be sent. If ctx ends first, it closes
// everything as [Server.Close] does and returns the context's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.mu.Lock()
	s.closing = true
	s.closeListenersLocked()
	for sc := range s.conns {
		if !sc.busy {
			sc.conn.Close()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		// Handlers that ignore their cancelled context are not waited for.
		s.closeNow()
		return ctx.Err()
	}
}

// Close stops the server at once: listeners, packet connections and TCP
// connections are closed and handler contexts are cancelled. It then waits
// for the goroutines of the server (Serve, ServePacket and one per
// connection) to end, which they do as soon as their handlers return: a
// handler must return when its context ends, and must not call Close.
func (s *Server) Close() error {
	s.closeNow()
	s.wg.Wait()
	return nil
}

// closeNow does the closing part of Close without waiting.
func (s *Server) closeNow() {
	s.init()
	s.mu.Lock()
	s.closing = true
	s.closeListenersLocked()
	for sc := range s.conns {
		sc.conn.Close()
	}
	s.mu.Unlock()
	s.cancel()
}

func (s *Server) closeListenersLocked() {
	for l := range s.lns {
		l.Close()
	}
	for pc := range s.pcs {
		pc.Close()
	}
}
