package visa

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// visaQuote escapes every character of s for a VISA regular expression.
func visaQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteByte('\\')
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzCompileSearch checks that compiling and matching never panic, that
// every failure is a VI_ERROR_INV_EXPR *Error, and that a fully escaped
// name matches itself (in any ASCII case) and nothing else of another
// length: user text is never taken as Go regexp syntax.
func FuzzCompileSearch(f *testing.F) {
	for _, s := range [][2]string{
		{"?*INSTR", "GPIB0::1::INSTR"},
		{"?*", ""},
		{"GPIB?*INSTR", "GPIB-VXI0::1::INSTR"},
		{"ASRL[0-9]*::?*INSTR", "ASRL1::INSTR"},
		{"(GPIB|VXI)?*INSTR", "VXI0::1::INSTR"},
		{"?*{VI_ATTR_MANF_ID==0x1AB1 && VI_ATTR_TCPIP_PORT != 5025}", "TCPIP0::h::inst0::INSTR"},
		{"?*{!(VI_ATTR_X == \"a\\\"b\") || VI_ATTR_S <= -3}", "x"},
		{"[^a-z\\]]+|\\(x\\)", "(x)"},
		{"((a*)*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac"},
		{"?*{VI_ATTR_B == VI_TRUE && VI_ATTR_U > 0xFFFFFFFFFFFFFFFF}", "z"},
	} {
		f.Add(s[0], s[1])
	}
	attrs := map[string]any{
		"VI_ATTR_MANF_ID": uint16(0x1AB1), "VI_ATTR_TCPIP_PORT": 5025, "VI_ATTR_X": "a\"b",
		"VI_ATTR_S": int8(-3), "VI_ATTR_B": true, "VI_ATTR_U": uint64(1<<64 - 1), "VI_ATTR_F": 1.5,
		"VI_ATTR_NIL": nil,
	}
	lookup := func(n string) (any, bool) { v, ok := attrs[n]; return v, ok }
	f.Fuzz(func(t *testing.T, expr, name string) {
		s, err := CompileSearch(expr)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != VI_ERROR_INV_EXPR || e.Msg == "" {
				t.Fatalf("CompileSearch(%q): %v is not an INV_EXPR *Error with a message", expr, err)
			}
		} else {
			full := s.Match(name, lookup)
			if full && !s.MatchName(name) {
				t.Fatalf("%q matched %q with attributes but not by name", expr, name)
			}
			s.Match(name, nil)
			_ = s.AttrNames()
		}
		if name == "" || !utf8.ValidString(name) || len(name) > 1000 {
			return
		}
		q, err := CompileSearch(visaQuote(name))
		if err != nil {
			t.Fatalf("escaped name %q does not compile: %v", name, err)
		}
		upper := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, name)
		if !q.MatchName(name) || !q.MatchName(upper) {
			t.Fatalf("escaped name %q does not match itself", name)
		}
		if q.MatchName(name+"x") || q.MatchName("x"+name) {
			t.Fatalf("escaped name %q matches a longer name", name)
		}
	})
}
