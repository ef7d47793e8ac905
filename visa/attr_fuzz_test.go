package visa

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzLookupAttrName checks that any name either fails or finds an entry
// whose name it spells, and never panics.
func FuzzLookupAttrName(f *testing.F) {
	for _, s := range []string{"VI_ATTR_TMO_VALUE", "tmo_value", "USER_DATA", "VI_ATTR_", "", " x ", "vi_attr_pxi_mem_size_bar5", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		a, ok := LookupAttrName(name)
		if !ok {
			return
		}
		n := strings.ToUpper(strings.TrimSpace(name))
		if !strings.HasSuffix(a.Name, strings.TrimPrefix(n, "VI_ATTR_")) && attrAliases[n] == 0 && attrAliases["VI_ATTR_"+n] == 0 {
			t.Fatalf("%q found %s", name, a.Name)
		}
	})
}

// FuzzAttrStoreSet sets arbitrary values on arbitrary attributes of every
// common kind of session: a Set either fails with an *Error of the three
// documented statuses or stores a value of the attribute's Go type that
// follows its rule.
func FuzzAttrStoreSet(f *testing.F) {
	f.Add(uint32(VI_ATTR_TMO_VALUE), int64(5000), "", uint8(0), uint8(0))
	f.Add(uint32(VI_ATTR_ASRL_DATA_BITS), int64(9), "", uint8(2), uint8(1))
	f.Add(uint32(VI_ATTR_RSRC_NAME), int64(0), "x", uint8(1), uint8(2))
	f.Add(uint32(VI_ATTR_TERMCHAR_EN), int64(1), "", uint8(3), uint8(3))
	f.Add(uint32(0x3FFF7777), int64(-1), "", uint8(4), uint8(0))
	kinds := []struct {
		intf  InterfaceType
		class ResourceClass
	}{
		{VI_INTF_TCPIP, ClassSOCKET}, {VI_INTF_TCPIP, ClassINSTR}, {VI_INTF_ASRL, ClassINSTR},
		{VI_INTF_USB, ClassINSTR}, {VI_INTF_USB, ClassRAW}, {VI_INTF_GPIB, ClassINSTR}, {VI_INTF_GPIB, ClassINTFC},
	}
	f.Fuzz(func(t *testing.T, id uint32, n int64, s string, kind, form uint8) {
		k := kinds[int(kind)%len(kinds)]
		st := NewAttrStore(k.intf, k.class)
		var v any
		switch form % 6 {
		case 0:
			v = n
		case 1:
			v = uint64(n)
		case 2:
			v = int16(n)
		case 3:
			v = n&1 == 1
		case 4:
			v = s
		default:
			v = uint8(n)
		}
		err := st.Set(Attr(id), v)
		if err != nil {
			switch st := StatusOf(err); st {
			case VI_ERROR_NSUP_ATTR, VI_ERROR_ATTR_READONLY, VI_ERROR_NSUP_ATTR_STATE:
			default:
				t.Fatalf("unexpected status %s", st)
			}
			return
		}
		got, err := st.Get(Attr(id))
		if err != nil {
			t.Fatalf("Get after Set: %v", err)
		}
		a, _ := LookupAttr(Attr(id))
		if fmt.Sprintf("%T", got) != a.Type.GoType() {
			t.Fatalf("%s stored as %T", a.Name, got)
		}
		if x, ok := ruleValue(got); ok && !ruleFor(&a, k.intf, k.class).Allows(x) {
			t.Fatalf("%s=%v breaks its rule", a.Name, got)
		}
	})
}
