package dnsmsg

import (
	"errors"
	"strings"
)

// Limits from RFC 1035 §2.3.4.
const (
	MaxLabel = 63  // octets in one label
	MaxName  = 255 // octets in a name on the wire, length bytes included
)

// maxPointers bounds the compression pointers followed in one name. Pointers
// must already point backwards, which rules out loops; this only limits work.
const maxPointers = 64

var (
	errLabelLen  = errors.New("label longer than 63 octets")
	errNameLen   = errors.New("name longer than 255 octets")
	errEmptyLab  = errors.New("empty label inside a name")
	errBadEscape = errors.New("bad escape in name")
	errPointer   = errors.New("compression pointer does not point backwards")
	errLabelType = errors.New("reserved label type")
	errShortName = errors.New("name runs past the end of the message")
)

// SplitName splits a presentation-form name into its labels, undoing the
// escapes. The root name "." (or "") has no labels. A trailing dot is
// optional.
func SplitName(name string) ([]string, error) {
	var labels []string
	var cur []byte
	total := 1 // the root's zero length byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case '.':
			if len(cur) == 0 {
				if i == len(name)-1 && len(labels) == 0 && i == 0 {
					return nil, nil // "."
				}
				return nil, errEmptyLab
			}
			labels, total = append(labels, string(cur)), total+len(cur)+1
			cur = cur[:0]
			continue
		case '\\':
			i++
			if i >= len(name) {
				return nil, errBadEscape
			}
			c = name[i]
			if c >= '0' && c <= '9' {
				if i+2 >= len(name) {
					return nil, errBadEscape
				}
				v := 0
				for j := 0; j < 3; j++ {
					d := name[i+j]
					if d < '0' || d > '9' {
						return nil, errBadEscape
					}
					v = v*10 + int(d-'0')
				}
				if v > 255 {
					return nil, errBadEscape
				}
				c = byte(v)
				i += 2
			}
		}
		cur = append(cur, c)
		if len(cur) > MaxLabel {
			return nil, errLabelLen
		}
	}
	if len(cur) > 0 {
		labels, total = append(labels, string(cur)), total+len(cur)+1
	}
	if total > MaxName {
		return nil, errNameLen
	}
	return labels, nil
}

// JoinName builds a fully qualified presentation-form name from labels,
// escaping dots, backslashes and control bytes.
func JoinName(labels ...string) string {
	if len(labels) == 0 {
		return "."
	}
	var b strings.Builder
	for _, l := range labels {
		appendEscaped(&b, l)
		b.WriteByte('.')
	}
	return b.String()
}

func appendEscaped(b *strings.Builder, label string) {
	for i := 0; i < len(label); i++ {
		c := label[i]
		switch {
		case c == '.' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			b.WriteByte('\\')
			b.WriteByte('0' + c/100)
			b.WriteByte('0' + c/10%10)
			b.WriteByte('0' + c%10)
		default:
			b.WriteByte(c)
		}
	}
}

// Canonical returns the key under which two names compare equal: DNS names
// are case-insensitive for ASCII letters (RFC 1035 §2.3.3; RFC 6762 §16), and
// the trailing dot is optional.
func Canonical(name string) string {
	if !hasFinalDot(name) {
		name += "."
	}
	b := []byte(name)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// hasFinalDot reports whether name ends with a dot that is not escaped (an
// even number of backslashes before it).
func hasFinalDot(name string) bool {
	if !strings.HasSuffix(name, ".") {
		return false
	}
	n := 0
	for i := len(name) - 2; i >= 0 && name[i] == '\\'; i-- {
		n++
	}
	return n%2 == 0
}

// EqualNames reports whether a and b name the same node.
func EqualNames(a, b string) bool { return Canonical(a) == Canonical(b) }

// appendName appends the wire form of name, compressing suffixes already
// written into msg (comp maps canonical suffixes to their offsets; nil turns
// compression off). msg is the message so far: dst must equal msg's buffer.
func appendName(msg []byte, name string, comp map[string]int) ([]byte, error) {
	labels, err := SplitName(name)
	if err != nil {
		return msg, err
	}
	for i := range labels {
		if comp != nil {
			key := Canonical(JoinName(labels[i:]...))
			if off, ok := comp[key]; ok {
				return append(msg, byte(0xC0|off>>8), byte(off)), nil
			}
			if len(msg) < 0x3FFF {
				comp[key] = len(msg)
			}
		}
		msg = append(msg, byte(len(labels[i])))
		msg = append(msg, labels[i]...)
	}
	return append(msg, 0), nil
}

// readName decodes the name starting at off in msg. It returns the name and
// the offset just past it in the original position (after the first
// pointer, if any).
func readName(msg []byte, off int) (string, int, error) {
	var b strings.Builder
	end := -1  // where parsing resumes once the name is done
	wire := 1  // octets of the uncompressed name, root byte included
	pos := off // where the current label run started, for pointer checks
	hops := 0
	for {
		if off >= len(msg) {
			return "", 0, errShortName
		}
		c := int(msg[off])
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				if end < 0 {
					end = off + 1
				}
				if b.Len() == 0 {
					return ".", end, nil
				}
				return b.String(), end, nil
			}
			if off+1+c > len(msg) {
				return "", 0, errShortName
			}
			wire += c + 1
			if wire > MaxName {
				return "", 0, errNameLen
			}
			appendEscaped(&b, string(msg[off+1:off+1+c]))
			b.WriteByte('.')
			off += 1 + c
		case 0xC0:
			if off+1 >= len(msg) {
				return "", 0, errShortName
			}
			ptr := (c&0x3F)<<8 | int(msg[off+1])
			// Strictly before the start of the labels that led here: every
			// jump goes further back, so the walk ends.
			if ptr >= pos {
				return "", 0, errPointer
			}
			if hops++; hops > maxPointers {
				return "", 0, errPointer
			}
			if end < 0 {
				end = off + 2
			}
			off, pos = ptr, ptr
		default:
			return "", 0, errLabelType
		}
	}
}
