package visa

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// searchResources is a resource table with attributes, as a backend would
// report it.
var searchResources = []struct {
	name  string
	attrs map[string]any
}{
	{"GPIB0::2::INSTR", map[string]any{"VI_ATTR_GPIB_PRIMARY_ADDR": uint16(2), "VI_ATTR_GPIB_SECONDARY_ADDR": uint16(0xFFFF)}},
	{"GPIB1::1::5::INSTR", map[string]any{"VI_ATTR_GPIB_PRIMARY_ADDR": uint16(1), "VI_ATTR_GPIB_SECONDARY_ADDR": uint16(5)}},
	{"GPIB-VXI1::8::INSTR", map[string]any{"VI_ATTR_MANF_ID": uint16(0xFF6), "VI_ATTR_VXI_LA": int16(8), "VI_ATTR_SLOT": int16(3)}},
	{"GPIB0::INTFC", nil},
	{"VXI0::1::INSTR", map[string]any{"VI_ATTR_MANF_ID": uint16(0xFF6), "VI_ATTR_VXI_LA": int16(1), "VI_ATTR_SLOT": int16(-1)}},
	{"ASRL1::INSTR", map[string]any{"VI_ATTR_ASRL_BAUD": uint32(9600)}},
	{"ASRL10::INSTR", map[string]any{"VI_ATTR_ASRL_BAUD": uint32(115200)}},
	{"ASRL/dev/ttyUSB0::INSTR", map[string]any{"VI_ATTR_ASRL_BAUD": uint32(9600)}},
	{"TCPIP0::192.168.1.5::inst0::INSTR", map[string]any{"VI_ATTR_TCPIP_PORT": uint16(111), "VI_ATTR_MANF_ID": 0x1AB1}},
	{"TCPIP0::192.168.1.6::5025::SOCKET", map[string]any{"VI_ATTR_TCPIP_PORT": uint16(5025), "VI_ATTR_MANF_ID": 0x1AB1}},
	{"TCPIP0::[fe80::1]::hislip0::INSTR", map[string]any{"VI_ATTR_TCPIP_PORT": uint16(4880), "VI_ATTR_MANF_ID": 0x0957}},
	{"USB0::0x1AB1::0x04CE::DS1ZA1::0::INSTR", map[string]any{
		"VI_ATTR_MANF_ID": uint16(0x1AB1), "VI_ATTR_MODEL_CODE": uint16(0x04CE),
		"VI_ATTR_USB_SERIAL_NUM": "DS1ZA1", "VI_ATTR_4882_COMPLIANT": true,
	}},
	{"USB0::0x0957::0x1796::MY5::0::RAW", map[string]any{
		"VI_ATTR_MANF_ID": uint16(0x0957), "VI_ATTR_USB_SERIAL_NUM": "MY5", "VI_ATTR_4882_COMPLIANT": false,
	}},
	{"PXI0::15::INSTR", map[string]any{"VI_ATTR_MANF_ID": uint64(1 << 63), "VI_ATTR_SLOT": int64(-5)}},
}

func searchMatches(t *testing.T, expr string) []string {
	t.Helper()
	s, err := CompileSearch(expr)
	require.NoError(t, err, expr)
	var got []string
	for _, r := range searchResources {
		attrs := r.attrs
		if s.Match(r.name, func(n string) (any, bool) { v, ok := attrs[n]; return v, ok }) {
			got = append(got, r.name)
		}
	}
	return got
}

