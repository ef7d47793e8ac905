package vxi11

import (
	"context"
	"sync"
	"time"
)

// Per-call machinery of the core channel, reused from call to call.
//
// A core call must outlive the caller's ctx a little: the server gets the
// deadline as io_timeout and answers on its own when it passes, and a
// cancellation is handled by device_abort, after which the server answers
// with error 23. So the RPC runs under a context of its own (callCtx) with
// the deadline pushed back by TimeoutGrace and no cancellation, except
// when the aborter gives the call up. Deriving such a context per call
// (WithoutCancel, WithDeadline, AfterFunc) costs a runtime timer and a
// dozen allocations per call; callCtx and abortWatch are set up once per
// Client instead.

// callCtx is the context the core RPCs run under.
type callCtx struct {
	mu    sync.Mutex
	dl    time.Time     // deadline of the call (zero: none)
	can   bool          // the call can be given up: Done is non-nil
	done  chan struct{} // closed when the aborter gives the call up
	err   error         // set with done closed
	after []afterFn     // registered by AfterFunc
	seq   uint64
	late  sync.WaitGroup // callbacks started after the call was given up
}

type afterFn struct {
	id uint64
	f  func()
}

// AfterFunc makes context.AfterFunc on the call context (which the RPC
// client does for every call) a list entry rather than a goroutine that
// waits on Done, as it would be for a context type of its own otherwise.
func (c *callCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		// Already given up: f runs at once, in a goroutine since it may
		// call Err. reset waits for it, so that it sees this call's
		// error and not the next call's nil (the context package panics
		// on a callback that finds no error).
		c.late.Add(1)
		go func() { defer c.late.Done(); f() }()
		return func() bool { return false }
	}
	c.seq++
	id := c.seq
	c.after = append(c.after, afterFn{id: id, f: f})
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, a := range c.after {
			if a.id == id {
				c.after = append(c.after[:i], c.after[i+1:]...)
				return true
			}
		}
		return false
	}
}

func (c *callCtx) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dl, !c.dl.IsZero()
}

func (c *callCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.can {
		return nil
	}
	return c.done
}

func (c *callCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *callCtx) Value(any) any { return nil }

// reset prepares the context for the next call. The Done channel is kept
// unless the last call was given up, so that the RPC client's registration
// on it stays valid from call to call.
func (c *callCtx) reset(dl time.Time, cancellable bool) {
	c.late.Wait()
	c.mu.Lock()
	if c.err != nil || c.done == nil {
		c.done, c.err = make(chan struct{}), nil
	}
	c.dl, c.can = dl, cancellable
	c.mu.Unlock()
}

// giveUp ends the call in progress. It runs on the aborter's goroutine,
// which the call's end waits for, so the callbacks it runs see this
// call's error.
func (c *callCtx) giveUp() {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = context.Canceled
	close(c.done)
	fns := make([]func(), len(c.after))
	for i, a := range c.after {
		fns[i] = a.f
	}
	clear(c.after)
	c.after = c.after[:0]
	c.mu.Unlock()
	// Not under c.mu: the context package's callbacks call Err.
	for _, f := range fns {
		f()
	}
}

// abortWatch sends device_abort when the caller's context is cancelled
// during a core call (see aborter.run). Its registration on the caller's
// context lasts one call: callers usually cancel a per-operation context
// right after the operation, and a registration left in place would then
// start a goroutine for nothing, which costs far more (a thread wake-up)
// than registering again for the next call. The aborter itself is reused.
type abortWatch struct {
	c *Client

	mu       sync.Mutex
	ctx      context.Context
	done     <-chan struct{}
	stop     func() bool
	fire     func()
	active   bool          // a call is in progress
	ended    chan struct{} // made when firing: closed at the end of the call
	finished chan struct{} // made when firing: closed when the aborter is done
}

// begin registers ctx (if it can be cancelled) for the call starting now.
func (a *abortWatch) begin(ctx context.Context) {
	done := ctx.Done()
	a.mu.Lock()
	a.active = true
	if done != a.done {
		if a.stop != nil {
			a.stop()
			a.stop = nil
		}
		a.ctx, a.done = nil, done
		if done != nil {
			if a.fire == nil {
				a.fire = a.onDone
			}
			a.ctx = ctx
			a.stop = context.AfterFunc(ctx, a.fire)
		}
	}
	a.mu.Unlock()
}

// onDone runs when the registered context ends; during a call it runs the
// aborter until the call ends.
func (a *abortWatch) onDone() {
	a.mu.Lock()
	if !a.active || a.ctx == nil || a.ctx.Err() == nil || a.finished != nil {
		a.mu.Unlock()
		return
	}
	ab := &aborter{c: a.c, cancel: a.c.cctx.giveUp, callDone: make(chan struct{}), finished: make(chan struct{})}
	a.ended, a.finished = ab.callDone, ab.finished
	a.mu.Unlock()
	ab.run()
}

// end marks the call over and waits for an aborter still at work, so that
// it cannot abort the next call.
func (a *abortWatch) end() {
	a.mu.Lock()
	a.active = false
	ended, finished := a.ended, a.finished
	a.ended, a.finished = nil, nil
	if a.stop != nil {
		a.stop()
		a.stop, a.ctx, a.done = nil, nil, nil
	}
	a.mu.Unlock()
	if ended != nil {
		close(ended)
		<-finished
	}
}

// release drops the registration (on Close).
func (a *abortWatch) release() {
	a.mu.Lock()
	if a.stop != nil {
		a.stop()
		a.stop = nil
	}
	a.ctx, a.done = nil, nil
	a.mu.Unlock()
}
