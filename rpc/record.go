package rpc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/govisa/govisa/transport"
)

// Record marking (RFC 5531 §11): on a stream, each message is sent as one or
// more fragments, each preceded by a 4-byte big-endian mark whose bit 31
// says "last fragment" and whose low 31 bits give the fragment length.

const (
	lastFragment = 1 << 31
	// MaxFragment is the largest fragment a record mark can describe.
	MaxFragment = 1<<31 - 1
	// DefaultMaxRecord is the default cap on a reassembled record (all
	// fragments together), following the fact sheet's suggestion.
	DefaultMaxRecord = 64 << 20
	// readChunk bounds how much is allocated ahead of bytes actually
	// received, so a peer that announces a huge fragment and sends little
	// makes us allocate little.
	readChunk = 64 << 10
)

// RecordReader reassembles records from a stream. It is not safe for
// concurrent use.
type RecordReader struct {
	r   io.Reader
	max int
	buf []byte
	hdr [4]byte
}

// NewRecordReader returns a reader of records of at most max bytes
// (max <= 0 means [DefaultMaxRecord]).
func NewRecordReader(r io.Reader, max int) *RecordReader {
	if max <= 0 {
		max = DefaultMaxRecord
	}
	return &RecordReader{r: r, max: max}
}

// ReadRecord reads the next whole record. The returned slice is valid until
// the next call; the buffer behind it is reused.
//
// A record longer than the maximum fails with an error wrapping
// transport.ErrTooLarge before its bytes are read or allocated; the stream
// is then out of step and must be closed. A stream that ends inside a
// record fails with io.ErrUnexpectedEOF; one that ends between records
// returns io.EOF. Other read errors are returned as they are.
func (rr *RecordReader) ReadRecord() ([]byte, error) {
	rr.buf = rr.buf[:0]
	for first := true; ; first = false {
		if _, err := io.ReadFull(rr.r, rr.hdr[:]); err != nil {
			if err == io.EOF && !first {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		mark := binary.BigEndian.Uint32(rr.hdr[:])
		n := int(mark &^ lastFragment)
		if n > rr.max-len(rr.buf) {
			return nil, transport.Errorf("rpc record", transport.ErrTooLarge,
				fmt.Errorf("record of more than %d bytes (limit %d)", len(rr.buf)+n, rr.max))
		}
		if err := rr.readFragment(n); err != nil {
			return nil, err
		}
		if mark&lastFragment != 0 {
			return rr.buf, nil
		}
	}
}

// readFragment appends n bytes from the stream to rr.buf, growing it at
// most readChunk beyond what has arrived.
func (rr *RecordReader) readFragment(n int) error {
	for n > 0 {
		k := min(n, readChunk)
		start := len(rr.buf)
		if cap(rr.buf)-start < k {
			nb := make([]byte, start, max(2*cap(rr.buf), start+k))
			copy(nb, rr.buf)
			rr.buf = nb
		}
		rr.buf = rr.buf[:start+k]
		if _, err := io.ReadFull(rr.r, rr.buf[start:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		n -= k
	}
	return nil
}

// RecordWriter writes records with record marks. It is not safe for
// concurrent use.
type RecordWriter struct {
	w       io.Writer
	maxFrag int
	marks   []byte
	vec     [2][]byte
	bufs    net.Buffers
}

// NewRecordWriter returns a writer that splits records into fragments of at
// most maxFragment bytes (maxFragment <= 0 or above [MaxFragment] means
// [MaxFragment], so in practice one fragment per record).
func NewRecordWriter(w io.Writer, maxFragment int) *RecordWriter {
	if maxFragment <= 0 || maxFragment > MaxFragment {
		maxFragment = MaxFragment
	}
	return &RecordWriter{w: w, maxFrag: maxFragment}
}

// WriteRecord writes rec as one record. The marks and the data go out as
// one net.Buffers write, which is a single writev on a TCP connection.
func (rw *RecordWriter) WriteRecord(rec []byte) error {
	if len(rec) <= rw.maxFrag {
		var mark [4]byte
		binary.BigEndian.PutUint32(mark[:], lastFragment|uint32(len(rec)))
		rw.vec[0], rw.vec[1] = mark[:], rec
		rw.bufs = rw.vec[:]
		_, err := rw.bufs.WriteTo(rw.w)
		rw.vec = [2][]byte{}
		return err
	}
	nfrag := (len(rec) + rw.maxFrag - 1) / rw.maxFrag
	rw.marks = rw.marks[:0]
	rw.bufs = rw.bufs[:0]
	for i := 0; i < nfrag; i++ {
		rw.marks = binary.BigEndian.AppendUint32(rw.marks, 0)
	}
	for i := 0; i < nfrag; i++ {
		frag := rec[i*rw.maxFrag : min(len(rec), (i+1)*rw.maxFrag)]
		m := uint32(len(frag))
		if i == nfrag-1 {
			m |= lastFragment
		}
		binary.BigEndian.PutUint32(rw.marks[4*i:], m)
		rw.bufs = append(rw.bufs, rw.marks[4*i:4*i+4], frag)
	}
	_, err := rw.bufs.WriteTo(rw.w)
	return err
}

// AppendRecordMark appends a placeholder for a record mark to dst. Build
// the message after it, then call [FinishRecord] to write a single-fragment
// record that can be sent with one Write and no copy.
func AppendRecordMark(dst []byte) []byte { return append(dst, 0, 0, 0, 0) }

// FinishRecord fills in the record mark that [AppendRecordMark] reserved at
// rec[0:4], describing rec[4:] as the one and last fragment. It fails with
// transport.ErrTooLarge if the message does not fit in one fragment.
func FinishRecord(rec []byte) error {
	if len(rec) < 4 || len(rec)-4 > MaxFragment {
		return transport.Errorf("rpc record", transport.ErrTooLarge, errors.New("message does not fit one fragment"))
	}
	binary.BigEndian.PutUint32(rec, lastFragment|uint32(len(rec)-4))
	return nil
}
