package rpc

import (
	"context"
	"errors"
	"net"
	"os"
	"time"

	"github.com/govisa/govisa/internal/deadline"
)

// The client's two watchers (package internal/deadline) govern one
// direction each: the writer holding the write lock and the reader holding
// the reader token are different calls, and the cancellation of one must
// not end the other's I/O. Their registrations last one operation (arm to
// Disarm): callers usually cancel a per-call context right after the call,
// and a registration left in place would then run its callback (a
// goroutine, a thread wake-up) for nothing. transport/vxi11 reuses one
// context with its own AfterFunc method for all its calls, and that one is
// kept.

// armRead applies ctx to the read deadline and reports why the call is
// over if it already is (see ctxEnded).
func (c *Client) armRead(ctx context.Context) error {
	if err := c.rwatch.Arm(ctx, deadline.Read); err != nil {
		return err
	}
	return ctxEnded(ctx)
}

// armWrite is armRead for the write direction.
func (c *Client) armWrite(ctx context.Context) error {
	if err := c.wwatch.Arm(ctx, deadline.Write); err != nil {
		return err
	}
	return ctxEnded(ctx)
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
