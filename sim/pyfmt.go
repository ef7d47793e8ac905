package sim

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds the subset of Python's str.format that pyvisa-sim files
// use: "{:.2f}", "{:+.8E}", "{:d}", "{:s}", "{}", named fields, "{{" and
// "}}", and the reverse direction (parsing a setter's arguments out of a
// message with the same pattern, as pyvisa-sim's stringparser does).

// value is a property or state value: a string, an integer or a float.
type value struct {
	kind byte // 's', 'i', 'f'
	s    string
	i    int64
	f    float64
}

func strValue(s string) value { return value{kind: 's', s: s} }

// String is the value as Python's str() would print it.
func (v value) String() string {
	switch v.kind {
	case 'i':
		return strconv.FormatInt(v.i, 10)
	case 'f':
		return pyRepr(v.f)
	}
	return v.s
}

// pyRepr formats a float the way Python's str() does for common values.
func pyRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if abs := math.Abs(f); abs >= 1e16 || (abs < 1e-4 && abs != 0) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// segment is a literal or a replacement field of a template.
type segment struct {
	lit   string
	field bool
	name  string // "" for {} and {0}-style positional fields
	spec  string
}

// parseTemplate splits a Python format string into segments. Parentheses
// inside a field (directives such as RANDOM(1, 2, 3)) may hold ':'.
func parseTemplate(t string) ([]segment, error) {
	var segs []segment
	var lit strings.Builder
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '{' && i+1 < len(t) && t[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(t) && t[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '{':
			depth, j := 0, i+1
			colon := -1
		scan:
			for ; j < len(t); j++ {
				switch t[j] {
				case '(':
					depth++
				case ')':
					depth--
				case ':':
					if depth == 0 && colon < 0 {
						colon = j
					}
				}
				if t[j] == '}' && depth <= 0 {
					break scan
				}
			}
			if j >= len(t) {
				return nil, fmt.Errorf("unclosed '{' at offset %d", i)
			}
			if lit.Len() > 0 {
				segs = append(segs, segment{lit: lit.String()})
				lit.Reset()
			}
			s := segment{field: true}
			if colon >= 0 {
				s.name, s.spec = t[i+1:colon], t[colon+1:j]
			} else {
				s.name = t[i+1 : j]
			}
			if k := strings.IndexByte(s.name, '!'); k >= 0 && !strings.Contains(s.name, "(") {
				s.name = s.name[:k] // !r / !s conversions: str() is what we do anyway
			}
			s.name = strings.TrimSpace(s.name)
			if _, err := parseSpec(s.spec, 's'); err != nil && !isDirective(s.name) {
				return nil, err
			}
			segs = append(segs, s)
			i = j
		case c == '}':
			return nil, fmt.Errorf("single '}' at offset %d", i)
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		segs = append(segs, segment{lit: lit.String()})
	}
	return segs, nil
}

// formatTemplate formats a getter response: every field gets v.
func formatTemplate(t string, v any) (string, error) {
	segs, err := parseTemplate(t)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, s := range segs {
		if !s.field {
			sb.WriteString(s.lit)
			continue
		}
		if isDirective(s.name) {
			out, err := expandDirective(s.name, s.spec, nil)
			if err != nil {
				return "", err
			}
			sb.WriteString(out)
			continue
		}
		out, err := pyFormat(s.spec, toValue(v))
		if err != nil {
			return "", err
		}
		sb.WriteString(out)
	}
	return sb.String(), nil
}

func toValue(v any) value {
	switch x := v.(type) {
	case value:
		return x
	case string:
		return strValue(x)
	case int:
		return value{kind: 'i', i: int64(x)}
	case int64:
		return value{kind: 'i', i: x}
	case float64:
		return value{kind: 'f', f: x}
	}
	return strValue(fmt.Sprint(v))
}

// fmtSpec is a parsed Python format spec.
type fmtSpec struct {
	fill          rune
	align         byte
	sign          byte
	alt, zero     bool
	width         int
	group         byte
	prec          int // -1: none
	typ           byte
	explicitAlign bool
}

var errSpec = errors.New("invalid format spec")

func parseSpec(s string, defTyp byte) (fmtSpec, error) {
	f := fmtSpec{fill: ' ', prec: -1}
	i := 0
	if r, n := utf8.DecodeRuneInString(s); n > 0 && n < len(s) && strings.IndexByte("<>=^", s[n]) >= 0 {
		f.fill, f.align, f.explicitAlign = r, s[n], true
		i = n + 1
	} else if len(s) > 0 && strings.IndexByte("<>=^", s[0]) >= 0 {
		f.align, f.explicitAlign = s[0], true
		i = 1
	}
	if i < len(s) && strings.IndexByte("+- ", s[i]) >= 0 {
		f.sign = s[i]
		i++
	}
	if i < len(s) && s[i] == '#' {
		f.alt = true
		i++
	}
	if i < len(s) && s[i] == '0' {
		f.zero = true
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j > i {
		f.width, _ = strconv.Atoi(s[i:j])
		if f.width > 1<<16 {
			return f, fmt.Errorf("%w %q: width too large", errSpec, s)
		}
		i = j
	}
	if i < len(s) && (s[i] == ',' || s[i] == '_') {
		f.group = s[i]
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		j = i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return f, fmt.Errorf("%w %q: precision without digits", errSpec, s)
		}
		f.prec, _ = strconv.Atoi(s[i:j])
		if f.prec > 100 {
			return f, fmt.Errorf("%w %q: precision too large", errSpec, s)
		}
		i = j
	}
	if i < len(s) {
		f.typ = s[i]
		i++
		if strings.IndexByte("bcdeEfFgGnosxX%", f.typ) < 0 {
			return f, fmt.Errorf("%w %q: unknown type %q", errSpec, s, f.typ)
		}
	}
	if i != len(s) {
		return f, fmt.Errorf("%w %q", errSpec, s)
	}
	_ = defTyp
	return f, nil
}

// pyFormat formats v with a Python format spec.
func pyFormat(spec string, v value) (string, error) {
	f, err := parseSpec(spec, 's')
	if err != nil {
		return "", err
	}
	typ := f.typ
	if typ == 0 {
		if v.kind == 's' || f.prec < 0 {
			if v.kind == 'f' && f.prec >= 0 {
				typ = 'g'
			} else {
				return pad(f, v.String(), v.kind != 's'), nil
			}
		} else {
			typ = 'g'
		}
	}
	var body string
	neg := false
	switch typ {
	case 's':
		s := v.String()
		if f.prec >= 0 && len(s) > f.prec {
			s = s[:f.prec]
		}
		return pad(f, s, false), nil
	case 'd', 'n', 'x', 'X', 'o', 'b', 'c':
		n, ok := v.int()
		if !ok {
			return "", fmt.Errorf("format %q needs an integer, got %q", spec, v.String())
		}
		if n < 0 {
			neg, n = true, -n
		}
		base := map[byte]int{'d': 10, 'n': 10, 'x': 16, 'X': 16, 'o': 8, 'b': 2, 'c': 10}[typ]
		body = strconv.FormatInt(n, base)
		if f.alt && base != 10 {
			body = "0" + string(map[int]byte{16: 'x', 8: 'o', 2: 'b'}[base]) + body
		}
		if typ == 'X' {
			body = strings.ToUpper(body)
		}
		if typ == 'c' {
			body = string(rune(n))
		}
	default: // e E f F g G %
		x, ok := v.float()
		if !ok {
			return "", fmt.Errorf("format %q needs a number, got %q", spec, v.String())
		}
		if x < 0 || (x == 0 && math.Signbit(x)) {
			neg, x = true, -x
		}
		prec := f.prec
		if prec < 0 {
			prec = 6
		}
		switch typ {
		case 'e', 'E':
			body = strconv.FormatFloat(x, 'e', prec, 64)
		case 'f', 'F':
			body = strconv.FormatFloat(x, 'f', prec, 64)
		case '%':
			body = strconv.FormatFloat(x*100, 'f', prec, 64) + "%"
		case 'g', 'G':
			if prec == 0 {
				prec = 1
			}
			body = strconv.FormatFloat(x, 'g', prec, 64)
			if f.alt {
				body = strconv.FormatFloat(x, 'g', prec, 64)
			}
		}
		if typ == 'E' || typ == 'G' || typ == 'F' {
			body = strings.ToUpper(body)
		}
	}
	if f.group != 0 {
		body = group(body, f.group)
	}
	sign := ""
	switch {
	case neg:
		sign = "-"
	case f.sign == '+':
		sign = "+"
	case f.sign == ' ':
		sign = " "
	}
	if f.zero && !f.explicitAlign {
		f.fill, f.align = '0', '='
	}
	if f.align == '=' {
		w := f.width - len(sign)
		for utf8.RuneCountInString(body) < w {
			body = string(f.fill) + body
		}
		return sign + body, nil
	}
	return pad(f, sign+body, true), nil
}

// group inserts thousands separators into the integer part of a number.
func group(s string, sep byte) string {
	end := strings.IndexAny(s, ".eE%")
	if end < 0 {
		end = len(s)
	}
	intPart, rest := s[:end], s[end:]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(sep)
		}
		b.WriteRune(c)
	}
	return b.String() + rest
}

