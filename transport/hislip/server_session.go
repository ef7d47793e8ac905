package hislip

import (
	"bufio"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govisa/govisa/transport"
)

// session is the server side of one HiSLIP session.
type session struct {
	// srqUnpolled is set when an AsyncServiceRequest went to this client
	// and cleared by its next status query, which then reports RQS even if
	// the device withdrew it meanwhile (the server may have drained the
	// MAV that raised the request into its own buffer, and IEEE 488.1 lets
	// a device withdraw an unpolled request).
	srqUnpolled atomic.Bool

	srv     *Server
	dev     *devState
	id      uint16
	version uint16
	ctx     context.Context
	// clientVendor is the vendor id from Initialize, set before the
	// session is shared.
	clientVendor uint16
	cancel       context.CancelFunc

	syncConn   net.Conn
	syncOut    net.Conn      // where sync messages are written: syncConn or its TLS layer; guarded by syncW
	asyncConn  net.Conn      // set once by attachAsync
	asyncOut   net.Conn      // asyncConn or its TLS layer; guarded by asyncW
	abr        *bufio.Reader // async reader, owned by serveAsync
	rawAbr     *bufio.Reader // the clear-text async reader under TLS
	rawSyncBr  *bufio.Reader // the clear-text sync reader under TLS
	asyncReady chan struct{}
	syncW      sync.Mutex
	wbuf       []byte // deliver's small-message buffer, guarded by syncW
	asyncW     sync.Mutex
	clientMax  atomic.Uint64 // largest message (header included) the client accepts
	srqCh      chan struct{}
	closeOnce  sync.Once

	mu             sync.Mutex
	overlapped     bool
	clearing       bool
	opCtx          context.Context // cancelled by device clear
	opCancel       context.CancelFunc
	gen            uint64 // bumped when pending output becomes void
	lastClientID   uint32 // last Data/DataEnd/Trigger received
	msgOpen        bool   // a program message is partly received
	msgQuery       bool   // the open message contains '?'
	queries        int    // queries whose response has not ended yet
	querySince     time.Time
	respInProgress bool // a response is partly sent
	mavPending     bool // synchronized mode MAV
	rmtExpected    bool
	srvNextID      uint32 // overlapped-mode server MessageIDs
	srvLastSent    uint32
	srvSent        bool
	readCancel     context.CancelFunc // cancels the current device read (nil for the sync goroutine's non-blocking one)
	// readDone is closed when the current device read returned and what
	// it returned is accounted for (deliver updated the state): the
	// device's MAV and the server's can then not both look false for
	// one response.
	readDone    chan struct{}
	pumpReading bool // the pump reads (or was asked to); else the sync goroutine may
	pumpWake    chan struct{}
	wantSeq     uint64 // counts wantOutput calls
	pumpCancel  context.CancelFunc
	pumpDone    chan struct{}
	lockCancel  context.CancelFunc
	lockDone    chan struct{}
	sec         secState      // guarded by mu
	asyncHS     chan struct{} // closed when the async TLS handshake ended; guarded by mu
	tlsInfo     string        // negotiated TLS version, for GetDescriptors
	scram       *scramServer  // SCRAM exchange in progress; sync goroutine only
	tlsLastErr  string        // last TLS failure, for GetDescriptors
}

func newSession(srv *Server, d *devState, id, ver uint16, conn net.Conn) *session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{
		srv: srv, dev: d, id: id, version: ver, ctx: ctx, cancel: cancel,
		syncConn: conn, syncOut: conn, asyncReady: make(chan struct{}), srqCh: make(chan struct{}, 1), pumpWake: make(chan struct{}, 1),
		overlapped: srv.Overlapped, lastClientID: firstMessageID - 2, srvNextID: firstMessageID,
	}
	s.opCtx, s.opCancel = context.WithCancel(ctx)
	// lxi-rs assumes 256 bytes until told; pyvisa-py and MSL both assume
	// 1 MiB and always negotiate, so 1 MiB avoids needless splitting.
	s.clientMax.Store(1 << 20)
	d.addSession(s)
	return s
}

func (s *session) debug(msg string, args ...any) {
	s.srv.debug(msg, append(args, "session", s.id)...)
}

func (s *session) attachAsync(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.asyncConn != nil || s.ctx.Err() != nil {
		return false
	}
	s.asyncConn, s.asyncOut = conn, conn
	close(s.asyncReady)
	s.srv.wg.Add(1)
	go s.srqLoop()
	return true
}

func (s *session) hasAsync() bool {
	select {
	case <-s.asyncReady:
		return true
	default:
		return false
	}
}

