package visa

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// attrConstsFromSource parses attr_ids.go and returns every VI_ATTR_*
// constant with an explicit value, so the table can be checked against the
// Go identifiers themselves rather than against a second hand-written list.
func attrConstsFromSource(t *testing.T) (ids map[string]Attr, aliases map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "attr_ids.go", nil, 0)
	require.NoError(t, err)
	ids = map[string]Attr{}
	aliases = map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, "VI_ATTR_") {
					continue
				}
				switch v := vs.Values[i].(type) {
				case *ast.BasicLit:
					c := constant.MakeFromLiteral(v.Value, v.Kind, 0)
					u, exact := constant.Uint64Val(c)
					require.True(t, exact, n.Name)
					ids[n.Name] = Attr(u)
				case *ast.Ident:
					aliases[n.Name] = v.Name
				default:
					t.Fatalf("%s: unexpected constant form %T", n.Name, v)
				}
			}
		}
	}
	return ids, aliases
}

func TestAttrTableMatchesConstants(t *testing.T) {
	ids, aliases := attrConstsFromSource(t)
	require.Greater(t, len(ids), 180)
	// Every constant has a table entry whose name is the constant's name.
	for name, id := range ids {
		info, ok := LookupAttr(id)
		if assert.True(t, ok, "no table entry for %s", name) {
			assert.Equal(t, name, info.Name)
			assert.Equal(t, name, id.String())
		}
	}
	// Every table entry is a constant.
	for _, a := range Attrs() {
		id, ok := ids[a.Name]
		if assert.True(t, ok, "table entry %s has no constant", a.Name) {
			assert.Equal(t, id, a.ID, a.Name)
		}
	}
	assert.Len(t, Attrs(), len(ids))
	// Aliases resolve by name to the constant they stand for.
	for alias, target := range aliases {
		info, ok := LookupAttrName(alias)
		if assert.True(t, ok, alias) {
			assert.Equal(t, target, info.Name, alias)
		}
	}
	assert.Equal(t, VI_ATTR_USER_DATA_64, VI_ATTR_USER_DATA)
	assert.Equal(t, VI_ATTR_RET_COUNT_64, VI_ATTR_RET_COUNT)
}

// The ids of fact sheet §9.3, spot-checked against the values written there.
func TestAttrIDsFromFactSheet(t *testing.T) {
	want := map[Attr]uint32{
		VI_ATTR_RSRC_CLASS: 0xBFFF0001, VI_ATTR_RSRC_NAME: 0xBFFF0002, VI_ATTR_TMO_VALUE: 0x3FFF001A,
		VI_ATTR_TERMCHAR: 0x3FFF0018, VI_ATTR_TERMCHAR_EN: 0x3FFF0038, VI_ATTR_SEND_END_EN: 0x3FFF0016,
		VI_ATTR_SUPPRESS_END_EN: 0x3FFF0036, VI_ATTR_ASRL_BAUD: 0x3FFF0021, VI_ATTR_ASRL_END_IN: 0x3FFF00B3,
		VI_ATTR_TCPIP_ADDR: 0xBFFF0195, VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB: 0x3FFF0302,
		VI_ATTR_TCPIP_IS_HISLIP: 0x3FFF0303, VI_ATTR_USB_SERIAL_NUM: 0xBFFF01A0, VI_ATTR_USB_CTRL_PIPE: 0x3FFF01B0,
		VI_ATTR_ASRL_WIRE_MODE: 0x3FFF01BF, VI_ATTR_GPIB_HS488_CBL_LEN: 0x3FFF0069, VI_ATTR_JOB_ID: 0x3FFF4006,
		VI_ATTR_EVENT_TYPE: 0x3FFF4010, VI_ATTR_STATUS: 0x3FFF4025, VI_ATTR_RET_COUNT_32: 0x3FFF4026,
		VI_ATTR_RET_COUNT_64: 0x3FFF4028, VI_ATTR_BUFFER: 0x3FFF4027, VI_ATTR_OPER_NAME: 0xBFFF4042,
		VI_ATTR_RECV_TCPIP_ADDR: 0xBFFF4198, VI_ATTR_USB_RECV_INTR_SIZE: 0x3FFF41B0,
		VI_ATTR_USB_RECV_INTR_DATA: 0xBFFF41B1, VI_ATTR_USER_DATA_32: 0x3FFF0007, VI_ATTR_USER_DATA_64: 0x3FFF000A,
		VI_ATTR_DEV_STATUS_BYTE: 0x3FFF0189, VI_ATTR_4882_COMPLIANT: 0x3FFF019F, VI_ATTR_RM_SESSION: 0x3FFF00C4,
	}
	for id, v := range want {
		assert.Equal(t, v, uint32(id), id.String())
	}
}

