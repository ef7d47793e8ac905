package asrl

import (
	"errors"
	"fmt"
	"time"

	"github.com/govisa/govisa/transport"
)

// VISA attribute ids (fact sheet §9.3) that a serial session maps onto its
// Config and port. Kept unexported: package visa owns the public names.
const (
	attrTermChar      uint32 = 0x3FFF0018
	attrIOProt        uint32 = 0x3FFF001C
	attrBaud          uint32 = 0x3FFF0021
	attrDataBits      uint32 = 0x3FFF0022
	attrParity        uint32 = 0x3FFF0023
	attrStopBits      uint32 = 0x3FFF0024
	attrFlowCntrl     uint32 = 0x3FFF0025
	attrAvailNum      uint32 = 0x3FFF00AC
	attrCTSState      uint32 = 0x3FFF00AE
	attrDCDState      uint32 = 0x3FFF00AF
	attrDiscardNull   uint32 = 0x3FFF00B0
	attrDSRState      uint32 = 0x3FFF00B1
	attrDTRState      uint32 = 0x3FFF00B2
	attrEndIn         uint32 = 0x3FFF00B3
	attrEndOut        uint32 = 0x3FFF00B4
	attrReplaceChar   uint32 = 0x3FFF00BE
	attrRIState       uint32 = 0x3FFF00BF
	attrRTSState      uint32 = 0x3FFF00C0
	attrXonChar       uint32 = 0x3FFF00C1
	attrXoffChar      uint32 = 0x3FFF00C2
	attrBreakState    uint32 = 0x3FFF01BC
	attrBreakLen      uint32 = 0x3FFF01BD
	attrAllowTransmit uint32 = 0x3FFF01BE
)

// VI_STATE_* line states.
const (
	stateAsserted   int16 = 1
	stateUnasserted int16 = 0
	stateUnknown    int16 = -1
)

func attrErr(op string, kind error, id uint32, format string, args ...any) error {
	return transport.Errorf(op, kind, fmt.Errorf("attribute %#08x: "+format, append([]any{id}, args...)...))
}

// SetAttr sets a VISA serial attribute by its numeric id (VI_ATTR_ASRL_*,
// VI_ATTR_TERMCHAR, VI_ATTR_IO_PROT). Values may be any integer type (or
// bool for flags); line states take VI_STATE_ASSERTED (1) or
// VI_STATE_UNASSERTED (0). Unknown ids and read-only attributes give an
// error wrapping transport.ErrNotSupported; out-of-range values one wrapping
// transport.ErrInvalidArg.
func (c *Conn) SetAttr(id uint32, v any) error {
	x, ok := transport.AttrInt(v)
	if !ok {
		return attrErr("set_attr", transport.ErrInvalidArg, id, "value of type %T", v)
	}
	byteVal := func(f func(*Config, byte)) error {
		if x < 0 || x > 255 {
			return attrErr("set_attr", transport.ErrInvalidArg, id, "value %d is not a byte", x)
		}
		return c.update(func(cfg *Config) { f(cfg, byte(x)) })
	}
	lineVal := func() (bool, error) {
		switch int16(x) {
		case stateAsserted:
			return true, nil
		case stateUnasserted:
			return false, nil
		}
		return false, attrErr("set_attr", transport.ErrInvalidArg, id, "line state %d", x)
	}
	switch id {
	case attrBaud:
		if x <= 0 || x > 1<<26 {
			return attrErr("set_attr", transport.ErrInvalidArg, id, "baud %d", x)
		}
		return c.update(func(cfg *Config) { cfg.BaudRate = int(x) })
	case attrDataBits:
		return c.update(func(cfg *Config) { cfg.DataBits = int(x) })
	case attrParity:
		return c.update(func(cfg *Config) { cfg.Parity = Parity(x) })
	case attrStopBits:
		return c.update(func(cfg *Config) { cfg.StopBits = StopBits(x) })
	case attrFlowCntrl:
		return c.update(func(cfg *Config) { cfg.Flow = Flow(x) })
	case attrEndIn:
		return c.update(func(cfg *Config) { cfg.EndIn = EndMode(x) })
	case attrEndOut:
		return c.update(func(cfg *Config) { cfg.EndOut = EndMode(x) })
	case attrIOProt:
		return c.update(func(cfg *Config) { cfg.Protocol = Protocol(x) })
	case attrTermChar:
		return byteVal(func(cfg *Config, b byte) { cfg.TermChar = b })
	case attrXonChar:
		return byteVal(func(cfg *Config, b byte) { cfg.XonChar = b })
	case attrXoffChar:
		return byteVal(func(cfg *Config, b byte) { cfg.XoffChar = b })
	case attrDiscardNull:
		return c.update(func(cfg *Config) { cfg.DiscardNull = x != 0 })
	case attrBreakLen:
		return c.update(func(cfg *Config) { cfg.BreakLen = time.Duration(x) * time.Millisecond })
	case attrBreakState:
		on, err := lineVal()
		if err != nil {
			return err
		}
		return c.SetBreakState(on)
	case attrDTRState:
		on, err := lineVal()
		if err != nil {
			return err
		}
		return c.SetDTR(on)
	case attrRTSState:
		on, err := lineVal()
		if err != nil {
			return err
		}
		return c.SetRTS(on)
	case attrReplaceChar:
		if x == 0 {
			return nil // the default: nothing is replaced
		}
		return attrErr("set_attr", transport.ErrNotSupported, id, "a replacement character is not available")
	case attrAllowTransmit:
		if x != 0 {
			return nil
		}
		return attrErr("set_attr", transport.ErrNotSupported, id, "suspending transmission is not available")
	case attrAvailNum, attrCTSState, attrDSRState:
		return attrErr("set_attr", transport.ErrNotSupported, id, "read-only")
	case attrDCDState, attrRIState:
		return attrErr("set_attr", transport.ErrNotSupported, id, "DCD and RI are outputs only on DCE ports")
	}
	return attrErr("set_attr", transport.ErrNotSupported, id, "not a serial attribute")
}

