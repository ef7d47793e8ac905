package visa

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The VISA regular-expression language of viFindRsrc, as documented by
// NI ("Finding VISA Resources Using Regular Expressions", NI-VISA 15.0 Help,
// zone.ni.com/reference/en-XX/help/370131S-01/ni-visa/
// findingvisaresourcesusingregularexpressions/) and Keysight (viFindRsrc in
// the IO Libraries Suite help), both following VPP-4.3 §4.3.2.1:
//
//	?        any one character
//	\c       the character c itself ("\?" matches "?")
//	[list]   one character of the list; a hyphen gives a range
//	[^list]  one character not in the list
//	*        0 or more occurrences of the preceding character or expression
//	+        1 or more occurrences of the preceding character or expression
//	exp|exp  either expression; | binds loosest (VXI|GPIB is (VXI)|(GPIB))
//	(exp)    grouping
//
// Every other character stands for itself: "." and "::" in a resource name
// are plain text, and "?*" means "anything". The match is case-insensitive
// and covers the whole resource string.
//
// The expression is translated into Go's RE2 syntax, which runs in time
// linear in the input (no backtracking blow-up). Every character that comes
// from the user is emitted escaped (regexp.QuoteMeta, or \x{...} inside
// classes), so user text can never inject Go regexp syntax.

const (
	maxSearchExprLen = 4096 // longer expressions are rejected
	maxSearchDepth   = 64   // nesting of ( ) in either part
)

type reTranslator struct {
	src   string // the regular-expression part
	pos   int
	depth int
}

func (t *reTranslator) errf(pos int, format string, args ...any) *Error {
	return searchError(fmt.Sprintf(format, args...) + fmt.Sprintf(" at column %d", pos+1))
}

func searchError(msg string) *Error {
	return &Error{Status: VI_ERROR_INV_EXPR, Op: "viFindRsrc", Msg: msg}
}

// compile translates and compiles t.src from t.pos to its end.
func (t *reTranslator) compile() (*regexp.Regexp, string, *Error) {
	if t.pos >= len(t.src) {
		return nil, "", searchError("empty regular expression (use \"?*\" to match every resource)")
	}
	body, err := t.alt()
	if err != nil {
		return nil, "", err
	}
	if t.pos < len(t.src) { // only a ')' stops alt() early
		return nil, "", t.errf(t.pos, "unmatched ')'")
	}
	pattern := `(?is)\A(?:` + body + `)\z`
	re, cerr := regexp.Compile(pattern)
	if cerr != nil {
		// Not expected for translated input; report it as a bad
		// expression rather than panicking.
		return nil, "", searchError("expression too complex: " + cerr.Error())
	}
	return re, pattern, nil
}

// alt := concat ('|' concat)*
func (t *reTranslator) alt() (string, *Error) {
	var b strings.Builder
	for {
		s, err := t.concat()
		if err != nil {
			return "", err
		}
		b.WriteString(s)
		if t.pos < len(t.src) && t.src[t.pos] == '|' {
			b.WriteByte('|')
			t.pos++
			continue
		}
		return b.String(), nil
	}
}

// concat := repeat*   (stops before '|' or ')')
func (t *reTranslator) concat() (string, *Error) {
	var b strings.Builder
	for t.pos < len(t.src) {
		c := t.src[t.pos]
		if c == '|' || c == ')' {
			break
		}
		s, err := t.repeat()
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// repeat := atom ('*' | '+')*
func (t *reTranslator) repeat() (string, *Error) {
	s, err := t.atom()
	if err != nil {
		return "", err
	}
	repeated := false
	for t.pos < len(t.src) && (t.src[t.pos] == '*' || t.src[t.pos] == '+') {
		if repeated {
			// RE2 rejects "x**"; "(?:x*)*" means the same.
			s = "(?:" + s + ")"
		}
		s += string(t.src[t.pos])
		repeated = true
		t.pos++
	}
	return s, nil
}

func (t *reTranslator) atom() (string, *Error) {
	start := t.pos
	c := t.src[t.pos]
	switch c {
	case '?':
		t.pos++
		return ".", nil
	case '*', '+':
		return "", t.errf(start, "%q has nothing to repeat", c)
	case '(':
		if t.depth >= maxSearchDepth {
			return "", t.errf(start, "groups nested deeper than %d", maxSearchDepth)
		}
		t.depth++
		t.pos++
		inner, err := t.alt()
		if err != nil {
			return "", err
		}
		if t.pos >= len(t.src) || t.src[t.pos] != ')' {
			return "", t.errf(start, "unclosed '('")
		}
		t.pos++
		t.depth--
		return "(?:" + inner + ")", nil
	case '[':
		return t.class()
	case '\\':
		if t.pos+1 >= len(t.src) {
			return "", t.errf(start, "'\\' at the end escapes nothing")
		}
		t.pos++
	}
	r := t.rune()
	return regexp.QuoteMeta(string(r)), nil
}

// rune consumes one character; invalid UTF-8 is taken byte by byte as
// U+FFFD, which then never matches a valid resource name.
func (t *reTranslator) rune() rune {
	r, n := utf8.DecodeRuneInString(t.src[t.pos:])
	t.pos += n
	return r
}

// class translates [list] and [^list]. Inside, '\' escapes the next
// character, '-' between two characters is a range, and a '-' first or last
// is literal.
func (t *reTranslator) class() (string, *Error) {
	start := t.pos
	t.pos++ // '['
	var b strings.Builder
	b.WriteByte('[')
	if t.pos < len(t.src) && t.src[t.pos] == '^' {
		b.WriteByte('^')
		t.pos++
	}
	items := 0
	for {
		if t.pos >= len(t.src) {
			return "", t.errf(start, "unclosed '['")
		}
		if t.src[t.pos] == ']' {
			t.pos++
			break
		}
		lo, err := t.classChar(start)
		if err != nil {
			return "", err
		}
		hi := lo
		if t.pos+1 < len(t.src) && t.src[t.pos] == '-' && t.src[t.pos+1] != ']' {
			dash := t.pos
			t.pos++
			if hi, err = t.classChar(start); err != nil {
				return "", err
			}
			if hi < lo {
				return "", t.errf(dash, "range %q-%q is reversed", lo, hi)
			}
		}
		fmt.Fprintf(&b, `\x{%x}`, lo)
		if hi != lo {
			fmt.Fprintf(&b, `-\x{%x}`, hi)
		}
		items++
	}
	if items == 0 {
		return "", t.errf(start, "empty character list")
	}
	b.WriteByte(']')
	return b.String(), nil
}

func (t *reTranslator) classChar(start int) (rune, *Error) {
	if t.src[t.pos] == '\\' {
		t.pos++
		if t.pos >= len(t.src) {
			return 0, t.errf(start, "unclosed '['")
		}
	}
	return t.rune(), nil
}
