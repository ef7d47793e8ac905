package asrl

import (
	"bytes"
	"testing"

	"github.com/govisa/govisa/transport"
)

func TestScan(t *testing.T) {
	r := readRules{endIn: EndTermChar, termChar: '\n', termEnabled: true, lastBit: 0x80}
	dst := make([]byte, 3)
	used, n, why := scan(dst, []byte("ab\ncd"), &r)
	if used != 3 || n != 3 || why != transport.ReasonEND|transport.ReasonTermChar|transport.ReasonCount {
		t.Fatal(used, n, why)
	}
	r = readRules{endIn: EndLastBit, lastBit: 0x40, discardNull: true}
	used, n, why = scan(make([]byte, 8), []byte{0x01, 0, 0x41, 'z'}, &r)
	if used != 3 || n != 2 || why != transport.ReasonEND {
		t.Fatal(used, n, why)
	}
}

func TestEncodeEnd(t *testing.T) {
	p := []byte{0xFF, 'a'}
	if got := encodeEnd(nil, p, EndNone, 8, '\n', true); &got[0] != &p[0] {
		t.Fatal("EndNone copied")
	}
	if got := encodeEnd(nil, p, EndTermChar, 8, '\n', true); !bytes.Equal(got, []byte{0xFF, 'a', '\n'}) {
		t.Fatalf("%x", got)
	}
	if got := encodeEnd(nil, p, EndTermChar, 8, '\n', false); !bytes.Equal(got, p) {
		t.Fatalf("%x", got)
	}
	if got := encodeEnd(nil, p, EndLastBit, 8, 0, true); !bytes.Equal(got, []byte{0x7F, 'a' | 0x80}) {
		t.Fatalf("%x", got)
	}
	if got := encodeEnd(nil, p, EndLastBit, 5, 0, false); !bytes.Equal(got, []byte{0x0F, 'a' & 0x0F}) {
		t.Fatalf("%x", got)
	}
	if got := encodeEnd(nil, nil, EndLastBit, 8, 0, true); len(got) != 0 {
		t.Fatalf("%x", got)
	}
}

// FuzzScan checks the read codec's invariants on arbitrary input and rules.
func FuzzScan(f *testing.F) {
	f.Add([]byte("abc\ndef"), byte('\n'), uint8(2), true, false, false, uint8(8), uint8(64))
	f.Add([]byte{0x80, 0, 1}, byte(0), uint8(1), false, true, true, uint8(7), uint8(2))
	f.Add([]byte{}, byte('\r'), uint8(0), true, true, true, uint8(5), uint8(0))
	f.Fuzz(func(t *testing.T, src []byte, term byte, endIn uint8, termEn, suppress, discard bool, dataBits, dstLen uint8) {
		bits := 5 + int(dataBits%4)
		r := readRules{endIn: EndMode(endIn % 3), termChar: term, termEnabled: termEn, suppressEND: suppress,
			lastBit: 1 << (bits - 1), discardNull: discard}
		dst := make([]byte, int(dstLen))
		used, n, why := scan(dst, src, &r)
		if used > len(src) || n > used || n > len(dst) {
			t.Fatalf("used %d stored %d of %d/%d", used, n, len(src), len(dst))
		}
		// What was stored is the consumed input minus discarded NULs.
		want := src[:used]
		if discard {
			want = bytes.ReplaceAll(want, []byte{0}, nil)
		}
		if !bytes.Equal(dst[:n], want) {
			t.Fatalf("stored %x from %x", dst[:n], src[:used])
		}
		// Only the last stored byte may terminate; nothing before it.
		for i := 0; i < n-1; i++ {
			if r.classify(dst[i]) != 0 {
				t.Fatalf("byte %d (%#x) should have ended the read", i, dst[i])
			}
		}
		if why == 0 && used != len(src) && len(dst) > 0 {
			t.Fatal("stopped without a reason")
		}
		if why != 0 && n > 0 && why&^transport.ReasonCount != r.classify(dst[n-1]) {
			t.Fatalf("reason %b for %#x", why, dst[n-1])
		}
		if why.Has(transport.ReasonCount) != (n == len(dst) && n > 0) {
			t.Fatalf("count reason %b with %d/%d", why, n, len(dst))
		}
	})
}

// FuzzEncodeEnd checks that a last-bit encoding is recognised by a last-bit
// read exactly at its end, and that a termchar encoding appends one byte.
func FuzzEncodeEnd(f *testing.F) {
	f.Add([]byte("*IDN?"), uint8(8), byte('\n'), true)
	f.Add([]byte{0xFF, 0x80, 0x00}, uint8(5), byte(0), false)
	f.Fuzz(func(t *testing.T, p []byte, dataBits uint8, term byte, end bool) {
		bits := 5 + int(dataBits%4)
		orig := bytes.Clone(p)
		out := encodeEnd(nil, p, EndLastBit, bits, term, end)
		if !bytes.Equal(p, orig) {
			t.Fatal("input modified")
		}
		r := readRules{endIn: EndLastBit, lastBit: 1 << (bits - 1)}
		dst := make([]byte, len(out)+1)
		_, n, why := scan(dst, out, &r)
		if end && len(p) > 0 {
			if n != len(out) || why != transport.ReasonEND {
				t.Fatalf("END at %d of %d (%b)", n, len(out), why)
			}
		} else if why != 0 {
			t.Fatalf("END in data without end: %b", why)
		}
		tc := encodeEnd(nil, p, EndTermChar, bits, term, end)
		if end && (len(tc) != len(p)+1 || tc[len(p)] != term) || !end && len(tc) != len(p) {
			t.Fatalf("termchar encoding %x", tc)
		}
	})
}