func TestAttrEntriesAreConsistent(t *testing.T) {
	all := Attrs()
	assert.True(t, slices.IsSortedFunc(all, func(a, b AttrInfo) int { return int(int64(a.ID) - int64(b.ID)) }))
	for _, a := range all {
		t.Run(a.Name, func(t *testing.T) {
			assert.NotEqual(t, "invalid", a.Type.GoType(), "type")
			assert.NotEmpty(t, a.Doc)
			if a.IsEvent() {
				assert.Empty(t, a.Scope, "an event attribute applies to no session")
				assert.True(t, a.ReadOnly)
				assert.Nil(t, a.Default)
				return
			}
			assert.NotEmpty(t, a.Scope)
			assert.NotEqual(t, AttrBuffer, a.Type, "buffers exist only on events")
			if a.Default != nil {
				assert.Equal(t, a.Type.GoType(), reflect.TypeOf(a.Default).String(), "default type")
				// A writable default must be settable, except "unknown" for a
				// line the backend has not read yet.
				if n, ok := ruleValue(a.Default); ok && !a.ReadOnly && a.Default != any(VI_STATE_UNKNOWN) {
					assert.True(t, a.Valid.Allows(n), "default %v breaks the rule %s", a.Default, a.Valid)
				}
			}
			// String-valued ids are in the 0xBFFF range, others in 0x3FFF.
			if a.Type == AttrString {
				assert.Equal(t, uint32(0xBFFF0000), uint32(a.ID)&0xFFFF0000)
			} else {
				assert.Equal(t, uint32(0x3FFF0000), uint32(a.ID)&0xFFFF0000)
			}
		})
	}
}

func TestLookupAttrName(t *testing.T) {
	for _, name := range []string{"VI_ATTR_TMO_VALUE", "vi_attr_tmo_value", "TMO_VALUE", " tmo_value ", "Tmo_Value"} {
		a, ok := LookupAttrName(name)
		if assert.True(t, ok, name) {
			assert.Equal(t, VI_ATTR_TMO_VALUE, a.ID, name)
		}
	}
	a, ok := LookupAttrName("user_data")
	require.True(t, ok)
	assert.Equal(t, VI_ATTR_USER_DATA_64, a.ID)
	a, ok = LookupAttrName("VI_ATTR_PXI_MEM_BASE_BAR3")
	require.True(t, ok)
	assert.Equal(t, VI_ATTR_PXI_MEM_BASE_BAR3_64, a.ID)
	for _, bad := range []string{"", "VI_ATTR_", "VI_ATTR_NOPE", "timeout", "VI_EVENT_TRIG"} {
		_, ok := LookupAttrName(bad)
		assert.False(t, ok, bad)
	}
}

func TestAttrStringUnknown(t *testing.T) {
	assert.Equal(t, "0x3FFF7777", Attr(0x3FFF7777).String())
	assert.Equal(t, "VI_ATTR_TMO_VALUE", VI_ATTR_TMO_VALUE.String())
	_, ok := LookupAttr(0x3FFF7777)
	assert.False(t, ok)
	assert.Equal(t, "ViUInt32", AttrUint32.String())
	assert.Equal(t, "AttrType(200)", AttrType(200).String())
}

func TestAttrsReturnsCopy(t *testing.T) {
	a := Attrs()
	a[0].Name = "changed"
	assert.NotEqual(t, "changed", Attrs()[0].Name)
}

