package asrl

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/govisa/govisa/transport"
)

// Parity is a VISA parity setting; the values are VI_ASRL_PAR_*.
type Parity uint16

// Parity values (VI_ASRL_PAR_NONE ... VI_ASRL_PAR_SPACE).
const (
	ParityNone  Parity = 0
	ParityOdd   Parity = 1
	ParityEven  Parity = 2
	ParityMark  Parity = 3 // parity bit always 1
	ParitySpace Parity = 4 // parity bit always 0
)

// String returns the parity's name.
func (p Parity) String() string {
	switch p {
	case ParityNone:
		return "none"
	case ParityOdd:
		return "odd"
	case ParityEven:
		return "even"
	case ParityMark:
		return "mark"
	case ParitySpace:
		return "space"
	}
	return fmt.Sprintf("parity(%d)", uint16(p))
}

// StopBits is a VISA stop-bit setting in tenths of a bit (VI_ASRL_STOP_*).
type StopBits uint16

// Stop-bit values.
const (
	StopBits1   StopBits = 10 // VI_ASRL_STOP_ONE
	StopBits1_5 StopBits = 15 // VI_ASRL_STOP_ONE5
	StopBits2   StopBits = 20 // VI_ASRL_STOP_TWO
)

// Flow is a mask of VISA flow-control modes (VI_ASRL_FLOW_*).
type Flow uint16

// Flow-control bits.
const (
	FlowNone    Flow = 0
	FlowXonXoff Flow = 1 // software flow control with XonChar/XoffChar
	FlowRtsCts  Flow = 2 // hardware flow control on RTS/CTS
	FlowDtrDsr  Flow = 4 // hardware flow control on DTR/DSR
)

// EndMode says how END is recognised on input or sent on output
// (VI_ASRL_END_*).
type EndMode uint16

// End modes. EndBreak is valid for output only.
const (
	EndNone     EndMode = 0
	EndLastBit  EndMode = 1
	EndTermChar EndMode = 2
	EndBreak    EndMode = 3
)

// Protocol is the VISA I/O protocol (VI_ATTR_IO_PROT) of a serial session.
type Protocol uint16

// Protocols a serial session supports.
const (
	ProtNormal      Protocol = 1 // VI_PROT_NORMAL
	Prot4882Strings Protocol = 4 // VI_PROT_4882_STRS: 488.2 operations as strings
)

// Config is the line setting and VISA behaviour of a serial session. The
// zero value is not valid; start from [DefaultConfig].
type Config struct {
	BaudRate int      // bits per second, any positive rate the port accepts
	DataBits int      // 5 to 8
	Parity   Parity   // none, odd, even, mark or space
	StopBits StopBits // 1, 1.5 or 2
	Flow     Flow     // mask of flow-control modes
	// EndIn and EndOut: how END is recognised on input and sent on output.
	EndIn, EndOut EndMode
	// TermChar is VI_ATTR_TERMCHAR as EndOut=EndTermChar appends it. Reads
	// take the termination character from transport.ReadOptions.
	TermChar byte
	// XonChar and XoffChar are the software flow-control characters.
	XonChar, XoffChar byte
	// DiscardNull drops NUL bytes received.
	DiscardNull bool
	// BreakLen is how long a break lasts (VI_ATTR_ASRL_BREAK_LEN, 1-500 ms).
	BreakLen time.Duration
	// Protocol selects 488.2 strings for ReadSTB/Trigger/Clear.
	Protocol Protocol
	// Logger receives debug traces; nil is silent.
	Logger *slog.Logger
}

// DefaultConfig returns the VISA defaults (fact sheet §7.1): 9600 baud, 8
// data bits, no parity, one stop bit, no flow control, END_IN termchar,
// END_OUT none, termination character LF, XON 0x11, XOFF 0x13, break 250 ms.
func DefaultConfig() Config {
	return Config{
		BaudRate: 9600,
		DataBits: 8,
		Parity:   ParityNone,
		StopBits: StopBits1,
		Flow:     FlowNone,
		EndIn:    EndTermChar,
		EndOut:   EndNone,
		TermChar: '\n',
		XonChar:  0x11,
		XoffChar: 0x13,
		BreakLen: 250 * time.Millisecond,
		Protocol: ProtNormal,
	}
}

// Validate checks every field and returns an error wrapping
// transport.ErrInvalidArg naming the first bad one.
func (c *Config) Validate() error {
	bad := func(format string, args ...any) error {
		return transport.Errorf("config", transport.ErrInvalidArg, fmt.Errorf(format, args...))
	}
	switch {
	case c.BaudRate <= 0 || c.BaudRate > 1<<26:
		return bad("baud rate %d", c.BaudRate)
	case c.DataBits < 5 || c.DataBits > 8:
		return bad("data bits %d (5-8)", c.DataBits)
	case c.Parity > ParitySpace:
		return bad("parity %d", c.Parity)
	case c.StopBits != StopBits1 && c.StopBits != StopBits1_5 && c.StopBits != StopBits2:
		return bad("stop bits %d (10, 15 or 20)", c.StopBits)
	case c.Flow&^(FlowXonXoff|FlowRtsCts|FlowDtrDsr) != 0:
		return bad("flow control mask %#x", c.Flow)
	case c.EndIn > EndTermChar:
		return bad("END_IN mode %d", c.EndIn)
	case c.EndOut > EndBreak:
		return bad("END_OUT mode %d", c.EndOut)
	case c.BreakLen < time.Millisecond || c.BreakLen > 500*time.Millisecond:
		return bad("break length %v (1-500 ms)", c.BreakLen)
	case c.Protocol != ProtNormal && c.Protocol != Prot4882Strings:
		return bad("I/O protocol %d", c.Protocol)
	}
	return nil
}

// lastBitMask is the highest data bit, which EndLastBit uses as END.
func (c *Config) lastBitMask() byte { return 1 << (c.DataBits - 1) }
