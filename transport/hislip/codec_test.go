package hislip

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/govisa/govisa/transport"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCodecVectors checks byte-in/byte-out against fact sheet §3.17.
func TestCodecVectors(t *testing.T) {
	size := make([]byte, 8)
	size[5] = 0x10 // 1 MiB big-endian
	cases := []struct {
		name    string
		typ     MsgType
		ctrl    uint8
		param   uint32
		payload []byte
		want    string
	}{
		{"Initialize", MsgInitialize, 0, uint32(Version10)<<16 | uint32(packVendor("XY")), []byte("hislip0"),
			"48 53 00 00 01 00 58 59 00 00 00 00 00 00 00 07 68 69 73 6c 69 70 30"},
		{"InitializeResponse", MsgInitializeResponse, 0, uint32(Version10)<<16 | 1, nil,
			"48 53 01 00 01 00 00 01 00 00 00 00 00 00 00 00"},
		{"AsyncInitialize", MsgAsyncInitialize, 0, 1, nil,
			"48 53 11 00 00 00 00 01 00 00 00 00 00 00 00 00"},
		{"AsyncMaximumMessageSize", MsgAsyncMaximumMessageSize, 0, 0, size,
			"48 53 0f 00 00 00 00 00 00 00 00 00 00 00 00 08 00 00 00 00 00 10 00 00"},
		{"DataEnd", MsgDataEnd, 0, firstMessageID, []byte("*IDN?\n"),
			"48 53 07 00 ff ff ff 00 00 00 00 00 00 00 00 06 2a 49 44 4e 3f 0a"},
		{"AsyncStatusQuery", MsgAsyncStatusQuery, 1, firstMessageID, nil,
			"48 53 15 01 ff ff ff 00 00 00 00 00 00 00 00 00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := unhex(t, c.want)
			got := AppendMessage(nil, c.typ, c.ctrl, c.param, c.payload)
			if !bytes.Equal(got, want) {
				t.Fatalf("encode:\n got %x\nwant %x", got, want)
			}
			m, err := ReadMessage(bytes.NewReader(want), 1<<20, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Type != c.typ || m.Control != c.ctrl || m.Param != c.param || !bytes.Equal(m.Payload, c.payload) {
				t.Fatalf("decode: %+v", m)
			}
		})
	}
}

func TestCodecErrors(t *testing.T) {
	if _, err := ParseHeader([]byte("HS\x00")); !errors.Is(err, transport.ErrProtocol) {
		t.Fatalf("short header: %v", err)
	}
	bad := unhex(t, "48 54 07 00 ff ff ff 00 00 00 00 00 00 00 00 00")
	if _, err := ParseHeader(bad); !errors.Is(err, transport.ErrProtocol) || !errors.Is(err, ErrBadPrologue) {
		t.Fatalf("bad prologue: %v", err)
	}
	// A huge length is rejected before allocation.
	huge := Header{Type: MsgData, Length: 1 << 60}.Append(nil)
	_, err := ReadMessage(bytes.NewReader(huge), 1024, nil)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, transport.ErrTooLarge) || tl.Header.Length != 1<<60 {
		t.Fatalf("too large: %v", err)
	}
	// Truncated payload.
	tr := AppendMessage(nil, MsgData, 0, 0, []byte("abcdef"))[:HeaderSize+3]
	if _, err := ReadMessage(bytes.NewReader(tr), 1024, nil); err == nil {
		t.Fatal("truncated payload accepted")
	}
	if err := SkipPayload(bytes.NewReader([]byte("ab")), 5); err == nil {
		t.Fatal("skip past EOF accepted")
	}
	if MsgDataEnd.String() != "DataEnd" || !strings.HasPrefix(MsgType(200).String(), "VendorSpecific") ||
		!strings.HasPrefix(MsgType(50).String(), "Reserved") || !MsgAsyncStartTLS.Is20() || !MsgType(130).VendorSpecific() {
		t.Fatal("type names")
	}
	if UnpackVendor(packVendor("RS")) != "RS" {
		t.Fatal("vendor packing")
	}
	for c := 0; c < 256; c++ {
		if FatalCodeText(uint8(c)) == "" || ErrorCodeText(uint8(c)) == "" {
			t.Fatal("empty code text")
		}
	}
}

// FuzzHeader: any 16+ bytes either fail with ErrProtocol or round-trip.
func FuzzHeader(f *testing.F) {
	f.Add(unhex(f, "48 53 00 00 01 00 58 59 00 00 00 00 00 00 00 07 68 69 73 6c 69 70 30"))
	f.Add(unhex(f, "48 53 07 00 ff ff ff 00 00 00 00 00 00 00 00 06 2a 49 44 4e 3f 0a"))
	f.Add(unhex(f, "48 53 15 01 ff ff ff 00 ff ff ff ff ff ff ff ff"))
	f.Add([]byte("HS"))
	f.Add([]byte("XXXXXXXXXXXXXXXXXXXX"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, transport.ErrProtocol) {
				t.Fatalf("error without ErrProtocol: %v", err)
			}
			return
		}
		if got := h.Append(nil); !bytes.Equal(got, b[:HeaderSize]) {
			t.Fatalf("round trip: %x vs %x", got, b[:HeaderSize])
		}
		m, err := ReadMessage(bytes.NewReader(b), 64, make([]byte, 0, 8))
		if err == nil {
			if uint64(len(m.Payload)) != h.Length || !bytes.Equal(m.Payload, b[HeaderSize:HeaderSize+len(m.Payload)]) {
				t.Fatal("payload mismatch")
			}
		} else if h.Length <= 64 && uint64(len(b)-HeaderSize) >= h.Length {
			t.Fatalf("complete message rejected: %v", err)
		}
	})
}
