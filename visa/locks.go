package visa

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govisa/govisa/transport"
)

// resourceLocks is the in-process VISA lock table (VPP-4.3 §6.3), keyed by
// canonical resource name. A session may hold an exclusive lock, a shared
// lock, or both, each nested (counted). Sessions of other resource managers
// in the same process see the same table, as they would in a vendor VISA.
type resourceLocks struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every release
	byName  map[string]*rsrcLock
}

type rsrcLock struct {
	excl      Session
	exclCount int
	key       string          // shared access key, "" when none
	shared    map[Session]int // holders of the shared lock and their nesting
}

func newResourceLocks() *resourceLocks {
	return &resourceLocks{changed: make(chan struct{}), byName: map[string]*rsrcLock{}}
}

var errLockedElsewhere = errors.New("resource is locked by another session")

// check reports whether session id may access the resource now.
func (t *resourceLocks) check(name string, id Session) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	rl := t.byName[name]
	if rl == nil {
		return nil
	}
	if rl.excl != 0 && rl.excl != id {
		return fmt.Errorf("%w (exclusive lock)", errLockedElsewhere)
	}
	if rl.excl != id && len(rl.shared) > 0 && rl.shared[id] == 0 {
		return fmt.Errorf("%w (shared lock; lock it with the access key to share it)", errLockedElsewhere)
	}
	return nil
}

// state returns VI_ATTR_RSRC_LOCK_STATE for session id.
func (t *resourceLocks) state(name string, id Session) AccessMode {
	t.mu.Lock()
	defer t.mu.Unlock()
	rl := t.byName[name]
	switch {
	case rl == nil:
		return VI_NO_LOCK
	case rl.excl != 0:
		return VI_EXCLUSIVE_LOCK
	case len(rl.shared) > 0:
		return VI_SHARED_LOCK
	}
	return VI_NO_LOCK
}

// holds reports whether session id holds any lock on the resource.
func (t *resourceLocks) holds(name string, id Session) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	rl := t.byName[name]
	return rl != nil && (rl.excl == id || rl.shared[id] > 0)
}

// acquire takes a lock for id, waiting until ctx is done. It returns the
// key granted (shared) and whether the lock was nested.
func (t *resourceLocks) acquire(ctx context.Context, name string, id Session, mode AccessMode, key string) (string, bool, error) {
	for {
		t.mu.Lock()
		rl := t.byName[name]
		if rl == nil {
			rl = &rsrcLock{shared: map[Session]int{}}
			t.byName[name] = rl
		}
		switch mode {
		case VI_EXCLUSIVE_LOCK:
			if rl.excl == id {
				rl.exclCount++
				t.mu.Unlock()
				return "", true, nil
			}
			othersShared := len(rl.shared) - btoi(rl.shared[id] > 0)
			if rl.excl == 0 && othersShared == 0 {
				rl.excl, rl.exclCount = id, 1
				t.mu.Unlock()
				return "", false, nil
			}
		case VI_SHARED_LOCK:
			if n := rl.shared[id]; n > 0 {
				rl.shared[id] = n + 1
				k := rl.key
				t.mu.Unlock()
				return k, true, nil
			}
			if rl.excl == 0 || rl.excl == id {
				if len(rl.shared) == 0 {
					if key == "" {
						key = newAccessKey()
					}
					rl.key = key
				}
				if key == "" || key == rl.key {
					rl.shared[id] = 1
					k := rl.key
					t.mu.Unlock()
					return k, false, nil
				}
			}
		}
		wait := t.changed
		t.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return "", false, ctx.Err()
		}
	}
}

// release drops one nesting level of id's most recent lock kind
// (exclusive first, as VPP-4.3 unlocks the exclusive lock before a shared one).
func (t *resourceLocks) release(name string, id Session) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	rl := t.byName[name]
	switch {
	case rl != nil && rl.excl == id:
		if rl.exclCount--; rl.exclCount == 0 {
			rl.excl = 0
		}
	case rl != nil && rl.shared[id] > 0:
		if rl.shared[id]--; rl.shared[id] == 0 {
			delete(rl.shared, id)
		}
		if len(rl.shared) == 0 {
			rl.key = ""
		}
	default:
		return transport.ErrNotLocked
	}
	if rl.excl == 0 && len(rl.shared) == 0 {
		delete(t.byName, name)
	}
	t.notifyLocked()
	return nil
}

