package linuxgpib

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govisa/govisa/transport"
)

// VISA attribute ids (fact sheet §9) that GPIB sessions answer from the
// driver. Kept unexported: package visa owns the public names.
const (
	attrIOProt        uint32 = 0x3FFF001C // VI_ATTR_IO_PROT
	attrReaddrEn      uint32 = 0x3FFF001B // VI_ATTR_GPIB_READDR_EN
	attrATNState      uint32 = 0x3FFF0057 // VI_ATTR_GPIB_ATN_STATE
	attrAddrState     uint32 = 0x3FFF005C // VI_ATTR_GPIB_ADDR_STATE
	attrCICState      uint32 = 0x3FFF005E // VI_ATTR_GPIB_CIC_STATE
	attrNDACState     uint32 = 0x3FFF0062 // VI_ATTR_GPIB_NDAC_STATE
	attrSRQState      uint32 = 0x3FFF0067 // VI_ATTR_GPIB_SRQ_STATE
	attrSysCntrlState uint32 = 0x3FFF0068 // VI_ATTR_GPIB_SYS_CNTRL_STATE
	attrHS488CblLen   uint32 = 0x3FFF0069 // VI_ATTR_GPIB_HS488_CBL_LEN
	attrPrimaryAddr   uint32 = 0x3FFF0172 // VI_ATTR_GPIB_PRIMARY_ADDR
	attrSecondaryAddr uint32 = 0x3FFF0173 // VI_ATTR_GPIB_SECONDARY_ADDR
	attrRENState      uint32 = 0x3FFF0181 // VI_ATTR_GPIB_REN_STATE
	attrUnaddrEn      uint32 = 0x3FFF0184 // VI_ATTR_GPIB_UNADDR_EN
	attrDevStatusByte uint32 = 0x3FFF0189 // VI_ATTR_DEV_STATUS_BYTE
)

// VISA values used in the attributes above.
const (
	noSecAddr   = 0xFFFF // VI_NO_SEC_ADDR
	protNormal  = 1      // VI_PROT_NORMAL
	hs488NImpl  = -1     // VI_GPIB_HS488_NIMPL
	attrTimeout = time.Second
)

// The ids each kind of session answers.
var (
	instrAttrs = map[uint32]bool{attrPrimaryAddr: true, attrSecondaryAddr: true, attrReaddrEn: true,
		attrUnaddrEn: true, attrRENState: true, attrIOProt: true}
	boardAttrs = map[uint32]bool{attrPrimaryAddr: true, attrSecondaryAddr: true, attrRENState: true,
		attrATNState: true, attrNDACState: true, attrSRQState: true, attrCICState: true, attrAddrState: true,
		attrSysCntrlState: true, attrDevStatusByte: true, attrHS488CblLen: true}
)

// Errors SetAttr wraps (under transport.ErrInvalidArg) so that the session
// layer can tell them apart from other invalid arguments.
var (
	// ErrReadOnly: the attribute cannot be changed on this kind of
	// session (a device's address is part of its resource name).
	ErrReadOnly = errors.New("linuxgpib: attribute is read-only for this session")
	// ErrAttrValue: the driver does not support this value of the
	// attribute (HS488, for instance).
	ErrAttrValue = errors.New("linuxgpib: attribute value not supported")
)

func attrErr(id uint32, kind error, why string) error {
	return transport.Errorf("set_attr", transport.ErrInvalidArg, fmt.Errorf("attribute %#x: %s: %w", id, why, kind))
}

// storeOnly tells the session layer to keep the value without the driver.
func storeOnly(id uint32) error {
	return transport.Errorf("set_attr", transport.ErrNotSupported, fmt.Errorf("attribute %#x is not a linux-gpib attribute", id))
}

func attrCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), attrTimeout)
}

// visaSad converts a secondary address (-1 none) to VISA's form.
func visaSad(sad int) uint16 {
	if sad < 0 {
		return noSecAddr
	}
	return uint16(sad)
}

// lineAttr answers a VI_STATE_* line attribute from IBLINES.
func (b *Board) lineAttr(l BusLine) any {
	ctx, cancel := attrCtx()
	defer cancel()
	st, err := b.Line(ctx, l)
	if err != nil {
		st = LineUnknown
	}
	return int16(st)
}

// Attr returns a GPIB INSTR attribute by VISA id with the Go type of
// VISA's attribute table: the device's address (uint16), the addressing
// switches (bool), VI_ATTR_GPIB_REN_STATE from the REN line (int16) and
// VI_ATTR_IO_PROT (always VI_PROT_NORMAL). ok is false for other ids.
func (in *Instr) Attr(id uint32) (any, bool) {
	switch id {
	case attrPrimaryAddr:
		return uint16(in.pad), true
	case attrSecondaryAddr:
		return visaSad(in.sad), true
	case attrReaddrEn:
		readdr, _ := in.addressing()
		return readdr, true
	case attrUnaddrEn:
		_, unaddr := in.addressing()
		return unaddr, true
	case attrRENState:
		return in.b.lineAttr(LineREN), true
	case attrIOProt:
		return uint16(protNormal), true
	}
	return nil, false
}

