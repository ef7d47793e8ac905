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
// exchanges apart itself: one connection at a time owns the device, the
// response to its queries is routed back to it, and another connection
// takes over only when the owner is quiescent: no message half delivered,
// no query unanswered, no response under way, or nothing of that for
// longer than the response timeout (a query the device never answers must
// not hold it for ever). Waiting connections are served in arrival order.
//
// A program message counts as a query when it contains '?', the IEEE 488.2
// query marker. A false positive only makes the owner hold the device
// until the response timeout; a query without '?' does not exist in 488.2.
type exchange struct {
	timeout time.Duration

	mu       sync.Mutex    // never held while calling the device or the network
	changed  chan struct{} // closed and replaced on every state change
	owner    *serverConn
	queue    []*serverConn // waiting connections, first come first served
	writing  bool          // the owner is inside Device.Write
	mid      bool          // the owner has delivered part of a message
	pending  int           // the owner's queries not yet answered
	respOpen bool          // a response message is being passed on
	target   *serverConn   // where the open response goes
	until    time.Time     // the owner's hold lapses at this time
	closed   bool
}

func newExchange(timeout time.Duration) *exchange {
	return &exchange{timeout: timeout, changed: make(chan struct{})}
}

// broadcast wakes every waiter; e.mu must be held.
func (e *exchange) broadcast() {
	close(e.changed)
	e.changed = make(chan struct{})
}

// quiescent reports whether the owner may be replaced; e.mu must be held.
func (e *exchange) quiescent(now time.Time) bool {
	if e.owner == nil {
		return true
	}
	if e.writing {
		return false
	}
	if e.pending == 0 && !e.mid && !e.respOpen {
		return true
	}
	return !now.Before(e.until)
}

// acquire waits until c owns the device and may call Device.Write.
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
		if e.owner == c && (!quiet || len(e.queue) == 0) || e.owner != c && quiet && first {
			if e.owner != c {
				e.owner, e.pending, e.mid = c, 0, false
			}
			e.dequeue(c)
			e.writing = true
			e.broadcast()
			e.mu.Unlock()
			return nil
		}
		if !slices.Contains(e.queue, c) {
			e.queue = append(e.queue, c)
		}
		ch := e.changed
		wait := e.until.Sub(now)
		timed := !quiet && !e.writing && wait > 0 // else a broadcast wakes us
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
		select {
		case <-ch:
		case <-tc:
		case <-ctx.Done():
			e.mu.Lock()
			e.dequeue(c)
			e.broadcast()
			e.mu.Unlock()
			return transport.NetError("serve", ctx.Err())
		}
		e.mu.Lock()
	}
}

// dequeue removes c from the waiting list; e.mu must be held.
func (e *exchange) dequeue(c *serverConn) {
	if i := slices.Index(e.queue, c); i >= 0 {
		e.queue = slices.Delete(e.queue, i, i+1)
	}
}

// delivered records that the owner c finished a Device.Write of a part
// (end false) or of the end of a message (end true; query when the
// message expects a response).
func (e *exchange) delivered(c *serverConn, end, query bool) {
	e.mu.Lock()
	if e.owner == c {
		e.writing = false
		e.mid = !end
		if end && query {
			e.pending++
		}
		e.until = time.Now().Add(e.timeout)
		e.broadcast()
	}
	e.mu.Unlock()
}

// leave forgets c when its connection ends. An owner stays the owner, so
// that a late response to it is discarded rather than handed to the next
// client, until it is quiescent as usual.
func (e *exchange) leave(c *serverConn) {
	e.mu.Lock()
	e.dequeue(c)
	if e.owner == c {
		e.writing = false
	}
	e.broadcast()
	e.mu.Unlock()
}

// waitAnswered waits until c no longer owns the device with a query
// outstanding: a client that half-closes after its last query still gets
// the response.
func (e *exchange) waitAnswered(ctx context.Context, c *serverConn) {
	for {
		e.mu.Lock()
		if e.closed || e.owner != c || e.quiescent(time.Now()) {
			e.mu.Unlock()
			return
		}
		ch := e.changed
		wait := e.until.Sub(time.Now())
		e.mu.Unlock()
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		if ctx.Err() != nil {
			return
		}
	}
}

// close stops the exchange and wakes everyone.
func (e *exchange) close() {
	e.mu.Lock()
	if !e.closed {
		e.closed = true
		e.broadcast()
	}
	e.mu.Unlock()
}

// wantRead waits until a response is expected and returns the time the
// owner's hold lapses; ok is false once the exchange is closed.
func (e *exchange) wantRead() (until time.Time, ok bool) {
	e.mu.Lock()
	for !e.closed && e.pending == 0 && !e.respOpen {
		ch := e.changed
		e.mu.Unlock()
		<-ch
		e.mu.Lock()
	}
	until, ok = e.until, !e.closed
	e.mu.Unlock()
	return until, ok
}

// output records that the device produced n bytes (end: the last of a
// response message), or nothing before the read deadline (timedOut), or
// failed (failed), and returns where the bytes go: nil means discard (no
// owner when the response began).
func (e *exchange) output(n int, end, timedOut, failed bool) *serverConn {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	var target *serverConn
	if n > 0 {
		if !e.respOpen {
			e.respOpen, e.target = true, e.owner
		}
		target = e.target
		e.until = now.Add(e.timeout)
	}
	if end {
		e.respOpen, e.target = false, nil
		if e.pending > 0 {
			e.pending--
		}
	}
	if n == 0 && (failed || timedOut && !now.Before(e.until)) {
		// The device failed (a clear, for instance) or said nothing while
		// the owner's hold lasted: stop waiting for this response. A read
		// that timed out while the hold was extended just goes round again.
		e.pending, e.respOpen, e.target = 0, false, nil
	}
	e.broadcast()
	return target
}
