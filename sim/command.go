package sim

import (
	"math"
	"strconv"
	"strings"

	"github.com/govisa/govisa/ieee4882"
)

// Command is one program message unit: its header as received (without a
// leading colon) and its argument text with surrounding white space
// removed.
type Command struct {
	Header string
	Args   string
}

// IsQuery reports whether the header ends in '?'.
func (c Command) IsQuery() bool { return strings.HasSuffix(c.Header, "?") }

// NoArgs returns -108 "Parameter not allowed" when arguments were given.
func (c Command) NoArgs() error {
	if c.Args != "" {
		return ErrParamNotAllowed
	}
	return nil
}

// Int parses the argument as IEEE 488.2 numeric data (NRf, rounded to the
// nearest integer, or #H/#Q/#B non-decimal) in [lo, hi]. It returns -109
// when the argument is missing, -104 when it is not a number and -222 when
// it is out of range.
func (c Command) Int(lo, hi int64) (int64, error) {
	a := c.Args
	if a == "" {
		return 0, ErrMissingParam
	}
	var v int64
	if len(a) > 2 && a[0] == '#' {
		var conv ieee4882.Converter
		switch a[1] &^ 0x20 { // upper case
		case 'H':
			conv = ieee4882.ConvHex
		case 'Q':
			conv = ieee4882.ConvOct
		case 'B':
			conv = ieee4882.ConvBinary
		default:
			return 0, ErrDataType
		}
		i, err := ieee4882.ParseValue[int64](a, conv)
		if err != nil {
			return 0, ErrDataType
		}
		v = i
	} else {
		f, err := strconv.ParseFloat(a, 64)
		if err != nil || math.IsNaN(f) {
			return 0, ErrDataType
		}
		f = math.Round(f)
		if f < float64(lo) || f > float64(hi) {
			return 0, ErrDataOutOfRange
		}
		v = int64(f)
	}
	if v < lo || v > hi {
		return 0, ErrDataOutOfRange
	}
	return v, nil
}
