// Package deadline turns the contexts of successive operations on one
// net.Conn into the connection's deadlines, for the transports' deadline
// contract: ctx.Deadline() ends a blocked read or write even when ctx.Done()
// is never closed, and a cancellation of ctx ends it too.
//
// The cost matters because it is paid on every query. Setting a socket
// deadline re-arms a runtime timer and may wake the network poller, so an
// unchanged deadline is not set again; registering a cancellation callback
// costs an allocation (and, for contexts outside the standard library, a
// goroutine), so a registration is kept while successive operations use
// contexts with the same Done channel, unless the caller asks for one per
// operation ([Watcher.Disarm]).
package deadline

import (
	"context"
	"net"
	"sync"
	"time"
)

// Dir selects the read deadline, the write deadline or both.
type Dir uint8

// Directions.
const (
	Read Dir = 1 << iota
	Write
	Both = Read | Write
)

// Past is a deadline in the past: setting it makes a blocked Read or Write
// on a net.Conn return at once with a timeout error.
var Past = time.Unix(1, 0)

// Watcher applies contexts to one connection. The zero value is unusable;
// call [Watcher.Init] before the first operation. Its methods may be
// called from several goroutines, and a late cancellation callback of an
// earlier registration may run concurrently with them.
type Watcher struct {
	nc      net.Conn
	cancels Dir // the directions a cancellation interrupts

	mu   sync.Mutex
	ctx  context.Context // the context of the current registration
	done <-chan struct{} // its Done channel
	stop func() bool     // stops the registration; nil when none
	fire func()          // w.onDone, built once
	// The deadlines last set, and whether they are known (not before the
	// first Arm: the connection may come with deadlines of its dialer).
	rdl, wdl   time.Time
	rset, wset bool
}

// Init binds w to nc. A cancellation interrupts the directions in cancels:
// a watcher that serves only one direction of a connection whose other
// direction belongs to someone else must not end that one's operation.
func (w *Watcher) Init(nc net.Conn, cancels Dir) {
	w.nc, w.cancels = nc, cancels
	w.fire = w.onDone
}

// Arm sets the deadlines of the directions in dir from ctx and makes sure a
// cancellation of ctx interrupts the operation. It reports only a failure
// to set a deadline; the caller checks ctx afterwards (after Arm, so that a
// cancellation racing with Arm is never lost).
func (w *Watcher) Arm(ctx context.Context, dir Dir) error {
	d, _ := ctx.Deadline()
	done := ctx.Done()
	w.mu.Lock()
	if done != w.done {
		w.dropLocked()
		w.done = done
		if done != nil {
			w.ctx = ctx
			w.stop = context.AfterFunc(ctx, w.fire)
		}
	}
	err := w.setLocked(dir, d, false)
	w.mu.Unlock()
	return err
}

// setLocked sets the deadline of the directions in dir to d, skipping the
// ones already at d unless force is set.
func (w *Watcher) setLocked(dir Dir, d time.Time, force bool) error {
	if dir&Read != 0 && !force && w.rset && w.rdl.Equal(d) {
		dir &^= Read
	}
	if dir&Write != 0 && !force && w.wset && w.wdl.Equal(d) {
		dir &^= Write
	}
	var err error
	switch dir {
	case 0:
		return nil
	case Both:
		err = w.nc.SetDeadline(d)
	case Read:
		err = w.nc.SetReadDeadline(d)
	case Write:
		err = w.nc.SetWriteDeadline(d)
	}
	if err != nil {
		return err
	}
	if dir&Read != 0 {
		w.rdl, w.rset = d, true
	}
	if dir&Write != 0 {
		w.wdl, w.wset = d, true
	}
	return nil
}

// onDone is the cancellation callback. It acts only when the context now
// registered is done: a callback of an earlier registration that runs late,
// after operations moved on to another context, must not interrupt them.
func (w *Watcher) onDone() {
	w.mu.Lock()
	if w.ctx != nil && w.ctx.Err() != nil {
		_ = w.setLocked(w.cancels, Past, true)
	}
	w.mu.Unlock()
}

func (w *Watcher) dropLocked() {
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
	w.ctx, w.done = nil, nil
}

// afterFuncer is what context.AfterFunc looks for in a context type of its
// own to register without a goroutine.
type afterFuncer interface {
	AfterFunc(func()) func() bool
}

// Disarm drops the registration at the end of an operation, for callers
// whose contexts are usually cancelled right after the operation: a
// registration left in place would then run its callback (a goroutine and a
// thread wake-up) for nothing, which costs more than registering again.
// Contexts with their own AfterFunc method are made to be reused and keep
// their registration while their Done channel is the same.
func (w *Watcher) Disarm() {
	w.mu.Lock()
	if _, keep := w.ctx.(afterFuncer); !keep {
		w.dropLocked()
	}
	w.mu.Unlock()
}

// Release drops the registration (on Close).
func (w *Watcher) Release() {
	w.mu.Lock()
	w.dropLocked()
	w.mu.Unlock()
}

// Forget drops the registration and the deadlines known to be set, for
// when the connection's deadlines were changed behind the watcher's back
// (a TLS handshake on the same socket, say).
func (w *Watcher) Forget() {
	w.mu.Lock()
	w.dropLocked()
	w.rset, w.wset = false, false
	w.mu.Unlock()
}
