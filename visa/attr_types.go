package visa

import "fmt"

// AttrType is the VISA data type of an attribute. Each maps to one Go type,
// the only type the attribute store hands out for it (see GoType).
type AttrType uint8

// Attribute types.
const (
	AttrBool    AttrType = iota + 1 // ViBoolean → bool
	AttrUint8                       // ViUInt8 → uint8
	AttrInt16                       // ViInt16 → int16
	AttrUint16                      // ViUInt16 → uint16
	AttrInt32                       // ViInt32 (and ViStatus) → int32
	AttrUint32                      // ViUInt32 (and ViAccessMode, ViEventType) → uint32
	AttrUint64                      // ViUInt64 → uint64
	AttrString                      // ViString, ViRsrc → string
	AttrVersion                     // ViVersion → uint32 (major bits 31-20, minor 19-8, sub-minor 7-0)
	AttrSession                     // ViSession → uint32
	AttrAddr                        // ViBusAddress64, ViBusSize64 → uint64
	AttrJobID                       // ViJobId → uint32
	AttrBuffer                      // ViBuf (event attributes only) → []byte
)

var attrTypeNames = [...]string{
	AttrBool: "ViBoolean", AttrUint8: "ViUInt8", AttrInt16: "ViInt16", AttrUint16: "ViUInt16",
	AttrInt32: "ViInt32", AttrUint32: "ViUInt32", AttrUint64: "ViUInt64", AttrString: "ViString",
	AttrVersion: "ViVersion", AttrSession: "ViSession", AttrAddr: "ViBusAddress64",
	AttrJobID: "ViJobId", AttrBuffer: "ViBuf",
}

// String returns the VISA type name ("ViUInt32").
func (t AttrType) String() string {
	if int(t) < len(attrTypeNames) && attrTypeNames[t] != "" {
		return attrTypeNames[t]
	}
	return fmt.Sprintf("AttrType(%d)", uint8(t))
}

// GoType returns the name of the Go type values of this type have: "bool",
// "uint8", "int16", "uint16", "int32", "uint32", "uint64", "string" or
// "[]byte".
func (t AttrType) GoType() string {
	switch t {
	case AttrBool:
		return "bool"
	case AttrUint8:
		return "uint8"
	case AttrInt16:
		return "int16"
	case AttrUint16:
		return "uint16"
	case AttrInt32:
		return "int32"
	case AttrUint32, AttrVersion, AttrSession, AttrJobID:
		return "uint32"
	case AttrUint64, AttrAddr:
		return "uint64"
	case AttrString:
		return "string"
	case AttrBuffer:
		return "[]byte"
	}
	return "invalid"
}

// zero returns the zero value of the attribute's Go type.
func (t AttrType) zero() any {
	switch t {
	case AttrBool:
		return false
	case AttrUint8:
		return uint8(0)
	case AttrInt16:
		return int16(0)
	case AttrUint16:
		return uint16(0)
	case AttrInt32:
		return int32(0)
	case AttrUint32, AttrVersion, AttrSession, AttrJobID:
		return uint32(0)
	case AttrUint64, AttrAddr:
		return uint64(0)
	case AttrString:
		return ""
	case AttrBuffer:
		return []byte(nil)
	}
	return nil
}

// bounds returns the range of the attribute's Go integer type.
func (t AttrType) bounds() (lo int64, hi uint64, ok bool) {
	switch t {
	case AttrUint8:
		return 0, 0xFF, true
	case AttrInt16:
		return -1 << 15, 1<<15 - 1, true
	case AttrUint16:
		return 0, 0xFFFF, true
	case AttrInt32:
		return -1 << 31, 1<<31 - 1, true
	case AttrUint32, AttrVersion, AttrSession, AttrJobID:
		return 0, 0xFFFFFFFF, true
	case AttrUint64, AttrAddr:
		return 0, 1<<64 - 1, true
	}
	return 0, 0, false
}

// AttrScope names a kind of resource an attribute applies to. A zero Intf
// stands for every interface type and an empty Class for every resource
// class, so AttrScope{} covers every session.
type AttrScope struct {
	Intf  InterfaceType
	Class ResourceClass
}

