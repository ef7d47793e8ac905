package transport

import "context"

// Device is the server-side contract: an instrument that a protocol server
// (socket, VXI-11, HiSLIP, ...) hosts. One Device may be served to many
// clients over many protocols at once, so implementations are safe for
// concurrent use and serialise what must be serialised themselves.
type Device interface {
	// Write delivers part of a program message. end is true when the part
	// ends the message (END, EOM, DataEnd, or a newline on a raw socket).
	Write(ctx context.Context, p []byte, end bool) error
	// Read copies bytes of the pending response message into p. It blocks
	// until at least one byte is available or ctx is done (then it returns
	// an error wrapping ErrTimeout or the context's error). It never returns
	// bytes of two response messages in one call: end is true when the last
	// byte returned finishes a response message.
	Read(ctx context.Context, p []byte) (n int, end bool, err error)
	// ReadSTB returns the status byte as a serial poll would (bit 6 is RQS,
	// and the request is acknowledged by the poll).
	ReadSTB(ctx context.Context) (byte, error)
	// Clear performs a device clear: input and output buffers are emptied,
	// a blocked Read returns ErrAborted.
	Clear(ctx context.Context) error
	// Trigger performs a device trigger (GET, *TRG).
	Trigger(ctx context.Context) error
}

// SRQSource is implemented by Devices that request service. Subscribe
// registers f to be called (from the device's goroutine, without blocking)
// each time the device asserts a service request; the returned function
// removes the subscription.
type SRQSource interface {
	SubscribeSRQ(f func()) (unsubscribe func())
}

// RemoteLocalDevice is implemented by Devices that track remote/local state.
type RemoteLocalDevice interface {
	RemoteLocal(ctx context.Context, mode RemoteLocal) error
}

// Identifier is implemented by Devices that can describe themselves; servers
// use it for logging and discovery answers.
type Identifier interface {
	Identity() string
}
