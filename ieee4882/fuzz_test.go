package ieee4882

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func FuzzParseBlockHeader(f *testing.F) {
	for _, s := range []string{"#15hello", "#3100", "#0abc\n", "#10", "#A1234567890", "#F999999999999999",
		"#(1234567890)", "#()", "#", "", "#9", "#2x1", "#(1234567890123456789)", "#A\x00\x05"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := ParseBlockHeader(p)
		if err != nil {
			if !errors.Is(err, ErrNeedMore) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error class: %v", err)
			}
			if errors.Is(err, ErrNeedMore) {
				// A longer input may still be valid, but a prefix of a
				// valid header must never be called malformed.
				return
			}
			return
		}
		if h.HeaderLen < 2 || h.HeaderLen > len(p) || h.HeaderLen > MaxHeaderLen {
			t.Fatalf("header length %d out of range for %q", h.HeaderLen, p)
		}
		if h.DataLen < -1 || (h.DataLen == -1) != (h.Kind == BlockIndefinite) {
			t.Fatalf("bad data length %d for kind %v", h.DataLen, h.Kind)
		}
		// Every prefix of a valid header needs more; the header re-parses
		// on its own.
		for i := 0; i < h.HeaderLen; i++ {
			if _, err := ParseBlockHeader(p[:i]); !errors.Is(err, ErrNeedMore) && h.Kind != BlockIndefinite {
				t.Fatalf("prefix %q of valid header: %v", p[:i], err)
			}
		}
		h2, err := ParseBlockHeader(p[:h.HeaderLen])
		if err != nil || h2 != h {
			t.Fatalf("header alone parses differently: %v %v", h2, err)
		}
		// Definite headers re-encode to a header of the same length value.
		if h.Kind == BlockDefinite || h.Kind == BlockDefiniteExt {
			enc := AppendBlockHeader(nil, h.DataLen)
			h3, err := ParseBlockHeader(enc)
			if err != nil || h3.DataLen != h.DataLen {
				t.Fatalf("re-encoded %q: %v %v", enc, h3, err)
			}
		}
	})
}

func FuzzDecodeBlock(f *testing.F) {
	f.Add([]byte("#15hello\n"), 10)
	f.Add([]byte("#3100"), 100)
	f.Add([]byte("#0abc\n"), 10)
	f.Add([]byte("#9999999999"), 1<<20)
	f.Add([]byte("#(3)abc\n"), 3)
	f.Add([]byte("#A0000000001x"), 1)
	f.Add([]byte("#15hel"), 10)
	f.Fuzz(func(t *testing.T, p []byte, max int) {
		data, rest, err := DecodeBlock(p, max)
		if err == nil {
			if max >= 0 && len(data) > max {
				t.Fatalf("data of %d bytes over max %d", len(data), max)
			}
			if len(data)+len(rest) > len(p) {
				t.Fatalf("data and rest longer than input")
			}
			// Re-encoding a definite block gives back the same data.
			if p[1] != '0' {
				d2, r2, err := DecodeBlock(append(AppendDefiniteBlock(nil, data), rest...), -1)
				if err != nil || !bytes.Equal(d2, data) || !bytes.Equal(r2, rest) {
					t.Fatalf("round trip: %v", err)
				}
			}
		} else if !errors.Is(err, ErrNeedMore) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("unexpected error class: %v", err)
		}

		// The streaming reader agrees with DecodeBlock on definite blocks.
		m := int64(max)
		if max < 0 {
			m = 1 << 62
		}
		got, rerr := io.ReadAll(NewBlockReader(bytes.NewReader(p), m))
		if err == nil && p[1] != '0' && (rerr != nil || !bytes.Equal(got, data)) {
			t.Fatalf("BlockReader disagrees: %q %v vs %q", got, rerr, data)
		}
		if err == nil && p[1] == '0' && (rerr != nil || !bytes.Equal(got, data)) {
			t.Fatalf("BlockReader disagrees on indefinite: %q %v vs %q", got, rerr, data)
		}
	})
}

func FuzzParseASCII(f *testing.F) {
	for _, s := range []string{"1,2,3", "1.5e3, -2 ,NaN\n", "", ",", "#HFF,0x10", "1e999", "-0", "1,,2"} {
		f.Add(s, byte('f'))
		f.Add(s, byte('x'))
	}
	f.Add("101", byte('b'))
	f.Add("17", byte('o'))
	f.Add("-5", byte('d'))
	f.Fuzz(func(t *testing.T, s string, conv byte) {
		c := Converter(conv)
		fv, ferr := ParseASCII[float64](s, ",", c)
		iv, ierr := ParseASCII[int32](s, ",", c)
		uv, uerr := ParseASCII[uint8](s, ",", c)
		_, _, _ = fv, iv, uv
		for _, err := range []error{ferr, ierr, uerr} {
			if err != nil && c.base() >= 0 && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error class: %v", err)
			}
		}
		// Integers that parse format and parse back to the same values.
		if ierr == nil && c.base() > 0 {
			back, err := ParseASCII[int32](string(AppendASCII(nil, iv, ",", c)), ",", c)
			if err != nil || len(back) != len(iv) {
				t.Fatalf("int round trip of %v: %v %v", iv, back, err)
			}
			for i := range iv {
				if back[i] != iv[i] {
					t.Fatalf("int round trip of %v: %v", iv, back)
				}
			}
		}
		if ferr == nil && c.base() == 0 {
			back, err := ParseASCIIValues(string(AppendASCIIValues(nil, fv)))
			if err != nil || len(back) != len(fv) {
				t.Fatalf("float round trip of %v: %v %v", fv, back, err)
			}
			for i := range fv {
				if back[i] != fv[i] && !(fv[i] != fv[i] && back[i] != back[i]) {
					t.Fatalf("float round trip of %v: %v", fv, back)
				}
			}
		}
	})
}
