package transport

import "testing"

func TestAttrInt(t *testing.T) {
	for _, tc := range []struct {
		v  any
		n  int64
		ok bool
	}{
		{true, 1, true}, {false, 0, true},
		{int(-3), -3, true}, {int8(-8), -8, true}, {int16(-16), -16, true}, {int32(-32), -32, true}, {int64(-64), -64, true},
		{uint(7), 7, true}, {uint8(255), 255, true}, {uint16(0xFFFF), 0xFFFF, true}, {uint32(0xFFFFFFFF), 0xFFFFFFFF, true},
		{uint64(1 << 62), 1 << 62, true}, {uint64(1<<62 + 1), 0, false}, {^uint(0), 0, false},
		{"5", 0, false}, {1.0, 0, false}, {nil, 0, false},
	} {
		n, ok := AttrInt(tc.v)
		if ok != tc.ok || (ok && n != tc.n) {
			t.Errorf("AttrInt(%#v) = %d, %v; want %d, %v", tc.v, n, ok, tc.n, tc.ok)
		}
	}
}