// matches reports whether the scope covers (intf, class).
func (s AttrScope) matches(intf InterfaceType, class ResourceClass) bool {
	return (s.Intf == 0 || s.Intf == intf) && (s.Class == "" || s.Class == class)
}

// ValidKind says how AttrValid restricts an integer attribute.
type ValidKind uint8

// Validation kinds.
const (
	// ValidType accepts every value the attribute's type can hold.
	ValidType ValidKind = iota
	// ValidRange accepts Min..Max (inclusive) and any value listed in Values.
	ValidRange
	// ValidSet accepts only the values listed in Values.
	ValidSet
	// ValidMask accepts any combination of the bits in Mask.
	ValidMask
)

// AttrValid is the rule a value must follow to be set (VISA answers
// VI_ERROR_NSUP_ATTR_STATE otherwise). It applies to integer attributes;
// booleans and strings only need the right type.
type AttrValid struct {
	Kind     ValidKind
	Min, Max int64
	Values   []int64
	Mask     uint64
}

// Allows reports whether the integer v follows the rule. v is the value
// after conversion to the attribute's Go type, widened to int64 (uint64
// attributes are always ValidType, so nothing is lost).
func (r AttrValid) Allows(v int64) bool {
	switch r.Kind {
	case ValidRange:
		if v >= r.Min && v <= r.Max {
			return true
		}
		return r.inValues(v)
	case ValidSet:
		return r.inValues(v)
	case ValidMask:
		return v >= 0 && uint64(v)&^r.Mask == 0
	}
	return true
}

func (r AttrValid) inValues(v int64) bool {
	for _, x := range r.Values {
		if x == v {
			return true
		}
	}
	return false
}

// String describes the rule for error messages ("5..8", "one of [10 15 20]").
func (r AttrValid) String() string {
	switch r.Kind {
	case ValidRange:
		if len(r.Values) > 0 {
			return fmt.Sprintf("%d..%d or one of %v", r.Min, r.Max, r.Values)
		}
		return fmt.Sprintf("%d..%d", r.Min, r.Max)
	case ValidSet:
		return fmt.Sprintf("one of %v", r.Values)
	case ValidMask:
		return fmt.Sprintf("a combination of the bits 0x%X", r.Mask)
	}
	return "any value of the type"
}

// AttrInfo describes one VISA attribute.
type AttrInfo struct {
	ID   Attr
	Name string // the VISA name, "VI_ATTR_TMO_VALUE"
	Type AttrType
	// Default is the VISA default in the attribute's Go type, or nil when
	// VISA defines none because the value describes the resource (its name,
	// address, vendor id, …): the backend reports it with SetInternal and
	// the store starts from the type's zero value. Some defaults depend on
	// the resource kind: use DefaultAttr.
	Default  any
	ReadOnly bool
	// Local is true for attributes that belong to one session; false for
	// global ones that describe the resource and are shared by every
	// session to it.
	Local bool
	// Scope lists the resource kinds the attribute applies to; empty for
	// event attributes.
	Scope []AttrScope
	// Events lists the event types carrying the attribute (event
	// attributes only).
	Events []EventType
	Valid  AttrValid
	Doc    string
}

// Applies reports whether the attribute exists on sessions of the given
// interface type and resource class.
func (a AttrInfo) Applies(intf InterfaceType, class ResourceClass) bool {
	for _, s := range a.Scope {
		if s.matches(intf, class) {
			return true
		}
	}
	return false
}

// ReadOnlyIn reports whether sessions of the given resource class may not
// set the attribute. It is ReadOnly except where VISA's access depends on
// the class: VI_ATTR_GPIB_PRIMARY_ADDR and VI_ATTR_GPIB_SECONDARY_ADDR
// name the device on an INSTR session (read-only) and set the board's own
// address on an INTFC session.
func (a AttrInfo) ReadOnlyIn(class ResourceClass) bool {
	return a.ReadOnly || readOnlyIn(a.ID, class)
}

// IsEvent reports whether the attribute belongs to events rather than to
// sessions.
func (a AttrInfo) IsEvent() bool { return len(a.Events) > 0 }
