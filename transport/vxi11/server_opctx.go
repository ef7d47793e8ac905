package vxi11

import (
	"context"
	"sync"
	"time"
)

// opCtx is the context of one core call on a link: it ends at the call's
// io_timeout, on device_abort (cause errAbortCause) or when the connection
// goes away.
//
// It is lazy, because most calls never wait: a device that answers at once
// never asks for Done, and then no timer is armed and nothing is
// registered with the connection's context. The first Done arms both.
type opCtx struct {
	parent   context.Context
	deadline time.Time // zero: no io_timeout

	mu    sync.Mutex
	done  chan struct{} // made by the first Done
	err   error
	cause error
	timer *time.Timer
	stop  func() bool // of the registration with parent
}

func newOpCtx(parent context.Context, ioTimeout uint32) *opCtx {
	c := &opCtx{parent: parent}
	if ioTimeout != 0xFFFFFFFF {
		c.deadline = time.Now().Add(time.Duration(ioTimeout) * time.Millisecond)
	}
	return c
}

func (c *opCtx) Deadline() (time.Time, bool) {
	if !c.deadline.IsZero() {
		if pd, ok := c.parent.Deadline(); ok && pd.Before(c.deadline) {
			return pd, true
		}
		return c.deadline, true
	}
	return c.parent.Deadline()
}

func (c *opCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return c.done
	}
	c.done = make(chan struct{})
	c.checkLocked()
	if c.err != nil {
		close(c.done)
		return c.done
	}
	if !c.deadline.IsZero() {
		c.timer = time.AfterFunc(time.Until(c.deadline), func() { c.cancel(context.DeadlineExceeded, nil) })
	}
	c.stop = context.AfterFunc(c.parent, func() { c.cancel(context.Canceled, context.Cause(c.parent)) })
	return c.done
}

// checkLocked notices, without a timer, a deadline that has passed and a
// parent that has ended.
func (c *opCtx) checkLocked() {
	if c.err != nil {
		return
	}
	if !c.deadline.IsZero() && !time.Now().Before(c.deadline) {
		c.err = context.DeadlineExceeded
	} else if c.parent.Err() != nil {
		c.err, c.cause = context.Canceled, context.Cause(c.parent)
	}
}

func (c *opCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.checkLocked()
		if c.err != nil && c.done != nil {
			close(c.done)
		}
	}
	return c.err
}

func (c *opCtx) Value(key any) any { return c.parent.Value(key) }

// Cause returns why the call ended: errAbortCause after device_abort,
// otherwise like context.Cause.
func (c *opCtx) Cause() error {
	err := c.Err()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cause != nil {
		return c.cause
	}
	return err
}

// cancel ends the call with err (and cause, nil meaning err itself).
func (c *opCtx) cancel(err, cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err, c.cause = err, cause
	if c.done != nil {
		close(c.done)
	}
}

// release stops the timer and the registration once the call is over.
func (c *opCtx) release() {
	c.cancel(context.Canceled, nil)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.stop != nil {
		c.stop()
	}
}

// aborted reports whether the call under ctx was ended by device_abort.
func aborted(ctx context.Context) bool {
	if oc, ok := ctx.(*opCtx); ok {
		return oc.Cause() == errAbortCause
	}
	return context.Cause(ctx) == errAbortCause
}