func TestAttrScopes(t *testing.T) {
	type kind struct {
		intf  InterfaceType
		class ResourceClass
	}
	var (
		socket    = kind{VI_INTF_TCPIP, ClassSOCKET}
		tcpInstr  = kind{VI_INTF_TCPIP, ClassINSTR}
		asrl      = kind{VI_INTF_ASRL, ClassINSTR}
		usbInstr  = kind{VI_INTF_USB, ClassINSTR}
		usbRaw    = kind{VI_INTF_USB, ClassRAW}
		gpibInstr = kind{VI_INTF_GPIB, ClassINSTR}
		gpibIntfc = kind{VI_INTF_GPIB, ClassINTFC}
		vxiInstr  = kind{VI_INTF_VXI, ClassINSTR}
	)
	every := []kind{socket, tcpInstr, asrl, usbInstr, usbRaw, gpibInstr, gpibIntfc, vxiInstr}
	tests := []struct {
		id  Attr
		yes []kind
	}{
		{VI_ATTR_TMO_VALUE, every},
		{VI_ATTR_RSRC_NAME, every},
		{VI_ATTR_TERMCHAR, every},
		{VI_ATTR_SUPPRESS_END_EN, []kind{socket, tcpInstr, asrl, usbInstr, usbRaw, gpibInstr, vxiInstr}},
		{VI_ATTR_TCPIP_ADDR, []kind{socket, tcpInstr}},
		{VI_ATTR_TCPIP_NODELAY, []kind{socket, tcpInstr}},
		{VI_ATTR_TCPIP_DEVICE_NAME, []kind{tcpInstr}},
		{VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB, []kind{tcpInstr}},
		{VI_ATTR_TCPIP_IS_HISLIP, []kind{tcpInstr}},
		{VI_ATTR_ASRL_BAUD, []kind{asrl}},
		{VI_ATTR_ASRL_END_IN, []kind{asrl}},
		{VI_ATTR_USB_SERIAL_NUM, []kind{usbInstr, usbRaw}},
		{VI_ATTR_USB_END_IN, []kind{usbRaw}},
		{VI_ATTR_MANF_ID, []kind{usbInstr, usbRaw, vxiInstr}},
		{VI_ATTR_4882_COMPLIANT, []kind{usbInstr, vxiInstr}},
		{VI_ATTR_GPIB_PRIMARY_ADDR, []kind{gpibInstr, gpibIntfc}},
		{VI_ATTR_GPIB_READDR_EN, []kind{gpibInstr}},
		{VI_ATTR_GPIB_ATN_STATE, []kind{gpibIntfc}},
		{VI_ATTR_DEV_STATUS_BYTE, []kind{gpibIntfc}},
		{VI_ATTR_TRIG_ID, []kind{socket, tcpInstr, asrl, usbInstr, gpibInstr, gpibIntfc, vxiInstr}},
		{VI_ATTR_FDC_MODE, []kind{vxiInstr}},
		{VI_ATTR_STATUS, nil},
		{VI_ATTR_JOB_ID, nil},
	}
	for _, tc := range tests {
		a, ok := LookupAttr(tc.id)
		require.True(t, ok, tc.id.String())
		for _, k := range every {
			want := slices.Contains(tc.yes, k)
			assert.Equal(t, want, a.Applies(k.intf, k.class), "%s on %s %s", a.Name, k.intf, k.class)
			_, applies := DefaultAttr(tc.id, k.intf, k.class)
			assert.Equal(t, want, applies, "DefaultAttr %s on %s %s", a.Name, k.intf, k.class)
		}
	}
}

func TestAttrReadOnlyIn(t *testing.T) {
	tests := []struct {
		id    Attr
		class ResourceClass
		want  bool
	}{
		{VI_ATTR_GPIB_PRIMARY_ADDR, ClassINSTR, true},
		{VI_ATTR_GPIB_PRIMARY_ADDR, ClassINTFC, false},
		{VI_ATTR_GPIB_SECONDARY_ADDR, ClassINSTR, true},
		{VI_ATTR_GPIB_SECONDARY_ADDR, ClassINTFC, false},
		{VI_ATTR_TMO_VALUE, ClassINSTR, false},
		{VI_ATTR_RSRC_NAME, ClassINSTR, true},
		{VI_ATTR_RSRC_NAME, ClassINTFC, true},
	}
	for _, tc := range tests {
		a, ok := LookupAttr(tc.id)
		require.True(t, ok, tc.id.String())
		assert.Equal(t, tc.want, a.ReadOnlyIn(tc.class), "%s on %s", a.Name, tc.class)
	}
}

