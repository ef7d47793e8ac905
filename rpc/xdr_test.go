package rpc

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

func TestAppendPrimitives(t *testing.T) {
	var b []byte
	b = AppendUint32(b, 0x01020304)
	b = AppendInt32(b, -2)
	b = AppendUint64(b, 0x0102030405060708)
	b = AppendInt64(b, -1)
	b = AppendBool(b, true)
	b = AppendBool(b, false)
	want := []byte{
		1, 2, 3, 4,
		0xff, 0xff, 0xff, 0xfe,
		1, 2, 3, 4, 5, 6, 7, 8,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0, 0, 0, 1,
		0, 0, 0, 0,
	}
	assert.Equal(t, want, b)

	d := NewDecoder(b)
	u, err := d.Uint32()
	require.NoError(t, err)
	assert.Equal(t, uint32(0x01020304), u)
	i, _ := d.Int32()
	assert.Equal(t, int32(-2), i)
	h, _ := d.Uint64()
	assert.Equal(t, uint64(0x0102030405060708), h)
	sh, _ := d.Int64()
	assert.Equal(t, int64(-1), sh)
	t1, _ := d.Bool()
	f1, _ := d.Bool()
	assert.True(t, t1)
	assert.False(t, f1)
	require.NoError(t, d.End())
}

func TestOpaquePadding(t *testing.T) {
	for n := 0; n <= 9; n++ {
		data := bytes.Repeat([]byte{0xAB}, n)
		b := AppendOpaque(nil, data)
		assert.Equal(t, 4+n+pad(n), len(b), "n=%d", n)
		assert.Zero(t, len(b)%4)
		for _, x := range b[4+n:] {
			assert.Zero(t, x, "padding must be zero")
		}
		d := NewDecoder(b)
		got, err := d.Opaque(n)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got))
		require.NoError(t, d.End())

		s := AppendString(nil, string(data))
		assert.Equal(t, b, s)
		f := AppendFixedOpaque(nil, data)
		assert.True(t, bytes.Equal(b[4:], f))
		d.Reset(f)
		got, err = d.FixedOpaque(n)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got))
		require.NoError(t, d.End())
	}
}

func TestOpaqueAliasesInput(t *testing.T) {
	b := AppendOpaque(nil, []byte("abc"))
	d := NewDecoder(b)
	got, err := d.Opaque(NoMax)
	require.NoError(t, err)
	b[4] = 'X'
	assert.Equal(t, "Xbc", string(got), "Opaque returns a sub-slice")
	assert.Equal(t, 3, cap(got), "sub-slice must not expose the rest of the input")

	d.Reset(b)
	cp, err := d.OpaqueCopy(NoMax)
	require.NoError(t, err)
	b[4] = 'Y'
	assert.Equal(t, "Xbc", string(cp), "OpaqueCopy is independent of the input")
}

func TestDecoderErrors(t *testing.T) {
	t.Run("short", func(t *testing.T) {
		d := NewDecoder([]byte{0, 0, 1})
		_, err := d.Uint32()
		assert.ErrorIs(t, err, ErrShort)
		assert.ErrorIs(t, err, transport.ErrProtocol)
	})
	t.Run("sticky", func(t *testing.T) {
		d := NewDecoder([]byte{0, 0, 0, 2})
		_, err := d.Bool()
		assert.ErrorIs(t, err, ErrBadBool)
		_, err = d.Uint32()
		assert.ErrorIs(t, err, ErrBadBool, "first error is kept")
		assert.ErrorIs(t, d.Err(), ErrBadBool)
	})
	t.Run("too long before allocation", func(t *testing.T) {
		// Announces 4 GiB - 1; must fail on the maximum, not try to read.
		d := NewDecoder([]byte{0xff, 0xff, 0xff, 0xff})
		_, err := d.Opaque(40)
		assert.ErrorIs(t, err, ErrTooLong)
		assert.ErrorIs(t, err, transport.ErrTooLarge)
		d.Reset([]byte{0xff, 0xff, 0xff, 0xff})
		_, err = d.String(NoMax)
		assert.ErrorIs(t, err, ErrTooLong)
		d.Reset([]byte{0, 0, 0, 41})
		_, err = d.OpaqueCopy(40)
		assert.ErrorIs(t, err, ErrTooLong)
	})
	t.Run("length beyond input", func(t *testing.T) {
		d := NewDecoder([]byte{0, 0, 0, 8, 'a', 'b', 'c', 'd'})
		_, err := d.Opaque(NoMax)
		assert.ErrorIs(t, err, ErrShort)
	})
	t.Run("missing pad", func(t *testing.T) {
		d := NewDecoder([]byte{0, 0, 0, 1, 'a'})
		_, err := d.Opaque(NoMax)
		assert.ErrorIs(t, err, ErrShort)
	})
	t.Run("array count", func(t *testing.T) {
		d := NewDecoder([]byte{0, 0, 0, 17})
		_, err := d.Uint32s(nil, 16)
		assert.ErrorIs(t, err, ErrTooLong)
		d.Reset([]byte{0, 0, 0x10, 0, 0, 0, 0, 1})
		_, err = d.Uint32s(nil, NoMax)
		assert.ErrorIs(t, err, ErrShort, "count larger than the input allows")
		d.Reset([]byte{0x40, 0, 0, 0})
		_, err = d.ArrayLen(math.MaxInt32, 8)
		assert.ErrorIs(t, err, ErrShort)
	})
	t.Run("trailing", func(t *testing.T) {
		d := NewDecoder([]byte{0, 0, 0, 1, 9})
		_, _ = d.Uint32()
		assert.ErrorIs(t, d.End(), ErrTrailing)

	})
	t.Run("negative fixed", func(t *testing.T) {
		_, err := NewDecoder(nil).FixedOpaque(-1)
		assert.Error(t, err)
	})
}

