package visa

import "fmt"

// This file holds the VPP-4.3 numeric constants other than status codes and
// attribute ids (fact sheet §9.4, values as in visa.h / pyvisa constants.py).
// The names are the VISA names, the way package syscall keeps the C names,
// so code and documentation written for C VISA can be searched and ported.
//
// Constants that are stored in an attribute carry the Go type the attribute
// store uses for that attribute (uint16 for ViUInt16, int16 for ViInt16, …),
// so that, for example, store.Set(VI_ATTR_ASRL_PARITY, VI_ASRL_PAR_EVEN)
// needs no conversion and VI_TMO_INFINITE never overflows an int on 32-bit
// platforms.

// EventType identifies a VISA event (ViEventType).
type EventType uint32

// Event types (VPP-4.3). An event id with the 0xBFFF prefix is one VISA
// delivers only through handlers or queues of the session that caused it.
const (
	VI_EVENT_IO_COMPLETION    EventType = 0x3FFF2009
	VI_EVENT_TRIG             EventType = 0xBFFF200A
	VI_EVENT_SERVICE_REQ      EventType = 0x3FFF200B
	VI_EVENT_CLEAR            EventType = 0x3FFF200D
	VI_EVENT_EXCEPTION        EventType = 0xBFFF200E
	VI_EVENT_GPIB_CIC         EventType = 0x3FFF2012
	VI_EVENT_GPIB_TALK        EventType = 0x3FFF2013
	VI_EVENT_GPIB_LISTEN      EventType = 0x3FFF2014
	VI_EVENT_VXI_VME_SYSFAIL  EventType = 0x3FFF201D
	VI_EVENT_VXI_VME_SYSRESET EventType = 0x3FFF201E
	VI_EVENT_VXI_SIGP         EventType = 0x3FFF2020
	VI_EVENT_VXI_VME_INTR     EventType = 0xBFFF2021
	VI_EVENT_PXI_INTR         EventType = 0x3FFF2022
	VI_EVENT_TCPIP_CONNECT    EventType = 0x3FFF2036
	VI_EVENT_USB_INTR         EventType = 0x3FFF2037
	// VI_ALL_ENABLED_EVENTS stands for every event enabled on a session (in
	// viDisableEvent, viDiscardEvents, viWaitOnEvent).
	VI_ALL_ENABLED_EVENTS EventType = 0x3FFF7FFF
)

var eventTypeNames = map[EventType]string{
	VI_EVENT_IO_COMPLETION:    "VI_EVENT_IO_COMPLETION",
	VI_EVENT_TRIG:             "VI_EVENT_TRIG",
	VI_EVENT_SERVICE_REQ:      "VI_EVENT_SERVICE_REQ",
	VI_EVENT_CLEAR:            "VI_EVENT_CLEAR",
	VI_EVENT_EXCEPTION:        "VI_EVENT_EXCEPTION",
	VI_EVENT_GPIB_CIC:         "VI_EVENT_GPIB_CIC",
	VI_EVENT_GPIB_TALK:        "VI_EVENT_GPIB_TALK",
	VI_EVENT_GPIB_LISTEN:      "VI_EVENT_GPIB_LISTEN",
	VI_EVENT_VXI_VME_SYSFAIL:  "VI_EVENT_VXI_VME_SYSFAIL",
	VI_EVENT_VXI_VME_SYSRESET: "VI_EVENT_VXI_VME_SYSRESET",
	VI_EVENT_VXI_SIGP:         "VI_EVENT_VXI_SIGP",
	VI_EVENT_VXI_VME_INTR:     "VI_EVENT_VXI_VME_INTR",
	VI_EVENT_PXI_INTR:         "VI_EVENT_PXI_INTR",
	VI_EVENT_TCPIP_CONNECT:    "VI_EVENT_TCPIP_CONNECT",
	VI_EVENT_USB_INTR:         "VI_EVENT_USB_INTR",
	VI_ALL_ENABLED_EVENTS:     "VI_ALL_ENABLED_EVENTS",
}

// String returns the VISA name of the event type ("VI_EVENT_SERVICE_REQ"),
// or "VI_EVENT_0x…" for an id VISA does not define.
func (e EventType) String() string {
	if n, ok := eventTypeNames[e]; ok {
		return n
	}
	return fmt.Sprintf("VI_EVENT_0x%08X", uint32(e))
}

// Known reports whether e is one of the event types VISA defines
// (VI_ALL_ENABLED_EVENTS included).
func (e EventType) Known() bool {
	_, ok := eventTypeNames[e]
	return ok
}

// EventMechanism selects how events are delivered (viEnableEvent). The
// values are bits; VI_ALL_MECH covers all of them. VISA passes the mechanism
// as a ViUInt16; the wider Go type holds every value unchanged.
type EventMechanism uint32

