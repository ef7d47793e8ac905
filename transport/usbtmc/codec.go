package usbtmc

import (
	"encoding/binary"
	"fmt"

	"github.com/govisa/govisa/transport"
)

// Bulk message ids (USBTMC 1.0 table 2, USB488 table 2).
const (
	MsgDevDepOut            = 1   // DEV_DEP_MSG_OUT (host to device)
	MsgRequestDevDepIn      = 2   // REQUEST_DEV_DEP_MSG_IN (host to device)
	MsgDevDepIn             = 2   // DEV_DEP_MSG_IN (device to host)
	MsgVendorOut            = 126 // VENDOR_SPECIFIC_OUT
	MsgRequestVendorIn      = 127 // REQUEST_VENDOR_SPECIFIC_IN
	MsgVendorIn             = 127 // VENDOR_SPECIFIC_IN
	MsgTrigger              = 128 // USB488 TRIGGER
	HeaderSize              = 12  // every bulk message starts with this header
	attrEOM            byte = 0x01
	attrTermChar       byte = 0x02
)

// Class-specific control requests (bRequest), USBTMC 1.0 table 15 and
// USB488 table 9.
const (
	ReqInitiateAbortBulkOut    = 1
	ReqCheckAbortBulkOutStatus = 2
	ReqInitiateAbortBulkIn     = 3
	ReqCheckAbortBulkInStatus  = 4
	ReqInitiateClear           = 5
	ReqCheckClearStatus        = 6
	ReqGetCapabilities         = 7
	ReqIndicatorPulse          = 64
	ReqReadStatusByte          = 128
	ReqRENControl              = 160
	ReqGoToLocal               = 161
	ReqLocalLockout            = 162
)

// bmRequestType values of the class requests (all have an IN data stage).
const (
	ReqTypeInterface = 0xA1 // class, interface recipient
	ReqTypeEndpoint  = 0xA2 // class, endpoint recipient
)

// USBTMC_status values returned in byte 0 of a class request's response.
const (
	StatusSuccess               = 0x01
	StatusPending               = 0x02
	StatusInterruptInBusy       = 0x20
	StatusFailed                = 0x80
	StatusTransferNotInProgress = 0x81
	StatusSplitNotInProgress    = 0x82
	StatusSplitInProgress       = 0x83
)

// nextTag returns the bTag after t: 1..255, never 0.
func nextTag(t byte) byte {
	if t == 255 {
		return 1
	}
	return t + 1
}

// pad4 is the number of zero bytes that align n to 4.
func pad4(n int) int { return (4 - n%4) % 4 }

// AppendMsgOut appends a DEV_DEP_MSG_OUT transfer (header, data, alignment
// padding) carrying data to dst. eom marks the last byte as the end of the
// message.
func AppendMsgOut(dst []byte, tag byte, data []byte, eom bool) []byte {
	var attr byte
	if eom {
		attr = attrEOM
	}
	dst = appendHeader(dst, MsgDevDepOut, tag, uint32(len(data)), attr, 0)
	dst = append(dst, data...)
	return append(dst, make([]byte, pad4(len(data)))...)
}

// AppendRequestIn appends a REQUEST_DEV_DEP_MSG_IN header asking for at most
// size bytes; termChar is sent only when termEnabled.
func AppendRequestIn(dst []byte, tag byte, size uint32, termChar byte, termEnabled bool) []byte {
	var attr byte
	if termEnabled {
		attr = attrTermChar
	} else {
		termChar = 0
	}
	return appendHeader(dst, MsgRequestDevDepIn, tag, size, attr, termChar)
}

// AppendVendorOut appends a VENDOR_SPECIFIC_OUT transfer (USBTMC 1.0
// §3.2.1.3): the header carries only TransferSize (bytes 8-11 are
// reserved, so there is no EOM), then data and alignment padding.
func AppendVendorOut(dst []byte, tag byte, data []byte) []byte {
	dst = appendHeader(dst, MsgVendorOut, tag, uint32(len(data)), 0, 0)
	dst = append(dst, data...)
	return append(dst, make([]byte, pad4(len(data)))...)
}

