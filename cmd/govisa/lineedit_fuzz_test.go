package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzLineEditor feeds arbitrary keystrokes to the line editor: it must
// never panic, always end (every byte is consumed), and return lines whose
// runes it was given.
func FuzzLineEditor(f *testing.F) {
	for _, s := range []string{"hello\r", "abc\x1b[D\x1b[DX\r", "\x1b[A\x1b[B\x1b[3~\r", "op\t\t\r", "\x1b", "\x1b[", "\x17\x15\x0b\x7f\r", "\xff\xfe\r", "\x03\x04"} {
		f.Add([]byte(s))
	}
	complete := func(head string) []string {
		if strings.HasPrefix("open TCPIP::a::INSTR", head) {
			return []string{"open TCPIP::a::INSTR", "open TCPIP::b::INSTR"}
		}
		return nil
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ed := newLineEditor(bytes.NewReader(in), io.Discard, complete)
		for i := 0; i <= len(in)+1; i++ {
			line, err := ed.readLine("> ")
			if err == io.EOF {
				return
			}
			if ed.pos < 0 || ed.pos > len(ed.buf) {
				t.Fatalf("cursor %d outside line of %d", ed.pos, len(ed.buf))
			}
			ed.addHistory(line)
		}
		t.Fatalf("%d lines from %d bytes", len(in)+2, len(in))
	})
}
