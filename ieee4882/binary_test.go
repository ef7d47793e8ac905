package ieee4882

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeBinary(t *testing.T) {
	le := []byte{0x01, 0x00, 0xff, 0xff}
	i16, err := DecodeBinary[int16](le, binary.LittleEndian)
	require.NoError(t, err)
	assert.Equal(t, []int16{1, -1}, i16)
	u16, err := DecodeBinary[uint16](le, binary.BigEndian)
	require.NoError(t, err)
	assert.Equal(t, []uint16{0x0100, 0xffff}, u16)
	i8, err := DecodeBinary[int8]([]byte{0x80, 0x7f}, nil)
	require.NoError(t, err)
	assert.Equal(t, []int8{-128, 127}, i8)
	u8, err := DecodeBinary[uint8]([]byte{0x80}, nil)
	require.NoError(t, err)
	assert.Equal(t, []uint8{0x80}, u8)

	f32, err := DecodeBinary[float32]([]byte{0x00, 0x00, 0x80, 0x3f}, nil) // 1.0 little-endian
	require.NoError(t, err)
	assert.Equal(t, []float32{1}, f32)
	f64, err := DecodeBinary[float64]([]byte{0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, binary.BigEndian)
	require.NoError(t, err)
	assert.Equal(t, []float64{1}, f64)
	i32, err := DecodeBinary[int32]([]byte{0xff, 0xff, 0xff, 0xfe}, binary.BigEndian)
	require.NoError(t, err)
	assert.Equal(t, []int32{-2}, i32)
	u32, err := DecodeBinary[uint32]([]byte{0xff, 0xff, 0xff, 0xfe}, binary.BigEndian)
	require.NoError(t, err)
	assert.Equal(t, []uint32{0xfffffffe}, u32)
	i64, err := DecodeBinary[int64]([]byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{-2}, i64)
	u64, err := DecodeBinary[uint64]([]byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, nil)
	require.NoError(t, err)
	assert.Equal(t, []uint64{math.MaxUint64 - 1}, u64)

	empty, err := DecodeBinary[float64](nil, nil)
	require.NoError(t, err)
	assert.Empty(t, empty)

	_, err = DecodeBinary[float32]([]byte{1, 2, 3}, nil)
	assert.ErrorIs(t, err, ErrElementSize)
	_, err = DecodeBinary[int16]([]byte{1}, nil)
	assert.ErrorIs(t, err, ErrElementSize)
}

func roundTrip[T Element](t *testing.T, vals []T) {
	t.Helper()
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		enc := AppendBinary([]byte("hdr"), vals, order)
		assert.Equal(t, "hdr", string(enc[:3]))
		// Cross-check with encoding/binary.
		want, err := binary.Append(nil, order, vals)
		require.NoError(t, err)
		assert.Equal(t, want, enc[3:])
		got, err := DecodeBinary[T](enc[3:], order)
		require.NoError(t, err)
		assert.Equal(t, vals, got)
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	roundTrip(t, []int8{-128, 0, 127})
	roundTrip(t, []uint8{0, 255})
	roundTrip(t, []int16{math.MinInt16, -1, math.MaxInt16})
	roundTrip(t, []uint16{0, math.MaxUint16})
	roundTrip(t, []int32{math.MinInt32, -1, math.MaxInt32})
	roundTrip(t, []uint32{0, math.MaxUint32})
	roundTrip(t, []int64{math.MinInt64, -1, math.MaxInt64})
	roundTrip(t, []uint64{0, math.MaxUint64})
	roundTrip(t, []float32{-1.5, math.MaxFloat32, float32(math.Inf(-1))})
	roundTrip(t, []float64{math.Pi, math.Copysign(0, -1), math.SmallestNonzeroFloat64})
}

func TestAppendBinaryNoAlloc(t *testing.T) {
	vals := []float32{1, 2, 3, 4}
	dst := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		dst = AppendBinary(dst[:0], vals, binary.BigEndian)
	})
	assert.Zero(t, allocs)
	assert.Len(t, dst, 16)
	// Without capacity it grows and keeps the prefix.
	out := AppendBinary([]byte{9}, []uint16{0x0102}, nil)
	assert.Equal(t, []byte{9, 2, 1}, out)
}