// AppendRequestVendorIn appends a REQUEST_VENDOR_SPECIFIC_IN header asking
// for at most size bytes (no attributes, no TermChar).
func AppendRequestVendorIn(dst []byte, tag byte, size uint32) []byte {
	return appendHeader(dst, MsgRequestVendorIn, tag, size, 0, 0)
}

// AppendTrigger appends a USB488 TRIGGER message (a bare header).
func AppendTrigger(dst []byte, tag byte) []byte {
	return appendHeader(dst, MsgTrigger, tag, 0, 0, 0)
}

func appendHeader(dst []byte, id, tag byte, size uint32, attr, term byte) []byte {
	var h [HeaderSize]byte
	h[0], h[1], h[2] = id, tag, ^tag
	binary.LittleEndian.PutUint32(h[4:], size)
	h[8], h[9] = attr, term
	return append(dst, h[:]...)
}

// BulkInHeader is a decoded DEV_DEP_MSG_IN (or VENDOR_SPECIFIC_IN) header.
// A VENDOR_SPECIFIC_IN header has no attributes: EOM and TermChar are
// always false for it.
type BulkInHeader struct {
	MsgID        byte
	Tag          byte
	TransferSize uint32 // data bytes in this transfer, header and padding excluded
	EOM          bool   // the transfer ends the response message (DEV_DEP_MSG_IN only)
	TermChar     bool   // the transfer ended on the termination character (DEV_DEP_MSG_IN only)
}

// ParseBulkInHeader decodes the first 12 bytes of a Bulk-IN transfer. It
// checks only what the header itself can prove (length, MsgID, bTag against
// its inverse); the caller checks bTag and TransferSize against its request.
func ParseBulkInHeader(p []byte) (BulkInHeader, error) {
	if len(p) < HeaderSize {
		return BulkInHeader{}, transport.Errorf("read", transport.ErrProtocol,
			fmt.Errorf("usbtmc: bulk-in transfer of %d bytes is shorter than the 12-byte header", len(p)))
	}
	h := BulkInHeader{
		MsgID:        p[0],
		Tag:          p[1],
		TransferSize: binary.LittleEndian.Uint32(p[4:]),
	}
	switch h.MsgID {
	case MsgDevDepIn:
		h.EOM = p[8]&attrEOM != 0
		h.TermChar = p[8]&attrTermChar != 0
	case MsgVendorIn:
		// Bytes 8-11 are reserved in VENDOR_SPECIFIC_IN.
	default:
		return h, transport.Errorf("read", transport.ErrProtocol, fmt.Errorf("usbtmc: bulk-in MsgID %d, want %d or %d", h.MsgID, MsgDevDepIn, MsgVendorIn))
	}
	if p[2] != ^p[1] {
		return h, transport.Errorf("read", transport.ErrProtocol, fmt.Errorf("usbtmc: bulk-in bTagInverse %#02x does not match bTag %#02x", p[2], p[1]))
	}
	return h, nil
}

// BulkOutHeader is a decoded host-to-device header as a device sees it.
type BulkOutHeader struct {
	MsgID        byte
	Tag          byte
	TransferSize uint32 // DEV_DEP_MSG_OUT, VENDOR_SPECIFIC_OUT: data bytes; REQUEST_*_IN: maximum the host accepts
	EOM          bool   // DEV_DEP_MSG_OUT only
	TermCharOn   bool   // REQUEST_DEV_DEP_MSG_IN only
	TermChar     byte
}

