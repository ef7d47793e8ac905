package dnsmsg

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	require.NoError(t, err)
	return b
}

// A PTR question for _hislip._tcp.local, computed by hand from RFC 1035 §4.1.
const ptrQueryHex = `0000 0000 0001 0000 0000 0000
	07 5f6869736c6970 04 5f746370 05 6c6f63616c 00 000c 0001`

// A DNS-SD response with compression pointers (offsets worked out by hand:
// "_hislip._tcp.local." at 12, "local." at 25, the PTR target at 42, the
// SRV target at 68).
const responseHex = `0000 8400 0000 0004 0000 0000
	07 5f6869736c6970 04 5f746370 05 6c6f63616c 00  000c 0001 00001194 0008  05 53636f7065 c00c
	c02a 0021 8001 00000078 000d  0000 0000 1310 04 686f7374 c019
	c044 0001 8001 00000078 0004  7f000001
	c02a 0010 8001 00001194 0013  12 537562416464726573733d6869736c697030`

func responseMsg() *Message {
	return &Message{
		Header: Header{Flags: FlagResponse | FlagAuthoritative},
		Answers: []Record{
			{Name: "_hislip._tcp.local.", Type: TypePTR, Class: ClassINET, TTL: 4500, Target: "Scope._hislip._tcp.local."},
			{Name: "Scope._hislip._tcp.local.", Type: TypeSRV, Class: ClassINET | ClassCacheFlush, TTL: 120, Port: 4880, Target: "host.local."},
			{Name: "host.local.", Type: TypeA, Class: ClassINET | ClassCacheFlush, TTL: 120, Addr: netip.MustParseAddr("127.0.0.1")},
			{Name: "Scope._hislip._tcp.local.", Type: TypeTXT, Class: ClassINET | ClassCacheFlush, TTL: 4500, Text: []string{"SubAddress=hislip0"}},
		},
	}
}

func TestQueryBytes(t *testing.T) {
	m := &Message{Questions: []Question{{Name: "_hislip._tcp.local.", Type: TypePTR, Class: ClassINET}}}
	b, err := m.Append(nil)
	require.NoError(t, err)
	assert.Equal(t, unhex(t, ptrQueryHex), b)

	got, err := Parse(b)
	require.NoError(t, err)
	assert.Equal(t, m, got)
	assert.False(t, got.Response())
}

func TestResponseBytes(t *testing.T) {
	b, err := responseMsg().Append(nil)
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(unhex(t, responseHex)), hex.EncodeToString(b))

	got, err := Parse(unhex(t, responseHex))
	require.NoError(t, err)
	assert.Equal(t, responseMsg(), got)
	assert.True(t, got.Response())
	assert.Equal(t, 0, got.Opcode())
	assert.Equal(t, 0, got.Rcode())
}

func TestAppendKeepsPrefix(t *testing.T) {
	prefix := []byte("xyz")
	b, err := responseMsg().Append(prefix)
	require.NoError(t, err)
	assert.Equal(t, "xyz", string(b[:3]))
	assert.Equal(t, unhex(t, responseHex), b[3:])
}

func TestAAAAAndUnknownAndEmptyTXT(t *testing.T) {
	m := &Message{
		Header:    Header{ID: 7, Flags: FlagResponse},
		Questions: []Question{{Name: "h.local.", Type: TypeANY, Class: ClassINET | ClassUnicastResponse}},
		Answers: []Record{
			{Name: "h.local.", Type: TypeAAAA, Class: ClassINET, TTL: 10, Addr: netip.MustParseAddr("fe80::1")},
			{Name: "h.local.", Type: TypeNSEC, Class: ClassINET, TTL: 10, Data: []byte{0xc0, 0x0c, 0, 1, 0x40}},
		},
		Additionals: []Record{{Name: "i._scpi-raw._tcp.local.", Type: TypeTXT, Class: ClassINET, TTL: 10}},
	}
	b, err := m.Append(nil)
	require.NoError(t, err)
	got, err := Parse(b)
	require.NoError(t, err)
	// An empty TXT record goes out as one empty string (RFC 6763 §6.1).
	m.Additionals[0].Text = []string{""}
	assert.Equal(t, m, got)
}

