package visa

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// statusOfErr returns the status of err, or VI_SUCCESS for nil, and checks
// that a non-nil err is an *Error.
func statusOfErr(t *testing.T, err error) Status {
	t.Helper()
	if err == nil {
		return VI_SUCCESS
	}
	var e *Error
	require.True(t, errors.As(err, &e), "%T is not *Error", err)
	assert.NotEmpty(t, e.Msg)
	return e.Status
}

type storeKind struct {
	name  string
	intf  InterfaceType
	class ResourceClass
}

var (
	kSocket    = storeKind{"TCPIP SOCKET", VI_INTF_TCPIP, ClassSOCKET}
	kTCPInstr  = storeKind{"TCPIP INSTR", VI_INTF_TCPIP, ClassINSTR}
	kASRL      = storeKind{"ASRL INSTR", VI_INTF_ASRL, ClassINSTR}
	kUSBInstr  = storeKind{"USB INSTR", VI_INTF_USB, ClassINSTR}
	kUSBRaw    = storeKind{"USB RAW", VI_INTF_USB, ClassRAW}
	kGPIBInstr = storeKind{"GPIB INSTR", VI_INTF_GPIB, ClassINSTR}
	kGPIBIntfc = storeKind{"GPIB INTFC", VI_INTF_GPIB, ClassINTFC}
)

