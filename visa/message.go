package visa

import (
	"context"
	"fmt"
	"io"
	"time"
)

// errClosedResource is returned by operations on a closed Resource.
func (r *Resource) errClosed(op string) error {
	return &Error{Status: VI_ERROR_INV_OBJECT, Op: op, Resource: r.name, Msg: "resource is closed"}
}

// lock takes the frontend lock for one operation.
func (r *Resource) lock(op string) error {
	if r.closed.Load() {
		return r.errClosed(op)
	}
	r.mu.Lock()
	return nil
}

// WriteRaw writes p as is (viWrite), END on the last byte when
// VI_ATTR_SEND_END_EN is true.
func (r *Resource) WriteRaw(ctx context.Context, p []byte) (int, error) {
	if err := r.lock("WriteRaw"); err != nil {
		return 0, err
	}
	defer r.mu.Unlock()
	n, _, err := r.lib.Write(ctx, r.session, p)
	return n, err
}

// Write writes msg followed by the write termination.
func (r *Resource) Write(ctx context.Context, msg string) (int, error) {
	if err := r.lock("Write"); err != nil {
		return 0, err
	}
	defer r.mu.Unlock()
	return r.writeLocked(ctx, msg)
}

func (r *Resource) writeLocked(ctx context.Context, msg string) (int, error) {
	r.wbuf = append(append(r.wbuf[:0], msg...), r.writeTerm...)
	n, _, err := r.lib.Write(ctx, r.session, r.wbuf)
	if cap(r.wbuf) > 1<<20 {
		r.wbuf = nil // do not pin a huge buffer after one large write
	}
	return n, err
}

