package ieee4882

import (
	"math"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseASCIIValues(t *testing.T) {
	v, err := ParseASCIIValues("1.5,+2,-3e-3, 9.9E37 ,NAN\n")
	require.NoError(t, err)
	require.Len(t, v, 5)
	assert.Equal(t, []float64{1.5, 2, -3e-3, 9.9e37}, v[:4])
	assert.True(t, math.IsNaN(v[4]))

	v, err = ParseASCIIValues("")
	require.NoError(t, err)
	assert.Empty(t, v)
	v, err = ParseASCIIValues("1,2,\n") // trailing separator
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2}, v)

	_, err = ParseASCIIValues("1,,2")
	assert.ErrorIs(t, err, ErrMalformed)
	assert.Contains(t, err.Error(), "value 1")
	_, err = ParseASCIIValues("1,abc")
	assert.ErrorIs(t, err, ErrMalformed)
}

func TestParseASCIIConverters(t *testing.T) {
	i, err := ParseASCII[int]("1, -2 ,3", ",", ConvDec)
	require.NoError(t, err)
	assert.Equal(t, []int{1, -2, 3}, i)

	h, err := ParseASCII[uint16]("ff;#H10;0x1F;FFFF", ";", ConvHex)
	require.NoError(t, err)
	assert.Equal(t, []uint16{0xff, 0x10, 0x1f, 0xffff}, h)

	o, err := ParseASCII[int8]("17 #Q17 -0o10", "", ConvOct)
	require.NoError(t, err)
	assert.Equal(t, []int8{15, 15, -8}, o)

	b, err := ParseASCII[uint8]("101,#B11,0b1", ",", ConvBinary)
	require.NoError(t, err)
	assert.Equal(t, []uint8{5, 3, 1}, b)

	f, err := ParseASCII[float32]("1,2.5", ",", ConvExp)
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 2.5}, f)

	// Integral floats convert to integer types; fractions and overflow fail.
	n, err := ParseASCII[int16]("1e3,-2.0", ",", ConvFloat)
	require.NoError(t, err)
	assert.Equal(t, []int16{1000, -2}, n)
	_, err = ParseASCII[int16]("1.5", ",", ConvFloat)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = ParseASCII[int16]("40000", ",", ConvFloat)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = ParseASCII[uint8]("-1", ",", ConvFloat)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = ParseASCII[uint8]("256", ",", ConvDec)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = ParseASCII[uint8]("-1", ",", ConvDec)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = ParseASCII[int8]("128", ",", ConvDec)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = ParseASCII[float32]("1e39", ",", ConvFloat)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = ParseASCII[int]("NaN", ",", ConvFloat)
	assert.ErrorIs(t, err, ErrMalformed)

	// Integer letters into float types.
	x, err := ParseASCII[float64]("10,-a", ",", ConvHex)
	require.NoError(t, err)
	assert.Equal(t, []float64{16, -10}, x)
	_, err = ParseASCII[float64]("zz", ",", ConvHex)
	assert.ErrorIs(t, err, ErrMalformed)

	_, err = ParseASCII[int]("1", ",", Converter('q'))
	assert.Error(t, err)
	_, err = ParseASCIIFunc[int]("1", unicode.IsSpace, Converter('q'))
	assert.Error(t, err)
}

type volts float64

func TestParseASCIINamedType(t *testing.T) {
	v, err := ParseASCII[volts]("1.25", ",", ConvFloat)
	require.NoError(t, err)
	assert.Equal(t, []volts{1.25}, v)
	assert.Equal(t, "1.25;-2", string(AppendASCII(nil, []volts{1.25, -2}, ";", ConvGen)))
}

func TestParseASCIIFunc(t *testing.T) {
	v, err := ParseASCIIFunc[float64]("1 2\t3;4\n", func(r rune) bool { return unicode.IsSpace(r) || r == ';' }, ConvFloat)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 3, 4}, v)
	_, err = ParseASCIIFunc[float64]("1 x", unicode.IsSpace, ConvFloat)
	assert.ErrorIs(t, err, ErrMalformed)
}

func TestSplitASCII(t *testing.T) {
	assert.Equal(t, []string{"a", "b c", "d"}, SplitASCII(" a, b c ,d,\n", ","))
	assert.Equal(t, []string{"a", "b"}, SplitASCII("a  b\n", ""))
	assert.Nil(t, SplitASCII("  \n", ","))
}

func TestAppendASCII(t *testing.T) {
	assert.Equal(t, "1.5,0.1,-2,1e+21", string(AppendASCIIValues(nil, []float64{1.5, 0.1, -2, 1e21})))
	assert.Equal(t, "0.1", string(AppendASCII(nil, []float32{0.1}, ",", ConvGen)), "float32 uses its own shortest form")
	assert.Equal(t, "1.5e+00", string(AppendASCII(nil, []float64{1.5}, ",", ConvExp)))
	assert.Equal(t, "1.5E+00", string(AppendASCII(nil, []float64{1.5}, ",", Converter('E'))))
	assert.Equal(t, "1500000", string(AppendASCII(nil, []float64{1.5e6}, ",", Converter('F'))))
	assert.Equal(t, "ff,-10", string(AppendASCII(nil, []int{255, -16}, ",", ConvHex)))
	assert.Equal(t, "FF", string(AppendASCII(nil, []uint8{255}, ",", Converter('X'))))
	assert.Equal(t, "18446744073709551615", string(AppendASCII(nil, []uint64{math.MaxUint64}, ",", ConvDec)))
	assert.Equal(t, "101 1111", string(AppendASCII(nil, []int{5, 15}, " ", ConvBinary)))
	assert.Equal(t, "17", string(AppendASCII(nil, []int{15}, ",", ConvOct)))
	assert.Equal(t, "2", string(AppendASCII(nil, []float64{2.9}, ",", ConvDec)), "floats truncate for integer letters")
	assert.Equal(t, "1.5", string(AppendASCII(nil, []float64{1.5}, ",", Converter('?'))))

	// Round trip through the parser.
	vals := []float64{math.Pi, -1e-300, 12345.678}
	back, err := ParseASCIIValues(string(AppendASCIIValues(nil, vals)))
	require.NoError(t, err)
	assert.Equal(t, vals, back)
}

func TestESRBitForError(t *testing.T) {
	assert.Equal(t, ESRCME, ESRBitForError(-113))
	assert.Equal(t, ESREXE, ESRBitForError(-222))
	assert.Equal(t, ESRDDE, ESRBitForError(-350))
	assert.Equal(t, ESRQYE, ESRBitForError(-410))
	assert.Equal(t, ESRDDE, ESRBitForError(42))
	assert.Zero(t, ESRBitForError(0))
	assert.Zero(t, ESRBitForError(-99))
	assert.Zero(t, ESRBitForError(-500))
}
