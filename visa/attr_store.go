package visa

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// AttrStore holds the attribute values of one session. It starts with the
// default of every attribute that applies to the session's interface type
// and resource class, checks each viSetAttribute against the attribute
// table, and is safe for concurrent use.
//
// The attributes read on every I/O call (timeout, termination character,
// END handling) are mirrored in atomics, so Timeout, TermChar, SendEnd and
// SuppressEnd take no lock and do not allocate.
type AttrStore struct {
	intf  InterfaceType
	class ResourceClass

	mu   sync.RWMutex
	vals map[Attr]any // value in the attribute's Go type; present = applies

	tmo atomic.Uint32 // VI_ATTR_TMO_VALUE
	msg atomic.Uint32 // hot message-based attributes, see the msg* bits
}

// Layout of AttrStore.msg: the low byte is VI_ATTR_TERMCHAR.
const (
	msgTermCharEn  = 1 << 8
	msgSendEnd     = 1 << 9
	msgSuppressEnd = 1 << 10
)

// NewAttrStore returns a store for a session of the given interface type
// and resource class, filled with the defaults of every attribute that
// applies to it (see DefaultAttr).
func NewAttrStore(intf InterfaceType, class ResourceClass) *AttrStore {
	s := &AttrStore{intf: intf, class: class, vals: make(map[Attr]any, 48)}
	for i := range attrTable {
		a := &attrTable[i]
		if a.Applies(intf, class) {
			s.vals[a.ID] = defaultFor(a, intf, class)
		}
	}
	// Sessions without these attributes (INTFC, MEMACC, …) still get
	// sensible values from the fast getters: the VISA defaults.
	s.tmo.Store(2000)
	s.msg.Store('\n' | msgSendEnd)
	for id, v := range s.vals {
		s.mirror(id, v)
	}
	return s
}

// Interface returns the interface type the store was made for.
func (s *AttrStore) Interface() InterfaceType { return s.intf }

// Class returns the resource class the store was made for.
func (s *AttrStore) Class() ResourceClass { return s.class }

// Get returns the value of attribute id in its Go type (bool, uint8, int16,
// uint16, int32, uint32, uint64 or string). It fails with
// VI_ERROR_NSUP_ATTR when the attribute is unknown or does not apply to
// this session.
func (s *AttrStore) Get(id Attr) (any, error) {
	s.mu.RLock()
	v, ok := s.vals[id]
	s.mu.RUnlock()
	if !ok {
		return nil, s.nsup("viGetAttribute", id)
	}
	return v, nil
}

// Has reports whether attribute id applies to this session.
func (s *AttrStore) Has(id Attr) bool {
	s.mu.RLock()
	_, ok := s.vals[id]
	s.mu.RUnlock()
	return ok
}

// IDs returns the ids of every attribute the session has, sorted.
func (s *AttrStore) IDs() []Attr {
	s.mu.RLock()
	ids := make([]Attr, 0, len(s.vals))
	for id := range s.vals {
		ids = append(ids, id)
	}
	s.mu.RUnlock()
	slices.Sort(ids)
	return ids
}

// Validate checks v as Set would and returns it converted to the
// attribute's Go type, without storing it. The session layer uses it to
// apply a value to the device before committing it with Set.
//
// Errors (*Error): VI_ERROR_NSUP_ATTR when the attribute is unknown or does
// not apply, VI_ERROR_ATTR_READONLY when it is read-only,
// VI_ERROR_NSUP_ATTR_STATE when v has the wrong type, does not fit or is
// not an allowed value.
func (s *AttrStore) Validate(id Attr, v any) (any, error) {
	s.mu.RLock()
	_, ok := s.vals[id]
	s.mu.RUnlock()
	return s.check(id, v, ok)
}

// Set validates v (see Validate) and stores it. Any Go integer kind is
// accepted for integer attributes and converted when it fits; booleans
// also accept the integers 0 and 1 (VI_FALSE, VI_TRUE); VI_ATTR_TMO_VALUE
// also accepts a time.Duration (negative = infinite, rounded up to ms).
func (s *AttrStore) Set(id Attr, v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.vals[id]
	cv, err := s.check(id, v, ok)
	if err != nil {
		return err
	}
	s.vals[id] = cv
	s.mirror(id, cv)
	return nil
}

