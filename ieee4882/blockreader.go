package ieee4882

import (
	"errors"
	"fmt"
	"io"
)

// BlockReader reads one arbitrary block from a stream: first the header,
// byte-exact so that nothing after it is consumed, then exactly the data
// bytes the header announced. The bytes that follow the block (the "\n"
// response terminator) stay in the underlying reader for the caller.
//
// This is how a client reads a binary query response over a transport that
// delivers bytes in pieces: it never guesses a buffer size from the first
// read and never allocates according to the header.
type BlockReader struct {
	r   io.Reader
	max int64

	// Progress, when not nil, is called after every Read that returned data
	// with the number of data bytes delivered so far and the total announced
	// by the header (-1 for an indefinite block). Set it before the first
	// Read.
	Progress func(done, total int64)

	hdr     BlockHeader
	hdrErr  error
	hdrDone bool
	done    int64
	held    byte // indefinite blocks: last byte read, not yet returned
	hasHeld bool
	eof     bool
	hdrBuf  [MaxHeaderLen]byte
}

// NewBlockReader returns a reader of the auto-detected block (see
// ParseBlockHeader) at the current position of r. A header announcing more
// than max bytes, or an indefinite block growing past max bytes, fails with
// ErrTooLarge.
//
// An indefinite block ("#0") extends to the end of r: r must report io.EOF
// at the END of the response message. Its final "\n" is the terminator and
// is not returned as data.
func NewBlockReader(r io.Reader, max int64) *BlockReader {
	return &BlockReader{r: r, max: max}
}

// Header reads and returns the block header if it has not been read yet.
func (b *BlockReader) Header() (BlockHeader, error) {
	if !b.hdrDone {
		b.hdr, b.hdrErr = b.readHeader()
		b.hdrDone = true
	}
	return b.hdr, b.hdrErr
}

// readHeader reads the header exactly: two bytes, then the length digits
// the second byte announces, or for R&S blocks one byte at a time up to ')'.
func (b *BlockReader) readHeader() (BlockHeader, error) {
	buf := b.hdrBuf[:]
	if err := b.readFull(buf[:2]); err != nil {
		return BlockHeader{}, err
	}
	n := 2
	for {
		h, err := ParseBlockHeader(buf[:n])
		if err == nil {
			if h.DataLen > b.max {
				return BlockHeader{}, fmt.Errorf("%w: header announces %d bytes, maximum %d", ErrTooLarge, h.DataLen, b.max)
			}
			return h, nil
		}
		if !errors.Is(err, ErrNeedMore) {
			return BlockHeader{}, err
		}
		// How many bytes are surely still missing: all announced digits for
		// the digit forms, one at a time for the parenthesised form.
		want := n + 1
		if c := buf[1]; c != '(' {
			want = 2 + hexDigit(c)
		}
		if want > len(buf) {
			return BlockHeader{}, malformed("block header too long", buf[:n])
		}
		if err := b.readFull(buf[n:want]); err != nil {
			return BlockHeader{}, err
		}
		n = want
	}
}

// hexDigit returns the value of a hexadecimal digit already validated by
// ParseBlockHeader.
func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// readFull reads len(p) header bytes; an early end is ErrMalformed with
// io.ErrUnexpectedEOF.
func (b *BlockReader) readFull(p []byte) error {
	_, err := io.ReadFull(b.r, p)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: block header cut short: %w", ErrMalformed, io.ErrUnexpectedEOF)
	}
	return err
}

// Read reads data bytes of the block. It returns io.EOF after exactly the
// announced number of bytes, and io.ErrUnexpectedEOF if the underlying
// reader ends first.
func (b *BlockReader) Read(p []byte) (int, error) {
	h, err := b.Header()
	if err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	if h.DataLen < 0 {
		n, err = b.readIndefinite(p)
	} else {
		n, err = b.readDefinite(p, h.DataLen)
	}
	if n > 0 {
		b.done += int64(n)
		if b.Progress != nil {
			b.Progress(b.done, h.DataLen)
		}
	}
	return n, err
}

func (b *BlockReader) readDefinite(p []byte, total int64) (int, error) {
	left := total - b.done
	if left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.r.Read(p)
	if errors.Is(err, io.EOF) {
		if int64(n) < left {
			return n, fmt.Errorf("ieee4882: block data cut short after %d of %d bytes: %w", b.done+int64(n), total, io.ErrUnexpectedEOF)
		}
		err = nil
	}
	return n, err
}

// readIndefinite keeps the last byte read back until the underlying reader
// reports EOF, so that the terminating "\n" can be dropped.
func (b *BlockReader) readIndefinite(p []byte) (int, error) {
	if b.eof {
		return b.drainHeld(p)
	}
	if b.hasHeld && len(p) == 1 {
		// No room for the held byte and a new one: read one byte aside.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n == 1 {
			if err := b.checkMax(1); err != nil {
				return 0, err
			}
			p[0], b.held = b.held, one[0]
			if errors.Is(err, io.EOF) {
				b.eof = true
			}
			return 1, nil
		}
		if errors.Is(err, io.EOF) {
			b.eof = true
			return b.drainHeld(p)
		}
		return 0, err
	}
	off := 0
	if b.hasHeld {
		p[0] = b.held
		off = 1
	}
	n, err := b.r.Read(p[off:])
	total := off + n
	if errors.Is(err, io.EOF) {
		b.eof = true
		b.hasHeld = false
		if total > 0 && p[total-1] == '\n' {
			total--
		}
		if total == 0 {
			return 0, io.EOF
		}
		if err := b.checkMax(total); err != nil {
			return 0, err
		}
		return total, nil
	}
	if total == 0 {
		return 0, err
	}
	b.held, b.hasHeld = p[total-1], true
	if err := b.checkMax(total - 1); err != nil {
		return 0, err
	}
	return total - 1, err
}

// checkMax fails when delivering n more bytes would pass the maximum.
func (b *BlockReader) checkMax(n int) error {
	if b.done+int64(n) > b.max {
		return fmt.Errorf("%w: indefinite block longer than %d bytes", ErrTooLarge, b.max)
	}
	return nil
}

// drainHeld returns the held byte after EOF unless it is the terminator.
func (b *BlockReader) drainHeld(p []byte) (int, error) {
	if b.hasHeld && b.held != '\n' {
		b.hasHeld = false
		if err := b.checkMax(1); err != nil {
			return 0, err
		}
		p[0] = b.held
		return 1, nil
	}
	b.hasHeld = false
	return 0, io.EOF
}
