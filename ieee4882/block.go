package ieee4882

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// BlockKind says which arbitrary block syntax a header uses.
type BlockKind uint8

const (
	// BlockDefinite is IEEE 488.2 definite length: '#', one digit N in
	// 1..9, N decimal digits giving the byte count L, then L bytes.
	// Example: "#15hello".
	BlockDefinite BlockKind = iota + 1

	// BlockDefiniteExt is the extension for blocks of 1 GB and more used by
	// Tektronix, LeCroy and Rigol: the digit-count character is read as a
	// hexadecimal digit, so "#A" to "#F" announce 10 to 15 decimal length
	// digits ("#A1234567890" + data). Sources: pyvisa/pyvisa issue #911 and
	// PR #914 (PyVISA 1.16 parses that character with base 16), and
	// instrumentkit/InstrumentKit PR #466 (a Rigol MHO900 sends it).
	BlockDefiniteExt

	// BlockIndefinite is IEEE 488.2 indefinite length: "#0", then data up
	// to a newline that carries END. The length is unknown from the header.
	BlockIndefinite

	// BlockRS is the Rohde & Schwarz form for blocks of 1 GB and more: the
	// decimal length between parentheses, "#(1234567890)" + data (PyVISA
	// header_fmt "rs").
	BlockRS

	// BlockHP is the HP/Agilent binary header: "#A" followed by the length
	// as a 2-byte unsigned integer (PyVISA header_fmt "hp"). Its first two
	// bytes are the same as a BlockDefiniteExt header with 10 length digits,
	// so it is never detected automatically: parse it with
	// [ParseHPBlockHeader] when the instrument is known to send it.
	BlockHP
)

// String returns a short name of the kind.
func (k BlockKind) String() string {
	switch k {
	case BlockDefinite:
		return "definite"
	case BlockDefiniteExt:
		return "definite-ext"
	case BlockIndefinite:
		return "indefinite"
	case BlockRS:
		return "rs"
	case BlockHP:
		return "hp"
	}
	return "BlockKind(" + strconv.Itoa(int(k)) + ")"
}

// Limits of the length fields.
const (
	// MaxDefiniteLen is the largest length the standard "#N" form (N 1..9)
	// can carry.
	MaxDefiniteLen = 999_999_999
	// maxRSDigits bounds the R&S parenthesised length so it fits an int64
	// (PyVISA rejects more than 18 digits too).
	maxRSDigits = 18
	// MaxHeaderLen is the longest header any auto-detected kind can have:
	// "#(" + 18 digits + ")".
	MaxHeaderLen = 2 + maxRSDigits + 1
)

// BlockHeader describes a parsed block header.
type BlockHeader struct {
	Kind BlockKind
	// HeaderLen is the number of header bytes; the data starts there.
	HeaderLen int
	// DataLen is the number of data bytes the header announces, or -1 for
	// an indefinite block.
	DataLen int64
}

// ParseBlockHeader parses the arbitrary block header at the start of p. It
// recognises "#1".."#9" (BlockDefinite), "#A".."#F" (BlockDefiniteExt, also
// lower case), "#0" (BlockIndefinite) and "#(" (BlockRS). It returns
// ErrNeedMore when p ends before the header does and an error matching
// ErrMalformed when p does not start with a valid header. It reads at most
// MaxHeaderLen bytes of p and never allocates.
func ParseBlockHeader(p []byte) (BlockHeader, error) {
	if len(p) < 2 {
		if len(p) == 1 && p[0] != '#' {
			return BlockHeader{}, malformed("block does not start with '#'", p)
		}
		return BlockHeader{}, ErrNeedMore
	}
	if p[0] != '#' {
		return BlockHeader{}, malformed("block does not start with '#'", p)
	}
	c := p[1]
	switch {
	case c == '0':
		return BlockHeader{Kind: BlockIndefinite, HeaderLen: 2, DataLen: -1}, nil
	case c >= '1' && c <= '9':
		return parseDigits(p, BlockDefinite, int(c-'0'))
	case c >= 'A' && c <= 'F':
		return parseDigits(p, BlockDefiniteExt, int(c-'A')+10)
	case c >= 'a' && c <= 'f':
		return parseDigits(p, BlockDefiniteExt, int(c-'a')+10)
	case c == '(':
		return parseRS(p)
	}
	return BlockHeader{}, malformed("bad block length digit", p)
}

// parseDigits parses the n decimal length digits after "#X".
func parseDigits(p []byte, kind BlockKind, n int) (BlockHeader, error) {
	end := 2 + n
	var l int64
	for i := 2; i < end; i++ {
		if i >= len(p) {
			return BlockHeader{}, ErrNeedMore
		}
		d := p[i]
		if d < '0' || d > '9' {
			return BlockHeader{}, malformed("non-digit in block length", p)
		}
		l = l*10 + int64(d-'0') // at most 15 digits: cannot overflow
	}
	return BlockHeader{Kind: kind, HeaderLen: end, DataLen: l}, nil
}

// parseRS parses "#(digits)".
func parseRS(p []byte) (BlockHeader, error) {
	var l int64
	for i := 2; ; i++ {
		if i >= len(p) {
			return BlockHeader{}, ErrNeedMore
		}
		d := p[i]
		if d == ')' {
			if i == 2 {
				return BlockHeader{}, malformed("empty R&S block length", p)
			}
			return BlockHeader{Kind: BlockRS, HeaderLen: i + 1, DataLen: l}, nil
		}
		if d < '0' || d > '9' {
			return BlockHeader{}, malformed("non-digit in R&S block length", p)
		}
		if i-2 >= maxRSDigits {
			return BlockHeader{}, malformed("R&S block length has more than 18 digits", p)
		}
		l = l*10 + int64(d-'0')
	}
}