func TestAttrStoreSetStatus(t *testing.T) {
	const (
		ok    = VI_SUCCESS
		nsup  = VI_ERROR_NSUP_ATTR
		ro    = VI_ERROR_ATTR_READONLY
		state = VI_ERROR_NSUP_ATTR_STATE
	)
	tests := []struct {
		kind storeKind
		id   Attr
		v    any
		want Status
	}{
		// Generic attributes, every kind.
		{kSocket, VI_ATTR_TMO_VALUE, 5000, ok},
		{kSocket, VI_ATTR_TMO_VALUE, "5000", state},
		{kSocket, VI_ATTR_TMO_VALUE, -1, state},
		{kSocket, VI_ATTR_TMO_VALUE, int64(math.MaxUint32) + 1, state},
		{kSocket, VI_ATTR_TMO_VALUE, 2.5, state},
		{kSocket, VI_ATTR_TMO_VALUE, nil, state},
		{kSocket, VI_ATTR_TMO_VALUE, VI_TMO_INFINITE, ok},
		{kSocket, VI_ATTR_TMO_VALUE, time.Second, ok},
		{kSocket, VI_ATTR_RSRC_NAME, "TCPIP::x::SOCKET", ro},
		{kSocket, VI_ATTR_INTF_TYPE, 6, ro},
		{kSocket, VI_ATTR_MAX_QUEUE_LENGTH, 0, state},
		{kSocket, VI_ATTR_MAX_QUEUE_LENGTH, 1, ok},
		{kSocket, VI_ATTR_USER_DATA_64, uint64(math.MaxUint64), ok},
		{kSocket, VI_ATTR_USER_DATA_32, uint64(math.MaxUint32) + 1, state},
		{kSocket, 0x3FFF7777, 1, nsup},
		{kSocket, VI_ATTR_STATUS, 0, nsup}, // an event attribute
		// SOCKET.
		{kSocket, VI_ATTR_TERMCHAR, '\r', ok},
		{kSocket, VI_ATTR_TERMCHAR, 256, state},
		{kSocket, VI_ATTR_TERMCHAR, -1, state},
		{kSocket, VI_ATTR_TERMCHAR_EN, true, ok},
		{kSocket, VI_ATTR_TERMCHAR_EN, "yes", state},
		{kSocket, VI_ATTR_TERMCHAR_EN, 2, state},
		{kSocket, VI_ATTR_SUPPRESS_END_EN, 0, ok},
		{kSocket, VI_ATTR_TCPIP_NODELAY, false, ok},
		{kSocket, VI_ATTR_TCPIP_PORT, 5025, ro},
		{kSocket, VI_ATTR_IO_PROT, VI_PROT_4882_STRS, ok},
		{kSocket, VI_ATTR_IO_PROT, VI_PROT_HS488, state},
		{kSocket, VI_ATTR_TRIG_ID, VI_TRIG_TTL0, state},
		{kSocket, VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB, 10, nsup},
		{kSocket, VI_ATTR_ASRL_BAUD, 9600, nsup},
		// TCPIP INSTR.
		{kTCPInstr, VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB, 256, ok},
		{kTCPInstr, VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB, 0, state},
		{kTCPInstr, VI_ATTR_TCPIP_HISLIP_OVERLAP_EN, VI_TRUE, ok},
		{kTCPInstr, VI_ATTR_TCPIP_IS_HISLIP, true, ro},
		{kTCPInstr, VI_ATTR_TCPIP_DEVICE_NAME, "inst0", ro},
		{kTCPInstr, VI_ATTR_IO_PROT, VI_PROT_4882_STRS, state},
		{kTCPInstr, VI_ATTR_TRIG_ID, VI_TRIG_SW, ok},
		{kTCPInstr, VI_ATTR_USB_END_IN, 5, nsup},
		{kTCPInstr, VI_ATTR_TCPIP_HISLIP_OVERLAP_EN, "on", state},
		// ASRL.
		{kASRL, VI_ATTR_ASRL_BAUD, 115200, ok},
		{kASRL, VI_ATTR_ASRL_BAUD, -9600, state},
		{kASRL, VI_ATTR_ASRL_DATA_BITS, 7, ok},
		{kASRL, VI_ATTR_ASRL_DATA_BITS, 9, state},
		{kASRL, VI_ATTR_ASRL_DATA_BITS, 4, state},
		{kASRL, VI_ATTR_ASRL_PARITY, VI_ASRL_PAR_EVEN, ok},
		{kASRL, VI_ATTR_ASRL_PARITY, 5, state},
		{kASRL, VI_ATTR_ASRL_STOP_BITS, VI_ASRL_STOP_TWO, ok},
		{kASRL, VI_ATTR_ASRL_STOP_BITS, 2, state},
		{kASRL, VI_ATTR_ASRL_FLOW_CNTRL, VI_ASRL_FLOW_RTS_CTS | VI_ASRL_FLOW_XON_XOFF, ok},
		{kASRL, VI_ATTR_ASRL_FLOW_CNTRL, 8, state},
		{kASRL, VI_ATTR_ASRL_END_IN, VI_ASRL_END_LAST_BIT, ok},
		{kASRL, VI_ATTR_ASRL_END_IN, VI_ASRL_END_BREAK, state},
		{kASRL, VI_ATTR_ASRL_END_OUT, VI_ASRL_END_BREAK, ok},
		{kASRL, VI_ATTR_ASRL_AVAIL_NUM, 3, ro},
		{kASRL, VI_ATTR_ASRL_CTS_STATE, VI_STATE_ASSERTED, ro},
		{kASRL, VI_ATTR_ASRL_RTS_STATE, VI_STATE_ASSERTED, ok},
		{kASRL, VI_ATTR_ASRL_RTS_STATE, VI_STATE_UNKNOWN, state},
		{kASRL, VI_ATTR_ASRL_BREAK_LEN, 0, state},
		{kASRL, VI_ATTR_IO_PROT, VI_PROT_4882_STRS, ok},
		{kASRL, VI_ATTR_TCPIP_NODELAY, true, nsup},
		{kASRL, VI_ATTR_ASRL_BAUD, "9600", state},
		// USB INSTR and RAW.
		{kUSBInstr, VI_ATTR_IO_PROT, VI_PROT_USBTMC_VENDOR, ok},
		{kUSBInstr, VI_ATTR_IO_PROT, VI_PROT_FDC, state},
		{kUSBInstr, VI_ATTR_USB_SERIAL_NUM, "X", ro},
		{kUSBInstr, VI_ATTR_MANF_ID, 0x0957, ro},
		{kUSBInstr, VI_ATTR_USB_MAX_INTR_SIZE, 64, ok},
		{kUSBInstr, VI_ATTR_USB_MAX_INTR_SIZE, 70000, state},
		{kUSBInstr, VI_ATTR_USB_END_IN, VI_USB_END_SHORT, nsup},
		{kUSBInstr, VI_ATTR_TERMCHAR_EN, 1.0, state},
		{kUSBRaw, VI_ATTR_USB_END_IN, VI_USB_END_SHORT, ok},
		{kUSBRaw, VI_ATTR_USB_END_IN, 3, state},
		{kUSBRaw, VI_ATTR_USB_BULK_IN_PIPE, 0x82, ok},
		{kUSBRaw, VI_ATTR_USB_BULK_IN_PIPE, 0x02, state},
		{kUSBRaw, VI_ATTR_USB_BULK_IN_PIPE, -1, ok},
		{kUSBRaw, VI_ATTR_USB_NUM_PIPES, 2, ro},
		{kUSBRaw, VI_ATTR_ASRL_BAUD, 9600, nsup},
		{kUSBRaw, VI_ATTR_USB_ALT_SETTING, []byte{1}, state},
		// GPIB INSTR and INTFC.
		{kGPIBInstr, VI_ATTR_GPIB_PRIMARY_ADDR, 22, ro}, // names the device
		{kGPIBInstr, VI_ATTR_GPIB_SECONDARY_ADDR, VI_NO_SEC_ADDR, ro},
		{kGPIBIntfc, VI_ATTR_GPIB_PRIMARY_ADDR, 22, ok}, // the board's own address
		{kGPIBIntfc, VI_ATTR_GPIB_PRIMARY_ADDR, 31, state},
		{kGPIBIntfc, VI_ATTR_GPIB_SECONDARY_ADDR, VI_NO_SEC_ADDR, ok},
		{kGPIBIntfc, VI_ATTR_GPIB_SECONDARY_ADDR, 96, state},
		{kGPIBInstr, VI_ATTR_GPIB_UNADDR_EN, true, ok},
		{kGPIBInstr, VI_ATTR_GPIB_REN_STATE, VI_STATE_ASSERTED, ro},
		{kGPIBInstr, VI_ATTR_GPIB_ATN_STATE, VI_STATE_ASSERTED, nsup},
		{kGPIBInstr, VI_ATTR_IO_PROT, VI_PROT_HS488, ok},
		{kGPIBIntfc, VI_ATTR_GPIB_PRIMARY_ADDR, "22", state},
		{kGPIBIntfc, VI_ATTR_GPIB_ATN_STATE, VI_STATE_ASSERTED, ro},
		{kGPIBIntfc, VI_ATTR_DEV_STATUS_BYTE, 0x40, ok},
		{kGPIBIntfc, VI_ATTR_DEV_STATUS_BYTE, true, state},
		{kGPIBIntfc, VI_ATTR_GPIB_HS488_CBL_LEN, 16, state},
		{kGPIBIntfc, VI_ATTR_GPIB_HS488_CBL_LEN, 0, ok},
		{kGPIBIntfc, VI_ATTR_GPIB_READDR_EN, true, nsup},
		{kGPIBIntfc, VI_ATTR_SUPPRESS_END_EN, true, nsup},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s=%v", tc.kind.name, tc.id, tc.v), func(t *testing.T) {
			s := NewAttrStore(tc.kind.intf, tc.kind.class)
			before, _ := s.Get(tc.id)

			_, verr := s.Validate(tc.id, tc.v)
			assert.Equal(t, tc.want, statusOfErr(t, verr), "Validate")
			after, _ := s.Get(tc.id)
			assert.Equal(t, before, after, "Validate must not store")

			err := s.Set(tc.id, tc.v)
			require.Equal(t, tc.want, statusOfErr(t, err), "Set: %v", err)
			got, gerr := s.Get(tc.id)
			switch tc.want {
			case ok:
				require.NoError(t, gerr)
				info, _ := LookupAttr(tc.id)
				assert.Equal(t, info.Type.GoType(), fmt.Sprintf("%T", got), "stored type")
			case nsup:
				assert.Equal(t, nsup, statusOfErr(t, gerr), "Get of a non-applicable attribute")
				assert.ErrorIs(t, err, ErrAttrNotSupp)
			default:
				assert.Equal(t, before, got, "a refused Set must not change the value")
			}
			if tc.want == ro {
				assert.ErrorIs(t, err, ErrAttrReadOnly)
			}
			if tc.want == state {
				assert.ErrorIs(t, err, ErrAttrState)
			}
		})
	}
}

