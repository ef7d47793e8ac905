package visa

import (
	"regexp"
)

// SearchExpr is a compiled viFindRsrc search expression: a VISA regular
// expression over resource names, optionally followed by an attribute
// expression in braces, e.g. "?*INSTR{VI_ATTR_MANF_ID==0x1AB1}".
// A SearchExpr is immutable and safe for concurrent use.
type SearchExpr struct {
	src     string
	re      *regexp.Regexp
	pattern string
	attr    seExpr   // nil without an attribute part
	names   []string // attributes the attribute part reads
}

// CompileSearch compiles a viFindRsrc expression. The regular-expression
// part uses the VISA language (? any character, * and + repetition of the
// preceding character or group, [list], [^list], |, ( ), \ escapes); it is
// anchored at both ends and case-insensitive. White space between it and
// the attribute part is ignored.
//
// The attribute part, "{...}", compares attributes (VI_ATTR_*) with
// integer constants (decimal or 0x hex), VI_TRUE/VI_FALSE, quoted strings
// or other attributes, with ==, !=, <, >, <=, >= and the logic operators
// !, &&, || and parentheses.
//
// A malformed expression gives an *Error with VI_ERROR_INV_EXPR whose
// message names the problem and its column (1-based).
func CompileSearch(expr string) (*SearchExpr, error) {
	if len(expr) > maxSearchExprLen {
		return nil, searchError("expression longer than 4096 bytes")
	}
	// Find the '{' that starts the attribute part: the first one that is
	// neither escaped nor inside a [list].
	open := -1
	inClass := false
scan:
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; {
		case c == '\\':
			i++
		case inClass && c == ']':
			inClass = false
		case inClass:
		case c == '[':
			inClass = true
			// A ']' right after '[' or '[^' is still the list's end for
			// the translator, which reports the empty list.
		case c == '{':
			open = i
			break scan
		}
	}
	reEnd := len(expr)
	if open >= 0 {
		reEnd = open
	}
	reStart := 0
	for reStart < reEnd && seIsSpace(expr[reStart]) {
		reStart++
	}
	for reEnd > reStart && seIsSpace(expr[reEnd-1]) && !seEscaped(expr, reEnd-1) {
		reEnd--
	}
	t := &reTranslator{src: expr[:reEnd], pos: reStart}
	re, pattern, err := t.compile()
	if err != nil {
		return nil, err
	}
	s := &SearchExpr{src: expr, re: re, pattern: pattern}
	if open >= 0 {
		if s.attr, s.names, err = seParseAttrExpr(expr, open); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// String returns the expression as given to CompileSearch.
func (s *SearchExpr) String() string { return s.src }

// Pattern returns the Go (RE2) regular expression the VISA regular
// expression was translated to, for diagnostics.
func (s *SearchExpr) Pattern() string { return s.pattern }

// HasAttrExpr reports whether the expression has an attribute part.
func (s *SearchExpr) HasAttrExpr() bool { return s.attr != nil }

// AttrNames returns the attribute names the attribute part reads, upper
// case, each once, in order of first use; nil without an attribute part.
// A caller can use it to fetch only those attributes.
func (s *SearchExpr) AttrNames() []string {
	if len(s.names) == 0 {
		return nil
	}
	return append([]string(nil), s.names...)
}

// MatchName reports whether the resource name matches the regular-
// expression part (the attribute part is not consulted).
func (s *SearchExpr) MatchName(name string) bool { return s.re.MatchString(name) }

// Match reports whether a resource matches the whole expression. attr
// resolves an attribute by its VISA name ("VI_ATTR_MANF_ID") for this
// resource and returns a Go integer of any kind, a bool (compared as 1 or
// 0) or a string, and false when the resource has no such attribute. A
// comparison involving a missing attribute, or values of different kinds
// (a string and a number), is false; "!" of it is true. attr may be nil:
// every attribute is then missing. attr is called only when the name
// matches, at most once per comparison operand.
func (s *SearchExpr) Match(name string, attr func(attrName string) (any, bool)) bool {
	if !s.re.MatchString(name) {
		return false
	}
	if s.attr == nil {
		return true
	}
	if attr == nil {
		attr = func(string) (any, bool) { return nil, false }
	}
	return s.attr.eval(attr)
}

// seEscaped reports whether expr[i] is preceded by an odd number of '\'.
func seEscaped(expr string, i int) bool {
	n := 0
	for i > 0 && expr[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
}
