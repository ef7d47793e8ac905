package visa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/govisa/govisa/transport"
)

// Read implements viRead.
func (l *ConnLibrary) Read(ctx context.Context, id Session, p []byte) (int, Status, error) {
	s, err := l.session(id, "viRead")
	if err != nil {
		return 0, 0, err
	}
	return s.read(ctx, p)
}

// Write implements viWrite.
func (l *ConnLibrary) Write(ctx context.Context, id Session, p []byte) (int, Status, error) {
	s, err := l.session(id, "viWrite")
	if err != nil {
		return 0, 0, err
	}
	return s.write(ctx, p)
}

// Clear implements viClear.
func (l *ConnLibrary) Clear(ctx context.Context, id Session) error {
	s, err := l.session(id, "viClear")
	if err != nil {
		return err
	}
	return s.clear(ctx)
}

// ReadSTB implements viReadSTB.
func (l *ConnLibrary) ReadSTB(ctx context.Context, id Session) (byte, error) {
	s, err := l.session(id, "viReadSTB")
	if err != nil {
		return 0, err
	}
	return s.readSTB(ctx)
}

// AssertTrigger implements viAssertTrigger.
func (l *ConnLibrary) AssertTrigger(ctx context.Context, id Session, protocol uint16) error {
	s, err := l.session(id, "viAssertTrigger")
	if err != nil {
		return err
	}
	return s.trigger(ctx, protocol)
}

// GpibControlREN implements viGpibControlREN for any transport with
// remote/local control (GPIB, VXI-11, HiSLIP, USB488).
func (l *ConnLibrary) GpibControlREN(ctx context.Context, id Session, mode uint16) error {
	s, err := l.session(id, "viGpibControlREN")
	if err != nil {
		return err
	}
	return s.remoteLocal(ctx, mode)
}

// jobs tracks a session's asynchronous operations.
type jobs struct {
	mu      sync.Mutex
	next    JobID
	cancels map[JobID]context.CancelFunc
	wg      sync.WaitGroup
}

func (j *jobs) init() { j.cancels = map[JobID]context.CancelFunc{} }

func (j *jobs) start(parent context.Context, run func(ctx context.Context, id JobID)) JobID {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	j.mu.Lock()
	j.next++
	if j.next == 0 {
		j.next = 1
	}
	id := j.next
	j.cancels[id] = cancel
	j.wg.Add(1)
	j.mu.Unlock()
	go func() {
		defer j.wg.Done()
		defer cancel()
		run(ctx, id)
		j.mu.Lock()
		delete(j.cancels, id)
		j.mu.Unlock()
	}()
	return id
}

func (j *jobs) cancel(id JobID) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	c, ok := j.cancels[id]
	if ok {
		c()
	}
	return ok
}

func (j *jobs) cancelAll() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range j.cancels {
		c()
	}
}

func (j *jobs) wait() { j.wg.Wait() }

// completion posts VI_EVENT_IO_COMPLETION for a finished job.
func (s *session) completion(job JobID, op string, buf []byte, n int, st Status, err error) {
	if err != nil {
		st = StatusOf(err)
	}
	var data []byte
	if buf != nil {
		data = buf[:n]
	}
	s.ev.post(Event{Type: VI_EVENT_IO_COMPLETION, Attrs: map[Attr]any{
		VI_ATTR_JOB_ID:       uint32(job),
		VI_ATTR_STATUS:       int32(st),
		VI_ATTR_RET_COUNT_32: uint32(n),
		VI_ATTR_RET_COUNT_64: uint64(n),
		VI_ATTR_BUFFER:       data,
		VI_ATTR_OPER_NAME:    op,
	}})
}

// ReadAsync implements viReadAsync: the read runs on its own goroutine and
// its completion is posted as VI_EVENT_IO_COMPLETION with VI_ATTR_BUFFER
// holding p[:n]. Terminate aborts it.
func (l *ConnLibrary) ReadAsync(ctx context.Context, id Session, p []byte) (JobID, error) {
	s, err := l.session(id, "viReadAsync")
	if err != nil {
		return 0, err
	}
	return s.jobs.start(ctx, func(jctx context.Context, job JobID) {
		n, st, err := s.read(jctx, p)
		s.completion(job, "viReadAsync", p, n, st, err)
	}), nil
}

