package visa

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/govisa/govisa/transport"
)

// session is one open VISA session of a ConnLibrary.
type session struct {
	id    Session
	lib   *ConnLibrary
	rm    *rmState
	name  ResourceName
	rsrc  string // canonical resource name
	attrs *AttrStore

	// mu serialises I/O on conn; ioctx is reused under it.
	mu     sync.Mutex
	conn   transport.Conn
	ioctx  ioContext
	closed atomic.Bool

	ev   events
	jobs jobs
	buf  fmtBuffers
}

func newSession(l *ConnLibrary, rm *rmState, rn ResourceName, attrs *AttrStore, conn transport.Conn) *session {
	s := &session{id: l.newID(), lib: l, rm: rm, name: rn, rsrc: rn.String(), attrs: attrs, conn: conn}
	s.ev.init(s)
	s.jobs.init()
	return s
}

// close aborts pending jobs, stops event delivery, releases locks and
// closes the connection.
func (s *session) close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.jobs.cancelAll()
	s.ev.close()
	s.lib.locks.releaseAll(s.rsrc, s.id)
	err := s.conn.Close()
	s.jobs.wait()
	if err != nil && !errors.Is(err, transport.ErrClosed) {
		return mapError("viClose", s.rsrc, err)
	}
	return nil
}

// begin takes the session's I/O lock and checks that the session may do
// I/O now: it is open and no other session holds the resource's lock.
// ctx is folded with the session timeout into the reused ioContext.
func (s *session) begin(ctx context.Context, op string) (context.Context, error) {
	if s.closed.Load() {
		return nil, &Error{Status: VI_ERROR_INV_OBJECT, Op: op, Resource: s.rsrc, Msg: "session is closed"}
	}
	if err := s.lib.locks.check(s.rsrc, s.id); err != nil {
		return nil, &Error{Status: VI_ERROR_RSRC_LOCKED, Op: op, Resource: s.rsrc, Msg: err.Error()}
	}
	s.mu.Lock()
	return s.ioctx.reset(ctx, s.attrs.Timeout()), nil
}

// end releases the I/O lock. The ioContext keeps its parent until the next
// operation: a transport may hold a cancellation registration on it (the
// socket transport keeps one per Done channel) and unregisters through it.
func (s *session) end() { s.mu.Unlock() }

// Read implements viRead with VPP-4.3 rule 6.1 termination.
func (s *session) read(ctx context.Context, p []byte) (int, Status, error) {
	const op = "viRead"
	ictx, err := s.begin(ctx, op)
	if err != nil {
		return 0, 0, err
	}
	defer s.end()
	return s.readLocked(ictx, p, op)
}

func (s *session) readLocked(ctx context.Context, p []byte, op string) (int, Status, error) {
	if len(p) == 0 {
		return 0, VI_SUCCESS_MAX_CNT, nil
	}
	tc, tcEn := s.attrs.TermChar()
	opt := transport.ReadOptions{TermChar: tc, TermCharEnabled: tcEn, SuppressEND: s.attrs.SuppressEnd()}
	n, reason, err := s.conn.Read(ctx, p, opt)
	if err != nil {
		return n, 0, mapError(op, s.rsrc, err)
	}
	return n, readStatus(reason), nil
}

// readStatus maps why a read stopped to its VISA completion code. END wins
// over the termination character (as NI-VISA and pyvisa-py report it).
func readStatus(r transport.Reason) Status {
	switch {
	case r&transport.ReasonEND != 0:
		return VI_SUCCESS
	case r&transport.ReasonTermChar != 0:
		return VI_SUCCESS_TERM_CHAR
	default:
		return VI_SUCCESS_MAX_CNT
	}
}

// write implements viWrite: END goes with the last byte when
// VI_ATTR_SEND_END_EN is true.
func (s *session) write(ctx context.Context, p []byte) (int, Status, error) {
	const op = "viWrite"
	ictx, err := s.begin(ctx, op)
	if err != nil {
		return 0, 0, err
	}
	defer s.end()
	return s.writeLocked(ictx, p, s.attrs.SendEnd(), op)
}

func (s *session) writeLocked(ctx context.Context, p []byte, end bool, op string) (int, Status, error) {
	n, err := s.conn.Write(ctx, p, end)
	if err != nil {
		return n, 0, mapError(op, s.rsrc, err)
	}
	return n, VI_SUCCESS, nil
}

// clear implements viClear: the protocol's device clear, or for transports
// without one, discarding pending input (documented per transport).
func (s *session) clear(ctx context.Context) error {
	const op = "viClear"
	ictx, err := s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer s.end()
	s.buf.discardRead()
	c, ok := s.conn.(transport.Clearer)
	if !ok {
		return &Error{Status: VI_ERROR_NSUP_OPER, Op: op, Resource: s.rsrc, Msg: "the transport has no device clear"}
	}
	return mapError(op, s.rsrc, c.Clear(ictx))
}

func (s *session) readSTB(ctx context.Context) (byte, error) {
	const op = "viReadSTB"
	ictx, err := s.begin(ctx, op)
	if err != nil {
		return 0, err
	}
	defer s.end()
	r, ok := s.conn.(transport.STBReader)
	if !ok {
		return 0, &Error{Status: VI_ERROR_NSUP_OPER, Op: op, Resource: s.rsrc, Msg: "the transport cannot read the status byte; query *STB? instead"}
	}
	b, err := r.ReadSTB(ictx)
	return b, mapError(op, s.rsrc, err)
}

func (s *session) trigger(ctx context.Context, protocol uint16) error {
	const op = "viAssertTrigger"
	if protocol != VI_TRIG_PROT_DEFAULT {
		return &Error{Status: VI_ERROR_INV_PROT, Op: op, Resource: s.rsrc, Msg: "only VI_TRIG_PROT_DEFAULT is supported for message-based sessions"}
	}
	ictx, err := s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer s.end()
	t, ok := s.conn.(transport.Triggerer)
	if !ok {
		return &Error{Status: VI_ERROR_NSUP_OPER, Op: op, Resource: s.rsrc, Msg: "the transport has no trigger; send *TRG instead"}
	}
	return mapError(op, s.rsrc, t.Trigger(ictx))
}

func (s *session) remoteLocal(ctx context.Context, mode uint16) error {
	const op = "viGpibControlREN"
	if mode > uint16(transport.RENAddressGTL) {
		return &Error{Status: VI_ERROR_INV_MODE, Op: op, Resource: s.rsrc}
	}
	ictx, err := s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer s.end()
	rc, ok := s.conn.(transport.RemoteLocalController)
	if !ok {
		return &Error{Status: VI_ERROR_NSUP_OPER, Op: op, Resource: s.rsrc, Msg: "the transport has no remote/local control"}
	}
	return mapError(op, s.rsrc, rc.RemoteLocal(ictx, transport.RemoteLocal(mode)))
}
