package ieee4882

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Number is the set of element types the ASCII helpers convert to and from.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~float32 | ~float64
}

// Converter says how each ASCII value is written, after the letters of
// PyVISA's query_ascii_values (which follow printf): 'f', 'e', 'g' (and 'E',
// 'G') are decimal floating-point numbers; 'd' decimal integers; 'x' (or
// 'X') hexadecimal, 'o' octal and 'b' binary integers.
//
// When parsing, the three float letters behave alike (any decimal number,
// plus NaN and Inf), and the non-decimal letters also accept the IEEE 488.2
// prefixes "#H", "#Q" and "#B" and the prefixes "0x", "0o" and "0b". PyVISA's
// 's' converter is [SplitASCII].
type Converter byte

// Converters.
const (
	ConvFloat  Converter = 'f'
	ConvExp    Converter = 'e'
	ConvGen    Converter = 'g'
	ConvDec    Converter = 'd'
	ConvHex    Converter = 'x'
	ConvOct    Converter = 'o'
	ConvBinary Converter = 'b'
)

// base returns the integer base of c, 0 for floating point, -1 if unknown.
func (c Converter) base() int {
	switch c {
	case 'f', 'F', 'e', 'E', 'g', 'G':
		return 0
	case 'd':
		return 10
	case 'x', 'X', 'h', 'H':
		return 16
	case 'o':
		return 8
	case 'b':
		return 2
	}
	return -1
}

// numKind describes T: whether it is floating point, signed, and its size.
func numKind[T Number]() (isFloat, signed bool, bits int) {
	half := 0.5
	var zero T
	isFloat = T(half) != 0
	minusOne := zero - 1
	signed = minusOne < zero
	bits = binary.Size(zero) * 8
	if bits <= 0 { // int, uint: not fixed size for encoding/binary
		bits = strconv.IntSize
	}
	return
}

