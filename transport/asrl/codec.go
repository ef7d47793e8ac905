package asrl

import "github.com/govisa/govisa/transport"

// readRules are the termination rules of one read, fixed for its duration.
type readRules struct {
	endIn       EndMode
	termChar    byte
	termEnabled bool
	suppressEND bool
	lastBit     byte // mask of the highest data bit (EndLastBit)
	discardNull bool
}

func rulesFor(cfg *Config, opt transport.ReadOptions) readRules {
	return readRules{
		endIn:       cfg.EndIn,
		termChar:    opt.TermChar,
		termEnabled: opt.TermCharEnabled,
		suppressEND: opt.SuppressEND,
		lastBit:     cfg.lastBitMask(),
		discardNull: cfg.DiscardNull,
	}
}

// classify says whether b ends a read and why.
func (r *readRules) classify(b byte) transport.Reason {
	var why transport.Reason
	if !r.suppressEND {
		switch r.endIn {
		case EndTermChar:
			if b == r.termChar {
				why |= transport.ReasonEND
			}
		case EndLastBit:
			if b&r.lastBit != 0 {
				why |= transport.ReasonEND
			}
		}
	}
	if r.termEnabled && b == r.termChar {
		why |= transport.ReasonTermChar
	}
	return why
}

// scan copies bytes of src into dst until a byte ends the read (by r) or
// dst is full. It returns how many bytes of src it consumed, how many it
// stored, and why it stopped (0 when src ran out first). NUL bytes are
// consumed but not stored when discardNull is set. It is the whole input
// codec of a serial read: pure, so it is fuzzed on its own.
func scan(dst, src []byte, r *readRules) (consumed, stored int, why transport.Reason) {
	for consumed < len(src) && stored < len(dst) {
		b := src[consumed]
		consumed++
		if b == 0 && r.discardNull {
			continue
		}
		dst[stored] = b
		stored++
		why = r.classify(b)
		if stored == len(dst) {
			why |= transport.ReasonCount
		}
		if why != 0 {
			return consumed, stored, why
		}
	}
	return consumed, stored, 0
}

// encodeEnd returns what goes on the line for p when END is sent by mode:
// EndTermChar appends term; EndLastBit masks every byte to the data bits
// below the last one and sets the last bit on the final byte. Other modes
// (and end=false) send p unchanged except that EndLastBit masks always, so
// that no byte is mistaken for END. buf is scratch space reused when large
// enough; the result may alias p or buf.
func encodeEnd(buf, p []byte, mode EndMode, dataBits int, term byte, end bool) []byte {
	switch mode {
	case EndTermChar:
		if !end {
			return p
		}
		buf = append(buf[:0], p...)
		return append(buf, term)
	case EndLastBit:
		top := byte(1) << (dataBits - 1)
		mask := top - 1
		buf = append(buf[:0], p...)
		for i := range buf {
			buf[i] &= mask
		}
		if end && len(buf) > 0 {
			buf[len(buf)-1] |= top
		}
		return buf
	}
	return p
}
