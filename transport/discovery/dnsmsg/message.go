package dnsmsg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/govisa/govisa/transport"
)

// Type is a resource record type (RFC 1035 §3.2.2, RFC 3596, RFC 2782).
type Type uint16

// Record types used by DNS-SD.
const (
	TypeA    Type = 1
	TypePTR  Type = 12
	TypeTXT  Type = 16
	TypeAAAA Type = 28
	TypeSRV  Type = 33
	TypeNSEC Type = 47
	TypeANY  Type = 255
)

// String returns the record type's mnemonic ("A", "PTR"), or TYPEn for
// types without one.
func (t Type) String() string {
	switch t {
	case TypeA:
		return "A"
	case TypePTR:
		return "PTR"
	case TypeTXT:
		return "TXT"
	case TypeAAAA:
		return "AAAA"
	case TypeSRV:
		return "SRV"
	case TypeNSEC:
		return "NSEC"
	case TypeANY:
		return "ANY"
	}
	return fmt.Sprintf("TYPE%d", uint16(t))
}

// Classes and the mDNS bits carried in the class field.
const (
	ClassINET = 1
	ClassANY  = 255
	// ClassUnicastResponse is the top bit of a question's class: the querier
	// asks for a unicast reply ("QU", RFC 6762 §5.4).
	ClassUnicastResponse = 0x8000
	// ClassCacheFlush is the top bit of a record's class: the record set is
	// unique and replaces cached ones (RFC 6762 §10.2).
	ClassCacheFlush = 0x8000
)

// Header flags (RFC 1035 §4.1.1).
const (
	FlagResponse      = 0x8000 // QR
	FlagAuthoritative = 0x0400 // AA
	FlagTruncated     = 0x0200 // TC
	flagOpcodeMask    = 0x7800
	flagRcodeMask     = 0x000F
)

// Size limits for decoding.
const (
	headerLen = 12
	// minQuestion and minRecord are the smallest encodings (root name), used
	// to reject counts that the remaining bytes cannot hold before any
	// allocation is sized by them.
	minQuestion = 1 + 4
	minRecord   = 1 + 10
	// MaxMessage is the largest message Parse accepts; mDNS messages are at
	// most 9000 bytes on the wire (RFC 6762 §17) but a UDP datagram may hold
	// 65535.
	MaxMessage = 65535
)

// Header is the fixed header of a message without the four counts, which
// follow from the sections.
type Header struct {
	ID    uint16
	Flags uint16
}

// Response reports whether the message is a response (QR bit).
func (h Header) Response() bool { return h.Flags&FlagResponse != 0 }

// Opcode returns the operation code; standard queries have 0.
func (h Header) Opcode() int { return int(h.Flags&flagOpcodeMask) >> 11 }

// Rcode returns the response code; 0 is no error.
func (h Header) Rcode() int { return int(h.Flags & flagRcodeMask) }

// Question is one entry of the question section.
type Question struct {
	Name  string
	Type  Type
	Class uint16 // ClassINET, possibly with ClassUnicastResponse
}

// Record is a resource record. Which data fields are meaningful depends on
// Type: Target for PTR and SRV, Priority, Weight and Port for SRV, Text for
// TXT, Addr for A and AAAA, Data for every other type.
type Record struct {
	Name  string
	Type  Type
	Class uint16 // ClassINET, possibly with ClassCacheFlush
	TTL   uint32

	Target                 string
	Priority, Weight, Port uint16
	Text                   []string
	Addr                   netip.Addr
	Data                   []byte
}

// Message is a DNS message.
type Message struct {
	Header
	Questions   []Question
	Answers     []Record
	Authorities []Record
	Additionals []Record
}

func protoErr(err error) error { return transport.Errorf("dns decode", transport.ErrProtocol, err) }

var (
	errShort    = errors.New("message truncated")
	errCount    = errors.New("section count exceeds the message size")
	errRDLength = errors.New("record data length does not match its type")
	errTrailing = errors.New("trailing bytes after the last section")
	errTooLarge = errors.New("message larger than 65535 bytes")
)