func TestParseErrors(t *testing.T) {
	hdr := func(qd, an int) string {
		return "0000 8400 " + hex.EncodeToString([]byte{byte(qd >> 8), byte(qd), byte(an >> 8), byte(an)}) + " 0000 0000 "
	}
	cases := map[string]string{
		"short header":     "0000 0000 0001",
		"count bomb":       hdr(0, 0xFFFF) + "00 0001 0001 00000000 0000",
		"pointer to self":  hdr(1, 0) + "c00c 000c 0001",
		"pointer forward":  hdr(1, 0) + "c00e 000c 0001 00",
		"pointer loop":     hdr(1, 0) + "01 61 c00c 000c 0001",
		"reserved label":   hdr(1, 0) + "40 000c 0001",
		"truncated label":  hdr(1, 0) + "05 6162",
		"missing qtype":    hdr(1, 0) + "00 00",
		"bad A length":     hdr(0, 1) + "00 0001 0001 00000000 0003 010203",
		"bad AAAA length":  hdr(0, 1) + "00 001c 0001 00000000 0004 01020304",
		"rdata past end":   hdr(0, 1) + "00 0010 0001 00000000 0009 0461",
		"PTR overrun":      hdr(0, 1) + "00 000c 0001 00000000 0002 0161 00",
		"PTR underrun":     hdr(0, 1) + "00 000c 0001 00000000 0003 00 0000",
		"SRV too short":    hdr(0, 1) + "00 0021 0001 00000000 0006 000000000000",
		"TXT string long":  hdr(0, 1) + "00 0010 0001 00000000 0002 0561",
		"trailing garbage": hdr(1, 0) + "00 000c 0001 ff",
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(unhex(t, h))
			require.Error(t, err)
			assert.True(t, errors.Is(err, transport.ErrProtocol), "%v", err)
		})
	}
}

func TestNameTooLongOnWire(t *testing.T) {
	// 5 labels of 63 octets exceed 255 octets: each label written once and
	// the fifth reached through a pointer chain still counts.
	var b []byte
	b = append(b, unhex(t, "0000 0000 0001 0000 0000 0000")...)
	for range 5 {
		b = append(b, 63)
		b = append(b, strings.Repeat("a", 63)...)
	}
	b = append(b, 0, 0, 12, 0, 1)
	_, err := Parse(b)
	assert.ErrorIs(t, err, transport.ErrProtocol)
}

func TestNames(t *testing.T) {
	labels := []string{"My.Scope \\ 1\x01", "_hislip", "_tcp", "local"}
	name := JoinName(labels...)
	assert.Equal(t, `My\.Scope \\ 1\001._hislip._tcp.local.`, name)
	got, err := SplitName(name)
	require.NoError(t, err)
	assert.Equal(t, labels, got)

	for _, n := range []string{".", ""} {
		l, err := SplitName(n)
		require.NoError(t, err)
		assert.Empty(t, l)
	}
	for _, bad := range []string{"a..b", ".a", `a\`, `a\25`, `a\999`, strings.Repeat("a", 64) + ".local", strings.Repeat("abcdefg.", 40)} {
		_, err := SplitName(bad)
		assert.Error(t, err, bad)
	}
	assert.True(t, EqualNames("Host.LOCAL", "host.local."))
	assert.False(t, EqualNames(`a\.`, "a."))
	assert.Equal(t, `a\..`, Canonical(`A\.`))
	assert.Equal(t, `a\\.`, Canonical(`A\\.`))
}

func TestAppendErrors(t *testing.T) {
	cases := []Message{
		{Questions: []Question{{Name: "a..b"}}},
		{Answers: []Record{{Name: "a.", Type: TypeA, Addr: netip.MustParseAddr("::1")}}},
		{Answers: []Record{{Name: "a.", Type: TypeAAAA, Addr: netip.MustParseAddr("1.2.3.4")}}},
		{Answers: []Record{{Name: "a.", Type: TypeA}}},
		{Answers: []Record{{Name: "a.", Type: TypeTXT, Text: []string{strings.Repeat("x", 256)}}}},
		{Answers: []Record{{Name: "a.", Type: TypePTR, Target: "x..y"}}},
		{Answers: []Record{{Name: "a.", Type: 99, Data: make([]byte, 70000)}}},
	}
	for i, m := range cases {
		b, err := m.Append([]byte("p"))
		assert.ErrorIs(t, err, transport.ErrInvalidArg, "case %d", i)
		assert.Equal(t, []byte("p"), b, "case %d", i)
	}
}

func TestTypeString(t *testing.T) {
	assert.Equal(t, "SRV", TypeSRV.String())
	assert.Equal(t, "TYPE99", Type(99).String())
}
