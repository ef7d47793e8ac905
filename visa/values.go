package visa

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/govisa/govisa/ieee4882"
)

// BlockFormat selects the binary block header syntax (PyVISA header_fmt).
type BlockFormat uint8

const (
	// BlockIEEE is IEEE 488.2 arbitrary block data: definite "#NLLL…"
	// (including the "#A"–"#F" form for ≥1 GB), indefinite "#0…", and
	// R&S "#(len)…"; the header kind is detected.
	BlockIEEE BlockFormat = iota
	// BlockHP is the HP/Agilent "#A" header with a 2-byte length.
	BlockHP
	// BlockNone means no header: the data is everything up to END.
	BlockNone
)

// DefaultMaxBlock bounds the data length a block read accepts unless
// BlockOptions.MaxBytes says otherwise, so that a lying header never makes
// the reader allocate more than the caller expects.
const DefaultMaxBlock = 256 << 20

// maxBlockPrefix is how many bytes may come before the '#' of a block
// (PyVISA's DEFAULT_LENGTH_BEFORE_BLOCK).
const maxBlockPrefix = 25

// BlockOptions controls block reads and writes. The zero value reads an
// IEEE block of at most DefaultMaxBlock bytes, little-endian elements,
// expecting the response terminator after the data.
type BlockOptions struct {
	Format    BlockFormat
	BigEndian bool
	// MaxBytes bounds the data length (0: DefaultMaxBlock).
	MaxBytes int64
	// NoTermination skips reading the terminator after the data.
	NoTermination bool
	// Progress, when set, is called after each chunk with the bytes read
	// so far and the total announced.
	Progress func(done, total int64)
	// Buffer, when its capacity holds the block, receives the data, so that
	// a program reading many large blocks reuses one buffer instead of
	// allocating (and faulting in) fresh memory for each.
	Buffer []byte
}

func (o *BlockOptions) order() binary.ByteOrder {
	if o.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (o *BlockOptions) max() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBlock
}

