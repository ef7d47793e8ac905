package prologix

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govisa/govisa/transport"
)

// A GPIB-ETHERNET adapter drops its TCP connection when it is power-cycled
// or the network hiccups. The operation that meets the failure reports it
// (an error wrapping transport.ErrConnLost, so the caller knows a response
// or a command may be lost); the link is then marked broken, and the next
// operation redials, sends the setup sequence again and re-addresses its
// instrument. Only the link is re-established: anything the instrument was
// doing when the link went is not replayed. While SRQ polling runs, the
// poller may be the one that meets the failure and redials, so that
// events resume; a user operation then sees no error, only a response
// that never comes if one was pending.

// write sends p on the link and marks the link broken if that fails for a
// reason other than the caller's deadline or cancellation. The caller
// holds mu.
func (a *Adapter) write(ctx context.Context, p []byte) error {
	err := a.l.write(ctx, p)
	a.noteFailure(err)
	return err
}

// readSome reads from the link like link.readSome, marking the link broken
// on failure (not on timeout or cancellation). The caller holds mu.
func (a *Adapter) readSome(ctx context.Context, p []byte, until time.Time) (int, error) {
	n, err := a.l.readSome(ctx, p, until)
	a.noteFailure(err)
	return n, err
}

// noteFailure records a link failure. A timeout or a cancelled context
// leaves the link usable; anything else (EOF, reset, a write error, a
// serial port that vanished, a link closed under us) means the byte stream
// to the adapter is gone. The caller holds mu.
func (a *Adapter) noteFailure(err error) {
	if err == nil || a.broken != nil || errors.Is(err, transport.ErrTimeout) || errors.Is(err, transport.ErrAborted) {
		return
	}
	a.broken = err
	if a.closed.Load() {
		return
	}
	if a.opts.Logger != nil {
		a.opts.Logger.Warn("prologix: link to the adapter lost", "err", err)
	}
	// Free the socket or port now; a reconnect opens a new one.
	a.closeLink()
}

// closeLink closes the current link once; Close and a failure may both
// want to.
func (a *Adapter) closeLink() error {
	a.lmu.Lock()
	defer a.lmu.Unlock()
	if a.lclosed {
		return nil
	}
	a.lclosed = true
	return a.l.close()
}

// ready checks that the adapter can run op: it is not closed, and its link
// works or (TCP, Options.Reconnect not ReconnectNever) can be redialled
// within ctx. The caller holds mu.
func (a *Adapter) ready(ctx context.Context, op string) error {
	if a.closed.Load() {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	if a.broken == nil {
		return nil
	}
	if a.redial == nil || a.opts.Reconnect == ReconnectNever {
		return transport.Errorf(op, transport.ErrConnLost, fmt.Errorf("the link to the adapter failed earlier (%w)", a.broken))
	}
	return a.reconnect(ctx, op)
}

// reconnect replaces a broken link by a new one and sets the adapter up
// again. The caller holds mu. Close cancels it.
func (a *Adapter) reconnect(ctx context.Context, op string) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(a.closeCtx, cancel)
	defer stop()
	a.debug("prologix: reconnecting", "after", a.broken)
	l, err := a.redial(rctx)
	if err != nil {
		if a.closed.Load() {
			return transport.Errorf(op, transport.ErrClosed, nil)
		}
		// The loss, not the dial's own timeout, is what the caller must
		// learn: the error is ErrConnLost with the dial error as cause.
		a.logReconnect("prologix: reconnect failed", err)
		return transport.Errorf(op, transport.ErrConnLost, fmt.Errorf("reconnect: %w", err))
	}
	a.lmu.Lock()
	if a.closed.Load() {
		a.lmu.Unlock()
		l.close()
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	a.l, a.lclosed = l, false
	a.lmu.Unlock()
	a.broken = nil
	if err := a.setup(rctx); err != nil {
		if a.broken == nil {
			// The new link works but the adapter did not answer the setup
			// (a timeout): do not trust it, try again next time.
			a.broken = err
			a.closeLink()
		}
		a.logReconnect("prologix: reconnect failed", err)
		// The text only: a setup timeout must not turn the loss into a
		// plain timeout for the caller.
		return transport.Errorf(op, transport.ErrConnLost, fmt.Errorf("reconnect: adapter setup: %v", err))
	}
	if a.opts.Logger != nil {
		a.opts.Logger.Info("prologix: reconnected to the adapter")
	}
	return nil
}

func (a *Adapter) logReconnect(msg string, err error) {
	if a.opts.Logger != nil {
		a.opts.Logger.Warn(msg, "err", err)
	}
}