func (s *session) srqLoop() {
	defer s.srv.wg.Done()
	for {
		select {
		case <-s.srqCh:
			// The status byte is not read here: a serial poll would
			// acknowledge RQS, which only the client's status query may do.
			s.srqUnpolled.Store(true)
			if s.writeAsync(AppendMessage(nil, MsgAsyncServiceRequest, 0x40, 0, nil)) != nil {
				return
			}
		case <-s.ctx.Done():
			return
		}
	}
}

func (s *session) close() {
	s.closeOnce.Do(func() {
		s.cancel()
		s.syncConn.Close()
		s.mu.Lock()
		ac := s.asyncConn
		s.mu.Unlock()
		if ac != nil {
			ac.Close()
		}
		s.dev.drop(s)
		s.srv.removeSession(s)
		s.debug("hislip: session closed")
	})
}

// fatal sends FatalError on both channels (best effort) and closes.
func (s *session) fatal(code uint8, text string) {
	s.debug("hislip: fatal", "code", code, "text", text)
	msg := AppendMessage(nil, MsgFatalError, code, 0, []byte(text))
	s.syncW.Lock()
	_ = s.syncConn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = s.syncOut.Write(msg)
	s.syncW.Unlock()
	if s.hasAsync() {
		s.asyncW.Lock()
		_ = s.asyncConn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = s.asyncOut.Write(msg)
		s.asyncW.Unlock()
	}
	s.close()
}

func (s *session) writeSync(b []byte) error {
	s.syncW.Lock()
	defer s.syncW.Unlock()
	_, err := s.syncOut.Write(b)
	return err
}

func (s *session) writeAsync(b []byte) error {
	if !s.hasAsync() {
		return transport.ErrClosed
	}
	s.asyncW.Lock()
	defer s.asyncW.Unlock()
	_, err := s.asyncOut.Write(b)
	return err
}

// busyFor reports whether the device must keep serving this session: a
// message is half received, a response half sent, or a query is waiting
// for its response (for at most respTO).
func (s *session) busyFor(respTO time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return false
	}
	return s.msgOpen || s.respInProgress || (s.queries > 0 && time.Since(s.querySince) < respTO)
}

// startPump starts the goroutine that forwards the device's output to this
// session, unless it runs already. It reads only when asked (wantOutput).
func (s *session) startPump() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pumpDone != nil || s.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	done := make(chan struct{})
	s.pumpCancel, s.pumpDone = cancel, done
	s.srv.wg.Add(1)
	go s.pump(ctx, done)
}

