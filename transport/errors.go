package transport

import (
	"context"
	"errors"
	"net"
	"os"
)

// Sentinel errors that transports return (wrapped with %w). Package visa maps
// each to one VISA status code.
var (
	// ErrTimeout: the operation did not complete before the deadline.
	ErrTimeout = errors.New("transport: timeout")
	// ErrConnLost: the peer went away or the connection broke. The session
	// must be reopened, unless its transport documents that it reconnects
	// (a Prologix GPIB-ETHERNET adapter is redialled by the next operation).
	ErrConnLost = errors.New("transport: connection lost")
	// ErrClosed: the local side was closed.
	ErrClosed = errors.New("transport: closed")
	// ErrLocked: the resource is locked by another session.
	ErrLocked = errors.New("transport: resource locked")
	// ErrNotLocked: an unlock was asked for a lock this session does not hold.
	ErrNotLocked = errors.New("transport: session not locked")
	// ErrNotSupported: the protocol or peer does not offer the operation.
	ErrNotSupported = errors.New("transport: operation not supported")
	// ErrAborted: the operation was aborted by the peer or by a device clear.
	ErrAborted = errors.New("transport: aborted")
	// ErrProtocol: the peer broke the protocol (malformed frame, bad length).
	ErrProtocol = errors.New("transport: protocol violation")
	// ErrIO: the peer reported an I/O error.
	ErrIO = errors.New("transport: I/O error")
	// ErrNotFound: the device or sub-address does not exist at the peer.
	ErrNotFound = errors.New("transport: resource not found")
	// ErrInvalidArg: an argument is out of range for the protocol.
	ErrInvalidArg = errors.New("transport: invalid argument")
	// ErrTooLarge: a length from the peer or caller exceeds the configured
	// maximum; nothing was allocated for it.
	ErrTooLarge = errors.New("transport: size exceeds maximum")
	// ErrBusy: the device cannot take the request now (for example a
	// response is still pending).
	ErrBusy = errors.New("transport: busy")
	// ErrAuthentication: the peer refused the credentials, no
	// authentication mechanism was common to both sides, or the peer's
	// identity could not be verified (a TLS certificate that does not check
	// out). Retrying with the same settings will fail the same way.
	ErrAuthentication = errors.New("transport: authentication failed")
)

// Error wraps a sentinel with the operation and the underlying cause so that
// errors.Is matches both the sentinel and the cause.
type Error struct {
	Op    string // "read", "write", "dial", "create_link", ...
	Kind  error  // one of the sentinels above
	Cause error  // the underlying error, may be nil
}

// Error returns "op: kind: cause".
func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// Errorf wraps kind with op and cause.
func Errorf(op string, kind, cause error) error {
	return &Error{Op: op, Kind: kind, Cause: cause}
}

// NetError classifies an error from a net.Conn or a context into the
// sentinels above: deadline and context expiry become ErrTimeout (context
// cancellation keeps context.Canceled as the cause), EOF, resets and other
// socket failures become ErrConnLost. A nil error stays nil, and an error
// that already carries a sentinel is returned unchanged.
func NetError(op string, err error) error {
	if err == nil {
		return nil
	}
	var te *Error
	if errors.As(err, &te) {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Errorf(op, ErrAborted, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Errorf(op, ErrTimeout, err)
	case errors.Is(err, net.ErrClosed):
		return Errorf(op, ErrClosed, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Errorf(op, ErrTimeout, err)
	}
	return Errorf(op, ErrConnLost, err)
}