func pad(f fmtSpec, s string, numeric bool) string {
	n := utf8.RuneCountInString(s)
	if n >= f.width {
		return s
	}
	fill := strings.Repeat(string(f.fill), f.width-n)
	align := f.align
	if align == 0 || align == '=' {
		align = '<'
		if numeric {
			align = '>'
		}
	}
	switch align {
	case '>':
		return fill + s
	case '^':
		left := (f.width - n) / 2
		return strings.Repeat(string(f.fill), left) + s + strings.Repeat(string(f.fill), f.width-n-left)
	}
	return s + fill
}

func (v value) int() (int64, bool) {
	switch v.kind {
	case 'i':
		return v.i, true
	case 'f':
		if v.f == math.Trunc(v.f) && math.Abs(v.f) < 1<<62 {
			return int64(v.f), true
		}
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v.s), 10, 64)
	return n, err == nil
}

func (v value) float() (float64, bool) {
	switch v.kind {
	case 'i':
		return float64(v.i), true
	case 'f':
		return v.f, true
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
	return f, err == nil
}

// validate converts a string to the property's type and checks min, max
// and valid, as pyvisa-sim's Specs do. Without specs the value is a string.
func (sp *Specs) validate(prop, s string) (value, error) {
	if sp == nil || sp.Type == "" {
		if sp != nil && len(sp.Valid) > 0 && !contains(sp.Valid, s) {
			return value{}, fmt.Errorf("%q is not one of the valid values %v", s, sp.Valid)
		}
		return strValue(s), nil
	}
	var v value
	switch sp.Type {
	case "float":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return value{}, fmt.Errorf("%q is not a float", s)
		}
		v = value{kind: 'f', f: f}
	case "int":
		t := strings.TrimSpace(s)
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(t, 64)
			if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1<<62 {
				return value{}, fmt.Errorf("%q is not an int", s)
			}
			n = int64(f) // Python's int(float) truncates
		}
		v = value{kind: 'i', i: n}
	default:
		v = strValue(s)
	}
	if x, ok := v.float(); ok && v.kind != 's' {
		if sp.Min != nil && x < *sp.Min {
			return value{}, fmt.Errorf("%s is less than the minimum %v", v, *sp.Min)
		}
		if sp.Max != nil && x > *sp.Max {
			return value{}, fmt.Errorf("%s is more than the maximum %v", v, *sp.Max)
		}
	}
	if len(sp.Valid) > 0 {
		ok := false
		for _, c := range sp.Valid {
			cv, err := (&Specs{Type: sp.Type}).validate(prop, c)
			if err == nil && cv == v {
				ok = true
				break
			}
		}
		if !ok {
			return value{}, fmt.Errorf("%s is not one of the valid values %v", v, sp.Valid)
		}
	}
	return v, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// setterParser matches a message against a setter pattern and extracts