// Event mechanisms.
const (
	VI_QUEUE         EventMechanism = 1
	VI_HNDLR         EventMechanism = 2
	VI_SUSPEND_HNDLR EventMechanism = 4
	VI_ALL_MECH      EventMechanism = 0xFFFF
)

// AccessMode is the access mode of viOpen and viLock, and the value of
// VI_ATTR_RSRC_LOCK_STATE (ViAccessMode).
type AccessMode uint32

// Access and lock modes.
const (
	VI_NO_LOCK        AccessMode = 0
	VI_EXCLUSIVE_LOCK AccessMode = 1
	VI_SHARED_LOCK    AccessMode = 2
	// VI_LOAD_CONFIG asks viOpen to apply configured attribute values.
	VI_LOAD_CONFIG AccessMode = 4
)

// String returns the VISA name of the access mode.
func (m AccessMode) String() string {
	switch m {
	case VI_NO_LOCK:
		return "VI_NO_LOCK"
	case VI_EXCLUSIVE_LOCK:
		return "VI_EXCLUSIVE_LOCK"
	case VI_SHARED_LOCK:
		return "VI_SHARED_LOCK"
	case VI_LOAD_CONFIG:
		return "VI_LOAD_CONFIG"
	}
	return fmt.Sprintf("AccessMode(0x%X)", uint32(m))
}

// Timeouts (VI_ATTR_TMO_VALUE, viOpen, viLock, viWaitOnEvent), in ms.
const (
	// VI_TMO_IMMEDIATE: do not wait at all.
	VI_TMO_IMMEDIATE uint32 = 0
	// VI_TMO_INFINITE: wait for ever.
	VI_TMO_INFINITE uint32 = 0xFFFFFFFF
)

// Miscellaneous values.
const (
	VI_NULL        = 0
	VI_TRUE        = 1
	VI_FALSE       = 0
	VI_FIND_BUFLEN = 256 // size of a resource-description buffer in C VISA
	// VI_SPEC_VERSION is the VPP-4.3 revision govisa reports in
	// VI_ATTR_RSRC_SPEC_VERSION, as a ViVersion (major in bits 31-20, minor
	// in 19-8, sub-minor in 7-0): VISA 7.0, the revision that added the
	// secure HiSLIP attributes.
	VI_SPEC_VERSION uint32 = 0x00700000
)

// VI_NO_SEC_ADDR is the VI_ATTR_GPIB_SECONDARY_ADDR value of a device that
// uses no secondary address.
const VI_NO_SEC_ADDR uint16 = 0xFFFF

// I/O protocols (VI_ATTR_IO_PROT).
const (
	VI_PROT_NORMAL        uint16 = 1
	VI_PROT_FDC           uint16 = 2 // VXI fast data channel
	VI_PROT_HS488         uint16 = 3 // GPIB HS488
	VI_PROT_4882_STRS     uint16 = 4 // 488.2 strings for trigger/clear/STB on ASRL and SOCKET
	VI_PROT_USBTMC_VENDOR uint16 = 5 // USBTMC vendor-specific messages

	// Older names kept by visa.h for compatibility.
	VI_NORMAL  = VI_PROT_NORMAL
	VI_FDC     = VI_PROT_FDC
	VI_HS488   = VI_PROT_HS488
	VI_ASRL488 = VI_PROT_4882_STRS
)

// Serial parity (VI_ATTR_ASRL_PARITY).
const (
	VI_ASRL_PAR_NONE  uint16 = 0
	VI_ASRL_PAR_ODD   uint16 = 1
	VI_ASRL_PAR_EVEN  uint16 = 2
	VI_ASRL_PAR_MARK  uint16 = 3
	VI_ASRL_PAR_SPACE uint16 = 4
)

// Serial stop bits (VI_ATTR_ASRL_STOP_BITS), in tenths of a bit.
const (
	VI_ASRL_STOP_ONE  uint16 = 10
	VI_ASRL_STOP_ONE5 uint16 = 15
	VI_ASRL_STOP_TWO  uint16 = 20
)

// Serial flow control (VI_ATTR_ASRL_FLOW_CNTRL); a bit mask.
const (
	VI_ASRL_FLOW_NONE     uint16 = 0
	VI_ASRL_FLOW_XON_XOFF uint16 = 1
	VI_ASRL_FLOW_RTS_CTS  uint16 = 2
	VI_ASRL_FLOW_DTR_DSR  uint16 = 4
)

// Serial end modes (VI_ATTR_ASRL_END_IN, VI_ATTR_ASRL_END_OUT). BREAK is
// valid for END_OUT only.
const (
	VI_ASRL_END_NONE     uint16 = 0
	VI_ASRL_END_LAST_BIT uint16 = 1
	VI_ASRL_END_TERMCHAR uint16 = 2
	VI_ASRL_END_BREAK    uint16 = 3
)

