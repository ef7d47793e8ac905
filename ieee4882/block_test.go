package ieee4882

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBlockHeader(t *testing.T) {
	tests := []struct {
		in   string
		want BlockHeader
		err  error
	}{
		{"#15hello", BlockHeader{BlockDefinite, 3, 5}, nil},
		{"#3100", BlockHeader{BlockDefinite, 5, 100}, nil},
		{"#10", BlockHeader{BlockDefinite, 3, 0}, nil}, // empty definite block
		{"#800123456", BlockHeader{BlockDefinite, 10, 123456}, nil},
		{"#9999999999", BlockHeader{BlockDefinite, 11, 999999999}, nil},
		{"#0abc\n", BlockHeader{BlockIndefinite, 2, -1}, nil},
		{"#A1234567890xyz", BlockHeader{BlockDefiniteExt, 12, 1234567890}, nil},
		{"#a1234567890", BlockHeader{BlockDefiniteExt, 12, 1234567890}, nil},
		{"#F999999999999999", BlockHeader{BlockDefiniteExt, 17, 999999999999999}, nil},
		{"#(1234567890)data", BlockHeader{BlockRS, 13, 1234567890}, nil},
		{"#(0)", BlockHeader{BlockRS, 4, 0}, nil},
		{"#(999999999999999999)", BlockHeader{BlockRS, 21, 999999999999999999}, nil},
		// Truncated headers.
		{"", BlockHeader{}, ErrNeedMore},
		{"#", BlockHeader{}, ErrNeedMore},
		{"#3", BlockHeader{}, ErrNeedMore},
		{"#310", BlockHeader{}, ErrNeedMore},
		{"#A123", BlockHeader{}, ErrNeedMore},
		{"#(123", BlockHeader{}, ErrNeedMore},
		// Malformed.
		{"x", BlockHeader{}, ErrMalformed},
		{"15hello", BlockHeader{}, ErrMalformed},
		{"#G1", BlockHeader{}, ErrMalformed},
		{"#-1", BlockHeader{}, ErrMalformed},
		{"# 5hello", BlockHeader{}, ErrMalformed},
		{"#21x", BlockHeader{}, ErrMalformed},
		{"#3 10", BlockHeader{}, ErrMalformed},
		{"#2+1", BlockHeader{}, ErrMalformed},
		{"#()", BlockHeader{}, ErrMalformed},
		{"#(12a)", BlockHeader{}, ErrMalformed},
		{"#(1234567890123456789)", BlockHeader{}, ErrMalformed}, // 19 digits
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, err := ParseBlockHeader([]byte(tt.in))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, h)
		})
	}
}

func TestMalformedMatchesProtocol(t *testing.T) {
	_, err := ParseBlockHeader([]byte("#X"))
	assert.ErrorIs(t, err, transport.ErrProtocol)
	_, err = ParseBlockHeader([]byte("#"))
	assert.False(t, errors.Is(err, transport.ErrProtocol), "need-more is not a protocol error")
}

func TestParseHPBlockHeader(t *testing.T) {
	h, err := ParseHPBlockHeader([]byte("#A\x01\x02rest"), nil)
	require.NoError(t, err)
	assert.Equal(t, BlockHeader{BlockHP, 4, 0x0102}, h)
	h, err = ParseHPBlockHeader([]byte("#A\x01\x02"), binary.LittleEndian)
	require.NoError(t, err)
	assert.Equal(t, int64(0x0201), h.DataLen)
	_, err = ParseHPBlockHeader([]byte("#A\x01"), nil)
	assert.ErrorIs(t, err, ErrNeedMore)
	_, err = ParseHPBlockHeader([]byte("#"), nil)
	assert.ErrorIs(t, err, ErrNeedMore)
	_, err = ParseHPBlockHeader([]byte("#B\x00\x01"), nil)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = ParseHPBlockHeader([]byte("A"), nil)
	assert.ErrorIs(t, err, ErrMalformed)
}

func TestDecodeBlock(t *testing.T) {
	hundred := bytes.Repeat([]byte{0xAA}, 100)
	tests := []struct {
		name      string
		in        []byte
		max       int
		data      []byte
		rest      string
		err       error
		errString string
	}{
		{name: "hello", in: []byte("#15hello\n"), max: 10, data: []byte("hello"), rest: "\n"},
		{name: "#3100", in: append([]byte("#3100"), append(hundred, '\n')...), max: 100, data: hundred, rest: "\n"},
		{name: "empty", in: []byte("#10\n"), max: 0, data: []byte{}, rest: "\n"},
		{name: "binary newline inside", in: []byte("#13a\nb\n"), max: 10, data: []byte("a\nb"), rest: "\n"},
		{name: "no terminator", in: []byte("#15hello"), max: 5, data: []byte("hello"), rest: ""},
		{name: "indefinite", in: []byte("#0abc\n"), max: 10, data: []byte("abc"), rest: ""},
		{name: "indefinite keeps inner newline", in: []byte("#0a\nb\n"), max: 10, data: []byte("a\nb"), rest: ""},
		{name: "indefinite without newline", in: []byte("#0abc"), max: 10, data: []byte("abc"), rest: ""},
		{name: "indefinite empty", in: []byte("#0\n"), max: 0, data: []byte{}, rest: ""},
		{name: "indefinite over max", in: []byte("#0abcdef\n"), max: 3, err: ErrTooLarge},
		{name: "rs", in: []byte("#(5)hello\n"), max: 5, data: []byte("hello"), rest: "\n"},
		{name: "ext", in: []byte("#A0000000003abc\n"), max: 5, data: []byte("abc"), rest: "\n"},
		{name: "lying length", in: []byte("#15hel"), max: 10, err: ErrNeedMore, errString: "announces 5 bytes, 3 present"},
		{name: "lying length long", in: []byte("#3999abc\n"), max: 1000, err: ErrNeedMore},
		{name: "huge over max", in: []byte("#9999999999abc"), max: 1 << 20, err: ErrTooLarge},
		{name: "ext huge over max", in: []byte("#F999999999999999"), max: 1 << 20, err: ErrTooLarge},
		{name: "rs huge", in: []byte("#(999999999999999999)"), max: 1 << 20, err: ErrTooLarge},
		{name: "over max by one", in: []byte("#15hello"), max: 4, err: ErrTooLarge},
		{name: "no limit", in: []byte("#15hello"), max: -1, data: []byte("hello")},
		{name: "truncated header", in: []byte("#9123"), max: 10, err: ErrNeedMore},
		{name: "non-digit", in: []byte("#2x1ab"), max: 10, err: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, rest, err := DecodeBlock(tt.in, tt.max)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				if tt.errString != "" {
					assert.Contains(t, err.Error(), tt.errString)
				}
				assert.Nil(t, data)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.data, data)
			assert.Equal(t, tt.rest, string(rest))
		})
	}
}