// ParseBulkOutHeader decodes the header of a Bulk-OUT transfer (the device
// side of the codec).
func ParseBulkOutHeader(p []byte) (BulkOutHeader, error) {
	if len(p) < HeaderSize {
		return BulkOutHeader{}, transport.Errorf("bulk_out", transport.ErrProtocol, fmt.Errorf("usbtmc: %d-byte bulk-out transfer is shorter than the header", len(p)))
	}
	h := BulkOutHeader{MsgID: p[0], Tag: p[1], TransferSize: binary.LittleEndian.Uint32(p[4:])}
	if p[1] == 0 || p[2] != ^p[1] {
		return h, transport.Errorf("bulk_out", transport.ErrProtocol, fmt.Errorf("usbtmc: bad bTag %#02x/%#02x", p[1], p[2]))
	}
	switch h.MsgID {
	case MsgDevDepOut:
		h.EOM = p[8]&attrEOM != 0
	case MsgRequestDevDepIn:
		h.TermCharOn = p[8]&attrTermChar != 0
		h.TermChar = p[9]
	case MsgVendorOut, MsgRequestVendorIn, MsgTrigger:
	default:
		return h, transport.Errorf("bulk_out", transport.ErrProtocol, fmt.Errorf("usbtmc: unknown MsgID %d", h.MsgID))
	}
	return h, nil
}

// Capabilities is the decoded GET_CAPABILITIES response (USBTMC table 37,
// USB488 table 8).
type Capabilities struct {
	BCDUSBTMC      uint16
	IndicatorPulse bool // interface accepts INDICATOR_PULSE
	TalkOnly       bool
	ListenOnly     bool
	TermChar       bool // device honours TermChar in REQUEST_DEV_DEP_MSG_IN
	BCDUSB488      uint16
	IEEE4882       bool // USB488 interface is IEEE 488.2 (VI_ATTR_4882_COMPLIANT)
	RemoteLocal    bool // accepts REN_CONTROL, GO_TO_LOCAL, LOCAL_LOCKOUT
	Trigger        bool // accepts TRIGGER
	SCPI           bool
	SR1            bool // service request capable
	RL1            bool
	DT1            bool
}

// ParseCapabilities decodes a 24-byte GET_CAPABILITIES response. Byte 0 must
// be StatusSuccess.
func ParseCapabilities(p []byte) (Capabilities, error) {
	if len(p) < 0x18 {
		return Capabilities{}, transport.Errorf("get_capabilities", transport.ErrProtocol, fmt.Errorf("usbtmc: %d-byte capabilities response, want 24", len(p)))
	}
	if p[0] != StatusSuccess {
		return Capabilities{}, transport.Errorf("get_capabilities", transport.ErrIO, fmt.Errorf("usbtmc: status %#02x", p[0]))
	}
	return Capabilities{
		BCDUSBTMC:      binary.LittleEndian.Uint16(p[2:]),
		IndicatorPulse: p[4]&4 != 0,
		TalkOnly:       p[4]&2 != 0,
		ListenOnly:     p[4]&1 != 0,
		TermChar:       p[5]&1 != 0,
		BCDUSB488:      binary.LittleEndian.Uint16(p[12:]),
		IEEE4882:       p[14]&4 != 0,
		RemoteLocal:    p[14]&2 != 0,
		Trigger:        p[14]&1 != 0,
		SCPI:           p[15]&8 != 0,
		SR1:            p[15]&4 != 0,
		RL1:            p[15]&2 != 0,
		DT1:            p[15]&1 != 0,
	}, nil
}

// Bytes encodes c as a successful 24-byte GET_CAPABILITIES response.
func (c Capabilities) Bytes() []byte {
	p := make([]byte, 0x18)
	p[0] = StatusSuccess
	binary.LittleEndian.PutUint16(p[2:], c.BCDUSBTMC)
	p[4] = b2u(c.IndicatorPulse)<<2 | b2u(c.TalkOnly)<<1 | b2u(c.ListenOnly)
	p[5] = b2u(c.TermChar)
	binary.LittleEndian.PutUint16(p[12:], c.BCDUSB488)
	p[14] = b2u(c.IEEE4882)<<2 | b2u(c.RemoteLocal)<<1 | b2u(c.Trigger)
	p[15] = b2u(c.SCPI)<<3 | b2u(c.SR1)<<2 | b2u(c.RL1)<<1 | b2u(c.DT1)
	return p
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}
