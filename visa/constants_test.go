package visa

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEventTypeString(t *testing.T) {
	tests := []struct {
		e    EventType
		want string
		id   uint32
	}{
		{VI_EVENT_IO_COMPLETION, "VI_EVENT_IO_COMPLETION", 0x3FFF2009},
		{VI_EVENT_TRIG, "VI_EVENT_TRIG", 0xBFFF200A},
		{VI_EVENT_SERVICE_REQ, "VI_EVENT_SERVICE_REQ", 0x3FFF200B},
		{VI_EVENT_CLEAR, "VI_EVENT_CLEAR", 0x3FFF200D},
		{VI_EVENT_EXCEPTION, "VI_EVENT_EXCEPTION", 0xBFFF200E},
		{VI_EVENT_GPIB_CIC, "VI_EVENT_GPIB_CIC", 0x3FFF2012},
		{VI_EVENT_GPIB_TALK, "VI_EVENT_GPIB_TALK", 0x3FFF2013},
		{VI_EVENT_GPIB_LISTEN, "VI_EVENT_GPIB_LISTEN", 0x3FFF2014},
		{VI_EVENT_TCPIP_CONNECT, "VI_EVENT_TCPIP_CONNECT", 0x3FFF2036},
		{VI_EVENT_USB_INTR, "VI_EVENT_USB_INTR", 0x3FFF2037},
		{VI_ALL_ENABLED_EVENTS, "VI_ALL_ENABLED_EVENTS", 0x3FFF7FFF},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.e.String())
		assert.Equal(t, tc.id, uint32(tc.e), tc.want)
		assert.True(t, tc.e.Known(), tc.want)
	}
	assert.Equal(t, "VI_EVENT_0x3FFF2999", EventType(0x3FFF2999).String())
	assert.False(t, EventType(0x3FFF2999).Known())
	// Every event listed for VI_ATTR_EVENT_TYPE has a name.
	for _, e := range allEventTypes {
		assert.True(t, e.Known(), e.String())
	}
	assert.Len(t, allEventTypes, len(eventTypeNames)-1)
}

func TestAccessModeString(t *testing.T) {
	assert.Equal(t, "VI_NO_LOCK", VI_NO_LOCK.String())
	assert.Equal(t, "VI_EXCLUSIVE_LOCK", VI_EXCLUSIVE_LOCK.String())
	assert.Equal(t, "VI_SHARED_LOCK", VI_SHARED_LOCK.String())
	assert.Equal(t, "VI_LOAD_CONFIG", VI_LOAD_CONFIG.String())
	assert.Equal(t, "AccessMode(0x3)", AccessMode(3).String())
}

// Values from fact sheet §9.4.
func TestConstantValues(t *testing.T) {
	assert.Equal(t, []EventMechanism{1, 2, 4, 0xFFFF}, []EventMechanism{VI_QUEUE, VI_HNDLR, VI_SUSPEND_HNDLR, VI_ALL_MECH})
	assert.Equal(t, uint32(0xFFFFFFFF), VI_TMO_INFINITE)
	assert.Equal(t, uint32(0), VI_TMO_IMMEDIATE)
	assert.Equal(t, uint16(0xFFFF), VI_NO_SEC_ADDR)
	assert.Equal(t, []uint16{1, 2, 3, 4, 5}, []uint16{VI_PROT_NORMAL, VI_PROT_FDC, VI_PROT_HS488, VI_PROT_4882_STRS, VI_PROT_USBTMC_VENDOR})
	assert.Equal(t, []uint16{0, 1, 2, 3, 4}, []uint16{VI_ASRL_PAR_NONE, VI_ASRL_PAR_ODD, VI_ASRL_PAR_EVEN, VI_ASRL_PAR_MARK, VI_ASRL_PAR_SPACE})
	assert.Equal(t, []uint16{10, 15, 20}, []uint16{VI_ASRL_STOP_ONE, VI_ASRL_STOP_ONE5, VI_ASRL_STOP_TWO})
	assert.Equal(t, []uint16{0, 1, 2, 4}, []uint16{VI_ASRL_FLOW_NONE, VI_ASRL_FLOW_XON_XOFF, VI_ASRL_FLOW_RTS_CTS, VI_ASRL_FLOW_DTR_DSR})
	assert.Equal(t, []uint16{0, 1, 2, 3}, []uint16{VI_ASRL_END_NONE, VI_ASRL_END_LAST_BIT, VI_ASRL_END_TERMCHAR, VI_ASRL_END_BREAK})
	assert.Equal(t, []uint16{1, 2, 4, 8, 16, 32, 64, 128}, []uint16{VI_READ_BUF, VI_WRITE_BUF, VI_READ_BUF_DISCARD,
		VI_WRITE_BUF_DISCARD, VI_IO_IN_BUF, VI_IO_OUT_BUF, VI_IO_IN_BUF_DISCARD, VI_IO_OUT_BUF_DISCARD})
	assert.Equal(t, []uint16{1, 2, 3}, []uint16{VI_FLUSH_ON_ACCESS, VI_FLUSH_WHEN_FULL, VI_FLUSH_DISABLE})
	assert.Equal(t, []uint16{0, 1, 2, 3, 4, 5, 6}, []uint16{VI_GPIB_REN_DEASSERT, VI_GPIB_REN_ASSERT, VI_GPIB_REN_DEASSERT_GTL,
		VI_GPIB_REN_ASSERT_ADDRESS, VI_GPIB_REN_ASSERT_LLO, VI_GPIB_REN_ASSERT_ADDRESS_LLO, VI_GPIB_REN_ADDRESS_GTL})
	assert.Equal(t, []uint16{0, 1, 2, 3}, []uint16{VI_GPIB_ATN_DEASSERT, VI_GPIB_ATN_ASSERT, VI_GPIB_ATN_DEASSERT_HANDSHAKE, VI_GPIB_ATN_ASSERT_IMMEDIATE})
	assert.Equal(t, []int16{-1, -2, 0, 7, 8, 13, 32, 35}, []int16{VI_TRIG_SW, VI_TRIG_ALL, VI_TRIG_TTL0, VI_TRIG_TTL7, VI_TRIG_ECL0, VI_TRIG_ECL5, VI_TRIG_TTL8, VI_TRIG_TTL11})
	assert.Equal(t, []uint16{0, 1, 2, 5, 6, 7}, []uint16{VI_TRIG_PROT_DEFAULT, VI_TRIG_PROT_ON, VI_TRIG_PROT_OFF, VI_TRIG_PROT_SYNC, VI_TRIG_PROT_RESERVE, VI_TRIG_PROT_UNRESERVE})
	assert.Equal(t, []int16{1, 0, -1}, []int16{VI_STATE_ASSERTED, VI_STATE_UNASSERTED, VI_STATE_UNKNOWN})
	assert.Equal(t, []uint16{0, 4, 5}, []uint16{VI_USB_END_NONE, VI_USB_END_SHORT, VI_USB_END_SHORT_OR_COUNT})
	assert.Equal(t, []int16{0, 1}, []int16{VI_USB_PIPE_READY, VI_USB_PIPE_STALLED})
	assert.Equal(t, []AccessMode{0, 1, 2, 4}, []AccessMode{VI_NO_LOCK, VI_EXCLUSIVE_LOCK, VI_SHARED_LOCK, VI_LOAD_CONFIG})
}