// its fields, like pyvisa-sim's stringparser.
type setterParser struct {
	re    *regexp.Regexp
	names []string // field names in group order ("0", "1", ... for positional)
}

const floatRe = `[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|nan|INF|NAN)`

func compileSetter(q string) (*setterParser, error) {
	q, err := decodeBytes(q)
	if err != nil {
		return nil, err
	}
	segs, err := parseTemplate(q)
	if err != nil {
		return nil, err
	}
	var re strings.Builder
	re.WriteString(`(?s)^`)
	p := &setterParser{}
	pos := 0
	for _, s := range segs {
		if !s.field {
			re.WriteString(regexp.QuoteMeta(s.lit))
			continue
		}
		f, err := parseSpec(s.spec, 's')
		if err != nil {
			return nil, err
		}
		var g string
		switch f.typ {
		case 'd', 'n':
			g = `[+-]?\d+`
		case 'x', 'X':
			g = `[+-]?(?:0[xX])?[0-9a-fA-F]+`
		case 'o':
			g = `[+-]?(?:0[oO])?[0-7]+`
		case 'b':
			g = `[+-]?(?:0[bB])?[01]+`
		case 'e', 'E', 'f', 'F', 'g', 'G', '%':
			g = floatRe
		default:
			g = `.*?`
		}
		name := s.name
		if name == "" {
			name = strconv.Itoa(pos)
			pos++
		}
		p.names = append(p.names, name)
		re.WriteString("(" + g + ")")
	}
	re.WriteString(`$`)
	rx, err := regexp.Compile(re.String())
	if err != nil {
		return nil, err
	}
	p.re = rx
	return p, nil
}

// match returns the fields of msg, or nil when msg does not fit.
func (p *setterParser) match(msg string) map[string]string {
	m := p.re.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(p.names))
	for i, n := range p.names {
		out[n] = strings.TrimSpace(m[i+1])
	}
	return out
}