// Serial wire modes (VI_ATTR_ASRL_WIRE_MODE, NI-VISA only).
const (
	VI_ASRL_WIRE_485_4          int16 = 0
	VI_ASRL_WIRE_485_2_DTR_ECHO int16 = 1
	VI_ASRL_WIRE_485_2_DTR_CTRL int16 = 2
	VI_ASRL_WIRE_485_2_AUTO     int16 = 3
	VI_ASRL_WIRE_232_DTE        int16 = 128
	VI_ASRL_WIRE_232_DCE        int16 = 129
	VI_ASRL_WIRE_232_AUTO       int16 = 130
)

// viFlush masks (and viSetBuf masks for the first two pairs).
const (
	VI_READ_BUF           uint16 = 1
	VI_WRITE_BUF          uint16 = 2
	VI_READ_BUF_DISCARD   uint16 = 4
	VI_WRITE_BUF_DISCARD  uint16 = 8
	VI_IO_IN_BUF          uint16 = 16
	VI_IO_OUT_BUF         uint16 = 32
	VI_IO_IN_BUF_DISCARD  uint16 = 64
	VI_IO_OUT_BUF_DISCARD uint16 = 128

	// Older serial names for the low-level I/O buffer masks.
	VI_ASRL_IN_BUF          = VI_IO_IN_BUF
	VI_ASRL_OUT_BUF         = VI_IO_OUT_BUF
	VI_ASRL_IN_BUF_DISCARD  = VI_IO_IN_BUF_DISCARD
	VI_ASRL_OUT_BUF_DISCARD = VI_IO_OUT_BUF_DISCARD
)

// Formatted-I/O buffer modes (VI_ATTR_RD_BUF_OPER_MODE, VI_ATTR_WR_BUF_OPER_MODE).
const (
	VI_FLUSH_ON_ACCESS uint16 = 1
	VI_FLUSH_WHEN_FULL uint16 = 2
	VI_FLUSH_DISABLE   uint16 = 3
)

// viGpibControlREN modes.
const (
	VI_GPIB_REN_DEASSERT           uint16 = 0
	VI_GPIB_REN_ASSERT             uint16 = 1
	VI_GPIB_REN_DEASSERT_GTL       uint16 = 2
	VI_GPIB_REN_ASSERT_ADDRESS     uint16 = 3
	VI_GPIB_REN_ASSERT_LLO         uint16 = 4
	VI_GPIB_REN_ASSERT_ADDRESS_LLO uint16 = 5
	VI_GPIB_REN_ADDRESS_GTL        uint16 = 6
)

// viGpibControlATN modes.
const (
	VI_GPIB_ATN_DEASSERT           uint16 = 0
	VI_GPIB_ATN_ASSERT             uint16 = 1
	VI_GPIB_ATN_DEASSERT_HANDSHAKE uint16 = 2
	VI_GPIB_ATN_ASSERT_IMMEDIATE   uint16 = 3
)

// GPIB HS488 cable length special values (VI_ATTR_GPIB_HS488_CBL_LEN).
const (
	VI_GPIB_HS488_DISABLED int16 = 0
	VI_GPIB_HS488_NIMPL    int16 = -1
)

// GPIB addressing states (VI_ATTR_GPIB_ADDR_STATE).
const (
	VI_GPIB_UNADDRESSED int16 = 0
	VI_GPIB_TALKER      int16 = 1
	VI_GPIB_LISTENER    int16 = 2
)