func TestDecodeBlockTooLargeMatchesTransport(t *testing.T) {
	_, _, err := DecodeBlock([]byte("#9999999999"), 10)
	assert.ErrorIs(t, err, transport.ErrTooLarge)
	assert.ErrorIs(t, err, ErrTooLarge)
}

func TestDecodeBlockDataDoesNotAliasRest(t *testing.T) {
	data, _, err := DecodeBlock([]byte("#13abcXYZ"), 10)
	require.NoError(t, err)
	// Appending to data must not overwrite the bytes that follow it.
	assert.Equal(t, 3, cap(data))
}

func TestDecodeHPBlock(t *testing.T) {
	data, rest, err := DecodeHPBlock([]byte("#A\x00\x03abc\n"), 10, nil)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(data))
	assert.Equal(t, "\n", string(rest))
	_, _, err = DecodeHPBlock([]byte("#A\xff\xffabc"), 10, nil)
	assert.ErrorIs(t, err, ErrTooLarge)
	_, _, err = DecodeHPBlock([]byte("#A\x00\x05abc"), 10, nil)
	assert.ErrorIs(t, err, ErrNeedMore)
	_, _, err = DecodeHPBlock([]byte("#1"), 10, nil)
	assert.ErrorIs(t, err, ErrMalformed)
}

func TestAppendBlockHeader(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "#10"},
		{5, "#15"},
		{100, "#3100"},
		{999_999_999, "#9999999999"},
		{1_000_000_000, "#A1000000000"},
		{1 << 40, "#D1099511627776"},
		{-1, "#0"},
	}
	for _, tt := range tests {
		got := AppendBlockHeader([]byte("x"), tt.n)
		assert.Equal(t, "x"+tt.want, string(got))
		if tt.n >= 0 {
			h, err := ParseBlockHeader(got[1:])
			require.NoError(t, err)
			assert.Equal(t, tt.n, h.DataLen)
			assert.Equal(t, len(tt.want), h.HeaderLen)
		}
	}
}

func TestAppendBlocksRoundTrip(t *testing.T) {
	payload := []byte("a\nb\x00c")
	def := AppendDefiniteBlock(nil, payload)
	assert.Equal(t, "#15a\nb\x00c", string(def))
	data, rest, err := DecodeBlock(def, 5)
	require.NoError(t, err)
	assert.Equal(t, payload, data)
	assert.Empty(t, rest)

	rs := AppendRSBlock(nil, payload)
	assert.Equal(t, "#(5)a\nb\x00c", string(rs))
	data, _, err = DecodeBlock(rs, 5)
	require.NoError(t, err)
	assert.Equal(t, payload, data)

	ind := AppendIndefiniteBlock(nil, []byte("xy"))
	assert.Equal(t, "#0xy\n", string(ind))

	hp, err := AppendHPBlock(nil, payload, nil)
	require.NoError(t, err)
	assert.Equal(t, "#A\x00\x05a\nb\x00c", string(hp))
	data, _, err = DecodeHPBlock(hp, 5, binary.BigEndian)
	require.NoError(t, err)
	assert.Equal(t, payload, data)

	_, err = AppendHPBlock([]byte("keep"), make([]byte, 0x10000), nil)
	assert.ErrorIs(t, err, ErrTooLarge)
}

func TestAppendDefiniteBlockNoAlloc(t *testing.T) {
	data := []byte(strings.Repeat("z", 300))
	dst := make([]byte, 0, 400)
	allocs := testing.AllocsPerRun(100, func() {
		dst = AppendDefiniteBlock(dst[:0], data)
	})
	assert.Zero(t, allocs)
	assert.Equal(t, "#3300"+string(data), string(dst))
}

func TestBlockKindString(t *testing.T) {
	assert.Equal(t, "definite", BlockDefinite.String())
	assert.Equal(t, "definite-ext", BlockDefiniteExt.String())
	assert.Equal(t, "indefinite", BlockIndefinite.String())
	assert.Equal(t, "rs", BlockRS.String())
	assert.Equal(t, "hp", BlockHP.String())
	assert.Equal(t, "BlockKind(9)", BlockKind(9).String())
}
