//go:build linux

package asrl

import (
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

func TestAttrRoundTrip(t *testing.T) {
	p := rawPTY(t)
	c := openConn(t, p.SlavePath, DefaultConfig())
	// Defaults as VISA reports them (fact sheet §7.1).
	defaults := map[uint32]any{
		attrBaud: uint32(9600), attrDataBits: uint16(8), attrParity: uint16(0), attrStopBits: uint16(10),
		attrFlowCntrl: uint16(0), attrEndIn: uint16(2), attrEndOut: uint16(0), attrTermChar: byte('\n'),
		attrXonChar: byte(0x11), attrXoffChar: byte(0x13), attrDiscardNull: false, attrBreakLen: int16(250),
		attrBreakState: stateUnasserted, attrIOProt: uint16(1), attrReplaceChar: uint8(0), attrAllowTransmit: true,
		attrAvailNum: uint32(0), attrCTSState: stateUnknown, attrDSRState: stateUnknown, attrDCDState: stateUnknown,
		attrRIState: stateUnknown, attrDTRState: stateUnknown, attrRTSState: stateUnknown,
	}
	for id, want := range defaults {
		got, ok := c.Attr(id)
		if !ok || got != want {
			t.Errorf("attr %#x: %#v (%v), want %#v", id, got, ok, want)
		}
	}
	sets := []struct {
		id   uint32
		in   any
		want any
	}{
		{attrBaud, 115200, uint32(115200)},
		{attrDataBits, uint16(7), uint16(7)},
		{attrParity, uint16(ParityMark), uint16(3)},
		{attrStopBits, uint16(20), uint16(20)},
		{attrFlowCntrl, uint16(FlowXonXoff | FlowRtsCts), uint16(3)},
		{attrEndIn, uint16(EndLastBit), uint16(1)},
		{attrEndOut, uint16(EndBreak), uint16(3)},
		{attrTermChar, uint8('\r'), byte('\r')},
		{attrXonChar, int32(1), byte(1)},
		{attrXoffChar, uint64(2), byte(2)},
		{attrDiscardNull, true, true},
		{attrBreakLen, int16(10), int16(10)},
		{attrBreakState, int16(1), stateAsserted},
		{attrBreakState, int16(0), stateUnasserted},
		{attrIOProt, uint16(4), uint16(4)},
		{attrReplaceChar, uint8(0), uint8(0)},
		{attrAllowTransmit, true, true},
	}
	for _, s := range sets {
		if err := c.SetAttr(s.id, s.in); err != nil {
			t.Fatalf("set %#x=%v: %v", s.id, s.in, err)
		}
		if got, _ := c.Attr(s.id); got != s.want {
			t.Fatalf("attr %#x after set: %#v want %#v", s.id, got, s.want)
		}
	}
	cfg := c.Config()
	if cfg.BreakLen != 10*time.Millisecond || cfg.Flow != FlowXonXoff|FlowRtsCts || cfg.Parity != ParityMark {
		t.Fatalf("config %+v", cfg)
	}
	bad := []struct {
		id   uint32
		v    any
		kind error
	}{
		{attrBaud, 0, transport.ErrInvalidArg},
		{attrBaud, "fast", transport.ErrInvalidArg},
		{attrDataBits, 9, transport.ErrInvalidArg},
		{attrParity, 5, transport.ErrInvalidArg},
		{attrStopBits, 11, transport.ErrInvalidArg},
		{attrFlowCntrl, 8, transport.ErrInvalidArg},
		{attrFlowCntrl, uint16(FlowDtrDsr), transport.ErrNotSupported},
		{attrEndIn, 3, transport.ErrInvalidArg},
		{attrEndOut, 4, transport.ErrInvalidArg},
		{attrTermChar, 256, transport.ErrInvalidArg},
		{attrBreakLen, 0, transport.ErrInvalidArg},
		{attrBreakLen, 501, transport.ErrInvalidArg},
		{attrBreakState, 2, transport.ErrInvalidArg},
		{attrIOProt, 2, transport.ErrInvalidArg},
		{attrDTRState, 1, transport.ErrNotSupported}, // a pty has no DTR
		{attrRTSState, 0, transport.ErrNotSupported},
		{attrDTRState, 7, transport.ErrInvalidArg},
		{attrAvailNum, 1, transport.ErrNotSupported},
		{attrCTSState, 1, transport.ErrNotSupported},
		{attrDCDState, 1, transport.ErrNotSupported},
		{attrReplaceChar, 1, transport.ErrNotSupported},
		{attrAllowTransmit, false, transport.ErrNotSupported},
		{0x3FFF001A, 1, transport.ErrNotSupported}, // VI_ATTR_TMO_VALUE belongs to the session
	}
	for _, b := range bad {
		wantErr(t, c.SetAttr(b.id, b.v), b.kind)
	}
	if _, ok := c.Attr(0x3FFF001A); ok {
		t.Fatal("unknown attribute reported")
	}
	if c.Config() != cfg {
		t.Fatal("a failed SetAttr changed the config")
	}
}
