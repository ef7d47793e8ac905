package socket

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type seg struct {
	kind SegmentKind
	data string
}

// split feeds in to a fresh Splitter in chunks of chunk bytes and returns
// the segments, with adjacent ones of the same kind merged when merge is
// set, and what stays pending.
func split(max int, in []byte, chunk int, merge bool) ([]seg, int) {
	s := NewSplitter(max)
	var out []seg
	emit := func(k SegmentKind, b []byte) error {
		if merge && len(out) > 0 && out[len(out)-1].kind == k && k != SegMessage {
			out[len(out)-1].data += string(b)
			return nil
		}
		out = append(out, seg{k, string(b)})
		return nil
	}
	for len(in) > 0 {
		k := min(chunk, len(in))
		_ = s.Feed(in[:k], emit)
		in = in[k:]
	}
	return out, s.Pending()
}

func TestSplitterMessages(t *testing.T) {
	got, pending := split(100, []byte("*IDN?\n*RST;*CLS\npart"), 3, true)
	assert.Equal(t, []seg{{SegMessage, "*IDN?\n"}, {SegMessage, "*RST;*CLS\n"}}, got)
	assert.Equal(t, 4, pending)
}

func TestSplitterBlockKeepsLF(t *testing.T) {
	in := []byte("DATA #15a\nb\nc;*OPC?\n")
	got, _ := split(100, in, 1, true)
	assert.Equal(t, []seg{{SegMessage, "DATA #15a\nb\nc;*OPC?\n"}}, got)
	// Malformed headers and "#0" are plain bytes: LF ends the message.
	got, _ = split(100, []byte("A #x\nB #0\nC #2\n"), 2, true)
	assert.Equal(t, []seg{{SegMessage, "A #x\n"}, {SegMessage, "B #0\n"}, {SegMessage, "C #2\n"}}, got)
	// '#' inside a string starts no block.
	got, _ = split(100, []byte("S \"#19\"\nT\n"), 1, true)
	assert.Equal(t, []seg{{SegMessage, "S \"#19\"\n"}, {SegMessage, "T\n"}}, got)
}

func TestSplitterBigBlockStreamsInParts(t *testing.T) {
	body := bytes.Repeat([]byte("x\n"), 50) // 100 bytes with LFs
	in := append([]byte("W #3100"), body...)
	in = append(in, '\n')
	got, pending := split(16, in, 7, false)
	require.Zero(t, pending)
	var whole []byte
	for i, s := range got {
		assert.LessOrEqual(t, len(s.data), 16)
		if i < len(got)-1 {
			assert.Equal(t, SegPart, s.kind, "segment %d", i)
		} else {
			assert.Equal(t, SegMessage, s.kind)
		}
		whole = append(whole, s.data...)
	}
	assert.Equal(t, in, whole)
}

func TestSplitterDropsOverlongLine(t *testing.T) {
	in := append(bytes.Repeat([]byte("A"), 50), "\n*IDN?\n"...)
	got, _ := split(16, in, 5, true)
	assert.Equal(t, []seg{{SegDropped, string(in[:51])}, {SegMessage, "*IDN?\n"}}, got)
	// A message that streamed a block and then runs on without LF is
	// closed at the bound and the rest of its line is dropped.
	in = []byte("W #220" + "0123456789abcdefghij" + "tail-without-end-for-a-while\nQ?\n")
	got, _ = split(16, in, 4, true)
	require.GreaterOrEqual(t, len(got), 4)
	assert.Equal(t, SegPart, got[0].kind)
	assert.Equal(t, SegMessage, got[1].kind)
	assert.Equal(t, SegDropped, got[2].kind)
	assert.Equal(t, seg{SegMessage, "Q?\n"}, got[3])
}

func TestSplitterBoundedMemory(t *testing.T) {
	s := NewSplitter(1000)
	junk := bytes.Repeat([]byte{'z'}, 4096)
	for range 1000 {
		require.NoError(t, s.Feed(junk, func(SegmentKind, []byte) error { return nil }))
		require.LessOrEqual(t, cap(s.buf), 1000)
	}
	assert.Equal(t, DefaultMaxMessage, NewSplitter(0).Max())
	s.Reset()
	assert.Zero(t, s.Pending())
	assert.Equal(t, "dropped", SegDropped.String())
}

// FuzzSplitter checks the codec's invariants on arbitrary input: nothing is
// lost or reordered (segments + pending == input), no segment exceeds the
// bound, whole messages end with LF, and the framing does not depend on how
// the stream is cut into reads.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte("*IDN?\n"), uint8(8), uint8(3))
	f.Add([]byte("DATA #15a\nb\nc\n"), uint8(4), uint8(1))
	f.Add([]byte("W #3100"+string(bytes.Repeat([]byte("x\n"), 50))+"\n"), uint8(16), uint8(7))
	f.Add([]byte("\"#9'\n#\n#1\n#9123\n''\"\n"), uint8(3), uint8(2))
	f.Add(bytes.Repeat([]byte("A"), 300), uint8(1), uint8(255))
	f.Fuzz(func(t *testing.T, in []byte, max, chunk uint8) {
		m := int(max%64) + 1
		c := int(chunk%32) + 1
		one, p1 := split(m, in, len(in)+1, false)
		var all []byte
		for _, s := range one {
			if s.kind != SegDropped && len(s.data) > m { // dropped bytes are never buffered
				t.Fatalf("segment of %d bytes exceeds max %d", len(s.data), m)
			}
			if s.kind == SegMessage && len(s.data) == 0 {
				t.Fatal("empty message")
			}
			all = append(all, s.data...)
		}
		if !bytes.Equal(all, in[:len(in)-p1]) {
			t.Fatalf("segments do not reassemble the input")
		}
		// Chunking independence (segments merged where cuts may differ).
		a, pa := split(m, in, len(in)+1, true)
		b, pb := split(m, in, c, true)
		if pa != pb || len(a) != len(b) {
			t.Fatalf("chunking changed framing: %v/%d vs %v/%d", a, pa, b, pb)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("chunking changed segment %d: %v vs %v", i, a[i], b[i])
			}
		}
	})
}
