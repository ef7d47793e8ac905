package visa

import (
	"context"
	"time"
)

// ioContext folds a session's timeout into a caller's context without
// allocating a timer per call: Deadline reports the earlier of the parent's
// deadline and the session's, Done is the parent's. Transports honour
// Deadline themselves (see package transport), so no timer is needed.
// One ioContext lives in each session and is reused under the session lock.
type ioContext struct {
	context.Context
	deadline time.Time
	has      bool
}

// reset points c at parent with a deadline of now+timeout (timeout < 0
// means none; 0 means immediate).
func (c *ioContext) reset(parent context.Context, timeout time.Duration) *ioContext {
	c.Context = parent
	c.has = timeout >= 0
	if c.has {
		c.deadline = time.Now().Add(timeout)
	}
	return c
}

func (c *ioContext) Deadline() (time.Time, bool) {
	pd, pok := c.Context.Deadline()
	switch {
	case !c.has:
		return pd, pok
	case pok && pd.Before(c.deadline):
		return pd, true
	}
	return c.deadline, true
}

func (c *ioContext) Err() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if c.has && !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
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
