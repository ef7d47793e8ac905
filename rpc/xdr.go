package rpc

import (
	"encoding/binary"
	"errors"

	"github.com/govisa/govisa/transport"
)

// Decoding errors. Each is a *transport.Error, so errors.Is matches both the
// variable itself and the transport sentinel it carries. They are fixed
// values: a failed decode does not allocate.
var (
	// ErrShort: the input ended before the value was complete.
	ErrShort error = &transport.Error{Op: "xdr", Kind: transport.ErrProtocol, Cause: errors.New("short buffer")}
	// ErrTooLong: a variable-length item is longer than the maximum the
	// caller allowed for it.
	ErrTooLong error = &transport.Error{Op: "xdr", Kind: transport.ErrTooLarge, Cause: errors.New("length exceeds maximum")}
	// ErrBadBool: a bool was neither 0 nor 1.
	ErrBadBool error = &transport.Error{Op: "xdr", Kind: transport.ErrProtocol, Cause: errors.New("bool is neither 0 nor 1")}
	// ErrTrailing: bytes were left after the last expected field.
	ErrTrailing error = &transport.Error{Op: "xdr", Kind: transport.ErrProtocol, Cause: errors.New("unconsumed trailing bytes")}
)

// NoMax may be passed as the maximum of a variable-length item declared
// without one (opaque x<>). The length is still bounded by the input.
const NoMax = int(^uint32(0) >> 1)

// Appender is implemented by values that can append their XDR encoding.
type Appender interface {
	AppendXDR(dst []byte) []byte
}

// Decodable is implemented by values that can decode themselves from XDR.
type Decodable interface {
	DecodeXDR(d *Decoder) error
}

// AppenderFunc adapts a function to [Appender].
type AppenderFunc func(dst []byte) []byte

// AppendXDR calls f(dst).
func (f AppenderFunc) AppendXDR(dst []byte) []byte { return f(dst) }

// DecoderFunc adapts a function to [Decodable].
type DecoderFunc func(d *Decoder) error

// DecodeXDR calls f(d).
func (f DecoderFunc) DecodeXDR(d *Decoder) error { return f(d) }

// pad returns the number of zero bytes that follow n bytes of opaque data.
func pad(n int) int { return (4 - n&3) & 3 }

var zeros [4]byte

// AppendUint32 appends an XDR unsigned int.
func AppendUint32(dst []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(dst, v) }

// AppendInt32 appends an XDR int (also used for enums).
func AppendInt32(dst []byte, v int32) []byte { return binary.BigEndian.AppendUint32(dst, uint32(v)) }

// AppendUint64 appends an XDR unsigned hyper.
func AppendUint64(dst []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(dst, v) }

// AppendInt64 appends an XDR hyper.
func AppendInt64(dst []byte, v int64) []byte { return binary.BigEndian.AppendUint64(dst, uint64(v)) }

// AppendBool appends an XDR bool (1 or 0). Optional data (T *x) starts with
// such a bool: true when the value follows.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return AppendUint32(dst, 1)
	}
	return AppendUint32(dst, 0)
}

// AppendFixedOpaque appends fixed-length opaque data (opaque x[n]): the
// bytes of b followed by zero padding to a multiple of four.
func AppendFixedOpaque(dst, b []byte) []byte {
	dst = append(dst, b...)
	return append(dst, zeros[:pad(len(b))]...)
}

// AppendOpaque appends variable-length opaque data (opaque x<max>): a length
// word, the bytes and zero padding. Respecting the declared maximum is the
// caller's duty.
func AppendOpaque(dst, b []byte) []byte {
	dst = AppendUint32(dst, uint32(len(b)))
	return AppendFixedOpaque(dst, b)
}

// AppendString appends an XDR string (string x<max>), encoded like
// variable-length opaque data.
func AppendString(dst []byte, s string) []byte {
	dst = AppendUint32(dst, uint32(len(s)))
	dst = append(dst, s...)
	return append(dst, zeros[:pad(len(s))]...)
}

// AppendUint32s appends a variable-length array of unsigned ints
// (unsigned int x<max>).
func AppendUint32s(dst []byte, v []uint32) []byte {
	dst = AppendUint32(dst, uint32(len(v)))
	for _, x := range v {
		dst = AppendUint32(dst, x)
	}
	return dst
}

// Decoder reads XDR values from a byte slice. The zero value decodes an
// empty input; [Decoder.Reset] points it at new input without allocating.
//
// Every method returns an error when the input is malformed; the first error
// is also kept (see [Decoder.Err]) and every later call returns it, so a
// structure may be decoded field by field and checked once at the end.
// Slices returned by [Decoder.Opaque] and [Decoder.FixedOpaque] alias the
// input.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder returns a decoder over b.
func NewDecoder(b []byte) *Decoder { return &Decoder{buf: b} }

// Reset makes d decode b from its start and clears any error.
func (d *Decoder) Reset(b []byte) { *d = Decoder{buf: b} }

// Err returns the first error met, or nil.
func (d *Decoder) Err() error { return d.err }

// Len returns the number of bytes not yet consumed.
func (d *Decoder) Len() int { return len(d.buf) - d.off }