// QueryBlock writes cmd and reads the binary block it answers.
func (r *Resource) QueryBlock(ctx context.Context, cmd string, opt BlockOptions) ([]byte, error) {
	if err := r.lock("QueryBlock"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	if _, err := r.writeLocked(ctx, cmd); err != nil {
		return nil, err
	}
	return r.readBlockLocked(ctx, &opt)
}

// ReadBlock reads one binary block response and returns its data. The
// header's length is checked against opt.MaxBytes before anything is
// allocated; data is read in exact counts, so binary bytes that equal the
// termination character are data, not an end.
func (r *Resource) ReadBlock(ctx context.Context, opt BlockOptions) ([]byte, error) {
	if err := r.lock("ReadBlock"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	return r.readBlockLocked(ctx, &opt)
}

func (r *Resource) blockErr(st Status, msg string, err error) error {
	return &Error{Status: st, Op: "ReadBlock", Resource: r.name, Msg: msg, Err: err}
}

func (r *Resource) readBlockLocked(ctx context.Context, opt *BlockOptions) ([]byte, error) {
	if opt.Format == BlockNone {
		n, err := r.readRawLocked(ctx)
		out := append([]byte(nil), r.rbuf[:n]...)
		return out, err
	}
	// Phase 1: read until the header is complete. These reads keep the
	// termination character as it is, so a short response cannot hang a
	// socket read; they may also return some data bytes.
	var head [64]byte
	have, start := 0, -1
	var hdr ieee4882.BlockHeader
	var st Status
	for {
		if have == len(head) {
			return nil, r.blockErr(VI_ERROR_IO, "no complete block header in the first 64 bytes", nil)
		}
		n, rst, err := r.lib.Read(ctx, r.session, head[have:])
		st = rst
		have += n
		if err != nil {
			return nil, err
		}
		if start < 0 {
			for i := 0; i < have; i++ {
				if head[i] == '#' {
					start = i
					break
				}
			}
			if start < 0 {
				if have > maxBlockPrefix {
					return nil, r.blockErr(VI_ERROR_IO, fmt.Sprintf("no '#' block header in the first %d bytes of the response %q", maxBlockPrefix, head[:have]), nil)
				}
				if st != VI_SUCCESS_MAX_CNT {
					return nil, r.blockErr(VI_ERROR_IO, fmt.Sprintf("the response %q holds no block", head[:have]), nil)
				}
				continue
			}
			if start > maxBlockPrefix {
				return nil, r.blockErr(VI_ERROR_IO, fmt.Sprintf("block header starts after %d bytes", start), nil)
			}
		}
		if opt.Format == BlockHP {
			hdr, err = ieee4882.ParseHPBlockHeader(head[start:have], opt.order())
		} else {
			hdr, err = ieee4882.ParseBlockHeader(head[start:have])
		}
		if err == nil {
			break
		}
		if !errors.Is(err, ieee4882.ErrNeedMore) {
			return nil, r.blockErr(VI_ERROR_IO, "bad block header", err)
		}
		if st == VI_SUCCESS {
			return nil, r.blockErr(VI_ERROR_IO, "the response ended inside the block header", err)
		}
	}
	ended := st == VI_SUCCESS
	got := head[start+hdr.HeaderLen : have]
	if hdr.DataLen < 0 {
		return r.readIndefiniteLocked(ctx, opt, got, ended)
	}
	if hdr.DataLen > opt.max() {
		return nil, r.blockErr(VI_ERROR_INV_LENGTH, fmt.Sprintf("block announces %d bytes, more than the allowed %d; clear the device before the next command", hdr.DataLen, opt.max()), ieee4882.ErrTooLarge)
	}
	total := hdr.DataLen
	var data []byte
	if int64(cap(opt.Buffer)) >= total {
		data = opt.Buffer[:total]
	} else {
		data = make([]byte, total)
	}
	done := int64(copy(data, got))
	extra := got[min(int64(len(got)), total):] // terminator bytes already read
	// Phase 2: exact-count reads with the termination character off.
	restore, err := r.termCharOff()
	if err != nil {
		return nil, err
	}
	for done < total {
		chunk := min(total-done, int64(max(r.chunkSize, 1<<20)))
		n, rst, err := r.lib.Read(ctx, r.session, data[done:done+chunk])
		done += int64(n)
		ended = rst == VI_SUCCESS
		if opt.Progress != nil {
			opt.Progress(done, total)
		}
		if err != nil {
			restore()
			return data[:done], err
		}
	}
	if err := restore(); err != nil {
		return data, err
	}
	// Phase 3: the response terminator.
	if !opt.NoTermination && len(extra) == 0 && !ended {
		var tail [16]byte
		if _, _, err := r.lib.Read(ctx, r.session, tail[:]); err != nil {
			return data, err
		}
	}
	return data, nil
}

// readIndefiniteLocked reads an indefinite "#0" block: data up to END.
// ended says the header read already saw END: got is the whole block.
func (r *Resource) readIndefiniteLocked(ctx context.Context, opt *BlockOptions, got []byte, ended bool) ([]byte, error) {
	data := append([]byte(nil), got...)
	if ended {
		if len(data) > 0 && data[len(data)-1] == '\n' {
			data = data[:len(data)-1]
		}
		return data, nil
	}
	restore, err := r.termCharOff()
	if err != nil {
		return nil, err
	}
	defer restore()
	buf := make([]byte, 64<<10)
	for {
		if int64(len(data)) > opt.max() {
			return nil, r.blockErr(VI_ERROR_INV_LENGTH, "indefinite block longer than the allowed maximum", ieee4882.ErrTooLarge)
		}
		n, st, err := r.lib.Read(ctx, r.session, buf)
		data = append(data, buf[:n]...)
		if opt.Progress != nil {
			opt.Progress(int64(len(data)), -1)
		}
		if err != nil {
			return data, err
		}
		if st == VI_SUCCESS {
			break
		}
	}
	if len(data) > 0 && data[len(data)-1] == '\n' {
		data = data[:len(data)-1]
	}
	return data, nil
}

// termCharOff disables VI_ATTR_TERMCHAR_EN and returns a function that
// restores it.
func (r *Resource) termCharOff() (func() error, error) {
	v, err := r.lib.GetAttribute(r.session, VI_ATTR_TERMCHAR_EN)
	if err != nil {
		return nil, err
	}
	if v != true {
		return func() error { return nil }, nil
	}
	if err := r.lib.SetAttribute(r.session, VI_ATTR_TERMCHAR_EN, false); err != nil {
		return nil, err
	}
	return func() error { return r.lib.SetAttribute(r.session, VI_ATTR_TERMCHAR_EN, true) }, nil
}

// QueryBinaryValues writes cmd and decodes the binary block it answers as
// elements of type T in the byte order of opt.
func QueryBinaryValues[T ieee4882.Element](ctx context.Context, r *Resource, cmd string, opt BlockOptions) ([]T, error) {
	data, err := r.QueryBlock(ctx, cmd, opt)
	if err != nil {
		return nil, err
	}
	return decodeValues[T](r, data, &opt)
}

// ReadBinaryValues reads a binary block and decodes it as elements of T.
func ReadBinaryValues[T ieee4882.Element](ctx context.Context, r *Resource, opt BlockOptions) ([]T, error) {
	data, err := r.ReadBlock(ctx, opt)
	if err != nil {
		return nil, err
	}
	return decodeValues[T](r, data, &opt)
}

func decodeValues[T ieee4882.Element](r *Resource, data []byte, opt *BlockOptions) ([]T, error) {
	vals, err := ieee4882.DecodeBinary[T](data, opt.order())
	if err != nil {
		return nil, &Error{Status: VI_ERROR_IO, Op: "DecodeBinary", Resource: r.name, Err: err}
	}
	return vals, nil
}

// WriteBinaryValues writes cmd followed by vals as a binary block in the
// format of opt, then the write termination.
func WriteBinaryValues[T ieee4882.Element](ctx context.Context, r *Resource, cmd string, vals []T, opt BlockOptions) error {
	payload := ieee4882.AppendBinary(nil, vals, opt.order())
	msg := []byte(cmd)
	var err error
	switch opt.Format {
	case BlockHP:
		msg, err = ieee4882.AppendHPBlock(msg, payload, opt.order())
		if err != nil {
			return &Error{Status: VI_ERROR_INV_PARAMETER, Op: "WriteBinaryValues", Resource: r.name, Err: err}
		}
	case BlockNone:
		msg = append(msg, payload...)
	default:
		msg = ieee4882.AppendDefiniteBlock(msg, payload)
	}
	if err := r.lock("WriteBinaryValues"); err != nil {
		return err
	}
	defer r.mu.Unlock()
	msg = append(msg, r.writeTerm...)
	_, _, err = r.lib.Write(ctx, r.session, msg)
	return err
}

// QueryASCIIValues writes cmd and parses the comma-separated numbers it
// answers (PyVISA query_ascii_values with the 'f' converter).
func (r *Resource) QueryASCIIValues(ctx context.Context, cmd string) ([]float64, error) {
	return QueryASCII[float64](ctx, r, cmd, ",", ieee4882.ConvFloat)
}

// QueryASCII writes cmd and parses the answer as values of T separated by
// sep, converted as conv says (PyVISA's converters).
func QueryASCII[T ieee4882.Number](ctx context.Context, r *Resource, cmd, sep string, conv ieee4882.Converter) ([]T, error) {
	s, err := r.Query(ctx, cmd)
	if err != nil {
		return nil, err
	}
	vals, err := ieee4882.ParseASCII[T](s, sep, conv)
	if err != nil {
		return nil, &Error{Status: VI_ERROR_IO, Op: "QueryASCII", Resource: r.name, Msg: fmt.Sprintf("cannot parse %q", truncate(s, 64)), Err: err}
	}
	return vals, nil
}

// WriteASCIIValues writes cmd followed by vals separated by sep.
func WriteASCIIValues[T ieee4882.Number](ctx context.Context, r *Resource, cmd string, vals []T, sep string, conv ieee4882.Converter) error {
	msg := ieee4882.AppendASCII([]byte(cmd), vals, sep, conv)
	_, err := r.Write(ctx, string(msg))
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ReadASCII reads one response and parses it as values of T separated by
// sep (PyVISA read_ascii_values).
func ReadASCII[T ieee4882.Number](ctx context.Context, r *Resource, sep string, conv ieee4882.Converter) ([]T, error) {
	s, err := r.Read(ctx)
	if err != nil {
		return nil, err
	}
	vals, err := ieee4882.ParseASCII[T](s, sep, conv)
	if err != nil {
		return nil, &Error{Status: VI_ERROR_IO, Op: "ReadASCII", Resource: r.name, Msg: fmt.Sprintf("cannot parse %q", truncate(s, 64)), Err: err}
	}
	return vals, nil
}