// ParseHPBlockHeader parses an HP/Agilent "#A" block header: '#', 'A',
// then the data length as a 2-byte unsigned integer in the given byte order
// (HP instruments send it big-endian; nil means big-endian).
func ParseHPBlockHeader(p []byte, order binary.ByteOrder) (BlockHeader, error) {
	if len(p) >= 1 && p[0] != '#' || len(p) >= 2 && p[1] != 'A' {
		return BlockHeader{}, malformed("HP block does not start with \"#A\"", p)
	}
	if len(p) < 4 {
		return BlockHeader{}, ErrNeedMore
	}
	if order == nil {
		order = binary.BigEndian
	}
	return BlockHeader{Kind: BlockHP, HeaderLen: 4, DataLen: int64(order.Uint16(p[2:4]))}, nil
}

// malformed builds an ErrMalformed error quoting a bounded prefix of p.
func malformed(what string, p []byte) error {
	if len(p) > 16 {
		p = p[:16]
	}
	return fmt.Errorf("%w: %s (input starts %q)", ErrMalformed, what, p)
}

// DecodeBlock splits the auto-detected block at the start of p (see
// ParseBlockHeader) into its data and the bytes that follow it (usually the
// "\n" response terminator). data and rest alias p; nothing is allocated.
//
// A header that announces more than max bytes returns ErrTooLarge before the
// data is looked at; a negative max means no limit (safe, since nothing is
// allocated). When p holds fewer data bytes than announced the error matches
// ErrNeedMore: a receiver may read more and retry, and a caller holding the
// whole message knows the block is truncated.
//
// An indefinite block ("#0") extends to the end of p, which must therefore
// be exactly one response message; a final "\n" (the terminator that
// carried END) is not part of the data, and rest is empty.
func DecodeBlock(p []byte, max int) (data, rest []byte, err error) {
	h, err := ParseBlockHeader(p)
	if err != nil {
		return nil, nil, err
	}
	return splitBlock(p, h, max)
}

// DecodeHPBlock is DecodeBlock for an HP "#A" block (see
// ParseHPBlockHeader).
func DecodeHPBlock(p []byte, max int, order binary.ByteOrder) (data, rest []byte, err error) {
	h, err := ParseHPBlockHeader(p, order)
	if err != nil {
		return nil, nil, err
	}
	return splitBlock(p, h, max)
}

func splitBlock(p []byte, h BlockHeader, max int) (data, rest []byte, err error) {
	body := p[h.HeaderLen:]
	if h.DataLen < 0 {
		if n := len(body); n > 0 && body[n-1] == '\n' {
			body = body[:n-1]
		}
		if max >= 0 && len(body) > max {
			return nil, nil, fmt.Errorf("%w: indefinite block of %d bytes, maximum %d", ErrTooLarge, len(body), max)
		}
		return body, p[len(p):], nil
	}
	if max >= 0 && h.DataLen > int64(max) {
		return nil, nil, fmt.Errorf("%w: header announces %d bytes, maximum %d", ErrTooLarge, h.DataLen, max)
	}
	if h.DataLen > int64(len(body)) {
		return nil, nil, fmt.Errorf("%w: header announces %d bytes, %d present", ErrNeedMore, h.DataLen, len(body))
	}
	n := int(h.DataLen)
	return body[:n:n], body[n:], nil
}

// AppendBlockHeader appends the header of a definite block of n bytes to
// dst: the IEEE 488.2 form "#NLLL" for n up to MaxDefiniteLen, and the
// hexadecimal-digit extension ("#A1000000000", see BlockDefiniteExt) for
// larger n. A negative n appends the indefinite header "#0".
func AppendBlockHeader(dst []byte, n int64) []byte {
	if n < 0 {
		return append(dst, '#', '0')
	}
	digits := decimalDigits(n)
	dst = append(dst, '#', "0123456789ABCDEF"[digits])
	return strconv.AppendInt(dst, n, 10)
}

// decimalDigits returns how many decimal digits n >= 0 has (1 for 0).
func decimalDigits(n int64) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

// AppendDefiniteBlock appends data as a definite block (header from
// AppendBlockHeader, then data) to dst. It allocates nothing when dst has
// capacity for the result. The response terminator is not appended.
func AppendDefiniteBlock(dst, data []byte) []byte {
	dst = AppendBlockHeader(dst, int64(len(data)))
	return append(dst, data...)
}

// AppendIndefiniteBlock appends "#0", data and the "\n" that must be sent
// with END. Only protocols with an END indicator can carry it.
func AppendIndefiniteBlock(dst, data []byte) []byte {
	dst = append(dst, '#', '0')
	dst = append(dst, data...)
	return append(dst, '\n')
}

// AppendRSBlock appends data as a Rohde & Schwarz "#(len)" block.
func AppendRSBlock(dst, data []byte) []byte {
	dst = append(dst, '#', '(')
	dst = strconv.AppendInt(dst, int64(len(data)), 10)
	dst = append(dst, ')')
	return append(dst, data...)
}

// AppendHPBlock appends data as an HP "#A" block with its 2-byte length in
// order (nil means big-endian). Data longer than 65535 bytes cannot be
// represented and returns dst unchanged with an error matching
// ErrTooLarge.
func AppendHPBlock(dst, data []byte, order binary.ByteOrder) ([]byte, error) {
	if len(data) > 0xFFFF {
		return dst, fmt.Errorf("%w: HP block of %d bytes, maximum 65535", ErrTooLarge, len(data))
	}
	if order == nil {
		order = binary.BigEndian
	}
	var l [2]byte
	order.PutUint16(l[:], uint16(len(data)))
	dst = append(dst, '#', 'A', l[0], l[1])
	return append(dst, data...), nil
}