func TestSearchMatch(t *testing.T) {
	cases := []struct {
		expr string
		want []string
	}{
		{"?*INSTR", []string{"GPIB0::2::INSTR", "GPIB1::1::5::INSTR", "GPIB-VXI1::8::INSTR", "VXI0::1::INSTR",
			"ASRL1::INSTR", "ASRL10::INSTR", "ASRL/dev/ttyUSB0::INSTR", "TCPIP0::192.168.1.5::inst0::INSTR",
			"TCPIP0::[fe80::1]::hislip0::INSTR", "USB0::0x1AB1::0x04CE::DS1ZA1::0::INSTR", "PXI0::15::INSTR"}},
		{"?*::INSTR", []string{"GPIB0::2::INSTR", "GPIB1::1::5::INSTR", "GPIB-VXI1::8::INSTR", "VXI0::1::INSTR",
			"ASRL1::INSTR", "ASRL10::INSTR", "ASRL/dev/ttyUSB0::INSTR", "TCPIP0::192.168.1.5::inst0::INSTR",
			"TCPIP0::[fe80::1]::hislip0::INSTR", "USB0::0x1AB1::0x04CE::DS1ZA1::0::INSTR", "PXI0::15::INSTR"}},
		{"?*", namesOf(searchResources)},
		// NI's own sample: GPIB?*INSTR matches GPIB-VXI names too.
		{"GPIB?*INSTR", []string{"GPIB0::2::INSTR", "GPIB1::1::5::INSTR", "GPIB-VXI1::8::INSTR"}},
		{"GPIB[0-9]*::?*INSTR", []string{"GPIB0::2::INSTR", "GPIB1::1::5::INSTR"}},
		{"ASRL[0-9]*::?*INSTR", []string{"ASRL1::INSTR", "ASRL10::INSTR"}},
		{"ASRL[0-9]+::INSTR", []string{"ASRL1::INSTR", "ASRL10::INSTR"}},
		{"ASRL?::INSTR", []string{"ASRL1::INSTR"}},
		{"ASRL[^0-9]?*", []string{"ASRL/dev/ttyUSB0::INSTR"}},
		{"(GPIB|VXI)?*INSTR", []string{"GPIB0::2::INSTR", "GPIB1::1::5::INSTR", "GPIB-VXI1::8::INSTR", "VXI0::1::INSTR"}},
		// | binds loosest: VXI|GPIB?*INTFC is (VXI)|(GPIB?*INTFC).
		{"VXI|GPIB?*INTFC", []string{"GPIB0::INTFC"}},
		{"gpib0::intfc", []string{"GPIB0::INTFC"}}, // case-insensitive
		{"GPIB0", nil}, // anchored at the end
		{"?*::2::INSTR", []string{"GPIB0::2::INSTR"}},                              // anchored at the start
		{"TCPIP0::192.168.1.5::?*", []string{"TCPIP0::192.168.1.5::inst0::INSTR"}}, // '.' is literal
		{"TCPIP0::192?168?1?5::?*", []string{"TCPIP0::192.168.1.5::inst0::INSTR"}},
		{"TCPIP0::\\[fe80::1\\]::?*", []string{"TCPIP0::[fe80::1]::hislip0::INSTR"}},
		{"TCPIP0::[[]fe80?*", []string{"TCPIP0::[fe80::1]::hislip0::INSTR"}},
		{"(USB|PXI)0::?*(RAW|INSTR)", []string{"USB0::0x1AB1::0x04CE::DS1ZA1::0::INSTR", "USB0::0x0957::0x1796::MY5::0::RAW", "PXI0::15::INSTR"}},
		{"(GPIB0::)+2::INSTR", []string{"GPIB0::2::INSTR"}},
		{"?**", namesOf(searchResources)},
		{"A\\SRL1::INSTR", []string{"ASRL1::INSTR"}}, // escaped ordinary character

		// Attribute expressions.
		{"?*{VI_ATTR_MANF_ID==0x1AB1 && VI_ATTR_TCPIP_PORT != 5025}", []string{"TCPIP0::192.168.1.5::inst0::INSTR"}},
		{"?*{VI_ATTR_MANF_ID == 0x1AB1}", []string{"TCPIP0::192.168.1.5::inst0::INSTR", "TCPIP0::192.168.1.6::5025::SOCKET", "USB0::0x1AB1::0x04CE::DS1ZA1::0::INSTR"}},
		{"ASRL?*INSTR{VI_ATTR_ASRL_BAUD == 9600}", []string{"ASRL1::INSTR", "ASRL/dev/ttyUSB0::INSTR"}},
		{"ASRL?*INSTR {VI_ATTR_ASRL_BAUD >= 9601}", []string{"ASRL10::INSTR"}},
		{"GPIB[0-9]*::?*::?*::INSTR {VI_ATTR_GPIB_SECONDARY_ADDR > 0 && VI_ATTR_GPIB_SECONDARY_ADDR < 10}", []string{"GPIB1::1::5::INSTR"}},
		// NI sample: not LA 0 and not slot <= 0.
		{"?*VXI?*INSTR{VI_ATTR_MANF_ID == 0xFF6 && !(VI_ATTR_VXI_LA ==0 || VI_ATTR_SLOT <= 0)}", []string{"GPIB-VXI1::8::INSTR"}},
		{"?*{VI_ATTR_USB_SERIAL_NUM == \"DS1ZA1\"}", []string{"USB0::0x1AB1::0x04CE::DS1ZA1::0::INSTR"}},
		{"?*{VI_ATTR_USB_SERIAL_NUM != 'DS1ZA1'}", []string{"USB0::0x0957::0x1796::MY5::0::RAW"}},
		{"?*{VI_ATTR_4882_COMPLIANT == VI_TRUE}", []string{"USB0::0x1AB1::0x04CE::DS1ZA1::0::INSTR"}},
		{"?*{vi_attr_4882_compliant == vi_false}", []string{"USB0::0x0957::0x1796::MY5::0::RAW"}},
		// Missing attributes make a comparison false, and ! of it true.
		{"USB?*{!(VI_ATTR_MODEL_CODE == 0x04CE)}", []string{"USB0::0x0957::0x1796::MY5::0::RAW"}},
		{"USB?*{VI_ATTR_MODEL_CODE != 0x04CE}", nil},
		// Mixed kinds never match.
		{"?*{VI_ATTR_USB_SERIAL_NUM == 5}", nil},
		// Full 64-bit range and negative values.
		{"?*{VI_ATTR_MANF_ID == 0x8000000000000000}", []string{"PXI0::15::INSTR"}},
		{"?*{VI_ATTR_MANF_ID > 9223372036854775807}", []string{"PXI0::15::INSTR"}},
		{"?*{VI_ATTR_SLOT < -1}", []string{"PXI0::15::INSTR"}},
		{"?*{VI_ATTR_SLOT == -1}", []string{"VXI0::1::INSTR"}},
		{"?*{VI_ATTR_SLOT > -2 && VI_ATTR_SLOT <= -1}", []string{"VXI0::1::INSTR"}},
		// Precedence: && before ||, ! before &&.
		{"?*{VI_ATTR_ASRL_BAUD == 115200 || VI_ATTR_TCPIP_PORT == 4880 && VI_ATTR_MANF_ID == 0x957}", []string{"ASRL10::INSTR", "TCPIP0::[fe80::1]::hislip0::INSTR"}},
		{"?*{(VI_ATTR_ASRL_BAUD == 115200 || VI_ATTR_TCPIP_PORT == 4880) && VI_ATTR_MANF_ID == 0x957}", []string{"TCPIP0::[fe80::1]::hislip0::INSTR"}},
		{"?*{!VI_ATTR_ASRL_BAUD == 9600 && VI_ATTR_ASRL_BAUD > 0}", []string{"ASRL10::INSTR"}},
		{"?*{!!(VI_ATTR_ASRL_BAUD == 9600)}", []string{"ASRL1::INSTR", "ASRL/dev/ttyUSB0::INSTR"}},
		// Attribute against attribute and constant against attribute.
		{"?*{VI_ATTR_GPIB_PRIMARY_ADDR == VI_ATTR_GPIB_PRIMARY_ADDR}", []string{"GPIB0::2::INSTR", "GPIB1::1::5::INSTR"}},
		{"?*{9600 < VI_ATTR_ASRL_BAUD}", []string{"ASRL10::INSTR"}},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			assert.Equal(t, c.want, searchMatches(t, c.expr))
		})
	}
}