// Offset returns the number of bytes consumed so far.
func (d *Decoder) Offset() int { return d.off }

// Rest returns the unconsumed bytes (aliasing the input) and consumes them.
func (d *Decoder) Rest() []byte {
	b := d.buf[d.off:]
	d.off = len(d.buf)
	return b
}

// End returns [ErrTrailing] if bytes are left, or the first error met. A
// server handler calls it after decoding its arguments and before acting on
// them: arguments with unconsumed bytes are garbage (RFC 5531).
func (d *Decoder) End() error {
	if d.err != nil {
		return d.err
	}
	if d.off != len(d.buf) {
		d.err = ErrTrailing
	}
	return d.err
}

func (d *Decoder) fail(err error) error {
	if d.err == nil {
		d.err = err
	}
	return d.err
}

// take consumes n bytes (n >= 0) and returns them.
func (d *Decoder) take(n int) ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	if n > len(d.buf)-d.off {
		return nil, d.fail(ErrShort)
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b, nil
}

// Uint32 decodes an unsigned int.
func (d *Decoder) Uint32() (uint32, error) {
	b, err := d.take(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

// Int32 decodes an int or an enum.
func (d *Decoder) Int32() (int32, error) {
	v, err := d.Uint32()
	return int32(v), err
}

// Uint64 decodes an unsigned hyper.
func (d *Decoder) Uint64() (uint64, error) {
	b, err := d.take(8)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(b), nil
}

// Int64 decodes a hyper.
func (d *Decoder) Int64() (int64, error) {
	v, err := d.Uint64()
	return int64(v), err
}

// Bool decodes a bool; any value other than 0 or 1 is [ErrBadBool]. It also
// decodes the presence flag of optional data.
func (d *Decoder) Bool() (bool, error) {
	v, err := d.Uint32()
	if err != nil {
		return false, err
	}
	switch v {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, d.fail(ErrBadBool)
}

// FixedOpaque decodes n bytes of fixed-length opaque data and its padding.
// The result aliases the input. The content of pad bytes is not checked:
// some instruments send non-zero padding.
func (d *Decoder) FixedOpaque(n int) ([]byte, error) {
	if n < 0 {
		return nil, d.fail(ErrTooLong)
	}
	if d.err == nil && n > len(d.buf)-d.off {
		return nil, d.fail(ErrShort)
	}
	b, err := d.take(n)
	if err != nil {
		return nil, err
	}
	// The final pad may be missing only if the input is short, which is an
	// error like any other truncation.
	if _, err := d.take(pad(n)); err != nil {
		return nil, err
	}
	return b, nil
}

// length decodes a length word and checks it against max and the input.
func (d *Decoder) length(max int) (int, error) {
	v, err := d.Uint32()
	if err != nil {
		return 0, err
	}
	if uint64(v) > uint64(max) || max < 0 {
		return 0, d.fail(ErrTooLong)
	}
	if int(v) > len(d.buf)-d.off {
		return 0, d.fail(ErrShort)
	}
	return int(v), nil
}

// Opaque decodes variable-length opaque data of at most max bytes
// (opaque x<max>; pass [NoMax] for x<>). The result aliases the input.
func (d *Decoder) Opaque(max int) ([]byte, error) {
	n, err := d.length(max)
	if err != nil {
		return nil, err
	}
	return d.FixedOpaque(n)
}

// OpaqueCopy is [Decoder.Opaque] returning a copy that the caller may keep
// after the input buffer is reused. A zero length gives an empty, non-nil
// slice.
func (d *Decoder) OpaqueCopy(max int) ([]byte, error) {
	b, err := d.Opaque(max)
	if err != nil {
		return nil, err
	}
	return append(make([]byte, 0, len(b)), b...), nil
}

// String decodes a string of at most max bytes (string x<max>). The string
// is a copy; its content is not checked for UTF-8.
func (d *Decoder) String(max int) (string, error) {
	b, err := d.Opaque(max)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// ArrayLen decodes the count of a variable-length array (T x<max>) and
// checks it against max and against the input, assuming each element takes
// at least elemSize bytes (elemSize < 4 is taken as 4, the XDR minimum).
// Callers allocate for the elements only after this check.
func (d *Decoder) ArrayLen(max, elemSize int) (int, error) {
	v, err := d.Uint32()
	if err != nil {
		return 0, err
	}
	if uint64(v) > uint64(max) || max < 0 {
		return 0, d.fail(ErrTooLong)
	}
	if elemSize < 4 {
		elemSize = 4
	}
	if uint64(v)*uint64(elemSize) > uint64(len(d.buf)-d.off) {
		return 0, d.fail(ErrShort)
	}
	return int(v), nil
}

// Uint32s decodes a variable-length array of at most max unsigned ints,
// appending them to dst[:0] (pass nil to allocate).
func (d *Decoder) Uint32s(dst []uint32, max int) ([]uint32, error) {
	n, err := d.ArrayLen(max, 4)
	if err != nil {
		return nil, err
	}
	dst = dst[:0]
	for range n {
		v, _ := d.Uint32() // cannot fail: ArrayLen checked the input
		dst = append(dst, v)
	}
	return dst, nil
}