// Trigger ids (VI_ATTR_TRIG_ID, viMapTrigger). Only VI_TRIG_SW exists on
// GPIB, serial, TCPIP and USB resources.
const (
	VI_TRIG_ALL         int16 = -2
	VI_TRIG_SW          int16 = -1
	VI_TRIG_TTL0        int16 = 0
	VI_TRIG_TTL1        int16 = 1
	VI_TRIG_TTL2        int16 = 2
	VI_TRIG_TTL3        int16 = 3
	VI_TRIG_TTL4        int16 = 4
	VI_TRIG_TTL5        int16 = 5
	VI_TRIG_TTL6        int16 = 6
	VI_TRIG_TTL7        int16 = 7
	VI_TRIG_ECL0        int16 = 8
	VI_TRIG_ECL1        int16 = 9
	VI_TRIG_ECL2        int16 = 10
	VI_TRIG_ECL3        int16 = 11
	VI_TRIG_ECL4        int16 = 12
	VI_TRIG_ECL5        int16 = 13
	VI_TRIG_STAR_SLOT1  int16 = 14
	VI_TRIG_STAR_SLOT2  int16 = 15
	VI_TRIG_STAR_SLOT3  int16 = 16
	VI_TRIG_STAR_SLOT4  int16 = 17
	VI_TRIG_STAR_SLOT5  int16 = 18
	VI_TRIG_STAR_SLOT6  int16 = 19
	VI_TRIG_STAR_SLOT7  int16 = 20
	VI_TRIG_STAR_SLOT8  int16 = 21
	VI_TRIG_STAR_SLOT9  int16 = 22
	VI_TRIG_STAR_SLOT10 int16 = 23
	VI_TRIG_STAR_SLOT11 int16 = 24
	VI_TRIG_STAR_SLOT12 int16 = 25
	VI_TRIG_STAR_INSTR  int16 = 26
	VI_TRIG_PANEL_IN    int16 = 27
	VI_TRIG_PANEL_OUT   int16 = 28
	VI_TRIG_STAR_VXI0   int16 = 29
	VI_TRIG_STAR_VXI1   int16 = 30
	VI_TRIG_STAR_VXI2   int16 = 31
	VI_TRIG_TTL8        int16 = 32
	VI_TRIG_TTL9        int16 = 33
	VI_TRIG_TTL10       int16 = 34
	VI_TRIG_TTL11       int16 = 35
)

// Trigger protocols (viAssertTrigger, viMapTrigger).
const (
	VI_TRIG_PROT_DEFAULT   uint16 = 0
	VI_TRIG_PROT_ON        uint16 = 1
	VI_TRIG_PROT_OFF       uint16 = 2
	VI_TRIG_PROT_SYNC      uint16 = 5
	VI_TRIG_PROT_RESERVE   uint16 = 6
	VI_TRIG_PROT_UNRESERVE uint16 = 7
)

// Line states (VI_ATTR_ASRL_*_STATE, VI_ATTR_GPIB_*_STATE).
const (
	VI_STATE_ASSERTED   int16 = 1
	VI_STATE_UNASSERTED int16 = 0
	VI_STATE_UNKNOWN    int16 = -1
)

// USB RAW read termination (VI_ATTR_USB_END_IN).
const (
	VI_USB_END_NONE           uint16 = 0
	VI_USB_END_SHORT          uint16 = 4
	VI_USB_END_SHORT_OR_COUNT uint16 = 5
)

// USB pipe states (VI_ATTR_USB_BULK_IN_STATUS and friends).
const (
	VI_USB_PIPE_STATE_UNKNOWN int16 = -1
	VI_USB_PIPE_READY         int16 = 0
	VI_USB_PIPE_STALLED       int16 = 1
)

// VXI fast-data-channel modes (VI_ATTR_FDC_MODE).
const (
	VI_FDC_NORMAL uint16 = 1
	VI_FDC_STREAM uint16 = 2
)

// Address spaces (register-based operations, VI_ATTR_MEM_SPACE).
const (
	VI_LOCAL_SPACE  AddressSpace = 0
	VI_A16_SPACE    AddressSpace = 1
	VI_A24_SPACE    AddressSpace = 2
	VI_A32_SPACE    AddressSpace = 3
	VI_A64_SPACE    AddressSpace = 4
	VI_OPAQUE_SPACE AddressSpace = 0xFFFF
)

// Unknown VXI/PXI location values.
const (
	VI_UNKNOWN_LA    int16 = -1
	VI_UNKNOWN_SLOT  int16 = -1
	VI_UNKNOWN_LEVEL int16 = -1
)

// Byte orders (VI_ATTR_SRC/DEST/WIN_BYTE_ORDER).
const (
	VI_BIG_ENDIAN    uint16 = 0
	VI_LITTLE_ENDIAN uint16 = 1
)

// VXI address modifiers (VI_ATTR_SRC/DEST/WIN_ACCESS_PRIV).
const (
	VI_DATA_PRIV  uint16 = 0
	VI_DATA_NPRIV uint16 = 1
	VI_PROG_PRIV  uint16 = 2
	VI_PROG_NPRIV uint16 = 3
	VI_BLCK_PRIV  uint16 = 4
	VI_BLCK_NPRIV uint16 = 5
	VI_D64_PRIV   uint16 = 6
	VI_D64_NPRIV  uint16 = 7
)

// Window states (VI_ATTR_WIN_ACCESS).
const (
	VI_NMAPPED    uint16 = 1
	VI_USE_OPERS  uint16 = 2
	VI_DEREF_ADDR uint16 = 3
)

// Data widths (viMoveIn/viMoveOut and friends).
const (
	VI_WIDTH_8  DataWidth = 1
	VI_WIDTH_16 DataWidth = 2
	VI_WIDTH_32 DataWidth = 4
	VI_WIDTH_64 DataWidth = 8
)