func namesOf(rs []struct {
	name  string
	attrs map[string]any
}) []string {
	var n []string
	for _, r := range rs {
		n = append(n, r.name)
	}
	return n
}

func TestSearchExprAccessors(t *testing.T) {
	s, err := CompileSearch("  ?*INSTR  { VI_ATTR_MANF_ID == 1 || vi_attr_slot > 2 && VI_ATTR_MANF_ID != 3 }  ")
	require.NoError(t, err)
	assert.True(t, s.HasAttrExpr())
	assert.Equal(t, []string{"VI_ATTR_MANF_ID", "VI_ATTR_SLOT"}, s.AttrNames())
	assert.True(t, s.MatchName("GPIB0::1::INSTR"))
	assert.False(t, s.Match("GPIB0::1::INSTR", nil)) // every attribute missing
	assert.Equal(t, `(?is)\A(?:.*INSTR)\z`, s.Pattern())
	assert.Contains(t, s.String(), "?*INSTR")

	s, err = CompileSearch("?*")
	require.NoError(t, err)
	assert.False(t, s.HasAttrExpr())
	assert.Nil(t, s.AttrNames())
	assert.True(t, s.Match("anything", nil))
}

// TestSearchNoInjection: characters special to Go regexps but not to VISA
// are literals.
func TestSearchNoInjection(t *testing.T) {
	for _, c := range []struct {
		expr, match, nomatch string
	}{
		{"a.c", "a.c", "abc"},
		{"^GPIB$", "^GPIB$", "GPIB"},
		{"x{2}", "", ""}, // '{' starts an attribute part: compile error, checked below
		{"a\\d", "ad", "a1"},
		{"a\\w", "aw", "ab"},
		{"(?i)x", "Aix", "x"}, // a VISA group of "?i", then "x"
		{"[\\]]", "]", "a"},
		{"[a\\-z]", "-", "b"},
		{"[-a]", "-", "b"},
		{"[a-]", "-", "b"},
		{"[\\x41]", "x", "A"}, // \x is just 'x' inside a VISA list
	} {
		s, err := CompileSearch(c.expr)
		if c.match == "" {
			require.Error(t, err, c.expr)
			continue
		}
		require.NoError(t, err, c.expr)
		assert.True(t, s.MatchName(c.match), "%s should match %q", c.expr, c.match)
		assert.False(t, s.MatchName(c.nomatch), "%s should not match %q", c.expr, c.nomatch)
	}
}

