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

// readBufSize is the RecordReader's read-ahead buffer. One read of it takes
// the record mark together with a short record behind it (a typical RPC
// call or reply), so such a record costs one system call, not two.
// Fragments at least this long are read straight into the record.
const readBufSize = 4 << 10

// RecordReader reassembles records from a stream. It reads ahead: bytes
// past the current record stay buffered for the next call, so it must be
// the only reader of its stream. It is not safe for concurrent use.
//
// A read error that leaves the stream usable (a deadline, typically: an
// error whose Timeout method reports true) loses nothing: the next
// ReadRecord carries on with the record that was interrupted.
type RecordReader struct {
	r   io.Reader
	max int
	buf []byte // the record being reassembled (when not served from rb)
	rb  []byte // read-ahead buffer; unread bytes are rb[rpos:rend]
	// rpos and rend delimit the unread bytes of rb.
	rpos, rend int
	// Progress through the current record, kept across errors so that an
	// interrupted read resumes: inRec is set once its first mark is
	// awaited, left counts the bytes of the current fragment still to come
	// (-1: the next thing is a mark), last says that fragment ends it.
	inRec bool
	left  int
	last  bool
}

// NewRecordReader returns a reader of records of at most max bytes
// (max <= 0 means [DefaultMaxRecord]).
func NewRecordReader(r io.Reader, max int) *RecordReader {
	if max <= 0 {
		max = DefaultMaxRecord
	}
	return &RecordReader{r: r, max: max, left: -1}
}

// Buffered returns how many bytes have been read ahead from the stream and
// not yet returned.
func (rr *RecordReader) Buffered() int { return rr.rend - rr.rpos }

// ReadRecord reads the next whole record. The returned slice is valid until
// the next call; the buffers behind it are reused.
//
// A record longer than the maximum fails with an error wrapping
// transport.ErrTooLarge before its bytes are read or allocated; the stream
// is then out of step and must be closed. A stream that ends inside a
// record fails with io.ErrUnexpectedEOF; one that ends between records
// returns io.EOF. Other read errors are returned as they are.
func (rr *RecordReader) ReadRecord() ([]byte, error) {
	if !rr.inRec {
		rr.inRec, rr.left, rr.buf = true, -1, rr.buf[:0]
	}
	for {
		if rr.left < 0 {
			if err := rr.fill(4); err != nil {
				if err == io.EOF && (len(rr.buf) > 0 || rr.rend > rr.rpos || rr.last) {
					err = io.ErrUnexpectedEOF
				}
				return nil, err
			}
			mark := binary.BigEndian.Uint32(rr.rb[rr.rpos:])
			n := int(mark &^ lastFragment)
			if n > rr.max-len(rr.buf) {
				return nil, transport.Errorf("rpc record", transport.ErrTooLarge,
					fmt.Errorf("record of more than %d bytes (limit %d)", len(rr.buf)+n, rr.max))
			}
			rr.rpos += 4
			rr.left, rr.last = n, mark&lastFragment != 0
			if rr.last && len(rr.buf) == 0 && rr.rend-rr.rpos >= n {
				// The whole record is buffered: hand it out in place.
				rec := rr.rb[rr.rpos : rr.rpos+n : rr.rpos+n]
				rr.rpos += n
				rr.endRecord()
				return rec, nil
			}
		}
		if err := rr.readFragment(); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if rr.last {
			rr.endRecord()
			return rr.buf, nil
		}
		rr.left = -1
		// A further fragment follows: a mark must come, so an end of the
		// stream before it is unexpected.
		rr.last = true
	}
}

func (rr *RecordReader) endRecord() {
	rr.inRec, rr.left, rr.last = false, -1, false
}

// fill makes sure that at least need (<= readBufSize) unread bytes are
// buffered, reading whatever the stream has, as few times as it can.
func (rr *RecordReader) fill(need int) error {
	if rr.rb == nil {
		rr.rb = make([]byte, readBufSize)
	}
	if rr.rend-rr.rpos >= need {
		return nil
	}
	if rr.rpos > 0 {
		rr.rend = copy(rr.rb, rr.rb[rr.rpos:rr.rend])
		rr.rpos = 0
	}
	for empty := 0; rr.rend < need; {
		n, err := rr.r.Read(rr.rb[rr.rend:])
		rr.rend += n
		if rr.rend >= need {
			return nil
		}
		if err != nil {
			return err
		}
		if err := noProgress(n, &empty); err != nil {
			return err
		}
	}
	return nil
}

// maxEmptyReads is how many reads in a row may return nothing and no
// error before the reader is taken as broken (bufio's limit too).
const maxEmptyReads = 100

func noProgress(n int, empty *int) error {
	if n > 0 {
		*empty = 0
		return nil
	}
	if *empty++; *empty >= maxEmptyReads {
		return io.ErrNoProgress
	}
	return nil
}

// readFragment appends the rest of the current fragment (rr.left bytes)
// to rr.buf: first from the read-ahead buffer, then straight from the
// stream for long remainders, growing rr.buf at most readChunk beyond what
// has arrived. On error, rr.left says what is still missing.
func (rr *RecordReader) readFragment() error {
	for empty := 0; rr.left > 0; {
		if avail := rr.rend - rr.rpos; avail > 0 {
			k := min(avail, rr.left)
			rr.buf = append(rr.buf, rr.rb[rr.rpos:rr.rpos+k]...)
			rr.rpos += k
			rr.left -= k
			continue
		}
		if rr.left < readBufSize {
			if err := rr.fill(1); err != nil {
				return err
			}
			continue
		}
		start := len(rr.buf)
		if k := min(rr.left, readChunk); cap(rr.buf)-start < k {
			nb := make([]byte, start, max(2*cap(rr.buf), start+k))
			copy(nb, rr.buf)
			rr.buf = nb
		}
		n, err := rr.r.Read(rr.buf[start:min(cap(rr.buf), start+rr.left)])
		rr.buf = rr.buf[:start+n]
		rr.left -= n
		if err != nil && rr.left > 0 {
			return err
		}
		if err := noProgress(n, &empty); err != nil {
			return err
		}
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
