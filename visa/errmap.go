package visa

import (
	"context"
	"errors"

	"github.com/govisa/govisa/transport"
)

// transportStatus lists, in match order, the VISA status for each transport
// sentinel. This is the one place where transport errors become VISA codes.
var transportStatus = []struct {
	kind error
	st   Status
}{
	// Before ErrConnLost and ErrNotSupported: a failed TLS verification
	// ends the connection and a missing common SASL mechanism is "not
	// supported", but what the user must fix is access.
	{transport.ErrAuthentication, VI_ERROR_NPERMISSION},
	{transport.ErrTimeout, VI_ERROR_TMO},
	{transport.ErrConnLost, VI_ERROR_CONN_LOST},
	{transport.ErrClosed, VI_ERROR_INV_OBJECT},
	{transport.ErrLocked, VI_ERROR_RSRC_LOCKED},
	{transport.ErrNotLocked, VI_ERROR_SESN_NLOCKED},
	{transport.ErrNotSupported, VI_ERROR_NSUP_OPER},
	{transport.ErrAborted, VI_ERROR_ABORT},
	{transport.ErrNotFound, VI_ERROR_RSRC_NFOUND},
	{transport.ErrInvalidArg, VI_ERROR_INV_PARAMETER},
	{transport.ErrBusy, VI_ERROR_RSRC_BUSY},
	{transport.ErrTooLarge, VI_ERROR_IO},
	{transport.ErrProtocol, VI_ERROR_IO},
	{transport.ErrIO, VI_ERROR_IO},
	{context.DeadlineExceeded, VI_ERROR_TMO},
	{context.Canceled, VI_ERROR_ABORT},
}

// mapError turns an error from a transport into a *Error for op on the
// named resource. Errors that already carry a VISA status keep it.
func mapError(op, rsrc string, err error) error {
	if err == nil {
		return nil
	}
	var ve *Error
	if errors.As(err, &ve) {
		return err
	}
	st := VI_ERROR_SYSTEM_ERROR
	var vs Status
	if errors.As(err, &vs) {
		st = vs
	} else {
		for _, m := range transportStatus {
			if errors.Is(err, m.kind) {
				st = m.st
				break
			}
		}
	}
	return &Error{Status: st, Op: op, Resource: rsrc, Err: err}
}

func errorIs(err, target error) bool { return errors.Is(err, target) }