func TestAttrStoreConversions(t *testing.T) {
	s := NewAttrStore(VI_INTF_ASRL, ClassINSTR)
	type myInt uint8
	tests := []struct {
		id   Attr
		in   any
		want any
	}{
		{VI_ATTR_ASRL_BAUD, 19200, uint32(19200)},
		{VI_ATTR_ASRL_BAUD, int8(100), uint32(100)},
		{VI_ATTR_ASRL_BAUD, uint64(57600), uint32(57600)},
		{VI_ATTR_ASRL_BAUD, uintptr(300), uint32(300)},
		{VI_ATTR_ASRL_DATA_BITS, int32(7), uint16(7)},
		{VI_ATTR_TERMCHAR, myInt('\r'), uint8('\r')},
		{VI_ATTR_TERMCHAR, '\n', uint8('\n')},
		{VI_ATTR_TERMCHAR_EN, 1, true},
		{VI_ATTR_TERMCHAR_EN, uint16(0), false},
		{VI_ATTR_ASRL_BREAK_LEN, uint8(100), int16(100)},
		{VI_ATTR_TMO_VALUE, 1500 * time.Millisecond, uint32(1500)},
		{VI_ATTR_TMO_VALUE, time.Nanosecond, uint32(1)},
		{VI_ATTR_TMO_VALUE, time.Duration(0), VI_TMO_IMMEDIATE},
		{VI_ATTR_TMO_VALUE, -time.Second, VI_TMO_INFINITE},
		{VI_ATTR_TMO_VALUE, time.Duration(math.MaxInt64), VI_TMO_INFINITE - 1},
		{VI_ATTR_RSRC_LOCK_STATE, VI_SHARED_LOCK, uint32(2)}, // via SetInternal below
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s=%T(%v)", tc.id, tc.in, tc.in), func(t *testing.T) {
			var err error
			if info, _ := LookupAttr(tc.id); info.ReadOnly {
				err = s.SetInternal(tc.id, tc.in)
			} else {
				err = s.Set(tc.id, tc.in)
			}
			require.NoError(t, err)
			got, err := s.Get(tc.id)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	err := s.Set(VI_ATTR_ASRL_BREAK_LEN, 250*time.Millisecond)
	assert.Equal(t, VI_ERROR_NSUP_ATTR_STATE, statusOfErr(t, err), "a Duration is only for TMO_VALUE")
}

func TestAttrStoreSetInternal(t *testing.T) {
	s := NewAttrStore(VI_INTF_TCPIP, ClassINSTR)
	require.NoError(t, s.SetInternal(VI_ATTR_RSRC_NAME, "TCPIP0::10.0.0.1::inst0::INSTR"))
	require.NoError(t, s.SetInternal(VI_ATTR_TCPIP_IS_HISLIP, true))
	require.NoError(t, s.SetInternal(VI_ATTR_TCPIP_HISLIP_VERSION, uint32(0x00100000)))
	require.NoError(t, s.SetInternal(VI_ATTR_RM_SESSION, Session(3)))
	v, err := s.Get(VI_ATTR_RSRC_NAME)
	require.NoError(t, err)
	assert.Equal(t, "TCPIP0::10.0.0.1::inst0::INSTR", v)
	v, _ = s.Get(VI_ATTR_RM_SESSION)
	assert.Equal(t, uint32(3), v)

	// SetInternal may add a known attribute outside the usual scope.
	assert.False(t, s.Has(VI_ATTR_4882_COMPLIANT))
	require.NoError(t, s.SetInternal(VI_ATTR_4882_COMPLIANT, true))
	assert.True(t, s.Has(VI_ATTR_4882_COMPLIANT))
	assert.Contains(t, s.IDs(), VI_ATTR_4882_COMPLIANT)

	// It skips the rule but not the type.
	require.NoError(t, s.SetInternal(VI_ATTR_MAX_QUEUE_LENGTH, 0))
	assert.Equal(t, VI_ERROR_NSUP_ATTR_STATE, statusOfErr(t, s.SetInternal(VI_ATTR_TCPIP_PORT, 70000)))
	assert.Equal(t, VI_ERROR_NSUP_ATTR_STATE, statusOfErr(t, s.SetInternal(VI_ATTR_RSRC_NAME, 5)))
	assert.Equal(t, VI_ERROR_NSUP_ATTR, statusOfErr(t, s.SetInternal(0x3FFF7777, 1)))
	assert.Equal(t, VI_ERROR_NSUP_ATTR, statusOfErr(t, s.SetInternal(VI_ATTR_JOB_ID, 1)))
}

func TestAttrStoreInitialValues(t *testing.T) {
	for _, k := range []storeKind{kSocket, kTCPInstr, kASRL, kUSBInstr, kUSBRaw, kGPIBInstr, kGPIBIntfc} {
		t.Run(k.name, func(t *testing.T) {
			s := NewAttrStore(k.intf, k.class)
			assert.Equal(t, k.intf, s.Interface())
			assert.Equal(t, k.class, s.Class())
			ids := s.IDs()
			require.NotEmpty(t, ids)
			for _, id := range ids {
				want, ok := DefaultAttr(id, k.intf, k.class)
				require.True(t, ok, id.String())
				got, err := s.Get(id)
				require.NoError(t, err)
				assert.Equal(t, want, got, id.String())
			}
			// Every applicable attribute is in the store, and nothing else.
			for _, a := range Attrs() {
				assert.Equal(t, a.Applies(k.intf, k.class), s.Has(a.ID), a.Name)
			}
		})
	}
}

func TestAttrStoreFastGetters(t *testing.T) {
	s := NewAttrStore(VI_INTF_TCPIP, ClassSOCKET)
	assert.Equal(t, 2*time.Second, s.Timeout())
	tc, en := s.TermChar()
	assert.Equal(t, byte('\n'), tc)
	assert.False(t, en)
	assert.True(t, s.SendEnd())
	assert.True(t, s.SuppressEnd(), "SOCKET suppresses END by default")

	require.NoError(t, s.Set(VI_ATTR_TMO_VALUE, VI_TMO_INFINITE))
	assert.Less(t, s.Timeout(), time.Duration(0), "infinite is negative")
	require.NoError(t, s.Set(VI_ATTR_TMO_VALUE, VI_TMO_IMMEDIATE))
	assert.Equal(t, time.Duration(0), s.Timeout())
	require.NoError(t, s.SetTimeout(1234*time.Millisecond))
	assert.Equal(t, 1234*time.Millisecond, s.Timeout())
	v, _ := s.Get(VI_ATTR_TMO_VALUE)
	assert.Equal(t, uint32(1234), v)

	require.NoError(t, s.Set(VI_ATTR_TERMCHAR, '\r'))
	require.NoError(t, s.Set(VI_ATTR_TERMCHAR_EN, true))
	require.NoError(t, s.Set(VI_ATTR_SEND_END_EN, false))
	require.NoError(t, s.Set(VI_ATTR_SUPPRESS_END_EN, false))
	tc, en = s.TermChar()
	assert.Equal(t, byte('\r'), tc)
	assert.True(t, en)
	assert.False(t, s.SendEnd())
	assert.False(t, s.SuppressEnd())

	// A refused Set leaves the fast values alone.
	require.Error(t, s.Set(VI_ATTR_TERMCHAR, 300))
	tc, _ = s.TermChar()
	assert.Equal(t, byte('\r'), tc)

	// TCPIP INSTR: END is honoured by default.
	assert.False(t, NewAttrStore(VI_INTF_TCPIP, ClassINSTR).SuppressEnd())
	// A session without message-based attributes still reports VISA defaults.
	m := NewAttrStore(VI_INTF_VXI, ClassMEMACC)
	assert.False(t, m.Has(VI_ATTR_TERMCHAR))
	tc, en = m.TermChar()
	assert.Equal(t, byte('\n'), tc)
	assert.False(t, en)
	assert.True(t, m.SendEnd())
}

func TestAttrStoreErrorDetails(t *testing.T) {
	s := NewAttrStore(VI_INTF_ASRL, ClassINSTR)
	err := s.Set(VI_ATTR_ASRL_DATA_BITS, 9)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "viSetAttribute", e.Op)
	assert.Contains(t, e.Msg, "VI_ATTR_ASRL_DATA_BITS")
	assert.Contains(t, e.Msg, "5..8")

	_, err = s.Get(VI_ATTR_TCPIP_ADDR)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "viGetAttribute", e.Op)
	assert.Contains(t, e.Msg, "VI_ATTR_TCPIP_ADDR is not an attribute of ASRL INSTR sessions")

	_, err = s.Get(0x3FFF7777)
	require.ErrorAs(t, err, &e)
	assert.Contains(t, e.Msg, "unknown attribute 0x3FFF7777")
}