// SplitASCII splits s at sep into trimmed fields, dropping a final empty
// field (a trailing separator or an empty response). An empty sep splits at
// runs of white space.
func SplitASCII(s, sep string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var f []string
	if sep == "" {
		f = strings.Fields(s)
	} else {
		f = strings.Split(s, sep)
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	if len(f) > 0 && f[len(f)-1] == "" {
		f = f[:len(f)-1]
	}
	return f
}

// ParseASCII parses a list of ASCII values such as "1.5,2,-3e-3\n" into
// elements of type T. Fields are separated by sep (an empty sep means runs
// of white space), surrounding white space is ignored, and a trailing
// separator or empty input yields no element. conv says how each value is
// written. A value that is not a number, or that does not fit T (an
// integer type receiving a fraction or an out-of-range value), returns an
// error matching ErrMalformed naming the field's index.
func ParseASCII[T Number](s, sep string, conv Converter) ([]T, error) {
	if conv.base() < 0 {
		return nil, fmt.Errorf("ieee4882: unknown converter %q", rune(conv))
	}
	fields := SplitASCII(s, sep)
	out := make([]T, 0, len(fields))
	for i, f := range fields {
		v, err := ParseValue[T](f, conv)
		if err != nil {
			return out, fmt.Errorf("value %d: %w", i, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// ParseASCIIFunc is ParseASCII with fields split wherever isSep reports
// true; empty fields are skipped.
func ParseASCIIFunc[T Number](s string, isSep func(rune) bool, conv Converter) ([]T, error) {
	if conv.base() < 0 {
		return nil, fmt.Errorf("ieee4882: unknown converter %q", rune(conv))
	}
	fields := strings.FieldsFunc(s, isSep)
	out := make([]T, 0, len(fields))
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := ParseValue[T](f, conv)
		if err != nil {
			return out, fmt.Errorf("value %d: %w", i, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// ParseASCIIValues parses comma-separated decimal numbers, the default of
// PyVISA's query_ascii_values.
func ParseASCIIValues(s string) ([]float64, error) {
	return ParseASCII[float64](s, ",", ConvFloat)
}

// ParseValue parses one value written as conv says and converts it to T,
// with range and integrality checks.
func ParseValue[T Number](s string, conv Converter) (T, error) {
	isFloat, signed, bits := numKind[T]()
	base := conv.base()
	switch {
	case base < 0:
		return 0, fmt.Errorf("ieee4882: unknown converter %q", rune(conv))
	case base == 0:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !isRangeErr(err) {
			return 0, fmt.Errorf("%w: %q is not a number", ErrMalformed, s)
		}
		if isFloat {
			if bits == 32 && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
				return 0, fmt.Errorf("%w: %q overflows float32", ErrMalformed, s)
			}
			return T(f), nil
		}
		return floatToInt[T](f, s, signed, bits)
	}
	digits := stripPrefix(s, base)
	if isFloat {
		i, err := strconv.ParseInt(digits, base, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: %q is not a base-%d integer", ErrMalformed, s, base)
		}
		return T(i), nil
	}
	if signed {
		i, err := strconv.ParseInt(digits, base, bits)
		if err != nil {
			return 0, fmt.Errorf("%w: %q is not a base-%d integer of %d bits", ErrMalformed, s, base, bits)
		}
		return T(i), nil
	}
	u, err := strconv.ParseUint(strings.TrimPrefix(digits, "+"), base, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not an unsigned base-%d integer of %d bits", ErrMalformed, s, base, bits)
	}
	return T(u), nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// stripPrefix removes an IEEE 488.2 non-decimal prefix (#H, #Q, #B) or a Go
// style one (0x, 0o, 0b) matching base, keeping a leading sign.
func stripPrefix(s string, base int) string {
	sign := ""
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	if len(s) >= 2 {
		p := strings.ToUpper(s[:2])
		switch {
		case base == 16 && (p == "#H" || p == "0X"),
			base == 8 && (p == "#Q" || p == "0O"),
			base == 2 && (p == "#B" || p == "0B"):
			s = s[2:]
		}
	}
	return sign + s
}

// floatToInt converts f to the integer type T when it is integral and in
// range.
func floatToInt[T Number](f float64, s string, signed bool, bits int) (T, error) {
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%w: %q is not an integer", ErrMalformed, s)
	}
	var lo, hi float64
	if signed {
		lo, hi = -math.Ldexp(1, bits-1), math.Ldexp(1, bits-1)
	} else {
		lo, hi = 0, math.Ldexp(1, bits)
	}
	if f < lo || f >= hi {
		return 0, fmt.Errorf("%w: %q is out of range for %d bits", ErrMalformed, s, bits)
	}
	if signed {
		return T(int64(f)), nil
	}
	return T(uint64(f)), nil
}

// AppendASCII appends vals to dst as text separated by sep. Floating-point
// values written with 'f', 'e', 'g', 'E' or 'G' use the shortest
// representation that reads back exactly. Integer letters ('d', 'x', 'X',
// 'o', 'b') write integers; floating-point values are truncated toward zero
// for them. An unknown converter is written as 'g'.
func AppendASCII[T Number](dst []byte, vals []T, sep string, conv Converter) []byte {
	isFloat, signed, bits := numKind[T]()
	base := conv.base()
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, sep...)
		}
		switch {
		case base <= 0:
			f := byte(conv)
			switch {
			case base < 0:
				f = 'g'
			case f == 'F':
				f = 'f' // strconv has no 'F'; digits are the same
			}
			fb := 64
			if isFloat && bits == 32 {
				fb = 32
			}
			dst = strconv.AppendFloat(dst, float64(v), f, -1, fb)
		case isFloat || signed:
			dst = appendInt(dst, int64(v), base, conv == 'X')
		default:
			dst = appendUint(dst, uint64(v), base, conv == 'X')
		}
	}
	return dst
}

func appendInt(dst []byte, v int64, base int, upper bool) []byte {
	start := len(dst)
	dst = strconv.AppendInt(dst, v, base)
	if upper {
		upperHex(dst[start:])
	}
	return dst
}

func appendUint(dst []byte, v uint64, base int, upper bool) []byte {
	start := len(dst)
	dst = strconv.AppendUint(dst, v, base)
	if upper {
		upperHex(dst[start:])
	}
	return dst
}

func upperHex(b []byte) {
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
}

// AppendASCIIValues appends vals comma-separated in the shortest exact
// decimal form, as write_ascii_values sends them.
func AppendASCIIValues(dst []byte, vals []float64) []byte {
	return AppendASCII(dst, vals, ",", ConvGen)
}
