package socket

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/govisa/govisa/transport"
)

// exchange decides which connection talks to the shared device.
//
// A Device has one input and one output queue, like a real instrument. Raw
// socket clients carry no session marker, so the server keeps message
// exchanges apart itself: one connection at a time owns the device while it
// delivers a message and, for a query, relays the response; another
// connection takes over only when the owner is quiescent. A message
// delivered in parts holds the device until its end, or until it has been
// silent for the response timeout (a stalled client must not hold it for
// ever). Waiting connections are served in arrival order.
type exchange struct {
	timeout time.Duration

	mu      sync.Mutex // never held while calling the device or the network
	changed chan struct{}
	waiters int           // goroutines that may wait on changed
	owner   *serverConn   // last connection that used the device
	queue   []*serverConn // waiting connections, first come first served
	busy    bool          // the owner is writing or relaying a response
	mid     bool          // the owner has delivered part of a message
	until   time.Time     // a half-delivered message stops holding then
	closed  bool
}

func newExchange(timeout time.Duration) *exchange {
	return &exchange{timeout: timeout, changed: make(chan struct{})}
}

// broadcast wakes every waiter; e.mu must be held. Without waiters it costs
// nothing, which is the common single-client case.
func (e *exchange) broadcast() {
	if e.waiters > 0 {
		close(e.changed)
		e.changed = make(chan struct{})
	}
}

// quiescent reports whether the owner may be replaced; e.mu must be held.
func (e *exchange) quiescent(now time.Time) bool {
	return e.owner == nil || !e.busy && (!e.mid || !now.Before(e.until))
}

// acquire waits until c owns the device, and marks it busy.
func (e *exchange) acquire(ctx context.Context, c *serverConn) error {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	e.mu.Lock()
	for {
		if e.closed {
			e.dequeue(c)
			e.mu.Unlock()
			return transport.Errorf("serve", transport.ErrClosed, nil)
		}
		now := time.Now()
		quiet := e.quiescent(now)
		first := len(e.queue) == 0 || e.queue[0] == c
		// The owner goes on while it is in the middle of a message or
		// nobody waits; anyone else needs a quiescent owner and its turn.
		if e.owner == c && (!quiet || len(e.queue) == 0) || e.owner != c && quiet && first {
			e.owner, e.busy = c, true
			e.dequeue(c)
			e.mu.Unlock()
			return nil
		}
		if !slices.Contains(e.queue, c) {
			e.queue = append(e.queue, c)
		}
		ch := e.changed
		wait := e.until.Sub(now)
		timed := !e.busy && e.mid && wait > 0 // else a broadcast wakes us
		e.waiters++
		e.mu.Unlock()
		var tc <-chan time.Time
		if timed {
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			tc = timer.C
		}
		var err error
		select {
		case <-ch:
		case <-tc:
		case <-ctx.Done():
			err = ctx.Err()
		}
		e.mu.Lock()
		e.waiters--
		if err != nil {
			e.dequeue(c)
			e.broadcast() // the head of the queue may have changed
			e.mu.Unlock()
			return transport.NetError("serve", err)
		}
	}
}

// dequeue removes c from the waiting list; e.mu must be held.
func (e *exchange) dequeue(c *serverConn) {
	if i := slices.Index(e.queue, c); i >= 0 {
		e.queue = slices.Delete(e.queue, i, i+1)
	}
}

// release ends c's use of the device; mid tells that c has delivered part
// of a message and will deliver the rest.
func (e *exchange) release(c *serverConn, mid bool) {
	e.mu.Lock()
	if e.owner == c {
		e.busy, e.mid = false, mid
		e.until = time.Now().Add(e.timeout)
		e.broadcast()
	}
	e.mu.Unlock()
}

// leave forgets c when its connection ends.
func (e *exchange) leave(c *serverConn) {
	e.mu.Lock()
	e.dequeue(c)
	if e.owner == c {
		e.owner, e.busy, e.mid = nil, false, false
	}
	e.broadcast()
	e.mu.Unlock()
}

// close stops the exchange and wakes everyone.
func (e *exchange) close() {
	e.mu.Lock()
	if !e.closed {
		e.closed = true
		e.waiters++ // force the broadcast
		e.broadcast()
		e.waiters--
	}
	e.mu.Unlock()
}
