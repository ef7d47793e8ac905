package hislip

import (
	"context"
	"net"
	"sync"
	"time"
)

// watcher turns the contexts of successive operations on one net.Conn
// into socket deadlines (the pattern of transport/socket's watcher).
//
// ctx.Deadline() becomes the socket deadline; a cancellation of ctx becomes
// a past deadline through one context.AfterFunc registration, which is kept
// while operations use contexts with the same Done channel (one context
// per query, or one per session). Registering on every call, and setting
// an unchanged deadline again, cost allocations and runtime timer work on
// every query.
type watcher struct {
	nc net.Conn

	mu   sync.Mutex
	ctx  context.Context // the context of the current registration
	done <-chan struct{}
	stop func() bool
	fire func() // w.onDone, built once
	dl   time.Time
	set  bool // dl was applied to nc
}

// arm applies ctx to the connection's read and write deadlines. It
// returns ctx.Err() when ctx is already done; the check follows the
// registration, so a cancellation racing with arm is never lost.
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
	if !w.set || !w.dl.Equal(d) {
		if err = w.nc.SetDeadline(d); err == nil {
			w.dl, w.set = d, true
		}
	}
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return ctx.Err()
}

// onDone acts only when the context registered now is done: a late
// callback of an earlier registration must not interrupt later operations.
func (w *watcher) onDone() {
	w.mu.Lock()
	if w.ctx != nil && w.ctx.Err() != nil {
		_ = w.nc.SetDeadline(aLongTimeAgo)
		w.dl, w.set = aLongTimeAgo, true
	}
	w.mu.Unlock()
}

// forget drops the registration and the cached deadline, for when the
// connection's deadlines were changed behind the watcher's back.
func (w *watcher) forget() {
	w.mu.Lock()
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
	w.ctx, w.done, w.set = nil, nil, false
	w.mu.Unlock()
}