// stopPump stops the output goroutine and waits for it.
func (s *session) stopPump() {
	s.mu.Lock()
	cancel, done := s.pumpCancel, s.pumpDone
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

var pumpBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// wantOutput makes the pump read the device until the session has no
// response outstanding; s.mu must be held.
func (s *session) wantOutput() {
	s.wantSeq++
	if s.pumpReading {
		return
	}
	s.pumpReading = true
	select {
	case s.pumpWake <- struct{}{}:
	default:
	}
}

// pump reads the device's responses and sends them as Data/DataEnd. Each
// device read becomes one message, sized to the client's maximum. It reads
// only between a wantOutput and the end of the last outstanding response,
// so that in between the sync goroutine may read a query's response itself
// (respondInline) without two readers splitting one response.
func (s *session) pump(ctx context.Context, done chan struct{}) {
	defer s.srv.wg.Done()
	defer close(done)
	defer func() {
		s.mu.Lock()
		if s.pumpDone == done {
			s.pumpCancel, s.pumpDone = nil, nil
		}
		s.pumpReading = false
		s.mu.Unlock()
	}()
	bp := pumpBufs.Get().(*[]byte)
	defer pumpBufs.Put(bp)
	for {
		select {
		case <-s.pumpWake:
		case <-ctx.Done():
			return
		}
		s.mu.Lock()
		asked := s.pumpReading
		s.mu.Unlock()
		if !asked {
			// A wake-up left over from a pump stopped before it read:
			// the sync goroutine may be reading the device itself.
			continue
		}
		if !s.readOutput(ctx, *bp) {
			return
		}
	}
}

// outputLimit is the largest chunk to read for one message: buf, bounded
// by the client's maximum message size.
func (s *session) outputLimit(n int) int {
	lim := uint64(n)
	if cm := s.clientMax.Load(); cm > HeaderSize && cm-HeaderSize < lim {
		lim = cm - HeaderSize
	} else if cm <= HeaderSize {
		lim = 1
	}
	return int(lim)
}

// readOutput forwards device output until no response is outstanding; it
// reports false when the session ends.
func (s *session) readOutput(ctx context.Context, buf []byte) bool {
	for {
		lim := s.outputLimit(len(buf))
		// Each read has its own context so that bumpGen can restart an
		// idle read: output read after the bump then counts as new.
		rctx, rcancel := context.WithCancel(ctx)
		done := make(chan struct{})
		s.mu.Lock()
		gen, seq := s.gen, s.wantSeq
		s.readCancel, s.readDone = rcancel, done
		s.mu.Unlock()
		n, end, err := s.dev.dev.Read(rctx, buf[:lim])
		rcancel()
		if n == 0 && !end {
			close(done)
		} else {
			if derr := s.deliver(gen, buf[:n], end, done); derr != nil {
				s.close()
				return false
			}
			if end {
				s.mu.Lock()
				// A wantOutput during this read may have been for
				// output not read yet: keep reading then.
				idle := s.queries == 0 && s.gen == gen && s.wantSeq == seq
				if idle {
					s.pumpReading = false
				}
				s.mu.Unlock()
				if idle {
					return true
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return false
			}
			if rctx.Err() != nil {
				continue
			}
			if !errors.Is(err, transport.ErrAborted) && !errors.Is(err, transport.ErrTimeout) {
				s.debug("hislip: device read", "err", err)
			}
			// Avoid spinning on a device that keeps failing.
			select {
			case <-ctx.Done():
				return false
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
}

// pollCtx is an already cancelled context: a device Read with it returns
// what is ready now (sim and well-behaved devices check their output
// before the context) and never blocks.
var pollCtx = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// inlineMax bounds the response chunk the sync goroutine sends itself: it
// does not read the client while it writes, so only a chunk that surely
// fits the socket buffers is sent this way.
const inlineMax = 32 << 10

// respondInline is called by the sync goroutine after a query's DataEnd
// reached the device. When the pump is idle it polls the device and sends
// a ready response itself, saving the hand-off to the pump goroutine that
// dominated the query round trip; otherwise, or for what remains of a long
// or late response, it hands over to the pump.
func (s *session) respondInline() {
	s.mu.Lock()
	if s.pumpReading || s.clearing {
		s.mu.Unlock()
		return
	}
	gen := s.gen
	done := make(chan struct{})
	s.readCancel, s.readDone = nil, done
	s.mu.Unlock()
	bp := pumpBufs.Get().(*[]byte)
	n, end, _ := s.dev.dev.Read(pollCtx, (*bp)[:s.outputLimit(inlineMax)])
	var err error
	if n > 0 || end {
		err = s.deliver(gen, (*bp)[:n], end, done)
	} else {
		close(done)
	}
	pumpBufs.Put(bp)
	if err != nil {
		s.close()
		return
	}
	s.mu.Lock()
	if !end || s.queries > 0 {
		s.wantOutput()
	}
	s.mu.Unlock()
}

// bumpGen voids output read so far (device clear, interrupted) and
// restarts the pump's pending read; s.mu must be held.
//
// It returns a channel closed when the pump's device read in flight (if
// any) has returned. The caller waits for it, after releasing s.mu, before
// the device can produce new output: a read cancelled by the bump may
// still return data, and data from the device's next response must not be
// taken by it and dropped as stale.
func (s *session) bumpGen() <-chan struct{} {
	s.gen++
	if s.readCancel != nil {
		s.readCancel()
	}
	return s.readDone
}

// deliver sends one chunk of device output unless it became void (device
// clear or interrupted) since the read started. It closes readDone, the
// read's channel, once the session state accounts for the chunk and
// before the (possibly blocking) network write.
func (s *session) deliver(gen uint64, p []byte, end bool, readDone chan struct{}) error {
	s.mu.Lock()
	if s.gen != gen || s.clearing {
		close(readDone)
		s.mu.Unlock()
		return nil
	}
	var id uint32
	if s.overlapped {
		id = s.srvNextID
		s.srvNextID += 2
		s.srvLastSent, s.srvSent = id, true
	} else {
		// The DataEnd carries the MessageID of the message whose end
		// produced it; Data may carry it too.
		id = s.lastClientID
		s.mavPending = true
		if end {
			s.rmtExpected = true
		}
	}
	s.respInProgress = !end
	if end && s.queries > 0 {
		s.queries--
	}
	typ := MsgData
	if end {
		typ = MsgDataEnd
	}
	close(readDone)
	s.syncW.Lock()
	s.mu.Unlock()
	h := Header{Type: typ, Param: id, Length: uint64(len(p))}
	var err error
	if len(p) <= 4096 {
		// One write (one segment) for header and a small payload, from a
		// buffer kept with the session (guarded by syncW).
		s.wbuf = append(h.Append(s.wbuf[:0]), p...)
		_, err = s.syncOut.Write(s.wbuf)
	} else {
		var hb [HeaderSize]byte
		h.Put(hb[:])
		bufs := net.Buffers{hb[:], p}
		_, err = bufs.WriteTo(s.syncOut)
	}
	s.syncW.Unlock()
	if end {
		s.dev.released()
	}
	return err
}