// Parse decodes a message. Errors wrap transport.ErrProtocol. Slices in the
// result never alias b.
func Parse(b []byte) (*Message, error) {
	if len(b) > MaxMessage {
		return nil, protoErr(errTooLarge)
	}
	if len(b) < headerLen {
		return nil, protoErr(errShort)
	}
	m := &Message{Header: Header{ID: binary.BigEndian.Uint16(b), Flags: binary.BigEndian.Uint16(b[2:])}}
	qd := int(binary.BigEndian.Uint16(b[4:]))
	an := int(binary.BigEndian.Uint16(b[6:]))
	ns := int(binary.BigEndian.Uint16(b[8:]))
	ar := int(binary.BigEndian.Uint16(b[10:]))
	if qd*minQuestion+(an+ns+ar)*minRecord > len(b)-headerLen {
		return nil, protoErr(errCount)
	}
	off := headerLen
	if qd > 0 {
		m.Questions = make([]Question, 0, qd)
	}
	for range qd {
		name, next, err := readName(b, off)
		if err != nil {
			return nil, protoErr(err)
		}
		if next+4 > len(b) {
			return nil, protoErr(errShort)
		}
		m.Questions = append(m.Questions, Question{
			Name:  name,
			Type:  Type(binary.BigEndian.Uint16(b[next:])),
			Class: binary.BigEndian.Uint16(b[next+2:]),
		})
		off = next + 4
	}
	var err error
	for _, sec := range []struct {
		n   int
		dst *[]Record
	}{{an, &m.Answers}, {ns, &m.Authorities}, {ar, &m.Additionals}} {
		if sec.n == 0 {
			continue
		}
		*sec.dst = make([]Record, 0, sec.n)
		for range sec.n {
			var r Record
			if r, off, err = readRecord(b, off); err != nil {
				return nil, protoErr(err)
			}
			*sec.dst = append(*sec.dst, r)
		}
	}
	if off != len(b) {
		return nil, protoErr(errTrailing)
	}
	return m, nil
}

func readRecord(b []byte, off int) (Record, int, error) {
	var r Record
	name, next, err := readName(b, off)
	if err != nil {
		return r, 0, err
	}
	if next+10 > len(b) {
		return r, 0, errShort
	}
	r.Name = name
	r.Type = Type(binary.BigEndian.Uint16(b[next:]))
	r.Class = binary.BigEndian.Uint16(b[next+2:])
	r.TTL = binary.BigEndian.Uint32(b[next+4:])
	rdlen := int(binary.BigEndian.Uint16(b[next+8:]))
	start := next + 10
	end := start + rdlen
	if end > len(b) {
		return r, 0, errShort
	}
	rd := b[start:end]
	switch r.Type {
	case TypeA, TypeAAAA:
		want := 4
		if r.Type == TypeAAAA {
			want = 16
		}
		if rdlen != want {
			return r, 0, errRDLength
		}
		r.Addr, _ = netip.AddrFromSlice(rd)
	case TypePTR:
		t, n, err := readName(b[:end], start)
		if err != nil {
			return r, 0, err
		}
		if n != end {
			return r, 0, errRDLength
		}
		r.Target = t
	case TypeSRV:
		if rdlen < 7 {
			return r, 0, errRDLength
		}
		r.Priority = binary.BigEndian.Uint16(rd)
		r.Weight = binary.BigEndian.Uint16(rd[2:])
		r.Port = binary.BigEndian.Uint16(rd[4:])
		t, n, err := readName(b[:end], start+6)
		if err != nil {
			return r, 0, err
		}
		if n != end {
			return r, 0, errRDLength
		}
		r.Target = t
	case TypeTXT:
		// Each string costs at least its length byte, so rdlen bounds the
		// number of strings.
		for i := 0; i < len(rd); {
			n := int(rd[i])
			if i+1+n > len(rd) {
				return r, 0, errRDLength
			}
			r.Text = append(r.Text, string(rd[i+1:i+1+n]))
			i += 1 + n
		}
	default:
		r.Data = append([]byte(nil), rd...)
	}
	return r, end, nil
}