func TestAttrStoreConcurrent(t *testing.T) {
	s := NewAttrStore(VI_INTF_TCPIP, ClassINSTR)
	var wg sync.WaitGroup
	const n = 200
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				_ = s.Set(VI_ATTR_TMO_VALUE, uint32(1000+i))
				_ = s.Set(VI_ATTR_TERMCHAR, byte(i))
				_ = s.Set(VI_ATTR_TERMCHAR_EN, i%2 == 0)
				_ = s.SetInternal(VI_ATTR_RSRC_NAME, fmt.Sprint("r", w, i))
			}
		}(w)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				_ = s.Timeout()
				_, _ = s.TermChar()
				_ = s.SendEnd()
				_ = s.SuppressEnd()
				_, _ = s.Get(VI_ATTR_RSRC_NAME)
				_, _ = s.Validate(VI_ATTR_TMO_VALUE, 5)
				_ = s.IDs()
			}
		}()
	}
	wg.Wait()
	// The fast getters and Get agree once writers are done.
	v, err := s.Get(VI_ATTR_TMO_VALUE)
	require.NoError(t, err)
	assert.Equal(t, time.Duration(v.(uint32))*time.Millisecond, s.Timeout())
	c, _ := s.Get(VI_ATTR_TERMCHAR)
	en, _ := s.Get(VI_ATTR_TERMCHAR_EN)
	tc, ten := s.TermChar()
	assert.Equal(t, c, tc)
	assert.Equal(t, en, ten)
}

