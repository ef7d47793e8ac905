package ieee4882

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readers wraps a source in the reader shapes a transport produces.
var readers = map[string]func(io.Reader) io.Reader{
	"plain":    func(r io.Reader) io.Reader { return r },
	"onebyte":  iotest.OneByteReader,
	"half":     iotest.HalfReader,
	"dataerr":  iotest.DataErrReader,
	"onebyte+": func(r io.Reader) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(r)) },
}

func TestBlockReaderDefinite(t *testing.T) {
	payload := make([]byte, 1000)
	for i := range payload {
		payload[i] = byte(i)
	}
	msgs := map[string][]byte{
		"ieee": append(AppendDefiniteBlock(nil, payload), '\n'),
		"rs":   append(AppendRSBlock(nil, payload), '\n'),
		"ext":  append([]byte("#A0000001000"), append(payload, '\n')...),
	}
	for mname, msg := range msgs {
		for rname, wrap := range readers {
			t.Run(mname+"/"+rname, func(t *testing.T) {
				src := bytes.NewReader(msg)
				var calls int
				var last, lastTotal int64
				w := wrap(src)
				br := NewBlockReader(w, 1000)
				br.Progress = func(done, total int64) { calls++; last, lastTotal = done, total }
				got, err := io.ReadAll(br)
				require.NoError(t, err)
				assert.Equal(t, payload, got)
				// The terminator stays in the source for the caller.
				rest, _ := io.ReadAll(w)
				assert.Equal(t, "\n", string(rest))
				assert.Positive(t, calls)
				assert.Equal(t, int64(1000), last)
				assert.Equal(t, int64(1000), lastTotal)
				h, err := br.Header()
				require.NoError(t, err)
				assert.Equal(t, int64(1000), h.DataLen)
			})
		}
	}
}

func TestBlockReaderIndefinite(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"#0abc\n", "abc"},
		{"#0a\nb\n", "a\nb"},
		{"#0abc", "abc"},
		{"#0\n", ""},
		{"#0", ""},
		{"#0\n\n", "\n"},
	} {
		for rname, wrap := range readers {
			t.Run(rname+"/"+tc.in, func(t *testing.T) {
				br := NewBlockReader(wrap(strings.NewReader(tc.in)), 10)
				var total int64 = 5
				br.Progress = func(_, tot int64) { total = tot }
				got, err := io.ReadAll(br)
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(got))
				if tc.want != "" {
					assert.Equal(t, int64(-1), total)
				}
			})
			t.Run("tiny/"+rname+"/"+tc.in, func(t *testing.T) {
				// One-byte destination buffers exercise the held-byte path.
				br := NewBlockReader(wrap(strings.NewReader(tc.in)), 10)
				var got []byte
				var b [1]byte
				for {
					n, err := br.Read(b[:])
					got = append(got, b[:n]...)
					if errors.Is(err, io.EOF) {
						break
					}
					require.NoError(t, err)
				}
				assert.Equal(t, tc.want, string(got))
			})
		}
	}
}

func TestBlockReaderIndefiniteTooLarge(t *testing.T) {
	br := NewBlockReader(strings.NewReader("#0"+strings.Repeat("x", 100)+"\n"), 10)
	_, err := io.ReadAll(br)
	assert.ErrorIs(t, err, ErrTooLarge)
}

func TestBlockReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int64
		err  error
	}{
		{"header over max", "#9999999999", 1 << 20, ErrTooLarge},
		{"rs over max", "#(99999999999)", 1 << 20, ErrTooLarge},
		{"empty", "", 10, ErrMalformed},
		{"only hash", "#", 10, ErrMalformed},
		{"short digits", "#31", 10, ErrMalformed},
		{"bad digit", "#2x1ab", 10, ErrMalformed},
		{"not a block", "1,2,3", 10, ErrMalformed},
		{"rs too long", "#(1234567890123456789)", 1 << 62, ErrMalformed},
		{"rs unterminated", "#(12", 100, ErrMalformed},
		{"data cut short", "#15hel", 10, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		for rname, wrap := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				br := NewBlockReader(wrap(strings.NewReader(tt.in)), tt.max)
				_, err := io.ReadAll(br)
				assert.ErrorIs(t, err, tt.err)
			})
		}
	}
}

func TestBlockReaderDoesNotReadPastHeader(t *testing.T) {
	src := strings.NewReader("#3100rest")
	br := NewBlockReader(src, 1000)
	h, err := br.Header()
	require.NoError(t, err)
	assert.Equal(t, int64(100), h.DataLen)
	assert.Equal(t, 4, src.Len(), "only the 5 header bytes were consumed")
}

func TestBlockReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("boom")
	br := NewBlockReader(io.MultiReader(strings.NewReader("#15he"), iotest.ErrReader(boom)), 10)
	_, err := io.ReadAll(br)
	assert.ErrorIs(t, err, boom)

	br = NewBlockReader(iotest.ErrReader(boom), 10)
	_, err = br.Header()
	assert.ErrorIs(t, err, boom)
}

func TestBlockReaderZeroLen(t *testing.T) {
	br := NewBlockReader(strings.NewReader("#15hello"), 10)
	n, err := br.Read(nil)
	assert.Zero(t, n)
	assert.NoError(t, err)
}
