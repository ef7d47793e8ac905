package rpc

import (
	"fmt"

	"github.com/govisa/govisa/transport"
)

// AcceptError is a reply that the server accepted but did not answer with
// SUCCESS. errors.Is matches its [AcceptStat] and a transport sentinel:
// ErrNotSupported for PROG_UNAVAIL, PROG_MISMATCH and PROC_UNAVAIL,
// ErrInvalidArg for GARBAGE_ARGS and ErrIO for SYSTEM_ERR and unknown codes.
type AcceptError struct {
	Stat      AcceptStat
	Low, High uint32 // supported version range, for PROG_MISMATCH
}

func (e *AcceptError) Error() string {
	if e.Stat == ProgMismatch {
		return fmt.Sprintf("rpc: %v (supported versions %d to %d)", e.Stat, e.Low, e.High)
	}
	return e.Stat.Error()
}

// Unwrap returns the status and the transport sentinel.
func (e *AcceptError) Unwrap() []error {
	kind := transport.ErrIO
	switch e.Stat {
	case ProgUnavail, ProgMismatch, ProcUnavail:
		kind = transport.ErrNotSupported
	case GarbageArgs:
		kind = transport.ErrInvalidArg
	}
	return []error{e.Stat, kind}
}

// RejectError is a reply that denied the call. errors.Is matches its
// [RejectStat] and transport.ErrProtocol (RPC_MISMATCH) or
// transport.ErrNotSupported (AUTH_ERROR: the server wants other
// credentials).
type RejectError struct {
	Stat      RejectStat
	Low, High uint32   // supported rpcvers range, for RPC_MISMATCH
	Auth      AuthStat // for AUTH_ERROR
}

func (e *RejectError) Error() string {
	switch e.Stat {
	case RPCMismatch:
		return fmt.Sprintf("rpc: %v (supported rpcvers %d to %d)", e.Stat, e.Low, e.High)
	case AuthError:
		return fmt.Sprintf("rpc: %v (%v)", e.Stat, e.Auth)
	}
	return e.Stat.Error()
}

// Unwrap returns the status and the transport sentinel.
func (e *RejectError) Unwrap() []error {
	if e.Stat == AuthError {
		return []error{e.Stat, transport.ErrNotSupported}
	}
	return []error{e.Stat, transport.ErrProtocol}
}
