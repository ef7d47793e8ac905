package rpc

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// pastTime is a deadline in the past: setting it makes a blocked Read or
// Write on a net.Conn return at once with a timeout error.
var pastTime = time.Unix(1, 0)

// watcher turns the context of a call into read or write deadlines of the
// connection, for one direction.
//
// ctx.Deadline() becomes the socket deadline, so that a deadline ends a
// blocked read or write even if ctx.Done() is never closed; a deadline
// equal to the one already set is not set again, since setting one arms a
// runtime timer. A cancellation of ctx becomes a past deadline through a
// context.AfterFunc registration that lasts one operation (arm to
// disarm): callers usually cancel a per-call context right after the
// call, and a registration left in place would then start a goroutine for
// nothing, which costs far more (a thread wake-up) than registering again.
// Reusable contexts with their own AfterFunc method are the exception
// (see disarm).
//
// Only one goroutine uses a direction at a time (the writer holding the
// write lock, the reader holding the reader token), but a late callback of
// an earlier registration may run concurrently, hence the mutex.
type watcher struct {
	nc   net.Conn
	read bool

	mu   sync.Mutex
	ctx  context.Context // the context of the current registration
	done <-chan struct{} // its Done channel
	stop func() bool     // stops the registration; nil when none
	fire func()          // w.onDone, built once
	dl   time.Time       // the deadline last set (a new conn has none)
}

func (w *watcher) setDeadline(t time.Time) error {
	if w.read {
		return w.nc.SetReadDeadline(t)
	}
	return w.nc.SetWriteDeadline(t)
}

// arm sets the deadline from ctx and makes sure that a cancellation of ctx
// interrupts the operation. It returns ctx.Err() when ctx is already done;
// the check comes after the registration, so a cancellation racing with
// arm is never lost.
func (w *watcher) arm(ctx context.Context) error {
	d, _ := ctx.Deadline()
	done := ctx.Done()
	w.mu.Lock()
	if done != w.done {
		if w.stop != nil {
			w.stop()
			w.stop = nil
		}
		w.ctx, w.done = nil, done
		if done != nil {
			if w.fire == nil {
				w.fire = w.onDone
			}
			w.ctx = ctx
			w.stop = context.AfterFunc(ctx, w.fire)
		}
	}
	var err error
	if !w.dl.Equal(d) {
		if err = w.setDeadline(d); err == nil {
			w.dl = d
		}
	}
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return ctxEnded(ctx)
}

// onDone is the cancellation callback. It acts only when the context now
// registered is done: a callback of an earlier registration that runs late,
// after calls moved on to another context, must not interrupt them.
func (w *watcher) onDone() {
	w.mu.Lock()
	if w.ctx != nil && w.ctx.Err() != nil {
		_ = w.setDeadline(pastTime)
		w.dl = pastTime
	}
	w.mu.Unlock()
}

// afterFuncer is what context.AfterFunc looks for in a context type of
// its own to register without a goroutine.
type afterFuncer interface {
	AfterFunc(func()) func() bool
}

// disarm drops the registration at the end of an operation, except on a
// context with an AfterFunc method: such a context is made to be reused
// (as transport/vxi11 reuses one per client for all its calls), and its
// registration is kept for as long as its Done channel is the same.
func (w *watcher) disarm() {
	w.mu.Lock()
	if _, keep := w.ctx.(afterFuncer); keep {
		w.mu.Unlock()
		return
	}
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
	w.ctx, w.done = nil, nil
	w.mu.Unlock()
}

// release drops the registration (on Close).
func (w *watcher) release() {
	w.mu.Lock()
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
	w.ctx, w.done = nil, nil
	w.mu.Unlock()
}

// ctxEnded returns why the call under ctx is over after an operation timed
// out: ctx's error, or DeadlineExceeded when its deadline has passed but
// its own timer has not fired yet. nil means the timeout came from
// elsewhere (a late callback of an earlier context) and the operation may
// be retried.
//
// A deadline that has passed wins over a cancellation that came later, so
// that a call timed out by its deadline reports a timeout whatever happens
// to ctx afterwards.
func ctxEnded(ctx context.Context) error {
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return ctx.Err()
}

// isTimeout reports whether err is a deadline expiry of the connection.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