// WriteAsync implements viWriteAsync.
func (l *ConnLibrary) WriteAsync(ctx context.Context, id Session, p []byte) (JobID, error) {
	s, err := l.session(id, "viWriteAsync")
	if err != nil {
		return 0, err
	}
	return s.jobs.start(ctx, func(jctx context.Context, job JobID) {
		n, st, err := s.write(jctx, p)
		s.completion(job, "viWriteAsync", nil, n, st, err)
	}), nil
}

// Terminate implements viTerminate: it aborts an asynchronous job, whose
// completion event then reports VI_ERROR_ABORT.
func (l *ConnLibrary) Terminate(id Session, _ uint16, job JobID) error {
	s, err := l.session(id, "viTerminate")
	if err != nil {
		return err
	}
	if !s.jobs.cancel(job) {
		return &Error{Status: VI_ERROR_INV_JOB_ID, Op: "viTerminate", Resource: s.rsrc, Msg: fmt.Sprintf("no job %d is pending", job)}
	}
	return nil
}

// ReadToFile implements viReadToFile: it reads up to count bytes (stopping
// early on END or the termination character, as viRead does) into
// filename, appending when VI_ATTR_FILE_APPEND_EN is true.
func (l *ConnLibrary) ReadToFile(ctx context.Context, id Session, filename string, count int) (int, Status, error) {
	const op = "viReadToFile"
	s, err := l.session(id, op)
	if err != nil {
		return 0, 0, err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if v, _ := s.attrs.Get(VI_ATTR_FILE_APPEND_EN); v == true {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(filename, flags, 0o644)
	if err != nil {
		return 0, 0, &Error{Status: VI_ERROR_FILE_ACCESS, Op: op, Resource: s.rsrc, Err: err}
	}
	buf := make([]byte, min(count, 1<<20))
	total, st := 0, Status(VI_SUCCESS_MAX_CNT)
	for total < count {
		n, rst, rerr := s.read(ctx, buf[:min(len(buf), count-total)])
		if _, werr := f.Write(buf[:n]); werr != nil {
			f.Close()
			return total, 0, &Error{Status: VI_ERROR_FILE_IO, Op: op, Resource: s.rsrc, Err: werr}
		}
		total += n
		if rerr != nil {
			f.Close()
			return total, 0, rerr
		}
		if st = rst; st != VI_SUCCESS_MAX_CNT {
			break
		}
	}
	if err := f.Close(); err != nil {
		return total, 0, &Error{Status: VI_ERROR_FILE_IO, Op: op, Resource: s.rsrc, Err: err}
	}
	return total, st, nil
}

// WriteFromFile implements viWriteFromFile: it writes up to count bytes of
// filename (count < 0: the whole file), END on the last byte as viWrite.
func (l *ConnLibrary) WriteFromFile(ctx context.Context, id Session, filename string, count int) (int, Status, error) {
	const op = "viWriteFromFile"
	s, err := l.session(id, op)
	if err != nil {
		return 0, 0, err
	}
	f, err := os.Open(filename)
	if err != nil {
		return 0, 0, &Error{Status: VI_ERROR_FILE_ACCESS, Op: op, Resource: s.rsrc, Err: err}
	}
	defer f.Close()
	var r io.Reader = f
	if count >= 0 {
		r = io.LimitReader(f, int64(count))
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return 0, 0, &Error{Status: VI_ERROR_FILE_IO, Op: op, Resource: s.rsrc, Err: err}
	}
	return s.write(ctx, data)
}

// fmtBuffers are the formatted-I/O buffers behind viBufRead/viBufWrite.
type fmtBuffers struct {
	mu    sync.Mutex
	rbuf  []byte // unread bytes
	rsize int
	wbuf  []byte
	wsize int
}

const defaultFmtBuf = 4096

func (b *fmtBuffers) discardRead() {
	b.mu.Lock()
	b.rbuf = b.rbuf[:0]
	b.mu.Unlock()
}

// BufRead implements viBufRead: it reads through the formatted-I/O read
// buffer, which is filled by one device read at a time.
func (l *ConnLibrary) BufRead(ctx context.Context, id Session, p []byte) (int, Status, error) {
	s, err := l.session(id, "viBufRead")
	if err != nil {
		return 0, 0, err
	}
	b := &s.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.rbuf) == 0 {
		size := b.rsize
		if size == 0 {
			size = defaultFmtBuf
		}
		tmp := make([]byte, size)
		n, st, err := s.read(ctx, tmp)
		if err != nil {
			m := copy(p, tmp[:n])
			b.rbuf = append(b.rbuf[:0], tmp[m:n]...)
			return m, 0, err
		}
		m := copy(p, tmp[:n])
		b.rbuf = append(b.rbuf[:0], tmp[m:n]...)
		if len(b.rbuf) > 0 {
			return m, VI_SUCCESS_MAX_CNT, nil
		}
		return m, st, nil
	}
	m := copy(p, b.rbuf)
	b.rbuf = b.rbuf[:copy(b.rbuf, b.rbuf[m:])]
	if len(b.rbuf) > 0 || m == len(p) {
		return m, VI_SUCCESS_MAX_CNT, nil
	}
	return m, VI_SUCCESS, nil
}

// BufWrite implements viBufWrite: bytes collect in the write buffer, which
// is sent (with END) when full or on Flush(VI_WRITE_BUF).
func (l *ConnLibrary) BufWrite(ctx context.Context, id Session, p []byte) (int, Status, error) {
	s, err := l.session(id, "viBufWrite")
	if err != nil {
		return 0, 0, err
	}
	b := &s.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	size := b.wsize
	if size == 0 {
		size = defaultFmtBuf
	}
	b.wbuf = append(b.wbuf, p...)
	for len(b.wbuf) >= size {
		if _, _, err := s.writeChunk(ctx, b.wbuf[:size], false); err != nil {
			return len(p), 0, err
		}
		b.wbuf = b.wbuf[:copy(b.wbuf, b.wbuf[size:])]
	}
	return len(p), VI_SUCCESS, nil
}

func (s *session) writeChunk(ctx context.Context, p []byte, end bool) (int, Status, error) {
	ictx, err := s.begin(ctx, "viBufWrite")
	if err != nil {
		return 0, 0, err
	}
	defer s.end()
	return s.writeLocked(ictx, p, end, "viBufWrite")
}

// SetBuf implements viSetBuf for the formatted-I/O buffers.
func (l *ConnLibrary) SetBuf(id Session, mask uint16, size int) error {
	s, err := l.session(id, "viSetBuf")
	if err != nil {
		return err
	}
	if size <= 0 || size > 64<<20 {
		return &Error{Status: VI_ERROR_INV_SIZE, Op: "viSetBuf", Resource: s.rsrc, Msg: fmt.Sprintf("size %d", size)}
	}
	if mask&(VI_READ_BUF|VI_WRITE_BUF) == 0 {
		return &Error{Status: VI_ERROR_INV_MASK, Op: "viSetBuf", Resource: s.rsrc, Msg: "only VI_READ_BUF and VI_WRITE_BUF are supported"}
	}
	s.buf.mu.Lock()
	defer s.buf.mu.Unlock()
	if mask&VI_READ_BUF != 0 {
		s.buf.rsize = size
	}
	if mask&VI_WRITE_BUF != 0 {
		s.buf.wsize = size
	}
	return nil
}

// Flush implements viFlush for the formatted-I/O buffers and the
// transport's input buffer (VI_IO_IN_BUF_DISCARD reads and drops what the
// device has already sent, without waiting).
func (l *ConnLibrary) Flush(ctx context.Context, id Session, mask uint16) error {
	const op = "viFlush"
	s, err := l.session(id, op)
	if err != nil {
		return err
	}
	b := &s.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	if mask&(VI_READ_BUF_DISCARD|VI_READ_BUF) != 0 {
		b.rbuf = b.rbuf[:0]
	}
	if mask&VI_WRITE_BUF_DISCARD != 0 {
		b.wbuf = b.wbuf[:0]
	}
	if mask&VI_WRITE_BUF != 0 && len(b.wbuf) > 0 {
		_, _, err := s.writeChunk(ctx, b.wbuf, s.attrs.SendEnd())
		b.wbuf = b.wbuf[:0]
		if err != nil {
			return err
		}
	}
	if mask&(VI_IO_IN_BUF|VI_IO_IN_BUF_DISCARD) != 0 {
		if d, ok := s.conn.(interface{ DiscardInput() error }); ok {
			if err := d.DiscardInput(); err != nil && !errors.Is(err, transport.ErrTimeout) {
				return mapError(op, s.rsrc, err)
			}
		}
	}
	return nil
}