func TestDecoderRest(t *testing.T) {
	d := NewDecoder([]byte{0, 0, 0, 1, 7, 8})
	_, _ = d.Uint32()
	assert.Equal(t, 2, d.Len())
	assert.Equal(t, []byte{7, 8}, d.Rest())
	assert.Equal(t, 0, d.Len())
	assert.Equal(t, 6, d.Offset())
	require.NoError(t, d.End())
}

func TestUint32s(t *testing.T) {
	b := AppendUint32s(nil, []uint32{1, 2, 3})
	d := NewDecoder(b)
	got, err := d.Uint32s(make([]uint32, 0, 4), 16)
	require.NoError(t, err)
	assert.Equal(t, []uint32{1, 2, 3}, got)
}

// Optional data and discriminated unions are built from the primitives; this
// checks a linked list (the portmapper's pmaplist shape) and a union.
func TestOptionalAndUnion(t *testing.T) {
	var b []byte
	for _, v := range []uint32{5, 6} {
		b = AppendBool(b, true)
		b = AppendUint32(b, v)
	}
	b = AppendBool(b, false)
	// union switch (int kind) { case 1: string s<8>; case 2: unsigned v; }
	b = AppendInt32(b, 1)
	b = AppendString(b, "hi")
	b = AppendInt32(b, 2)
	b = AppendUint32(b, 99)

	d := NewDecoder(b)
	var list []uint32
	for {
		more, err := d.Bool()
		require.NoError(t, err)
		if !more {
			break
		}
		v, _ := d.Uint32()
		list = append(list, v)
	}
	assert.Equal(t, []uint32{5, 6}, list)
	for _, want := range []any{"hi", uint32(99)} {
		kind, err := d.Int32()
		require.NoError(t, err)
		switch kind {
		case 1:
			s, err := d.String(8)
			require.NoError(t, err)
			assert.Equal(t, want, s)
		case 2:
			v, err := d.Uint32()
			require.NoError(t, err)
			assert.Equal(t, want, v)
		}
	}
	require.NoError(t, d.End())
}

func TestAppenderDecoderFuncs(t *testing.T) {
	a := AppenderFunc(func(dst []byte) []byte { return AppendUint32(dst, 7) })
	var got uint32
	f := DecoderFunc(func(d *Decoder) error { var err error; got, err = d.Uint32(); return err })
	require.NoError(t, f.DecodeXDR(NewDecoder(a.AppendXDR(nil))))
	assert.Equal(t, uint32(7), got)
	assert.True(t, errors.Is(f.DecodeXDR(NewDecoder(nil)), ErrShort))
}

func TestEncodeAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	data := []byte("*IDN?\n")
	h := CallHeader{XID: 1, Prog: 0x0607AF, Vers: 1, Proc: 11}
	allocs := testing.AllocsPerRun(100, func() {
		b := h.AppendXDR(buf[:0])
		b = AppendInt32(b, 7)
		b = AppendUint32(b, 2000)
		b = AppendUint64(b, 1)
		b = AppendBool(b, true)
		b = AppendOpaque(b, data)
		b = AppendString(b, "inst0")
		b = AppendUint32s(b, []uint32{1, 2})
		buf = b
	})
	assert.Zero(t, allocs, "encoding into a buffer with room must not allocate")

	var d Decoder
	allocs = testing.AllocsPerRun(100, func() {
		d.Reset(buf)
		var ch CallHeader
		_ = ch.DecodeXDR(&d)
		_, _ = d.Int32()
		_, _ = d.Uint32()
		_, _ = d.Uint64()
		_, _ = d.Bool()
		_, _ = d.Opaque(NoMax)
	})
	assert.Zero(t, allocs, "decoding opaque data must not allocate")
}
