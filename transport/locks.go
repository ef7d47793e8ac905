package transport

import (
	"context"
	"errors"
	"sync"
	"time"
)

// LockTable holds the VISA lock state of one served device across all the
// sessions of a server: at most one exclusive lock, and a set of shared-lock
// holders that all presented the same access key. It is protocol neutral: the
// HiSLIP server uses all of it, the VXI-11 server only exclusive locks.
//
// Owners are opaque comparable values (a session id, a link id, a pointer to
// a session); the table never inspects them. The rules are the lock table of
// IVI-6.1 §6.5 (fact sheet §3.10), which agree with VPP-4.3 viLock:
//
//   - a request for a lock the owner already holds is an error
//     ([ErrInvalidArg]); so is a shared request by the exclusive holder;
//   - an exclusive request succeeds when nobody holds an exclusive lock and
//     either no shared lock is held or the requester is a shared holder
//     (state "Both");
//   - a shared request succeeds when shared holders exist and the key matches
//     theirs (even while another owner holds the exclusive lock), or when no
//     lock at all is held;
//   - otherwise the request waits up to its timeout and then fails with
//     [ErrTimeout]; a timeout of 0 fails at once, a negative timeout waits
//     until ctx is done;
//   - a release drops the owner's exclusive lock if it has one, otherwise its
//     shared lock; releasing nothing is [ErrNotLocked].
//
// The zero value is an unlocked table ready for use. LockTable is safe for
// concurrent use.
type LockTable struct {
	mu        sync.Mutex
	exclusive any // owner of the exclusive lock, nil when none
	hasExcl   bool
	shared    map[any]struct{}
	key       string        // access key of the shared holders
	changed   chan struct{} // closed and replaced on every state change
}

// ErrLockRedundant is the cause attached (with [ErrInvalidArg]) to a lock
// request the requester is not allowed to make in the current state, such as
// asking again for a lock it already holds.
var ErrLockRedundant = errors.New("lock already held by this owner")

func (t *LockTable) notifyLocked() {
	if t.changed != nil {
		close(t.changed)
		t.changed = nil
	}
}

func (t *LockTable) waitChanLocked() chan struct{} {
	if t.changed == nil {
		t.changed = make(chan struct{})
	}
	return t.changed
}

// try applies one request; it reports granted, or a final error, or neither
// (the caller must wait).
func (t *LockTable) tryLocked(owner any, typ LockType, key string) (bool, error) {
	_, isShared := t.shared[owner]
	ownsExcl := t.hasExcl && t.exclusive == owner
	switch typ {
	case LockExclusive:
		if ownsExcl {
			return false, Errorf("lock", ErrInvalidArg, ErrLockRedundant)
		}
		if t.hasExcl {
			return false, nil
		}
		// A shared holder may upgrade to "both" even when others share the
		// key; a non-holder waits while any shared lock exists.
		if len(t.shared) > 0 && !isShared {
			return false, nil
		}
		t.exclusive, t.hasExcl = owner, true
		return true, nil
	case LockShared:
		if ownsExcl || isShared {
			return false, Errorf("lock", ErrInvalidArg, ErrLockRedundant)
		}
		// With an exclusive lock and no shared holders (state Exclusive)
		// nobody may join; in state Both the right key still joins the
		// shared group (it gets access once the exclusive lock goes).
		if len(t.shared) == 0 && t.hasExcl {
			return false, nil
		}
		if len(t.shared) > 0 && key != t.key {
			return false, nil
		}
		if t.shared == nil {
			t.shared = make(map[any]struct{})
		}
		t.shared[owner] = struct{}{}
		t.key = key
		return true, nil
	default:
		return false, Errorf("lock", ErrInvalidArg, errors.New("unknown lock type"))
	}
}

