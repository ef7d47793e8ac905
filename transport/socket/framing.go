package socket

import "bytes"

// DefaultMaxMessage is the default bound on how many bytes of one program
// message the server buffers before it must decide what to do with them.
const DefaultMaxMessage = 1 << 20

// SegmentKind says what a [Splitter] segment is and how to deliver it.
type SegmentKind uint8

const (
	// SegMessage is a whole program message ending with LF, or the end of
	// a message that was delivered in parts: deliver it with end=true.
	SegMessage SegmentKind = iota + 1
	// SegPart is a leading part of a message longer than the maximum,
	// cut inside IEEE 488.2 block data: deliver it with end=false, the
	// rest follows.
	SegPart
	// SegDropped is bytes of a line longer than the maximum outside block
	// data. They are discarded up to and including the next LF.
	SegDropped
)

// String returns the kind's name.
func (k SegmentKind) String() string {
	switch k {
	case SegMessage:
		return "message"
	case SegPart:
		return "part"
	case SegDropped:
		return "dropped"
	}
	return "invalid"
}

type splitState uint8

const (
	stNormal splitState = iota
	stQuote             // inside a '…' or "…" string: '#' starts no block
	stHash              // after '#': a digit 1-9 may start a block header
	stDigits            // reading the length digits of a definite block
	stBlock             // inside block data: LF is data, not a terminator
)

// Splitter frames the byte stream a raw-socket server receives into
// program messages. It is a pure codec: bytes in, segments out, no I/O.
//
// A message ends at LF (IEEE 488.2 program message terminator; a raw
// socket has no END). LF bytes inside a definite-length arbitrary block
// ("#<n><len><len bytes>", protocols fact sheet §4.3) are data, so binary
// uploads pass whole; LF inside a quoted string still ends the message, so
// an unbalanced quote cannot swallow the stream.
//
// At most max bytes of one message are buffered. When a message grows past
// max inside block data it is handed on in parts (SegPart, then the rest,
// with a final SegMessage): a large waveform upload streams through without
// being held in memory. A line that grows past max outside block data is
// not a program message any instrument accepts; it is dropped up to the
// next LF (SegDropped), which also keeps a client flooding one endless line
// from holding a shared device. If a message that was already streaming in
// parts outgrows max again after its block, what is buffered is delivered
// as its end (SegMessage without LF) and the rest of the line is dropped.
type Splitter struct {
	max       int
	buf       []byte
	st        splitState
	quote     byte
	digits    int   // length digits still to read
	remain    int64 // block bytes still to pass
	streaming bool  // a SegPart of the current message was emitted
	dropping  bool  // discarding up to the next LF
}

// NewSplitter returns a Splitter that buffers at most max bytes of a
// message; max <= 0 means DefaultMaxMessage.
func NewSplitter(max int) *Splitter {
	if max <= 0 {
		max = DefaultMaxMessage
	}
	return &Splitter{max: max}
}

// Max returns the buffering bound.
func (s *Splitter) Max() int { return s.max }

// Pending returns how many bytes of an unfinished message are buffered.
func (s *Splitter) Pending() int { return len(s.buf) }

// Reset forgets any unfinished message.
func (s *Splitter) Reset() {
	s.buf = s.buf[:0]
	s.resetState()
	s.dropping = false
}

func (s *Splitter) resetState() {
	s.st, s.quote, s.digits, s.remain, s.streaming = stNormal, 0, 0, 0, false
}

// Feed consumes p and calls emit for every segment it completes, in
// stream order. A segment aliases p or the Splitter's buffer and is valid
// only during the call; SegMessage and SegPart segments are at most Max
// bytes (SegDropped ones alias p and are not buffered). Concatenating every segment emitted so far with the
// Pending bytes gives back exactly the bytes fed. If emit fails, Feed stops
// and returns its error; the Splitter must then be Reset before reuse.
func (s *Splitter) Feed(p []byte, emit func(kind SegmentKind, seg []byte) error) error {
	for len(p) > 0 {
		if s.dropping {
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				return emit(SegDropped, p)
			}
			s.dropping = false
			if err := emit(SegDropped, p[:i+1]); err != nil {
				return err
			}
			p = p[i+1:]
			continue
		}
		if s.st == stBlock {
			k := int64(min(len(p), s.max-len(s.buf)))
			k = min(k, s.remain)
			s.grow(p[:k])
			p = p[k:]
			s.remain -= k
			if len(s.buf) == s.max {
				s.streaming = true
				if err := s.flush(SegPart, emit); err != nil {
					return err
				}
			}
			if s.remain == 0 {
				s.st = stNormal
			}
			continue
		}
		b := p[0]
		p = p[1:]
		s.grow([]byte{b})
		if b == '\n' {
			s.resetState()
			if err := s.flush(SegMessage, emit); err != nil {
				return err
			}
			continue
		}
		s.step(b)
		if len(s.buf) == s.max && s.st != stBlock {
			kind := SegDropped
			if s.streaming {
				kind = SegMessage // close the message the device has begun
			}
			s.resetState()
			s.dropping = true
			if err := s.flush(kind, emit); err != nil {
				return err
			}
		}
		// A header that completes exactly at max leaves st == stBlock and
		// a full buffer; the block branch flushes it as a part next.
		if len(s.buf) == s.max && s.st == stBlock {
			s.streaming = true
			if err := s.flush(SegPart, emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// step advances the block/string recogniser over one byte other than LF.
func (s *Splitter) step(b byte) {
	switch s.st {
	case stQuote:
		if b == s.quote {
			s.st = stNormal
		}
		return
	case stHash:
		if b >= '1' && b <= '9' {
			s.st, s.digits, s.remain = stDigits, int(b-'0'), 0
			return
		}
		s.st = stNormal // "#0" (indefinite) or not a block: ends at LF
	case stDigits:
		if b >= '0' && b <= '9' {
			s.remain = s.remain*10 + int64(b-'0')
			s.digits--
			if s.digits == 0 {
				s.st = stNormal
				if s.remain > 0 {
					s.st = stBlock
				}
			}
			return
		}
		s.st = stNormal // malformed header: plain bytes
	}
	// stNormal, or a byte that ended a failed header: look at it afresh.
	switch b {
	case '"', '\'':
		s.st, s.quote = stQuote, b
	case '#':
		s.st = stHash
	}
}

// grow appends b to the buffer, never letting its capacity exceed max.
func (s *Splitter) grow(b []byte) {
	if need := len(s.buf) + len(b); need > cap(s.buf) {
		c := min(max(2*cap(s.buf), need, 256), s.max)
		nb := make([]byte, len(s.buf), c)
		copy(nb, s.buf)
		s.buf = nb
	}
	s.buf = append(s.buf, b...)
}

func (s *Splitter) flush(kind SegmentKind, emit func(SegmentKind, []byte) error) error {
	seg := s.buf
	s.buf = s.buf[:0]
	return emit(kind, seg)
}
