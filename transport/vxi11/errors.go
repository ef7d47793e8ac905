package vxi11

import (
	"strconv"

	"github.com/govisa/govisa/transport"
)

// ErrorCode is a VXI-11 Device_ErrorCode (fact sheet §2.5). The non-zero
// codes are errors themselves, so that errors.Is(err, vxi11.ErrDeviceLocked)
// finds the code inside the transport error a Client returns.
type ErrorCode int32

// VXI-11 error codes.
const (
	NoError                      ErrorCode = 0
	ErrSyntax                    ErrorCode = 1
	ErrDeviceNotAccessible       ErrorCode = 3
	ErrInvalidLink               ErrorCode = 4
	ErrParameter                 ErrorCode = 5
	ErrChannelNotEstablished     ErrorCode = 6
	ErrOperationNotSupported     ErrorCode = 8
	ErrOutOfResources            ErrorCode = 9
	ErrDeviceLocked              ErrorCode = 11
	ErrNoLockHeld                ErrorCode = 12
	ErrIOTimeout                 ErrorCode = 15
	ErrIOError                   ErrorCode = 17
	ErrInvalidAddress            ErrorCode = 21
	ErrAbort                     ErrorCode = 23
	ErrChannelAlreadyEstablished ErrorCode = 29
)

var codeNames = map[ErrorCode]string{
	NoError:                      "no error",
	ErrSyntax:                    "syntax error",
	ErrDeviceNotAccessible:       "device not accessible",
	ErrInvalidLink:               "invalid link identifier",
	ErrParameter:                 "parameter error",
	ErrChannelNotEstablished:     "channel not established",
	ErrOperationNotSupported:     "operation not supported",
	ErrOutOfResources:            "out of resources",
	ErrDeviceLocked:              "device locked by another link",
	ErrNoLockHeld:                "no lock held by this link",
	ErrIOTimeout:                 "I/O timeout",
	ErrIOError:                   "I/O error",
	ErrInvalidAddress:            "invalid address",
	ErrAbort:                     "abort",
	ErrChannelAlreadyEstablished: "channel already established",
}

// String returns the name the VXI-11 specification gives the code.
func (e ErrorCode) String() string {
	if s, ok := codeNames[e]; ok {
		return s
	}
	return "unknown error"
}

// Error returns "vxi11 error N (name)", so that the number reaches the
// user's message.
func (e ErrorCode) Error() string {
	return "vxi11 error " + strconv.Itoa(int(e)) + " (" + e.String() + ")"
}

// Sentinel returns the transport sentinel a code maps to:
//
//	1 syntax, 5 parameter, 6 channel not established,
//	29 channel already established        → ErrInvalidArg
//	3 device not accessible, 21 address   → ErrNotFound
//	4 invalid link                        → ErrConnLost (the server no longer
//	                                        knows the link: the session must
//	                                        be reopened, as after a restart)
//	8 operation not supported             → ErrNotSupported
//	9 out of resources                    → ErrBusy
//	11 device locked                      → ErrLocked
//	12 no lock held                       → ErrNotLocked
//	15 I/O timeout                        → ErrTimeout
//	17 I/O error and unknown codes        → ErrIO
//	23 abort                              → ErrAborted
//
// NoError gives nil.
func (e ErrorCode) Sentinel() error {
	switch e {
	case NoError:
		return nil
	case ErrSyntax, ErrParameter, ErrChannelNotEstablished, ErrChannelAlreadyEstablished:
		return transport.ErrInvalidArg
	case ErrDeviceNotAccessible, ErrInvalidAddress:
		return transport.ErrNotFound
	case ErrInvalidLink:
		return transport.ErrConnLost
	case ErrOperationNotSupported:
		return transport.ErrNotSupported
	case ErrOutOfResources:
		return transport.ErrBusy
	case ErrDeviceLocked:
		return transport.ErrLocked
	case ErrNoLockHeld:
		return transport.ErrNotLocked
	case ErrIOTimeout:
		return transport.ErrTimeout
	case ErrAbort:
		return transport.ErrAborted
	default:
		return transport.ErrIO
	}
}

// codeErr wraps a non-zero code for op: errors.Is matches both the code and
// its transport sentinel.
func codeErr(op string, e ErrorCode) error {
	if e == NoError {
		return nil
	}
	return transport.Errorf(op, e.Sentinel(), e)
}
