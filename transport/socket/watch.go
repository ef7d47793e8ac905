package socket

import (
	"context"
	"net"
	"sync"
	"time"
)

// aLongTimeAgo is a deadline in the past: setting it makes a blocked
// Read or Write on a net.Conn return at once with a timeout error.
var aLongTimeAgo = time.Unix(1, 0)

// watcher turns a context into net.Conn deadlines.
//
// ctx.Deadline() becomes the socket deadline, so a deadline fires even when
// ctx.Done() is never closed (see the transport package's deadline
// contract). Cancellation of ctx is turned into a past deadline by a
// context.AfterFunc registration. The registration is kept for as long as
// successive operations use a context with the same Done channel, which is
// the common case (one context per query, or one long-lived session
// context): registering anew on every call would cost allocations, and for
// contexts outside the standard library a goroutine, on every Read.
type watcher struct {
	nc net.Conn

	mu   sync.Mutex
	ctx  context.Context // the context of the current registration
	done <-chan struct{} // its Done channel
	stop func() bool     // stops the registration; nil when none
	fire func()          // w.onDone, built once
	// The deadlines last set. Setting a socket deadline re-arms a runtime
	// timer and may wake the network poller, so an unchanged deadline
	// (several operations under one context) is not set again.
	// A new net.Conn has no deadlines, which the zero values match.
	rdl, wdl time.Time
}

// arm sets the read (read=true) or write deadline from ctx and makes sure a
// cancellation of ctx interrupts the operation. It returns ctx.Err() when
// ctx is already done; the check comes after the deadline is set, so a
// cancellation racing with arm is never lost.
func (w *watcher) arm(ctx context.Context, read bool) error {
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
	switch {
	case read && !w.rdl.Equal(d):
		if err = w.nc.SetReadDeadline(d); err == nil {
			w.rdl = d
		}
	case !read && !w.wdl.Equal(d):
		if err = w.nc.SetWriteDeadline(d); err == nil {
			w.wdl = d
		}
	}
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return ctx.Err()
}

// onDone is the cancellation callback. It acts only when the context now
// registered is done: a callback of an earlier registration that runs late,
// after operations moved on to another context, must not interrupt them.
func (w *watcher) onDone() {
	w.mu.Lock()
	if w.ctx != nil && w.ctx.Err() != nil {
		_ = w.nc.SetDeadline(aLongTimeAgo)
		w.rdl, w.wdl = aLongTimeAgo, aLongTimeAgo
	}
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
