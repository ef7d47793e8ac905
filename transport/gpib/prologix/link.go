package prologix

import (
	"context"
	"net"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/asrl"
)

// link is the byte pipe to the adapter: TCP for GPIB-ETHERNET, a serial
// port for GPIB-USB.
type link interface {
	write(ctx context.Context, p []byte) error
	// readSome waits until at least one byte arrived, until (when not
	// zero) passed, or ctx ended; the latter two give an error wrapping
	// transport.ErrTimeout (or ErrAborted for cancellation).
	readSome(ctx context.Context, p []byte, until time.Time) (int, error)
	close() error
}

type tcpLink struct{ c net.Conn }

// wake moves a deadline to the past when ctx ends; the returned function
// disarms it and, if it already fired, waits so that its past deadline
// cannot land on the next operation.
func wake(ctx context.Context, set func(time.Time) error) func() {
	fired := make(chan struct{})
	unregister := context.AfterFunc(ctx, func() {
		set(time.Unix(1, 0))
		close(fired)
	})
	return func() {
		if !unregister() {
			<-fired
		}
	}
}

func earliest(ctx context.Context, until time.Time) time.Time {
	if d, ok := ctx.Deadline(); ok && (until.IsZero() || d.Before(until)) {
		return d
	}
	return until
}

func (l *tcpLink) write(ctx context.Context, p []byte) error {
	if err := ctx.Err(); err != nil {
		return transport.NetError("write", err)
	}
	l.c.SetWriteDeadline(earliest(ctx, time.Time{}))
	defer wake(ctx, l.c.SetWriteDeadline)()
	_, err := l.c.Write(p)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return transport.NetError("write", err)
}

func (l *tcpLink) readSome(ctx context.Context, p []byte, until time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, transport.NetError("read", err)
	}
	l.c.SetReadDeadline(earliest(ctx, until))
	defer wake(ctx, l.c.SetReadDeadline)()
	n, err := l.c.Read(p)
	if n > 0 {
		return n, nil
	}
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return 0, transport.NetError("read", err)
}

func (l *tcpLink) close() error { return l.c.Close() }

type serialLink struct{ c *asrl.Conn }

func (l *serialLink) write(ctx context.Context, p []byte) error {
	_, err := l.c.Write(ctx, p, false)
	return err
}

func (l *serialLink) readSome(ctx context.Context, p []byte, until time.Time) (int, error) {
	if !until.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, until)
		defer cancel()
	}
	return l.c.ReadSome(ctx, p)
}

func (l *serialLink) close() error { return l.c.Close() }
