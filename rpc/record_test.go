package rpc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

func TestRecordRoundTrip(t *testing.T) {
	var stream bytes.Buffer
	w := NewRecordWriter(&stream, 0)
	recs := [][]byte{[]byte("hello world!"), {}, bytes.Repeat([]byte{7}, 100000)}
	for _, r := range recs {
		require.NoError(t, w.WriteRecord(r))
	}
	r := NewRecordReader(&stream, 0)
	for _, want := range recs {
		got, err := r.ReadRecord()
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got))
	}
	_, err := r.ReadRecord()
	assert.ErrorIs(t, err, io.EOF)
}

func TestRecordFragments(t *testing.T) {
	var stream bytes.Buffer
	w := NewRecordWriter(&stream, 5)
	rec := []byte("0123456789ABC")
	require.NoError(t, w.WriteRecord(rec))
	// Three fragments: 5, 5 and 3 bytes, only the last marked.
	b := stream.Bytes()
	assert.Equal(t, uint32(5), binary.BigEndian.Uint32(b[0:]))
	assert.Equal(t, uint32(5), binary.BigEndian.Uint32(b[9:]))
	assert.Equal(t, uint32(0x80000003), binary.BigEndian.Uint32(b[18:]))
	assert.Len(t, b, 13+12)

	require.NoError(t, w.WriteRecord([]byte("xy")))
	r := NewRecordReader(&stream, 13)
	got, err := r.ReadRecord()
	require.NoError(t, err)
	assert.Equal(t, rec, got)
	got, err = r.ReadRecord()
	require.NoError(t, err)
	assert.Equal(t, "xy", string(got))
}

func TestRecordTooLarge(t *testing.T) {
	// Two fragments of 8 bytes each with a 12-byte limit: the second mark
	// must be refused before its data is read.
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 8)
	b = append(b, make([]byte, 8)...)
	b = binary.BigEndian.AppendUint32(b, 0x80000008)
	r := NewRecordReader(bytes.NewReader(b), 12)
	_, err := r.ReadRecord()
	assert.ErrorIs(t, err, transport.ErrTooLarge)

	// A single huge fragment announcement allocates nothing big.
	huge := binary.BigEndian.AppendUint32(nil, 0xFFFFFFFF)
	r = NewRecordReader(bytes.NewReader(huge), 1<<20)
	_, err = r.ReadRecord()
	assert.ErrorIs(t, err, transport.ErrTooLarge)
	assert.Zero(t, cap(r.buf))
}

func TestRecordTruncated(t *testing.T) {
	// Announces 1 MiB within the limit but sends 10 bytes: the buffer grows
	// only with what arrives.
	b := binary.BigEndian.AppendUint32(nil, 0x80000000|1<<20)
	b = append(b, make([]byte, 10)...)
	r := NewRecordReader(bytes.NewReader(b), 0)
	_, err := r.ReadRecord()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.LessOrEqual(t, cap(r.buf), 2*readChunk)

	// End of stream after a non-last fragment.
	b = binary.BigEndian.AppendUint32(nil, 2)
	b = append(b, 1, 2)
	r = NewRecordReader(bytes.NewReader(b), 0)
	_, err = r.ReadRecord()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	// Half a mark.
	r = NewRecordReader(bytes.NewReader([]byte{0x80, 0}), 0)
	_, err = r.ReadRecord()
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
}

func TestFinishRecord(t *testing.T) {
	assert.ErrorIs(t, FinishRecord([]byte{1}), transport.ErrTooLarge)
	b := append(AppendRecordMark(nil), 1, 2, 3, 4)
	require.NoError(t, FinishRecord(b))
	assert.Equal(t, []byte{0x80, 0, 0, 4, 1, 2, 3, 4}, b)
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, io.ErrClosedPipe
	}
	f.n--
	return len(p), nil
}

func TestRecordWriterError(t *testing.T) {
	assert.ErrorIs(t, NewRecordWriter(&failWriter{}, 0).WriteRecord([]byte("a")), io.ErrClosedPipe)
	assert.ErrorIs(t, NewRecordWriter(&failWriter{n: 1}, 1).WriteRecord([]byte("ab")), io.ErrClosedPipe)
}