// releaseAll drops every lock id holds (on close).
func (t *resourceLocks) releaseAll(name string, id Session) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rl := t.byName[name]
	if rl == nil {
		return
	}
	if rl.excl == id {
		rl.excl, rl.exclCount = 0, 0
	}
	delete(rl.shared, id)
	if len(rl.shared) == 0 {
		rl.key = ""
	}
	if rl.excl == 0 && len(rl.shared) == 0 {
		delete(t.byName, name)
	}
	t.notifyLocked()
}

func (t *resourceLocks) notifyLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func newAccessKey() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "govisa-" + hex.EncodeToString(b[:])
}

// Lock implements viLock: an in-process lock in the library's table and,
// when the transport carries locks to the device (VXI-11, HiSLIP), the
// device lock too, so sessions in other processes are excluded as well.
func (l *ConnLibrary) Lock(ctx context.Context, id Session, mode AccessMode, timeout time.Duration, requestedKey string) (string, error) {
	const op = "viLock"
	s, err := l.session(id, op)
	if err != nil {
		return "", err
	}
	if mode != VI_EXCLUSIVE_LOCK && mode != VI_SHARED_LOCK {
		return "", &Error{Status: VI_ERROR_INV_LOCK_TYPE, Op: op, Resource: s.rsrc, Msg: fmt.Sprintf("lock type %d", mode)}
	}
	if timeout < 0 {
		timeout = -1
	}
	lctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	key, nested, err := l.locks.acquire(lctx, s.rsrc, id, mode, requestedKey)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", &Error{Status: VI_ERROR_TMO, Op: op, Resource: s.rsrc, Msg: "the resource stayed locked by another session"}
		}
		return "", mapError(op, s.rsrc, err)
	}
	if nested {
		return key, nil
	}
	if lk, ok := s.conn.(transport.Locker); ok {
		typ := transport.LockExclusive
		if mode == VI_SHARED_LOCK {
			typ = transport.LockShared
		}
		// The device enforces timeout itself and answers when it expires;
		// the context leaves it time to, so that a grant racing with our
		// own deadline is never lost (the device would hold a lock this
		// session believes it was refused).
		rctx, rcancel := withTimeout(ctx, remoteLockWait(timeout))
		s.mu.Lock()
		err := lk.Lock(rctx, typ, key, timeout)
		s.mu.Unlock()
		rcancel()
		if err != nil {
			if typ == transport.LockShared && errors.Is(err, transport.ErrNotSupported) {
				// The protocol has no shared device locks (VXI-11): the
				// shared lock holds among this process's sessions only.
				return key, nil
			}
			_ = l.locks.release(s.rsrc, id)
			return "", mapError(op, s.rsrc, err)
		}
	}
	return key, nil
}

// remoteLockGrace is how much longer than the lock timeout the session
// waits for a device's answer to a lock request.
const remoteLockGrace = 2 * time.Second

func remoteLockWait(timeout time.Duration) time.Duration {
	if timeout < 0 {
		return -1
	}
	return timeout + remoteLockGrace
}

// Unlock implements viUnlock.
func (l *ConnLibrary) Unlock(ctx context.Context, id Session) error {
	const op = "viUnlock"
	s, err := l.session(id, op)
	if err != nil {
		return err
	}
	if err := l.locks.release(s.rsrc, id); err != nil {
		return &Error{Status: VI_ERROR_SESN_NLOCKED, Op: op, Resource: s.rsrc, Msg: "the session holds no lock"}
	}
	if !l.locks.holds(s.rsrc, id) {
		// This session's last lock is gone: release its device lock too,
		// whatever other sessions still hold.
		if lk, ok := s.conn.(transport.Locker); ok {
			s.mu.Lock()
			err := lk.Unlock(ctx)
			s.mu.Unlock()
			if err != nil && !errors.Is(err, transport.ErrNotLocked) {
				return mapError(op, s.rsrc, err)
			}
		}
	}
	return nil
}