// ReadRaw reads one whole response: it issues device reads of the chunk
// size until a read ends on END or the termination character (not on
// count), and returns everything read. The result is a new slice.
func (r *Resource) ReadRaw(ctx context.Context) ([]byte, error) {
	if err := r.lock("ReadRaw"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	n, err := r.readRawLocked(ctx)
	out := make([]byte, n)
	copy(out, r.rbuf[:n])
	return out, err
}

// readRawLocked reads a whole response into r.rbuf and returns its length.
func (r *Resource) readRawLocked(ctx context.Context) (int, error) {
	n := 0
	for {
		if len(r.rbuf)-n < r.chunkSize {
			nb := make([]byte, max(2*len(r.rbuf), n+r.chunkSize))
			copy(nb, r.rbuf[:n])
			r.rbuf = nb
		}
		m, st, err := r.lib.Read(ctx, r.session, r.rbuf[n:n+r.chunkSize])
		n += m
		if err != nil {
			return n, err
		}
		if st != VI_SUCCESS_MAX_CNT {
			return n, nil
		}
	}
}

// Read reads one response and returns it as a string with the read
// termination removed.
func (r *Resource) Read(ctx context.Context) (string, error) {
	if err := r.lock("Read"); err != nil {
		return "", err
	}
	defer r.mu.Unlock()
	return r.readStringLocked(ctx)
}

func (r *Resource) readStringLocked(ctx context.Context) (string, error) {
	n, err := r.readRawLocked(ctx)
	b := r.rbuf[:n]
	if r.readTerm != "" {
		b = trimSuffix(b, r.readTerm)
	} else if len(b) > 0 && b[len(b)-1] == '\n' {
		// Without a read termination the response still ends with the
		// IEEE 488.2 terminator (LF with END); strip it as NI-VISA users
		// expect from a string read.
		b = b[:len(b)-1]
	}
	s := string(b)
	if len(r.rbuf) > 4<<20 {
		r.rbuf = nil
	}
	return s, err
}

func trimSuffix(b []byte, suf string) []byte {
	if len(b) >= len(suf) && string(b[len(b)-len(suf):]) == suf {
		return b[:len(b)-len(suf)]
	}
	return b
}

// ReadBytes reads exactly n bytes, ignoring END and the termination
// character (PyVISA's read_bytes). It stops early only on an error.
func (r *Resource) ReadBytes(ctx context.Context, n int) ([]byte, error) {
	if err := r.lock("ReadBytes"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	if n < 0 {
		return nil, &Error{Status: VI_ERROR_INV_PARAMETER, Op: "ReadBytes", Resource: r.name, Msg: "negative count"}
	}
	out := make([]byte, n)
	got := 0
	for got < n {
		m, _, err := r.lib.Read(ctx, r.session, out[got:min(n, got+max(r.chunkSize, 1<<20))])
		got += m
		if err != nil {
			return out[:got], err
		}
	}
	return out, nil
}

// Query writes msg (with the write termination), waits the query delay,
// and reads the response. The write and the read are one atomic operation.
func (r *Resource) Query(ctx context.Context, msg string) (string, error) {
	if err := r.lock("Query"); err != nil {
		return "", err
	}
	defer r.mu.Unlock()
	if _, err := r.writeLocked(ctx, msg); err != nil {
		return "", err
	}
	if r.queryDelay > 0 {
		t := time.NewTimer(r.queryDelay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", &Error{Status: VI_ERROR_ABORT, Op: "Query", Resource: r.name, Err: ctx.Err()}
		}
	}
	return r.readStringLocked(ctx)
}

// Command writes a formatted command (fmt.Sprintf(format, a...)) with the
// write termination. With Query, ReadBinary, WriteBinary and Close it makes
// Resource satisfy the Transport interface of github.com/gotmc/ivi, so the
// instrument drivers written for it work on govisa.
func (r *Resource) Command(ctx context.Context, format string, a ...any) error {
	msg := format
	if len(a) > 0 {
		msg = fmt.Sprintf(format, a...)
	}
	_, err := r.Write(ctx, msg)
	return err
}

// ReadBinary performs one device read into p, without termination
// processing beyond VISA's own (one viRead).
func (r *Resource) ReadBinary(ctx context.Context, p []byte) (int, error) {
	if err := r.lock("ReadBinary"); err != nil {
		return 0, err
	}
	defer r.mu.Unlock()
	n, _, err := r.lib.Read(ctx, r.session, p)
	return n, err
}

// WriteBinary writes p as is (viWrite).
func (r *Resource) WriteBinary(ctx context.Context, p []byte) (int, error) {
	return r.WriteRaw(ctx, p)
}

// ReadSTB reads the status byte (serial poll or the protocol's
// equivalent).
func (r *Resource) ReadSTB(ctx context.Context) (byte, error) {
	if err := r.lock("ReadSTB"); err != nil {
		return 0, err
	}
	defer r.mu.Unlock()
	return r.lib.ReadSTB(ctx, r.session)
}

// Clear performs a device clear (viClear).
func (r *Resource) Clear(ctx context.Context) error {
	if err := r.lock("Clear"); err != nil {
		return err
	}
	defer r.mu.Unlock()
	return r.lib.Clear(ctx, r.session)
}

// AssertTrigger sends a software trigger (viAssertTrigger with
// VI_TRIG_PROT_DEFAULT).
func (r *Resource) AssertTrigger(ctx context.Context) error {
	if err := r.lock("AssertTrigger"); err != nil {
		return err
	}
	defer r.mu.Unlock()
	return r.lib.AssertTrigger(ctx, r.session, VI_TRIG_PROT_DEFAULT)
}

// ControlREN changes the remote/local state (viGpibControlREN; works on
// GPIB, VXI-11, HiSLIP and USB488 sessions).
func (r *Resource) ControlREN(ctx context.Context, mode uint16) error {
	if err := r.lock("ControlREN"); err != nil {
		return err
	}
	defer r.mu.Unlock()
	return r.lib.GpibControlREN(ctx, r.session, mode)
}

// Flush flushes or discards buffers (viFlush with VI_READ_BUF,
// VI_WRITE_BUF, VI_IO_IN_BUF_DISCARD, ...).
func (r *Resource) Flush(ctx context.Context, mask uint16) error {
	if err := r.lock("Flush"); err != nil {
		return err
	}
	defer r.mu.Unlock()
	return r.lib.Flush(ctx, r.session, mask)
}

// Lock acquires a shared lock, waiting up to timeout; requestedKey may be
// "" to have a key generated. It returns the access key, which other
// sessions pass to share the lock.
func (r *Resource) Lock(ctx context.Context, timeout time.Duration, requestedKey string) (string, error) {
	return r.lib.Lock(ctx, r.session, VI_SHARED_LOCK, timeout, requestedKey)
}

// LockExclusive acquires an exclusive lock, waiting up to timeout.
func (r *Resource) LockExclusive(ctx context.Context, timeout time.Duration) error {
	_, err := r.lib.Lock(ctx, r.session, VI_EXCLUSIVE_LOCK, timeout, "")
	return err
}

// Unlock releases the most recent lock (viUnlock).
func (r *Resource) Unlock(ctx context.Context) error { return r.lib.Unlock(ctx, r.session) }

// LockState returns VI_ATTR_RSRC_LOCK_STATE.
func (r *Resource) LockState() AccessMode {
	v, _ := r.GetAttribute(VI_ATTR_RSRC_LOCK_STATE)
	n, _ := v.(uint32)
	return AccessMode(n)
}

// EnableEvent enables delivery of events of type t by mech (VI_QUEUE,
// VI_HNDLR, ...).
func (r *Resource) EnableEvent(t EventType, mech EventMechanism) error {
	return r.lib.EnableEvent(r.session, t, mech)
}

// DisableEvent stops delivery of events of type t by mech.
func (r *Resource) DisableEvent(t EventType, mech EventMechanism) error {
	return r.lib.DisableEvent(r.session, t, mech)
}

// DiscardEvents drops queued events of type t.
func (r *Resource) DiscardEvents(t EventType, mech EventMechanism) error {
	return r.lib.DiscardEvents(r.session, t, mech)
}

// WaitOnEvent waits up to timeout (negative: forever) for a queued event
// of type t (or VI_ALL_ENABLED_EVENTS).
func (r *Resource) WaitOnEvent(ctx context.Context, t EventType, timeout time.Duration) (Event, error) {
	return r.lib.WaitOnEvent(ctx, r.session, t, timeout)
}

// InstallHandler installs h for events of type t; enable them with
// VI_HNDLR to have it called.
func (r *Resource) InstallHandler(t EventType, h func(r *Resource, ev Event)) (HandlerID, error) {
	return r.lib.InstallHandler(r.session, t, func(_ Session, ev Event) { h(r, ev) })
}

// UninstallHandler removes a handler installed with InstallHandler.
func (r *Resource) UninstallHandler(t EventType, id HandlerID) error {
	return r.lib.UninstallHandler(r.session, t, id)
}

// String returns the resource name.
func (r *Resource) String() string { return r.name }

// Reader returns an io.Reader over r: each Read is one device read
// (ReadBinary) bounded by ctx and the session timeout.
func (r *Resource) Reader(ctx context.Context) io.Reader { return resourceReader{ctx, r} }

// Writer returns an io.Writer over r: each Write is one WriteRaw (END on
// its last byte when VI_ATTR_SEND_END_EN is true).
func (r *Resource) Writer(ctx context.Context) io.Writer { return resourceWriter{ctx, r} }

type resourceReader struct {
	ctx context.Context
	r   *Resource
}

func (rr resourceReader) Read(p []byte) (int, error) { return rr.r.ReadBinary(rr.ctx, p) }

type resourceWriter struct {
	ctx context.Context
	r   *Resource
}

func (rw resourceWriter) Write(p []byte) (int, error) { return rw.r.WriteRaw(rw.ctx, p) }
