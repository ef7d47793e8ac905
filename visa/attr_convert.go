package visa

import (
	"fmt"
	"math"
	"reflect"
	"time"
)

// convertAttr turns a caller's value into the Go type of attribute a,
// checking that the value fits the type. It does not apply the attribute's
// validation rule. The error text says what is wrong; the caller wraps it
// in a VI_ERROR_NSUP_ATTR_STATE error.
func convertAttr(a *AttrInfo, v any) (any, error) {
	if v == nil {
		return nil, fmt.Errorf("nil is not a %s value", a.Type)
	}
	if d, ok := v.(time.Duration); ok {
		if a.ID != VI_ATTR_TMO_VALUE {
			return nil, fmt.Errorf("a time.Duration is accepted only for VI_ATTR_TMO_VALUE; give %s as a %s", a.Name, a.Type.GoType())
		}
		return durationToTmo(d), nil
	}
	switch a.Type {
	case AttrBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		// VISA booleans are integers: accept VI_TRUE and VI_FALSE.
		if n, ok := intOf(v); ok {
			if n.isZero() {
				return false, nil
			}
			if n.isOne() {
				return true, nil
			}
			return nil, fmt.Errorf("%s is not a boolean (VI_TRUE 1 or VI_FALSE 0)", n)
		}
		return nil, fmt.Errorf("%T is not a boolean", v)
	case AttrString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
			return rv.String(), nil
		}
		return nil, fmt.Errorf("%T is not a string", v)
	case AttrBuffer:
		if b, ok := v.([]byte); ok {
			return append([]byte(nil), b...), nil
		}
		return nil, fmt.Errorf("%T is not a []byte", v)
	}
	lo, hi, ok := a.Type.bounds()
	if !ok {
		return nil, fmt.Errorf("attribute type %s cannot be set", a.Type)
	}
	n, ok := intOf(v)
	if !ok {
		return nil, fmt.Errorf("%T is not an integer", v)
	}
	if !n.within(lo, hi) {
		return nil, fmt.Errorf("%s does not fit in %s", n, a.Type.GoType())
	}
	switch a.Type {
	case AttrUint8:
		return uint8(n.u), nil
	case AttrInt16:
		return int16(n.i), nil
	case AttrUint16:
		return uint16(n.u), nil
	case AttrInt32:
		return int32(n.i), nil
	case AttrUint32, AttrVersion, AttrSession, AttrJobID:
		return uint32(n.u), nil
	default: // AttrUint64, AttrAddr
		return n.u, nil
	}
}

// durationToTmo converts a Go duration to a VI_ATTR_TMO_VALUE: negative
// means infinite, 0 immediate, anything else whole milliseconds rounded up
// (so 1ns still waits) and capped below VI_TMO_INFINITE.
func durationToTmo(d time.Duration) uint32 {
	switch {
	case d < 0:
		return VI_TMO_INFINITE
	case d == 0:
		return VI_TMO_IMMEDIATE
	}
	ms := d / time.Millisecond
	if d%time.Millisecond != 0 {
		ms++ // round up without risking overflow near MaxInt64
	}
	if ms >= time.Duration(VI_TMO_INFINITE) {
		return VI_TMO_INFINITE - 1
	}
	return uint32(ms)
}

// anyInt is an integer of any Go kind: i holds it when signed, u when
// unsigned; for a non-negative signed value both are set.
type anyInt struct {
	i   int64
	u   uint64
	neg bool
}

func fromInt(x int64) anyInt {
	if x < 0 {
		return anyInt{i: x, neg: true}
	}
	return anyInt{i: x, u: uint64(x)}
}

func fromUint(x uint64) anyInt {
	n := anyInt{u: x}
	if x <= math.MaxInt64 {
		n.i = int64(x)
	} else {
		n.i = math.MaxInt64 // only used for rules, and uint64 attributes have none
	}
	return n
}

func (n anyInt) isZero() bool { return !n.neg && n.u == 0 }
func (n anyInt) isOne() bool  { return !n.neg && n.u == 1 }

func (n anyInt) within(lo int64, hi uint64) bool {
	if n.neg {
		return n.i >= lo
	}
	return n.u <= hi && (lo <= 0 || n.i >= lo)
}

func (n anyInt) String() string {
	if n.neg {
		return fmt.Sprint(n.i)
	}
	return fmt.Sprint(n.u)
}

// intOf extracts an integer from any Go integer kind, named types (Status,
// AccessMode, …) included. bool, floats and strings are not integers.
func intOf(v any) (anyInt, bool) {
	switch x := v.(type) {
	case int:
		return fromInt(int64(x)), true
	case int8:
		return fromInt(int64(x)), true
	case int16:
		return fromInt(int64(x)), true
	case int32:
		return fromInt(int64(x)), true
	case int64:
		return fromInt(x), true
	case uint:
		return fromUint(uint64(x)), true
	case uint8:
		return fromUint(uint64(x)), true
	case uint16:
		return fromUint(uint64(x)), true
	case uint32:
		return fromUint(uint64(x)), true
	case uint64:
		return fromUint(x), true
	case uintptr:
		return fromUint(uint64(x)), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fromInt(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fromUint(rv.Uint()), true
	}
	return anyInt{}, false
}

// ruleValue widens a converted integer value for AttrValid.Allows; ok is
// false for non-integer values.
func ruleValue(v any) (int64, bool) {
	switch x := v.(type) {
	case uint8:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint32:
		return int64(x), true
	}
	return 0, false
}