func TestSearchErrors(t *testing.T) {
	cases := []struct{ expr, msg string }{
		{"", "empty regular expression"},
		{"   {VI_ATTR_SLOT==1}", "empty regular expression"},
		{"*GPIB", `'*' has nothing to repeat at column 1`},
		{"GPIB|+", `'+' has nothing to repeat at column 6`},
		{"(GPIB", `unclosed '(' at column 1`},
		{"GPIB)", `unmatched ')' at column 5`},
		{"GPIB\\", `'\' at the end escapes nothing at column 5`},
		{"[abc", `unclosed '[' at column 1`},
		{"[]", `empty character list at column 1`},
		{"[^]", `empty character list at column 1`},
		{"[z-a]", `range 'z'-'a' is reversed at column 3`},
		{"[a\\", `unclosed '[' at column 1`},
		{"?*{", `missing '}' at the end of the attribute expression`},
		{"?*{}", `empty attribute expression at column 3`},
		{"?*{VI_ATTR_SLOT}", `expected a comparison operator`},
		{"?*{VI_ATTR_SLOT == }", `attribute expression ends where an operand is expected at column 20`},
		{"?*{VI_ATTR_SLOT = 1}", `unexpected character '='`},
		{"?*{VI_ATTR_SLOT == 1} x", `unexpected text after the attribute expression at column 23`},
		{"?*{VI_ATTR_SLOT == 1 VI_ATTR_SLOT == 2}", `unexpected token (expected &&, || or '}') at column 22`},
		{"?*{(VI_ATTR_SLOT == 1}", `expected ')' to close the '(' at column 4`},
		{"?*{VI_ATTR_SLOT == 1)}", `unexpected token`},
		{"?*{FOO == 1}", `unknown name "FOO" (expected a VI_ATTR_* attribute, VI_TRUE or VI_FALSE) at column 4`},
		{"?*{VI_ATTR_ == 1}", `unknown name "VI_ATTR_"`},
		{"?*{VI_ATTR_SLOT == 0x}", `malformed number "0x"`},
		{"?*{VI_ATTR_SLOT == 12ab}", `malformed number "12a"`},
		{"?*{VI_ATTR_SLOT == 0x1FFFFFFFFFFFFFFFF}", `number out of range`},
		{"?*{VI_ATTR_SLOT == - 1}", `malformed number "-"`},
		{"?*{VI_ATTR_X == \"abc}", `unterminated string at column 17`},
		{"?*{VI_ATTR_X < \"abc\"}", `strings can only be compared with == and != at column 14`},
		{"?*{VI_ATTR_X == 1 &&}", `ends where an operand is expected`},
		{"?*{VI_ATTR_X == 1 & VI_ATTR_Y == 2}", `unexpected character '&'`},
		{"?*{VI_ATTR_X == 1}}", `unexpected text after the attribute expression`},
		{"?*{" + repeatString("(", 100) + "VI_ATTR_X == 1" + repeatString(")", 100) + "}", `nested deeper than 64`},
		{"?*{" + repeatString("!", 100) + "VI_ATTR_X == 1}", `nested deeper than 64`},
		{repeatString("(", 100) + "a" + repeatString(")", 100), `groups nested deeper than 64`},
		{repeatString("a", 5000), `longer than 4096 bytes`},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := CompileSearch(c.expr)
			require.Error(t, err)
			var e *Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, VI_ERROR_INV_EXPR, e.Status)
			assert.Equal(t, "viFindRsrc", e.Op)
			assert.Contains(t, e.Msg, c.msg)
			assert.ErrorIs(t, err, VI_ERROR_INV_EXPR)
		})
	}
}

func repeatString(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for i := 0; i < n; i++ {
		b = append(b, s...)
	}
	return string(b)
}
