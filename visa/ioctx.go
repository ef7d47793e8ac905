package visa

import (
	"context"
	"sync"
	"time"
)

// ioContext folds a session's timeout into a caller's context without
// allocating a timer per call: Deadline reports the earlier of the parent's
// deadline and the session's, Done is the parent's. Transports honour
// Deadline themselves (see package transport), so no timer is needed.
//
// One ioContext lives in each session and is re-pointed at each
// operation's context under the session lock. A transport may keep a
// cancellation registration on it past the operation (the socket
// transport keeps one per Done channel), whose callback may call Err from
// another goroutine at any time, so the fields are guarded by mu.
type ioContext struct {
	mu       sync.Mutex
	parent   context.Context
	deadline time.Time
	has      bool
}

// reset points c at parent with a deadline of now+timeout (timeout < 0
// means none; 0 means immediate).
func (c *ioContext) reset(parent context.Context, timeout time.Duration) *ioContext {
	var d time.Time
	if timeout >= 0 {
		d = time.Now().Add(timeout)
	}
	c.mu.Lock()
	c.parent, c.deadline, c.has = parent, d, timeout >= 0
	c.mu.Unlock()
	return c
}

func (c *ioContext) get() (context.Context, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parent == nil {
		return context.Background(), c.deadline, c.has
	}
	return c.parent, c.deadline, c.has
}

// Deadline reports the earlier of the parent's and the session's deadline.
func (c *ioContext) Deadline() (time.Time, bool) {
	p, d, has := c.get()
	pd, pok := p.Deadline()
	switch {
	case !has:
		return pd, pok
	case pok && pd.Before(d):
		return pd, true
	}
	return d, true
}

// Done is the parent's Done channel.
func (c *ioContext) Done() <-chan struct{} {
	p, _, _ := c.get()
	return p.Done()
}

// Err is the parent's error, or DeadlineExceeded once the session's
// deadline has passed.
func (c *ioContext) Err() error {
	p, d, has := c.get()
	if err := p.Err(); err != nil {
		return err
	}
	if has && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value is the parent's value.
func (c *ioContext) Value(key any) any {
	p, _, _ := c.get()
	return p.Value(key)
}

// withTimeout returns a real context bounded by timeout, for the rare paths
// (open, lock waits, events) where channel-based waiting is simpler than
// honouring Deadline by hand.
func withTimeout(parent context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout < 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeout(parent, timeout)
}
