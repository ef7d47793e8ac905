package dnsmsg

import (
	"encoding/hex"
	"strings"
	"testing"
)

// FuzzDNSMessage checks that Parse never panics or hangs, and that whatever
// it accepts re-encodes into a message that parses to the same content.
func FuzzDNSMessage(f *testing.F) {
	for _, h := range []string{ptrQueryHex, responseHex} {
		b, _ := hex.DecodeString(strings.Join(strings.Fields(h), ""))
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 12, 0, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		out, err := m.Append(nil)
		if err != nil {
			// Only records Parse keeps but Append refuses may fail: none
			// should, since every decoded value fits the encoder's limits.
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		a, _ := m.Append(nil)
		c, _ := m2.Append(nil)
		if string(a) != string(c) {
			t.Fatalf("round trip differs:\n%x\n%x", a, c)
		}
	})
}

// FuzzName checks that presentation names survive SplitName/JoinName.
func FuzzName(f *testing.F) {
	f.Add("My\\.Scope._hislip._tcp.local.")
	f.Add("\\000\\255.x")
	f.Fuzz(func(t *testing.T, s string) {
		labels, err := SplitName(s)
		if err != nil {
			return
		}
		again, err := SplitName(JoinName(labels...))
		if err != nil {
			t.Fatalf("split of join: %v", err)
		}
		if len(again) != len(labels) {
			t.Fatalf("labels %q -> %q", labels, again)
		}
		for i := range labels {
			if labels[i] != again[i] {
				t.Fatalf("labels %q -> %q", labels, again)
			}
		}
	})
}