// check does the work of Validate; has says whether the session has id.
// It reads only immutable data, so it runs with or without s.mu.
func (s *AttrStore) check(id Attr, v any, has bool) (any, error) {
	const op = "viSetAttribute"
	i, known := attrIndex[id]
	if !known || !has {
		return nil, s.nsup(op, id)
	}
	a := &attrTable[i]
	if a.ReadOnlyIn(s.class) {
		return nil, &Error{Status: VI_ERROR_ATTR_READONLY, Op: op, Msg: a.Name + " is read-only"}
	}
	cv, err := convertAttr(a, v)
	if err != nil {
		return nil, &Error{Status: VI_ERROR_NSUP_ATTR_STATE, Op: op, Msg: a.Name + ": " + err.Error()}
	}
	if n, isInt := ruleValue(cv); isInt {
		if r := ruleFor(a, s.intf, s.class); !r.Allows(n) {
			return nil, &Error{Status: VI_ERROR_NSUP_ATTR_STATE, Op: op,
				Msg: fmt.Sprintf("%s: %d is not allowed here (allowed: %s)", a.Name, n, r)}
		}
	}
	return cv, nil
}

// SetInternal stores a value on behalf of the backend: it bypasses the
// read-only flag and the validation rule (a backend reports what the
// device says), and it may add a known attribute outside the session's
// usual scope (a backend that supports more than VISA requires). The value
// must still convert to the attribute's type; otherwise, and for unknown
// or event attributes, it returns an *Error and stores nothing.
func (s *AttrStore) SetInternal(id Attr, v any) error {
	const op = "SetInternal"
	i, known := attrIndex[id]
	if !known || attrTable[i].IsEvent() {
		return s.nsup(op, id)
	}
	cv, err := convertAttr(&attrTable[i], v)
	if err != nil {
		return &Error{Status: VI_ERROR_NSUP_ATTR_STATE, Op: op, Msg: attrTable[i].Name + ": " + err.Error()}
	}
	s.mu.Lock()
	s.vals[id] = cv
	s.mirror(id, cv)
	s.mu.Unlock()
	return nil
}

// mirror copies a hot attribute into its atomic. Callers hold s.mu for
// writing (or own s exclusively), so read-modify-write of msg is safe.
func (s *AttrStore) mirror(id Attr, v any) {
	switch id {
	case VI_ATTR_TMO_VALUE:
		s.tmo.Store(v.(uint32))
	case VI_ATTR_TERMCHAR:
		s.msg.Store(s.msg.Load()&^0xFF | uint32(v.(uint8)))
	case VI_ATTR_TERMCHAR_EN:
		s.setMsgBit(msgTermCharEn, v.(bool))
	case VI_ATTR_SEND_END_EN:
		s.setMsgBit(msgSendEnd, v.(bool))
	case VI_ATTR_SUPPRESS_END_EN:
		s.setMsgBit(msgSuppressEnd, v.(bool))
	}
}

func (s *AttrStore) setMsgBit(bit uint32, on bool) {
	m := s.msg.Load() &^ bit
	if on {
		m |= bit
	}
	s.msg.Store(m)
}

// nsup builds the VI_ERROR_NSUP_ATTR error for id.
func (s *AttrStore) nsup(op string, id Attr) *Error {
	msg := fmt.Sprintf("%s is not an attribute of %s %s sessions", id, s.intf, s.class)
	if _, known := attrIndex[id]; !known {
		msg = fmt.Sprintf("unknown attribute %s", id)
	}
	return &Error{Status: VI_ERROR_NSUP_ATTR, Op: op, Msg: msg}
}

// Timeout returns VI_ATTR_TMO_VALUE as a duration: 0 for VI_TMO_IMMEDIATE
// (do not wait), a negative value (-1) for VI_TMO_INFINITE (no timeout),
// otherwise the value in milliseconds.
func (s *AttrStore) Timeout() time.Duration {
	ms := s.tmo.Load()
	if ms == VI_TMO_INFINITE {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// SetTimeout sets VI_ATTR_TMO_VALUE from a duration: negative means
// infinite, 0 immediate, anything else is rounded up to whole ms.
func (s *AttrStore) SetTimeout(d time.Duration) error {
	return s.Set(VI_ATTR_TMO_VALUE, d)
}

// TermChar returns VI_ATTR_TERMCHAR and VI_ATTR_TERMCHAR_EN.
func (s *AttrStore) TermChar() (byte, bool) {
	m := s.msg.Load()
	return byte(m), m&msgTermCharEn != 0
}

// SendEnd returns VI_ATTR_SEND_END_EN.
func (s *AttrStore) SendEnd() bool { return s.msg.Load()&msgSendEnd != 0 }

// SuppressEnd returns VI_ATTR_SUPPRESS_END_EN.
func (s *AttrStore) SuppressEnd() bool { return s.msg.Load()&msgSuppressEnd != 0 }

// readOnlyIn reports the attributes whose access depends on the resource
// class, which the table's one flag per attribute cannot say: an
// instrument's GPIB address names the device and is read-only, while an
// interface session sets the board's own address with the same attribute.
func readOnlyIn(id Attr, class ResourceClass) bool {
	switch id {
	case VI_ATTR_GPIB_PRIMARY_ADDR, VI_ATTR_GPIB_SECONDARY_ADDR:
		return class == ClassINSTR
	}
	return false
}
