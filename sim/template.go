package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// maxRandomCount bounds n in RANDOM(min, max, n) so that a file cannot make
// the simulator build a response of unbounded size.
const maxRandomCount = 1 << 20

// maxRandomBytes bounds the text one RANDOM directive may produce.
const maxRandomBytes = 16 << 20

func isDirective(name string) bool {
	return len(name) > 7 && strings.EqualFold(name[:7], "RANDOM(")
}

// expandDirective evaluates RANDOM(min, max, n): n uniformly distributed
// numbers in [min, max], each formatted with spec (Python's str() when
// empty), joined by commas. Arguments may name variables of lookup.
func expandDirective(name, spec string, lookup func(string) (value, bool)) (string, error) {
	lo, hi, n, err := randomArgs(name, spec, lookup)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		s, err := pyFormat(spec, value{kind: 'f', f: lo + rand.Float64()*(hi-lo)})
		if err != nil {
			return "", err
		}
		sb.WriteString(s)
	}
	return sb.String(), nil
}

// checkDirective validates a RANDOM directive without evaluating it
// (arguments that name variables are checked when it runs).
func checkDirective(name, spec string) error {
	_, _, _, err := randomArgs(name, spec, func(string) (value, bool) { return value{kind: 'i', i: 1}, true })
	return err
}

// randomArgs parses and bounds RANDOM's arguments.
func randomArgs(name, spec string, lookup func(string) (value, bool)) (lo, hi float64, n int, err error) {
	if !strings.HasSuffix(name, ")") {
		return 0, 0, 0, fmt.Errorf("%s: missing ')'", name)
	}
	args := strings.Split(name[7:len(name)-1], ",")
	if len(args) != 3 {
		return 0, 0, 0, fmt.Errorf("%s: RANDOM takes (min, max, n)", name)
	}
	var nums [3]float64
	for i, a := range args {
		a = strings.TrimSpace(a)
		f, err := strconv.ParseFloat(a, 64)
		if err != nil && lookup != nil {
			if v, ok := lookup(a); ok {
				f, ok = v.float()
				if ok {
					err = nil
				}
			}
		}
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%s: argument %q is not a number", name, a)
		}
		nums[i] = f
	}
	if !(nums[2] >= 1 && nums[2] <= maxRandomCount) {
		return 0, 0, 0, fmt.Errorf("%s: n must be in 1..%d", name, maxRandomCount)
	}
	lo, hi, n = nums[0], nums[1], int(nums[2])
	if !(hi >= lo) || math.IsInf(hi-lo, 0) {
		return 0, 0, 0, fmt.Errorf("%s: max must be a number not less than min", name)
	}
	f, err := parseSpec(spec, 'g')
	if err != nil {
		return 0, 0, 0, err
	}
	if per := max(f.width, 24+max(f.prec, 0)); n*(per+1) > maxRandomBytes {
		return 0, 0, 0, fmt.Errorf("%s: the response would exceed %d bytes", name, maxRandomBytes)
	}
	return lo, hi, n, nil
}

// decodeBytes replaces each BYTES(...) by its characters taken as raw
// bytes (each character must be in U+0000..U+00FF, which is how YAML
// "\xNN" escapes arrive).
func decodeBytes(s string) (string, error) {
	for {
		i := strings.Index(s, "BYTES(")
		if i < 0 {
			return s, nil
		}
		j := strings.IndexByte(s[i+6:], ')')
		if j < 0 {
			return "", fmt.Errorf("BYTES( at offset %d is not closed", i)
		}
		inner := s[i+6 : i+6+j]
		raw := make([]byte, 0, len(inner))
		for _, r := range inner {
			if r > 0xFF {
				return "", fmt.Errorf("BYTES(...) holds %q, which is not a byte (use \\xNN escapes)", r)
			}
			raw = append(raw, byte(r))
		}
		s = s[:i] + string(raw) + s[i+6+j+1:]
	}
}

// directiveTemplate is a dialogue response: literal text where only
// {RANDOM(...)} fields are evaluated (pyvisa-sim leaves other braces of a
// dialogue response alone).
type directiveTemplate struct {
	plain string    // the whole response when it holds no directive
	segs  []segment // otherwise
}

func compileDirectives(r string) (directiveTemplate, error) {
	r, err := decodeBytes(r)
	if err != nil {
		return directiveTemplate{}, err
	}
	if !strings.Contains(strings.ToUpper(r), "{RANDOM(") {
		return directiveTemplate{plain: r}, nil
	}
	var segs []segment
	rest := r
	for {
		i := strings.Index(strings.ToUpper(rest), "{RANDOM(")
		if i < 0 {
			segs = append(segs, segment{lit: rest})
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return directiveTemplate{}, fmt.Errorf("unclosed {RANDOM(...)")
		}
		sub, err := parseTemplate(rest[i : i+j+1])
		if err != nil {
			return directiveTemplate{}, err
		}
		if err := checkDirective(sub[0].name, sub[0].spec); err != nil {
			return directiveTemplate{}, err
		}
		segs = append(segs, segment{lit: rest[:i]}, sub[0])
		rest = rest[i+j+1:]
	}
	return directiveTemplate{segs: segs}, nil
}

func (t directiveTemplate) expand() string {
	if t.segs == nil {
		return t.plain
	}
	var sb strings.Builder
	for _, s := range t.segs {
		if !s.field {
			sb.WriteString(s.lit)
			continue
		}
		out, _ := expandDirective(s.name, s.spec, nil) // checked at load
		sb.WriteString(out)
	}
	return sb.String()
}

// expandTemplate evaluates a govisa template: {name[:spec]} fields take
// variables (captured arguments, state, properties), {RANDOM(...)} fields
// random numbers.
func expandTemplate(segs []segment, lookup func(string) (value, bool)) (string, error) {
	var sb strings.Builder
	for _, s := range segs {
		if !s.field {
			sb.WriteString(s.lit)
			continue
		}
		if isDirective(s.name) {
			out, err := expandDirective(s.name, s.spec, lookup)
			if err != nil {
				return "", err
			}
			sb.WriteString(out)
			continue
		}
		v, ok := lookup(s.name)
		if !ok {
			return "", fmt.Errorf("unknown variable %q", s.name)
		}
		out, err := pyFormat(s.spec, v)
		if err != nil {
			return "", err
		}
		sb.WriteString(out)
	}
	return sb.String(), nil
}

// compileTemplate parses a govisa template; BYTES(...) is decoded first.
func compileTemplate(t string) ([]segment, error) {
	t, err := decodeBytes(t)
	if err != nil {
		return nil, err
	}
	segs, err := parseTemplate(t)
	if err != nil {
		return nil, err
	}
	for _, s := range segs {
		if s.field && s.name == "" {
			return nil, fmt.Errorf("a field needs a variable name ({name} or {name:fmt})")
		}
	}
	return segs, nil
}

// checkTemplate validates a getter's response format: its fields and specs
// parse and its directives are well formed.
func checkTemplate(t string) error {
	segs, err := parseTemplate(t)
	if err != nil {
		return err
	}
	for _, s := range segs {
		if s.field && isDirective(s.name) {
			if err := checkDirective(s.name, s.spec); err != nil {
				return err
			}
		}
	}
	return nil
}