// SetAttr applies a GPIB INSTR attribute. The device's address is fixed
// by the resource name (ErrReadOnly unless unchanged); VI_ATTR_IO_PROT
// accepts only VI_PROT_NORMAL, as linux-gpib has no HS488 transfers
// (ErrAttrValue). Other ids, such as the termination character that
// reaches reads through transport.ReadOptions, are store-only
// (transport.ErrNotSupported).
func (in *Instr) SetAttr(id uint32, v any) error {
	x, ok := transport.AttrInt(v)
	if !ok {
		if instrAttrs[id] {
			return attrErr(id, ErrAttrValue, fmt.Sprintf("value of type %T", v))
		}
		return storeOnly(id)
	}
	switch id {
	case attrPrimaryAddr:
		if x != int64(in.pad) {
			return attrErr(id, ErrReadOnly, "the primary address comes from the resource name")
		}
		return nil
	case attrSecondaryAddr:
		if x != int64(visaSad(in.sad)) {
			return attrErr(id, ErrReadOnly, "the secondary address comes from the resource name")
		}
		return nil
	case attrReaddrEn:
		in.mu.Lock()
		in.noReaddr = x == 0
		in.mu.Unlock()
		return nil
	case attrUnaddrEn:
		in.mu.Lock()
		in.unaddr = x != 0
		in.mu.Unlock()
		return nil
	case attrIOProt:
		if x != protNormal {
			return attrErr(id, ErrAttrValue, "linux-gpib supports only VI_PROT_NORMAL")
		}
		return nil
	case attrRENState:
		return attrErr(id, ErrReadOnly, "a line state")
	}
	return storeOnly(id)
}

// Attr returns a GPIB INTFC attribute by VISA id with the Go type of
// VISA's attribute table: the board's own address (IBBOARD_INFO, uint16),
// line states from IBLINES (int16 VI_STATE_*), CIC and address state from
// the board status (IBWAIT with an empty mask), system control
// (IBBOARD_INFO), the board's serial-poll byte (IBQUERY_BOARD_RSV, uint8)
// and VI_GPIB_HS488_NIMPL for the HS488 cable length. ok is false for
// other ids and when the driver cannot answer, so that the session layer
// falls back to its stored value.
func (b *Board) Attr(id uint32) (any, bool) {
	ctx, cancel := attrCtx()
	defer cancel()
	switch id {
	case attrPrimaryAddr:
		pad, _ := b.Address()
		return uint16(pad), true
	case attrSecondaryAddr:
		_, sad := b.Address()
		return visaSad(sad), true
	case attrRENState:
		return b.lineAttr(LineREN), true
	case attrATNState:
		return b.lineAttr(LineATN), true
	case attrNDACState:
		return b.lineAttr(LineNDAC), true
	case attrSRQState:
		return b.lineAttr(LineSRQ), true
	case attrCICState:
		on, err := b.CIC(ctx)
		return on, err == nil
	case attrAddrState:
		st, err := b.AddressState(ctx)
		return int16(st), err == nil
	case attrSysCntrlState:
		on, err := b.SystemController(ctx)
		return on, err == nil
	case attrDevStatusByte:
		stb, err := b.StatusByte(ctx)
		return stb, err == nil
	case attrHS488CblLen:
		return int16(hs488NImpl), true
	}
	return nil, false
}

// SetAttr applies a GPIB INTFC attribute through the driver: the board's
// primary (IBPAD) and secondary address (IBSAD; VI_NO_SEC_ADDR for none),
// system control (IBRSC) and the serial-poll status byte (IBRSV). The
// HS488 cable length accepts only VI_GPIB_HS488_NIMPL (ErrAttrValue).
// Other ids are store-only (transport.ErrNotSupported).
func (b *Board) SetAttr(id uint32, v any) error {
	x, ok := transport.AttrInt(v)
	if !ok {
		if boardAttrs[id] {
			return attrErr(id, ErrAttrValue, fmt.Sprintf("value of type %T", v))
		}
		return storeOnly(id)
	}
	ctx, cancel := attrCtx()
	defer cancel()
	switch id {
	case attrPrimaryAddr:
		if x < 0 || x > 30 {
			return attrErr(id, ErrAttrValue, "primary address 0-30")
		}
		return b.SetPrimaryAddress(ctx, int(x))
	case attrSecondaryAddr:
		switch {
		case x == noSecAddr:
			return b.SetSecondaryAddress(ctx, -1)
		case x < 0 || x > 30:
			return attrErr(id, ErrAttrValue, "secondary address 0-30 or VI_NO_SEC_ADDR")
		}
		return b.SetSecondaryAddress(ctx, int(x))
	case attrSysCntrlState:
		return b.SetSystemController(ctx, x != 0)
	case attrDevStatusByte:
		if x < 0 || x > 0xFF {
			return attrErr(id, ErrAttrValue, "status byte 0-255")
		}
		return b.RequestService(ctx, byte(x))
	case attrHS488CblLen:
		if x != hs488NImpl {
			return attrErr(id, ErrAttrValue, "the driver does not implement HS488")
		}
		return nil
	case attrRENState, attrATNState, attrNDACState, attrSRQState, attrCICState, attrAddrState:
		return attrErr(id, ErrReadOnly, "a bus state")
	}
	return storeOnly(id)
}
