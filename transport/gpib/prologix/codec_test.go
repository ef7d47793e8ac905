package prologix

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/govisa/govisa/transport"
)

func TestEscape(t *testing.T) {
	got := Escape(nil, []byte("a\r\n\x1b+b"))
	if want := []byte("a\x1b\r\x1b\n\x1b\x1b\x1b+b"); !bytes.Equal(got, want) {
		t.Fatalf("%q", got)
	}
}

type rec struct{ evs []string }

func (r *rec) emit(ev Event) error {
	switch ev.Kind {
	case EventCommand:
		r.evs = append(r.evs, "C:"+string(ev.Data))
	case EventData:
		s := "D:" + string(ev.Data)
		if ev.End {
			s += "$"
		}
		r.evs = append(r.evs, s)
	}
	return nil
}

func TestDecoder(t *testing.T) {
	var r rec
	d := NewDecoder(0)
	in := "++addr 5\r\n*IDN?\n+x\n++ver\r\x1b+\x1b\n\x1b\x1b\r\n\n"
	if err := d.Feed([]byte(in), r.emit); err != nil {
		t.Fatal(err)
	}
	want := []string{"C:addr 5", "D:*IDN?$", "D:+x$", "C:ver", "D:+\n\x1b$"}
	if strings.Join(r.evs, "|") != strings.Join(want, "|") {
		t.Fatalf("%q", r.evs)
	}
	// Split anywhere: the same events, with data possibly in pieces.
	r.evs = nil
	d = NewDecoder(0)
	for i := range len(in) {
		d.Feed([]byte{in[i]}, r.emit)
	}
	var joined []string
	acc := ""
	for _, e := range r.evs {
		if strings.HasPrefix(e, "D:") {
			acc += strings.TrimPrefix(e, "D:")
			if strings.HasSuffix(acc, "$") {
				joined = append(joined, "D:"+acc)
				acc = ""
			}
			continue
		}
		joined = append(joined, e)
	}
	if strings.Join(joined, "|") != strings.Join(want, "|") {
		t.Fatalf("byte by byte %q", joined)
	}
	// Over-long command: an error, the line is dropped, decoding goes on.
	r.evs = nil
	d = NewDecoder(8)
	err := d.Feed([]byte("++"+strings.Repeat("x", 20)+"\n++ver\n"), r.emit)
	if !errors.Is(err, transport.ErrProtocol) || !errors.Is(err, ErrCommandTooLong) {
		t.Fatal(err)
	}
	if strings.Join(r.evs, "|") != "C:ver" {
		t.Fatalf("%q", r.evs)
	}
	// An emit error stops decoding.
	stop := errors.New("stop")
	if err := NewDecoder(0).Feed([]byte("++ver\n"), func(Event) error { return stop }); err != stop {
		t.Fatal(err)
	}
}

// FuzzDecoder checks that escaped data always decodes to itself, and that
// arbitrary input never yields a command longer than the maximum.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte("++addr 5\n*IDN?\n"), []byte("a+b\r\n\x1b"))
	f.Add([]byte("\x1b\x1b++\r\r+"), []byte{})
	f.Add([]byte{'+', '+', 0, '\n'}, []byte{0x2b, 0x2b})
	f.Fuzz(func(t *testing.T, raw, data []byte) {
		const max = 32
		d := NewDecoder(max)
		d.Feed(raw, func(ev Event) error {
			if ev.Kind == EventCommand && len(ev.Data) > max {
				t.Fatalf("command of %d bytes", len(ev.Data))
			}
			return nil
		})
		// A fresh decoder: escaped data plus LF is exactly one data line.
		d = NewDecoder(max)
		var got []byte
		ends := 0
		line := append(Escape(nil, data), '\n')
		err := d.Feed(line, func(ev Event) error {
			if ev.Kind != EventData {
				t.Fatalf("event %v from data", ev.Kind)
			}
			got = append(got, ev.Data...)
			if ev.End {
				ends++
			}
			return nil
		})
		wantEnds := 1
		if len(data) == 0 {
			wantEnds = 0 // an empty line is ignored, as the firmware does
		}
		if err != nil || !bytes.Equal(got, data) || ends != wantEnds {
			t.Fatalf("data %q decoded to %q (%d ends, %v)", data, got, ends, err)
		}
	})
}
