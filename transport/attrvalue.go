package transport

// AttrInt converts an attribute value, as the session layer hands it to a
// Conn's SetAttr (the integer type of the attribute, or bool for a flag),
// to int64. ok is false for other types and for unsigned values above
// 1<<62, which no VISA attribute takes.
func AttrInt(v any) (n int64, ok bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		return int64(x), uint64(x) <= 1<<62
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), x <= 1<<62
	}
	return 0, false
}