// Builder limits.
var (
	errTextLen  = errors.New("TXT string longer than 255 bytes")
	errAddrType = errors.New("address family does not match the record type")
	errDataLen  = errors.New("record data longer than 65535 bytes")
	errSection  = errors.New("more than 65535 entries in a section")
)

// Append encodes m after dst, compressing names (RFC 1035 §4.1.4), and
// returns the extended buffer. Errors (a name or TXT string that does not
// fit, an address of the wrong family) wrap transport.ErrInvalidArg.
func (m *Message) Append(dst []byte) ([]byte, error) {
	base := len(dst)
	if len(m.Questions) > 0xFFFF || len(m.Answers) > 0xFFFF || len(m.Authorities) > 0xFFFF || len(m.Additionals) > 0xFFFF {
		return dst, encErr(errSection)
	}
	dst = binary.BigEndian.AppendUint16(dst, m.ID)
	dst = binary.BigEndian.AppendUint16(dst, m.Flags)
	for _, n := range []int{len(m.Questions), len(m.Answers), len(m.Authorities), len(m.Additionals)} {
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	}
	// Compression offsets are relative to the message start, so encode into
	// a buffer that starts there.
	msg := dst[base:]
	comp := map[string]int{}
	var err error
	for _, q := range m.Questions {
		if msg, err = appendName(msg, q.Name, comp); err != nil {
			return dst[:base], encErr(err)
		}
		msg = binary.BigEndian.AppendUint16(msg, uint16(q.Type))
		msg = binary.BigEndian.AppendUint16(msg, q.Class)
	}
	for _, sec := range [][]Record{m.Answers, m.Authorities, m.Additionals} {
		for i := range sec {
			if msg, err = appendRecord(msg, &sec[i], comp); err != nil {
				return dst[:base], encErr(err)
			}
		}
	}
	if len(msg) > MaxMessage {
		return dst[:base], encErr(errTooLarge)
	}
	return append(dst[:base], msg...), nil
}

func encErr(err error) error { return transport.Errorf("dns encode", transport.ErrInvalidArg, err) }

func appendRecord(msg []byte, r *Record, comp map[string]int) ([]byte, error) {
	msg, err := appendName(msg, r.Name, comp)
	if err != nil {
		return msg, err
	}
	msg = binary.BigEndian.AppendUint16(msg, uint16(r.Type))
	msg = binary.BigEndian.AppendUint16(msg, r.Class)
	msg = binary.BigEndian.AppendUint32(msg, r.TTL)
	lenAt := len(msg)
	msg = append(msg, 0, 0)
	switch r.Type {
	case TypeA:
		if !r.Addr.Is4() {
			return msg, errAddrType
		}
		a := r.Addr.As4()
		msg = append(msg, a[:]...)
	case TypeAAAA:
		if !r.Addr.Is6() || r.Addr.Is4In6() {
			return msg, errAddrType
		}
		a := r.Addr.As16()
		msg = append(msg, a[:]...)
	case TypePTR:
		if msg, err = appendName(msg, r.Target, comp); err != nil {
			return msg, err
		}
	case TypeSRV:
		msg = binary.BigEndian.AppendUint16(msg, r.Priority)
		msg = binary.BigEndian.AppendUint16(msg, r.Weight)
		msg = binary.BigEndian.AppendUint16(msg, r.Port)
		// RFC 6762 §18.14 allows compression of the SRV target in mDNS.
		if msg, err = appendName(msg, r.Target, comp); err != nil {
			return msg, err
		}
	case TypeTXT:
		if len(r.Text) == 0 {
			// An empty TXT record is a single empty string (RFC 6763 §6.1).
			msg = append(msg, 0)
		}
		for _, s := range r.Text {
			if len(s) > 255 {
				return msg, errTextLen
			}
			msg = append(msg, byte(len(s)))
			msg = append(msg, s...)
		}
	default:
		msg = append(msg, r.Data...)
	}
	n := len(msg) - lenAt - 2
	if n > 0xFFFF {
		return msg, errDataLen
	}
	binary.BigEndian.PutUint16(msg[lenAt:], uint16(n))
	return msg, nil
}
