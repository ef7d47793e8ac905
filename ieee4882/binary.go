package ieee4882

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Element is the set of fixed-size element types of binary block data (the
// struct codes b B h H i I q Q f d of PyVISA's read_binary_values).
type Element interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 |
		~int64 | ~uint64 | ~float32 | ~float64
}

// DecodeBinary decodes data as consecutive elements of type T in the given
// byte order (nil means little-endian, PyVISA's default). The result has
// len(data)/size elements; data whose length is not a multiple of the
// element size returns an error matching ErrElementSize. The result is
// sized by data, which the caller already holds, never by a header.
func DecodeBinary[T Element](data []byte, order binary.ByteOrder) ([]T, error) {
	isFloat, signed, bits := elemKind[T]()
	size := bits / 8
	if len(data)%size != 0 {
		return nil, fmt.Errorf("%w: %d bytes, element size %d", ErrElementSize, len(data), size)
	}
	if order == nil {
		order = binary.LittleEndian
	}
	out := make([]T, len(data)/size)
	for i := range out {
		b := data[i*size : (i+1)*size]
		switch size {
		case 1:
			if signed {
				out[i] = T(int8(b[0]))
			} else {
				out[i] = T(b[0])
			}
		case 2:
			u := order.Uint16(b)
			if signed {
				out[i] = T(int16(u))
			} else {
				out[i] = T(u)
			}
		case 4:
			u := order.Uint32(b)
			switch {
			case isFloat:
				out[i] = T(math.Float32frombits(u))
			case signed:
				out[i] = T(int32(u))
			default:
				out[i] = T(u)
			}
		case 8:
			u := order.Uint64(b)
			switch {
			case isFloat:
				out[i] = T(math.Float64frombits(u))
			case signed:
				out[i] = T(int64(u))
			default:
				out[i] = T(u)
			}
		}
	}
	return out, nil
}

// AppendBinary appends vals to dst as consecutive elements in the given
// byte order (nil means little-endian). It allocates nothing when dst has
// room for len(vals) elements.
func AppendBinary[T Element](dst []byte, vals []T, order binary.ByteOrder) []byte {
	isFloat, signed, bits := elemKind[T]()
	size := bits / 8
	if order == nil {
		order = binary.LittleEndian
	}
	start := len(dst)
	dst = grow(dst, len(vals)*size)
	b := dst[start:]
	for i, v := range vals {
		e := b[i*size : (i+1)*size]
		switch size {
		case 1:
			if signed {
				e[0] = byte(int8(v))
			} else {
				e[0] = byte(uint8(v))
			}
		case 2:
			if signed {
				order.PutUint16(e, uint16(int16(v)))
			} else {
				order.PutUint16(e, uint16(v))
			}
		case 4:
			switch {
			case isFloat:
				order.PutUint32(e, math.Float32bits(float32(v)))
			case signed:
				order.PutUint32(e, uint32(int32(v)))
			default:
				order.PutUint32(e, uint32(v))
			}
		case 8:
			switch {
			case isFloat:
				order.PutUint64(e, math.Float64bits(float64(v)))
			case signed:
				order.PutUint64(e, uint64(int64(v)))
			default:
				order.PutUint64(e, uint64(v))
			}
		}
	}
	return dst
}

// elemKind is numKind for fixed-size element types.
func elemKind[T Element]() (isFloat, signed bool, bits int) {
	half := 0.5
	var zero T
	isFloat = T(half) != 0
	minusOne := zero - 1
	signed = minusOne < zero
	bits = binary.Size(zero) * 8
	return
}

// grow extends dst by n bytes, reallocating only when capacity is short.
func grow(dst []byte, n int) []byte {
	l := len(dst)
	if cap(dst)-l < n {
		nd := make([]byte, l, l+n+l/4)
		copy(nd, dst)
		dst = nd
	}
	return dst[:l+n]
}