// Attr returns a VISA serial attribute by id with the type VISA gives it
// (uint32 baud and count, uint16 modes, uint8 characters, int16 line
// states, bool flags). ok is false for ids this Conn does not handle. Line
// states the port cannot report (pseudo-terminals) are VI_STATE_UNKNOWN.
func (c *Conn) Attr(id uint32) (any, bool) {
	cfg := &c.cfg
	line := func(f func(ModemLines) bool) any {
		m, err := c.ModemLines()
		if err != nil {
			return stateUnknown
		}
		if f(m) {
			return stateAsserted
		}
		return stateUnasserted
	}
	switch id {
	case attrBaud:
		return uint32(cfg.BaudRate), true
	case attrDataBits:
		return uint16(cfg.DataBits), true
	case attrParity:
		return uint16(cfg.Parity), true
	case attrStopBits:
		return uint16(cfg.StopBits), true
	case attrFlowCntrl:
		return uint16(cfg.Flow), true
	case attrEndIn:
		return uint16(cfg.EndIn), true
	case attrEndOut:
		return uint16(cfg.EndOut), true
	case attrIOProt:
		return uint16(cfg.Protocol), true
	case attrTermChar:
		return cfg.TermChar, true
	case attrXonChar:
		return cfg.XonChar, true
	case attrXoffChar:
		return cfg.XoffChar, true
	case attrReplaceChar:
		return uint8(0), true
	case attrDiscardNull:
		return cfg.DiscardNull, true
	case attrAllowTransmit:
		return true, true
	case attrBreakLen:
		return int16(cfg.BreakLen / time.Millisecond), true
	case attrBreakState:
		if c.brk {
			return stateAsserted, true
		}
		return stateUnasserted, true
	case attrAvailNum:
		n, err := c.BytesAvailable()
		if err != nil && !errors.Is(err, transport.ErrNotSupported) {
			return uint32(0), true
		}
		return uint32(n), true
	case attrCTSState:
		return line(func(m ModemLines) bool { return m.CTS }), true
	case attrDSRState:
		return line(func(m ModemLines) bool { return m.DSR }), true
	case attrDCDState:
		return line(func(m ModemLines) bool { return m.DCD }), true
	case attrRIState:
		return line(func(m ModemLines) bool { return m.RI }), true
	case attrDTRState:
		return line(func(m ModemLines) bool { return m.DTR }), true
	case attrRTSState:
		return line(func(m ModemLines) bool { return m.RTS }), true
	}
	return nil, false
}
