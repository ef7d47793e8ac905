package usbtmc

import (
	"errors"
	"testing"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendMsgOutLayout(t *testing.T) {
	got := AppendMsgOut(nil, 1, []byte("*IDN?\n"), true)
	want := []byte{1, 1, 0xFE, 0, 6, 0, 0, 0, 1, 0, 0, 0, '*', 'I', 'D', 'N', '?', '\n', 0, 0}
	assert.Equal(t, want, got)
	got = AppendMsgOut(nil, 0x80, []byte("abcd"), false)
	assert.Len(t, got, 16, "aligned data needs no padding")
	assert.Equal(t, byte(0x7F), got[2])
	assert.Equal(t, byte(0), got[8], "EOM clear")
}

func TestAppendRequestIn(t *testing.T) {
	got := AppendRequestIn(nil, 5, 0x1234, '\n', true)
	assert.Equal(t, []byte{2, 5, 0xFA, 0, 0x34, 0x12, 0, 0, 2, '\n', 0, 0}, got)
	got = AppendRequestIn(nil, 5, 10, '\n', false)
	assert.Equal(t, byte(0), got[8])
	assert.Equal(t, byte(0), got[9], "term char only when enabled")
	assert.Equal(t, []byte{128, 9, 0xF6, 0, 0, 0, 0, 0, 0, 0, 0, 0}, AppendTrigger(nil, 9))
}

func TestTagWrap(t *testing.T) {
	assert.Equal(t, byte(1), nextTag(255))
	assert.Equal(t, byte(1), nextTag(0))
	assert.Equal(t, byte(7), nextTag(6))
}

func TestParseBulkInHeader(t *testing.T) {
	h, err := ParseBulkInHeader([]byte{2, 3, 0xFC, 0, 10, 0, 0, 0, 3, 0, 0, 0})
	require.NoError(t, err)
	assert.Equal(t, BulkInHeader{MsgID: 2, Tag: 3, TransferSize: 10, EOM: true, TermChar: true}, h)
	for name, p := range map[string][]byte{
		"short":   {2, 3, 0xFC},
		"msgid":   {1, 3, 0xFC, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"inverse": {2, 3, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	} {
		_, err := ParseBulkInHeader(p)
		assert.True(t, errors.Is(err, transport.ErrProtocol), name)
	}
}

func TestParseBulkOutHeader(t *testing.T) {
	h, err := ParseBulkOutHeader(AppendRequestIn(nil, 9, 100, '\r', true))
	require.NoError(t, err)
	assert.Equal(t, BulkOutHeader{MsgID: 2, Tag: 9, TransferSize: 100, TermCharOn: true, TermChar: '\r'}, h)
	h, err = ParseBulkOutHeader(AppendMsgOut(nil, 4, []byte("x"), true))
	require.NoError(t, err)
	assert.True(t, h.EOM)
	_, err = ParseBulkOutHeader([]byte{1, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	assert.ErrorIs(t, err, transport.ErrProtocol, "bTag 0 is invalid")
	_, err = ParseBulkOutHeader([]byte{99, 1, 0xFE, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	assert.ErrorIs(t, err, transport.ErrProtocol)
}

func TestCapabilitiesRoundTrip(t *testing.T) {
	p := FullCapabilities.Bytes()
	assert.Len(t, p, 24)
	assert.Equal(t, byte(0x07), p[14])
	assert.Equal(t, byte(0x0F), p[15])
	c, err := ParseCapabilities(p)
	require.NoError(t, err)
	assert.Equal(t, FullCapabilities, c)
	p[0] = StatusFailed
	_, err = ParseCapabilities(p)
	assert.ErrorIs(t, err, transport.ErrIO)
	_, err = ParseCapabilities(p[:10])
	assert.ErrorIs(t, err, transport.ErrProtocol)
}

func TestLookupQuirks(t *testing.T) {
	assert.Equal(t, QuirkSingleHeader, LookupQuirks(0x1AB1, 0x04CE))
	assert.Equal(t, Quirk(0), LookupQuirks(0x1AB1, 0x1234))
	assert.Equal(t, QuirkSmallReads|QuirkNoEOM, LookupQuirks(0x1334, 0x9))
	for _, e := range QuirkTable {
		assert.NotEmpty(t, e.Symptom)
	}
}