func TestDefaultAttr(t *testing.T) {
	tests := []struct {
		id    Attr
		intf  InterfaceType
		class ResourceClass
		want  any
	}{
		{VI_ATTR_TMO_VALUE, VI_INTF_TCPIP, ClassINSTR, uint32(2000)},
		{VI_ATTR_TERMCHAR, VI_INTF_ASRL, ClassINSTR, uint8(0x0A)},
		{VI_ATTR_TERMCHAR_EN, VI_INTF_USB, ClassINSTR, false},
		{VI_ATTR_SEND_END_EN, VI_INTF_GPIB, ClassINSTR, true},
		{VI_ATTR_SUPPRESS_END_EN, VI_INTF_TCPIP, ClassINSTR, false},
		{VI_ATTR_SUPPRESS_END_EN, VI_INTF_TCPIP, ClassSOCKET, true},
		{VI_ATTR_SUPPRESS_END_EN, VI_INTF_ASRL, ClassINSTR, false},
		{VI_ATTR_TCPIP_NODELAY, VI_INTF_TCPIP, ClassSOCKET, true},
		{VI_ATTR_TCPIP_KEEPALIVE, VI_INTF_TCPIP, ClassSOCKET, false},
		{VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB, VI_INTF_TCPIP, ClassINSTR, uint32(1024)},
		{VI_ATTR_ASRL_BAUD, VI_INTF_ASRL, ClassINSTR, uint32(9600)},
		{VI_ATTR_ASRL_DATA_BITS, VI_INTF_ASRL, ClassINSTR, uint16(8)},
		{VI_ATTR_ASRL_PARITY, VI_INTF_ASRL, ClassINSTR, VI_ASRL_PAR_NONE},
		{VI_ATTR_ASRL_STOP_BITS, VI_INTF_ASRL, ClassINSTR, uint16(10)},
		{VI_ATTR_ASRL_FLOW_CNTRL, VI_INTF_ASRL, ClassINSTR, uint16(0)},
		{VI_ATTR_ASRL_END_IN, VI_INTF_ASRL, ClassINSTR, uint16(2)},
		{VI_ATTR_ASRL_END_OUT, VI_INTF_ASRL, ClassINSTR, uint16(0)},
		{VI_ATTR_ASRL_XON_CHAR, VI_INTF_ASRL, ClassINSTR, uint8(0x11)},
		{VI_ATTR_ASRL_XOFF_CHAR, VI_INTF_ASRL, ClassINSTR, uint8(0x13)},
		{VI_ATTR_IO_PROT, VI_INTF_USB, ClassINSTR, uint16(1)},
		{VI_ATTR_USB_END_IN, VI_INTF_USB, ClassRAW, uint16(5)},
		{VI_ATTR_GPIB_SECONDARY_ADDR, VI_INTF_GPIB, ClassINSTR, uint16(0xFFFF)},
		{VI_ATTR_INTF_TYPE, VI_INTF_USB, ClassRAW, uint16(7)},
		{VI_ATTR_RSRC_CLASS, VI_INTF_TCPIP, ClassSOCKET, "SOCKET"},
		{VI_ATTR_RSRC_NAME, VI_INTF_TCPIP, ClassSOCKET, ""},
		{VI_ATTR_RSRC_LOCK_STATE, VI_INTF_GPIB, ClassINSTR, uint32(0)},
		{VI_ATTR_MAX_QUEUE_LENGTH, VI_INTF_GPIB, ClassINSTR, uint32(50)},
		{VI_ATTR_TRIG_ID, VI_INTF_GPIB, ClassINSTR, int16(-1)},
		{VI_ATTR_RSRC_SPEC_VERSION, VI_INTF_GPIB, ClassINSTR, VI_SPEC_VERSION},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tc.id, tc.intf, tc.class), func(t *testing.T) {
			got, ok := DefaultAttr(tc.id, tc.intf, tc.class)
			require.True(t, ok)
			assert.Equal(t, tc.want, got)
		})
	}
	_, ok := DefaultAttr(0x3FFF7777, VI_INTF_TCPIP, ClassINSTR)
	assert.False(t, ok)
}

func TestAttrValid(t *testing.T) {
	tests := []struct {
		r    AttrValid
		ok   []int64
		fail []int64
		str  string
	}{
		{AttrValid{}, []int64{-5, 0, 1 << 40}, nil, "any value of the type"},
		{vRange(5, 8), []int64{5, 8}, []int64{4, 9, -1}, "5..8"},
		{vRange(0, 30, 0xFFFF), []int64{0, 30, 0xFFFF}, []int64{31, 0xFFFE}, "0..30 or one of [65535]"},
		{vSet(10, 15, 20), []int64{10, 15, 20}, []int64{0, 11}, "one of [10 15 20]"},
		{AttrValid{Kind: ValidMask, Mask: 7}, []int64{0, 1, 6, 7}, []int64{8, 9, -1}, "a combination of the bits 0x7"},
	}
	for _, tc := range tests {
		for _, v := range tc.ok {
			assert.True(t, tc.r.Allows(v), "%s allows %d", tc.str, v)
		}
		for _, v := range tc.fail {
			assert.False(t, tc.r.Allows(v), "%s refuses %d", tc.str, v)
		}
		assert.Equal(t, tc.str, tc.r.String())
	}
}
