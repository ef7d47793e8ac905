package vxi11

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

// coreConn is the state of one core-channel TCP connection: its links and
// its interrupt channel. Calls on one connection are handled one after the
// other (rpc.Server does so).
type coreConn struct {
	s      *Server
	remote net.Addr

	mu     sync.Mutex
	links  map[LinkID]*link
	intr   *intrChan
	closed bool

	// Scratch arguments of device_write and device_read, used by the
	// connection's handler only.
	wp DeviceWriteParms
	rp DeviceReadParms
}

// link is one create_link. Its lock owner identity is the *link itself.
type link struct {
	id   LinkID
	dev  *hosted
	conn *coreConn

	mu     sync.Mutex
	op     *opCtx // the call in progress, nil when idle
	srq    bool
	handle []byte
	// pending holds device bytes read past a termination character; the
	// next device_read on this link returns them first. pendingEnd: the
	// last of them carried END. Only the connection's handler touches them.
	pending    []byte
	pendingEnd bool
}

type connKey struct{}

// errAbortCause marks a call ended by device_abort.
var errAbortCause = errors.New("vxi11: device_abort")

// connContext attaches a coreConn to each new core connection and arranges
// for its links to be dropped when the connection ends.
func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	cc := &coreConn{s: s, remote: c.RemoteAddr(), links: make(map[LinkID]*link)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cc.closed = true
		return context.WithValue(ctx, connKey{}, cc)
	}
	s.wg.Add(1)
	s.mu.Unlock()
	context.AfterFunc(ctx, func() {
		defer s.wg.Done()
		cc.close()
	})
	return context.WithValue(ctx, connKey{}, cc)
}

// close drops every link of the connection (releasing their locks) and its
// interrupt channel: a broken connection has the effect of destroy_link on
// each of its links.
func (cc *coreConn) close() {
	cc.mu.Lock()
	cc.closed = true
	links := make([]*link, 0, len(cc.links))
	for _, l := range cc.links {
		links = append(links, l)
	}
	cc.links = map[LinkID]*link{}
	ic := cc.intr
	cc.intr = nil
	cc.mu.Unlock()
	for _, l := range links {
		cc.s.dropLink(l)
	}
	if ic != nil {
		ic.close()
	}
}

// enter registers a call in progress; it fails once the server is closed.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// newLink files a link for dev on cc, or returns the error code that
// prevents it.
func (s *Server) newLink(cc *coreConn, h *hosted) (*link, ErrorCode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.links) >= s.opts.MaxLinks {
		return nil, ErrOutOfResources
	}
	id := s.nextLID
	for {
		if id <= 0 {
			id = 1
		}
		if _, used := s.links[id]; !used {
			break
		}
		id++
	}
	s.nextLID = id + 1
	l := &link{id: id, dev: h, conn: cc}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.closed {
		return nil, ErrIOError
	}
	s.links[id] = l
	cc.links[id] = l
	return l, NoError
}

// dropLink removes l from the server, aborts its call in progress and
// releases its lock.
func (s *Server) dropLink(l *link) {
	s.mu.Lock()
	if s.links[l.id] == l {
		delete(s.links, l.id)
	}
	s.mu.Unlock()
	l.mu.Lock()
	if l.op != nil {
		l.op.cancel(context.Canceled, errAbortCause)
	}
	l.srq = false
	l.mu.Unlock()
	l.dev.locks.ReleaseAll(l)
}

// connLink returns the link lid of connection cc: a core call may only use
// links created on its own connection.
func (cc *coreConn) link(lid LinkID) *link {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.links[lid]
}

// begin starts a call on l bounded by ioTimeout (ms; 0xFFFFFFFF = none)
// and cancellable by device_abort. l.end must be called when it finishes.
func (l *link) begin(ctx context.Context, ioTimeout uint32) *opCtx {
	oc := newOpCtx(ctx, ioTimeout)
	l.mu.Lock()
	l.op = oc
	l.mu.Unlock()
	return oc
}

// end finishes the call that begin started.
func (l *link) end(oc *opCtx) {
	l.mu.Lock()
	if l.op == oc {
		l.op = nil
	}
	l.mu.Unlock()
	oc.release()
}

