package asrl

import (
	"context"
	"time"
)

// ModemLines is the state of the modem control lines of a port.
type ModemLines struct {
	DTR, RTS bool // outputs
	CTS, DSR bool // inputs
	DCD, RI  bool // inputs (carrier detect, ring indicator)
}

// port is the operating-system side of a serial port. A read blocks until
// at least one byte arrived, ctx's deadline passed (an error wrapping
// transport.ErrTimeout) or ctx was cancelled (transport.ErrAborted); close
// unblocks both.
type port interface {
	read(ctx context.Context, p []byte) (int, error)
	write(ctx context.Context, p []byte) (int, error)
	configure(cfg *Config) error
	flush(input, output bool) error
	drain() error
	setBreak(on bool) error
	modemLines() (ModemLines, error)
	setDTR(on bool) error
	setRTS(on bool) error
	inQueue() (int, error)
	close() error
}

// PollSlice is how often a read on a port opened through go.bug.st/serial
// (every OS except Linux) wakes to notice cancellation of its context.
// Deadlines are exact; only ctx.Done() is noticed this late.
const PollSlice = 100 * time.Millisecond