// Lock asks for a lock of type typ for owner. For shared locks key is the
// access key (it may be empty only for exclusive locks in HiSLIP, but the
// table itself accepts any string). It waits up to timeout (see
// [LockTable]) or until ctx is done, whichever comes first; a ctx that ends
// first yields the error [NetError] gives for the context's error.
func (t *LockTable) Lock(ctx context.Context, owner any, typ LockType, key string, timeout time.Duration) error {
	var deadline <-chan time.Time
	for {
		t.mu.Lock()
		ok, err := t.tryLocked(owner, typ, key)
		if ok || err != nil {
			if ok {
				t.notifyLocked()
			}
			t.mu.Unlock()
			return err
		}
		wait := t.waitChanLocked()
		t.mu.Unlock()
		if timeout == 0 {
			return Errorf("lock", ErrTimeout, ErrLocked)
		}
		if deadline == nil && timeout > 0 {
			tm := time.NewTimer(timeout)
			defer tm.Stop()
			deadline = tm.C
		}
		select {
		case <-wait:
		case <-deadline:
			return Errorf("lock", ErrTimeout, ErrLocked)
		case <-ctx.Done():
			return NetError("lock", ctx.Err())
		}
	}
}

// Unlock releases one lock of owner: its exclusive lock if it holds one
// (a shared lock it also holds stays), otherwise its shared lock. It returns
// the type released, or an error wrapping [ErrNotLocked].
func (t *LockTable) Unlock(owner any) (LockType, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hasExcl && t.exclusive == owner {
		t.exclusive, t.hasExcl = nil, false
		t.notifyLocked()
		return LockExclusive, nil
	}
	if _, ok := t.shared[owner]; ok {
		delete(t.shared, owner)
		if len(t.shared) == 0 {
			t.key = ""
		}
		t.notifyLocked()
		return LockShared, nil
	}
	return 0, Errorf("unlock", ErrNotLocked, nil)
}

// ReleaseAll drops every lock owner holds; servers call it when the owner's
// connection closes.
func (t *LockTable) ReleaseAll(owner any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	changed := false
	if t.hasExcl && t.exclusive == owner {
		t.exclusive, t.hasExcl = nil, false
		changed = true
	}
	if _, ok := t.shared[owner]; ok {
		delete(t.shared, owner)
		if len(t.shared) == 0 {
			t.key = ""
		}
		changed = true
	}
	if changed {
		t.notifyLocked()
	}
}

// Info reports whether an exclusive lock is granted and how many distinct
// owners hold any lock (an owner holding both counts once), as HiSLIP
// AsyncLockInfoResponse reports them.
func (t *LockTable) Info() (exclusive bool, holders int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	holders = len(t.shared)
	if t.hasExcl {
		if _, ok := t.shared[t.exclusive]; !ok {
			holders++
		}
	}
	return t.hasExcl, holders
}

// Held reports which locks owner holds.
func (t *LockTable) Held(owner any) (exclusive, shared bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, shared = t.shared[owner]
	return t.hasExcl && t.exclusive == owner, shared
}

func (t *LockTable) accessLocked(owner any) bool {
	if t.hasExcl {
		return t.exclusive == owner
	}
	if len(t.shared) == 0 {
		return true
	}
	_, ok := t.shared[owner]
	return ok
}

// CanAccess reports whether owner may do I/O now: nobody else holds the
// exclusive lock, and if shared locks are held, owner is one of the holders.
func (t *LockTable) CanAccess(owner any) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.accessLocked(owner)
}

// WaitAccess blocks until [LockTable.CanAccess] would report true for owner
// or ctx is done (then it returns the [NetError] of the context's error).
// Servers call it before handing a non-holder's I/O to the device.
func (t *LockTable) WaitAccess(ctx context.Context, owner any) error {
	for {
		t.mu.Lock()
		if t.accessLocked(owner) {
			t.mu.Unlock()
			return nil
		}
		wait := t.waitChanLocked()
		t.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return NetError("lock", ctx.Err())
		}
	}
}
