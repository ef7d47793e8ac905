package visa

import (
	"errors"
)

// Error is the error type every govisa operation returns. It carries the
// VISA status, the operation that failed and, where there is one, the
// underlying cause. errors.Is matches it against Status values (the
// sentinels below) and against the cause.
type Error struct {
	Status   Status // a negative VISA status code
	Op       string // "viRead", "viOpen", ...
	Resource string // resource name, when known
	Msg      string // extra detail: what is wrong and where
	Err      error  // underlying cause, may be nil
}

// Error returns "op: VI_NAME [resource]: message: cause".
func (e *Error) Error() string {
	s := e.Status.Name()
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Resource != "" {
		s += " [" + e.Resource + "]"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	} else if d := e.Status.Description(); d != "" {
		s += ": " + d
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the status and the cause, so errors.Is(err, VI_ERROR_TMO)
// and errors.Is(err, context.Canceled) both work.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Status}
	}
	return []error{e.Status, e.Err}
}

// StatusOf returns the VISA status carried by err: VI_SUCCESS for nil, the
// status of a *Error or Status in the chain, and VI_ERROR_SYSTEM_ERROR for
// any other error.
func StatusOf(err error) Status {
	if err == nil {
		return VI_SUCCESS
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	var s Status
	if errors.As(err, &s) {
		return s
	}
	return VI_ERROR_SYSTEM_ERROR
}

// Sentinel errors with defined meaning. Each is the Status itself, so
// errors.Is(err, visa.ErrTimeout) and errors.Is(err, visa.VI_ERROR_TMO)
// are the same test.
var (
	ErrTimeout         error = VI_ERROR_TMO
	ErrResourceNFound  error = VI_ERROR_RSRC_NFOUND
	ErrInvalidRsrcName error = VI_ERROR_INV_RSRC_NAME
	ErrNotSupported    error = VI_ERROR_NSUP_OPER
	ErrAttrNotSupp     error = VI_ERROR_NSUP_ATTR
	ErrAttrReadOnly    error = VI_ERROR_ATTR_READONLY
	ErrAttrState       error = VI_ERROR_NSUP_ATTR_STATE
	ErrConnLost        error = VI_ERROR_CONN_LOST
	ErrLocked          error = VI_ERROR_RSRC_LOCKED
	ErrInvalidSession  error = VI_ERROR_INV_OBJECT
	ErrClosed          error = VI_ERROR_INV_OBJECT // VISA reports use of a closed session as an invalid object
	ErrAborted         error = VI_ERROR_ABORT
	ErrIO              error = VI_ERROR_IO
	ErrInvalidParam    error = VI_ERROR_INV_PARAMETER
)
