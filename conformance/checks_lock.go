package conformance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govisa/govisa/visa"
)

var lockChecks = []Check{
	{Name: "lock/exclusive", Doc: "an exclusive lock keeps a second session out (I/O answers VI_ERROR_RSRC_LOCKED, viLock times out) until it is released", run: checkLockExclusive},
	{Name: "lock/shared", Doc: "a shared lock admits sessions that give its access key and keeps out those that do not", run: checkLockShared},
	{Name: "lock/device", Doc: "an exclusive lock taken through one resource manager keeps out a session of an independent resource manager (the device holds the lock)", Needs: FeatDeviceLocks, run: checkLockDevice},
}

const lockWait = 150 * time.Millisecond

// lockedOut checks that r can neither do I/O nor take an exclusive lock.
func lockedOut(ctx context.Context, r *visa.Resource, who string) error {
	if _, err := r.Query(ctx, "*IDN?"); !errors.Is(err, visa.ErrLocked) {
		return fmt.Errorf("%s queried a resource locked by another session: got %v, want VI_ERROR_RSRC_LOCKED", who, err)
	}
	err := r.LockExclusive(ctx, lockWait)
	if err == nil {
		_ = r.Unlock(ctx)
		return fmt.Errorf("%s took an exclusive lock on a resource another session holds", who)
	}
	if st := statusOf(err); st != visa.VI_ERROR_TMO && st != visa.VI_ERROR_RSRC_LOCKED {
		return fmt.Errorf("%s locking a locked resource: got %v, want VI_ERROR_TMO or VI_ERROR_RSRC_LOCKED", who, err)
	}
	return nil
}

func checkLockExclusive(ctx context.Context, e *Env) error {
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	b, err := e.open(ctx)
	if err != nil {
		return err
	}
	if err := a.LockExclusive(ctx, time.Second); err != nil {
		return fmt.Errorf("viLock: %w", err)
	}
	if st := a.LockState(); st != visa.VI_EXCLUSIVE_LOCK {
		return fmt.Errorf("VI_ATTR_RSRC_LOCK_STATE of the holder is %v", st)
	}
	if err := e.usable(ctx, a, "taking the lock"); err != nil {
		return err
	}
	if err := lockedOut(ctx, b, "a second session"); err != nil {
		return err
	}
	if err := a.Unlock(ctx); err != nil {
		return fmt.Errorf("viUnlock: %w", err)
	}
	if err := a.Unlock(ctx); err == nil {
		return errors.New("viUnlock of a session holding no lock succeeded")
	}
	if err := e.usable(ctx, b, "the lock was released"); err != nil {
		return err
	}
	// A waiting locker gets the lock when it is released.
	if err := a.LockExclusive(ctx, time.Second); err != nil {
		return err
	}
	time.AfterFunc(100*time.Millisecond, func() { _ = a.Unlock(context.Background()) })
	if err := b.LockExclusive(ctx, 2*time.Second); err != nil {
		return fmt.Errorf("a session waiting for a lock did not get it on release: %w", err)
	}
	return b.Unlock(ctx)
}

func checkLockShared(ctx context.Context, e *Env) error {
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	b, err := e.open(ctx)
	if err != nil {
		return err
	}
	c, err := e.open(ctx)
	if err != nil {
		return err
	}
	key, err := a.Lock(ctx, time.Second, "")
	if err != nil {
		return fmt.Errorf("viLock shared: %w", err)
	}
	if key == "" {
		return errors.New("a shared lock returned an empty access key")
	}
	got, err := b.Lock(ctx, time.Second, key)
	if err != nil {
		return fmt.Errorf("a session giving the access key could not share the lock: %w", err)
	}
	if got != key {
		return fmt.Errorf("the shared lock's key came back as %q, want %q", got, key)
	}
	if err := e.usable(ctx, b, "sharing the lock"); err != nil {
		return err
	}
	if _, err := c.Lock(ctx, lockWait, key+"-wrong"); err == nil {
		return errors.New("a session with the wrong access key shared the lock")
	}
	if err := lockedOut(ctx, c, "a session without the key"); err != nil {
		return err
	}
	if err := a.Unlock(ctx); err != nil {
		return err
	}
	if err := lockedOut(ctx, c, "a session without the key (one holder left)"); err != nil {
		return err
	}
	if err := b.Unlock(ctx); err != nil {
		return err
	}
	return e.usable(ctx, c, "every shared lock was released")
}

func checkLockDevice(ctx context.Context, e *Env) error {
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	rm2, err := e.secondRM()
	if err != nil {
		return err
	}
	b, err := e.openOn(ctx, rm2)
	if err != nil {
		return err
	}
	if err := a.LockExclusive(ctx, time.Second); err != nil {
		return fmt.Errorf("viLock: %w", err)
	}
	err = b.LockExclusive(ctx, lockWait)
	if err == nil {
		_ = b.Unlock(ctx)
		_ = a.Unlock(ctx)
		return errors.New("a session of another resource manager took an exclusive lock the device already granted")
	}
	if err := a.Unlock(ctx); err != nil {
		return err
	}
	if err := b.LockExclusive(ctx, 2*time.Second); err != nil {
		return fmt.Errorf("the lock was not granted to the other resource manager after release: %w", err)
	}
	return b.Unlock(ctx)
}