func TestFastGettersDoNotAllocate(t *testing.T) {
	s := NewAttrStore(VI_INTF_TCPIP, ClassINSTR)
	allocs := testing.AllocsPerRun(100, func() {
		_ = s.Timeout()
		_, _ = s.TermChar()
		_ = s.SendEnd()
		_ = s.SuppressEnd()
		_, _ = s.Get(VI_ATTR_TMO_VALUE)
	})
	assert.Zero(t, allocs)
}

func BenchmarkAttrStoreFastGetters(b *testing.B) {
	s := NewAttrStore(VI_INTF_TCPIP, ClassINSTR)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Timeout()
		_, _ = s.TermChar()
		_ = s.SendEnd()
		_ = s.SuppressEnd()
	}
}

func BenchmarkAttrStoreGet(b *testing.B) {
	s := NewAttrStore(VI_INTF_TCPIP, ClassINSTR)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = s.Get(VI_ATTR_TMO_VALUE)
	}
}

func BenchmarkAttrStoreSet(b *testing.B) {
	s := NewAttrStore(VI_INTF_TCPIP, ClassINSTR)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Set(VI_ATTR_TERMCHAR_EN, true)
	}
}

func BenchmarkNewAttrStore(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = NewAttrStore(VI_INTF_TCPIP, ClassINSTR)
	}
}