// abortCall ends l's call in progress with error 23.
func (l *link) abortCall() {
	l.mu.Lock()
	if l.op != nil {
		l.op.cancel(context.Canceled, errAbortCause)
	}
	l.mu.Unlock()
}

// access waits, as the lock rules of every I/O call say, until l may use
// its device: at once if nobody else holds the lock, up to lock_timeout
// with waitlock, otherwise error 11.
func (l *link) access(ctx context.Context, flags Flags, lockTimeout uint32) ErrorCode {
	locks := &l.dev.locks
	if locks.CanAccess(l) {
		return NoError
	}
	if flags&FlagWaitLock == 0 || lockTimeout == 0 {
		return ErrDeviceLocked
	}
	wctx, cancel := context.WithTimeout(ctx, time.Duration(lockTimeout)*time.Millisecond)
	defer cancel()
	if err := locks.WaitAccess(wctx, l); err != nil {
		if aborted(ctx) {
			return ErrAbort
		}
		return ErrDeviceLocked
	}
	return NoError
}

// callCode turns the outcome of a Device call into a VXI-11 error code.
func callCode(ctx context.Context, err error) ErrorCode {
	switch {
	case err == nil:
		return NoError
	case aborted(ctx):
		return ErrAbort
	case errors.Is(err, transport.ErrTimeout), errors.Is(ctx.Err(), context.DeadlineExceeded):
		return ErrIOTimeout
	case errors.Is(err, transport.ErrAborted):
		return ErrAbort
	case errors.Is(err, transport.ErrNotSupported):
		return ErrOperationNotSupported
	case errors.Is(err, transport.ErrInvalidArg):
		return ErrParameter
	default:
		return ErrIOError
	}
}

// serviceRequest forwards a device's service request to every link of it
// that enabled SRQ and whose connection has an interrupt channel. It runs on
// the device's goroutine and never blocks.
func (s *Server) serviceRequest(h *hosted) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.links {
		if l.dev != h {
			continue
		}
		l.mu.Lock()
		on, handle := l.srq, l.handle
		l.mu.Unlock()
		if !on {
			continue
		}
		l.conn.mu.Lock()
		ic := l.conn.intr
		l.conn.mu.Unlock()
		if ic != nil {
			ic.post(handle)
		}
	}
}

// intrChan is the server's side of an interrupt channel: an RPC client
// connected to the client's DEVICE_INTR server, fed by a queue so that a
// device's service request never waits for the network.
type intrChan struct {
	cl    *rpc.Client
	queue chan []byte
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// intrQueue bounds the service requests waiting to be sent on one channel;
// more are dropped (the client polls the STB anyway).
const intrQueue = 16

// startIntr connects to the client's interrupt server at addr.
func (s *Server) startIntr(ctx context.Context, addr string) (*intrChan, error) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cl, err := rpc.Dial(dctx, "tcp", addr, rpc.WithLogger(s.opts.Logger), rpc.WithMaxRecord(4096))
	if err != nil {
		return nil, err
	}
	ic := &intrChan{cl: cl, queue: make(chan []byte, intrQueue), stop: make(chan struct{}), done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cl.Close()
		return nil, transport.Errorf("create_intr_chan", transport.ErrClosed, nil)
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		defer close(ic.done)
		ic.run(s)
	}()
	return ic, nil
}

func (ic *intrChan) run(s *Server) {
	for {
		select {
		case <-ic.stop:
			return
		case <-s.baseCtx.Done():
			return
		case h := <-ic.queue:
			ctx, cancel := context.WithTimeout(s.baseCtx, 5*time.Second)
			p := DeviceSRQParms{Handle: h}
			err := ic.cl.Send(ctx, ProgIntr, ProgVersion, ProcDeviceIntrSRQ, &p)
			cancel()
			if err != nil {
				s.log.Debug("vxi11: device_intr_srq failed", "err", err)
			}
		}
	}
}

func (ic *intrChan) post(handle []byte) {
	select {
	case ic.queue <- handle:
	default:
	}
}

func (ic *intrChan) close() {
	ic.once.Do(func() {
		close(ic.stop)
		<-ic.done
		ic.cl.Close()
	})
}
