package visa

import (
	"cmp"
	"slices"
	"strings"
)

// attrTable holds every attribute, sorted by id; attrIndex and attrByName
// index it. They are built once and never modified, so lookups need no lock.
var (
	attrTable  = buildAttrTable()
	attrIndex  = indexAttrs(attrTable)
	attrByName = nameAttrs(attrTable)
)

func buildAttrTable() []AttrInfo {
	t := make([]AttrInfo, 0, len(attrRows)+len(attrRowsReg)+30)
	t = append(t, attrRows...)
	t = append(t, attrRowsReg...)
	t = append(t, pxiBarRows()...)
	slices.SortFunc(t, func(a, b AttrInfo) int { return cmp.Compare(a.ID, b.ID) })
	return t
}

func indexAttrs(t []AttrInfo) map[Attr]int {
	m := make(map[Attr]int, len(t))
	for i, a := range t {
		m[a.ID] = i
	}
	return m
}

func nameAttrs(t []AttrInfo) map[string]int {
	m := make(map[string]int, len(t))
	for i, a := range t {
		m[a.Name] = i
	}
	return m
}

// LookupAttr returns the description of the attribute with the given id.
func LookupAttr(id Attr) (AttrInfo, bool) {
	i, ok := attrIndex[id]
	if !ok {
		return AttrInfo{}, false
	}
	return attrTable[i], true
}

// LookupAttrName finds an attribute by its VISA name, ignoring case and
// surrounding space, with or without the "VI_ATTR_" prefix: "TMO_VALUE",
// "vi_attr_tmo_value" and "VI_ATTR_TMO_VALUE" are the same attribute. The
// pointer-size aliases (VI_ATTR_USER_DATA, VI_ATTR_RET_COUNT, …) resolve to
// their 64-bit ids.
func LookupAttrName(name string) (AttrInfo, bool) {
	n := strings.ToUpper(strings.TrimSpace(name))
	if n == "" {
		return AttrInfo{}, false
	}
	if !strings.HasPrefix(n, "VI_ATTR_") {
		n = "VI_ATTR_" + n
	}
	if i, ok := attrByName[n]; ok {
		return attrTable[i], true
	}
	if id, ok := attrAliases[n]; ok {
		return LookupAttr(id)
	}
	return AttrInfo{}, false
}

// Attrs returns every known attribute, sorted by id. The slice is a copy;
// the Scope, Events and Valid.Values slices inside are shared and must not
// be modified.
func Attrs() []AttrInfo { return slices.Clone(attrTable) }

// DefaultAttr returns the initial value of attribute id on a session of the
// given interface type and resource class, in the attribute's Go type, and
// whether the attribute applies to that kind of session at all. Where the
// table has no default (values the backend reports, such as
// VI_ATTR_RSRC_NAME) the result is the zero value of the type, except for
// VI_ATTR_INTF_TYPE and VI_ATTR_RSRC_CLASS, which follow from the arguments.
func DefaultAttr(id Attr, intf InterfaceType, class ResourceClass) (any, bool) {
	i, ok := attrIndex[id]
	if !ok || !attrTable[i].Applies(intf, class) {
		return nil, false
	}
	return defaultFor(&attrTable[i], intf, class), true
}

func defaultFor(a *AttrInfo, intf InterfaceType, class ResourceClass) any {
	switch a.ID {
	case VI_ATTR_INTF_TYPE:
		return uint16(intf)
	case VI_ATTR_RSRC_CLASS:
		return string(class)
	case VI_ATTR_SUPPRESS_END_EN:
		// A raw socket has no END indicator: by default a read ends on the
		// termination character or the count (pyvisa-py does the same).
		return intf == VI_INTF_TCPIP && class == ClassSOCKET
	}
	if a.Default != nil {
		return a.Default
	}
	return a.Type.zero()
}

// ruleFor returns the validation rule of a on the given kind of session.
// Most attributes have one rule everywhere; a few allow fewer values on
// some interfaces.
func ruleFor(a *AttrInfo, intf InterfaceType, class ResourceClass) AttrValid {
	switch a.ID {
	case VI_ATTR_TRIG_ID:
		switch intf {
		case VI_INTF_VXI, VI_INTF_GPIB_VXI, VI_INTF_PXI:
			return a.Valid
		}
		// Only the software trigger exists on message-based interfaces.
		return vSet(int64(VI_TRIG_SW))
	case VI_ATTR_IO_PROT:
		n := int64(VI_PROT_NORMAL)
		switch {
		case intf == VI_INTF_GPIB:
			return vSet(n, int64(VI_PROT_HS488))
		case intf == VI_INTF_VXI || intf == VI_INTF_GPIB_VXI:
			return vSet(n, int64(VI_PROT_FDC))
		case intf == VI_INTF_ASRL || (intf == VI_INTF_TCPIP && class == ClassSOCKET):
			return vSet(n, int64(VI_PROT_4882_STRS))
		case intf == VI_INTF_USB && class == ClassINSTR:
			return vSet(n, int64(VI_PROT_USBTMC_VENDOR))
		}
		return vSet(n)
	}
	return a.Valid
}
