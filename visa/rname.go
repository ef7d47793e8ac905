package visa

import (
	"fmt"
	"strconv"
	"strings"
)

// ResourceName is a parsed VISA resource string (VPP-4.3 §4.3.1, fact sheet
// §8). ParseResourceName fills every default, so two names that denote the
// same resource parse to the same value (except Original and the one
// USBInterface case documented on that field). ResourceName holds no
// pointers and can be compared with ==.
//
// Fields that do not apply to the name's interface hold their "absent"
// value: -1 for addresses and numbers, "" for strings, 0 for Port.
type ResourceName struct {
	// Original is the text that was parsed, as given.
	Original string

	// Interface is the interface type. PRLGX-TCPIP and PRLGX-ASRL are both
	// VI_INTF_PRLGX (Host tells them apart; see Keyword).
	Interface InterfaceType
	// Board is the interface (board) number; 0 by default. For ASRL it is
	// the port number when the device part is a decimal number, else 0.
	// VICP names have no board and report 0.
	Board int
	// Class is the resource class, upper case (INSTR, INTFC, SOCKET, ...).
	Class ResourceClass

	// Host is the host of a TCPIP, VICP, PRLGX-TCPIP or ENET-serial ASRL
	// name as written, without the square brackets of an IPv6 literal.
	Host string
	// Port is the TCP port: the SOCKET port; for HiSLIP the port of
	// "hislipN,port" or 4880; for VXI-11 the core port of the pyvisa-py
	// "host,port" extension (which bypasses the portmapper) or 0; for
	// PRLGX-TCPIP the given port or 1234; for ENET-serial ASRL the port.
	// 0 otherwise.
	Port int
	// PortGiven reports that the port is part of the canonical name. It is
	// always true for SOCKET, PRLGX-TCPIP and ENET-serial ASRL; for HiSLIP
	// and VXI-11 it is true only when the name spelled the port.
	PortGiven bool
	// LANDevice is the LAN device name of a TCPIP INSTR name, as written
	// ("inst0" by default). For HiSLIP it excludes the ",port" suffix
	// ("hislip0"). VXI-11 names other than the gateway forms are passed to
	// create_link verbatim.
	LANDevice string
	// HiSLIP reports that the LAN device name starts with "hislip" (any
	// case): the session speaks HiSLIP rather than VXI-11.
	HiSLIP bool

	// PrimaryAddr is the GPIB primary address (0-30) of a GPIB INSTR name
	// or of a VXI-11 gateway device name "gpibN,pad[,sad]"; -1 otherwise.
	PrimaryAddr int
	// SecondaryAddr is the GPIB secondary address (0-30), -1 for none.
	SecondaryAddr int

	// ManufacturerID and ModelCode are the USB vendor and product ids.
	ManufacturerID uint16
	ModelCode      uint16
	// ManufacturerIDText and ModelCodeText keep the spelling of the ids
	// ("0x0957" or "2391") for the canonical form, as VISA does.
	ManufacturerIDText string
	ModelCodeText      string
	// SerialNumber is the USB serial number, as written (compared as text).
	SerialNumber string
	// USBInterface is the USB interface number, -1 when the name does not
	// give one (VISA then uses the lowest-numbered USBTMC interface). The
	// canonical form prints 0 for -1, as PyVISA and NI-VISA do, so
	// "USB::1::2::SN::INSTR" and "USB::1::2::SN::0::INSTR" have the same
	// String() and are Equal although their USBInterface fields differ.
	USBInterface int

	// ASRLDevice is the serial port part of an ASRL or PRLGX-ASRL name:
	// "1", "/dev/ttyUSB0", "COM3". A decimal number is stored without
	// leading zeros; anything else as written.
	ASRLDevice string

	// LogicalAddress is the VXI logical address (0-255) of VXI and GPIB-VXI
	// INSTR and BACKPLANE names (BACKPLANE defaults to 0); -1 otherwise.
	LogicalAddress int

	// PXIForm tells which of the three PXI INSTR spellings was used;
	// PXINone for other names.
	PXIForm PXIForm
	// PXIBus, PXIDevice, PXIFunction address a PXI INSTR by PCI location;
	// PXIChassis and PXISlot by chassis and slot (PXIChassis also names the
	// chassis of PXI BACKPLANE). PXIFunction defaults to 0 for PXI INSTR.
	// Each is -1 when it does not apply.
	PXIBus      int
	PXIDevice   int
	PXIFunction int
	PXIChassis  int
	PXISlot     int

	// Remote is set for NI remote resources "visa://host[:port]/RESOURCE";
	// the other fields then describe RESOURCE on that server.
	Remote RemoteSpec
}

// RemoteSpec is the server part of a "visa://host[:port]/RESOURCE" name
// (NI Remote VISA). The zero value means a local resource.
type RemoteSpec struct {
	// Host is the server host, without IPv6 brackets; "" for local names.
	Host string
	// Port is the server port: as written, or DefaultRemoteVISAPort.
	Port int
	// PortGiven reports that the name spelled the port.
	PortGiven bool
}

// IsRemote reports whether the name is a "visa://" remote resource.
func (r ResourceName) IsRemote() bool { return r.Remote.Host != "" }

// PXIForm is the spelling of a PXI INSTR resource name.
type PXIForm uint8

// PXI INSTR spellings (NI-VISA).
const (
	PXINone         PXIForm = iota // not a PXI INSTR name
	PXIBusDevice                   // PXI[bus]::device[::function][::INSTR]
	PXIBusDeviceDot                // PXI[interface]::bus-device[.function][::INSTR]
	PXIChassisSlot                 // PXI[interface]::CHASSISn::SLOTm[::FUNCf][::INSTR]
)

// Default ports filled in by ParseResourceName.
const (
	DefaultHiSLIPPort     = 4880 // IANA port of HiSLIP
	DefaultPrologixPort   = 1234 // Prologix GPIB-ETHERNET
	DefaultRemoteVISAPort = 3537 // NI Remote VISA server
)

// maxResourceNameLen bounds the input so that error messages and the work
// done stay small; VISA's own buffers (VI_FIND_BUFLEN) hold 256 bytes, this
// leaves room for long serial-port paths.
const maxResourceNameLen = 1024

// ResourceInfo is what viParseRsrcEx reports about a resource name.
type ResourceInfo struct {
	InterfaceType  InterfaceType
	InterfaceBoard int
	ResourceClass  ResourceClass
	ResourceName   string // the canonical (expanded) name
	Alias          string // the alias of the resource in the alias table, or ""
}

// Info returns viParseRsrcEx's answer for r.
func (r ResourceName) Info() ResourceInfo {
	return ResourceInfo{
		InterfaceType:  r.Interface,
		InterfaceBoard: r.Board,
		ResourceClass:  r.Class,
		ResourceName:   r.String(),
	}
}

// Equal reports whether r and o name the same resource, that is whether
// their canonical forms are identical. It ignores Original.
func (r ResourceName) Equal(o ResourceName) bool { return r.String() == o.String() }

// rnameParser carries the parts of one name and formats errors that say
// which part is wrong.
type rnameParser struct {
	input  string   // the whole input, for the error
	parts  []string // parts of the resource (after any visa:// prefix)
	remote bool     // parsing the resource inside visa://
}

// errf builds the VI_ERROR_INV_RSRC_NAME error for the whole input.
func rnError(input, format string, args ...any) *Error {
	in := input
	if len(in) > 80 {
		in = in[:77] + "..."
	}
	return &Error{
		Status:   VI_ERROR_INV_RSRC_NAME,
		Op:       "viParseRsrc",
		Resource: strconv.Quote(in),
		Msg:      fmt.Sprintf(format, args...),
	}
}

// errPart reports a problem in part i (0-based) of the resource.
func (p *rnameParser) errPart(i int, format string, args ...any) *Error {
	where := fmt.Sprintf(" in part %d (%s)", i+1, rnQuotePart(p.parts[i]))
	if p.remote {
		where = fmt.Sprintf(" in part %d (%s) of the remote resource", i+1, rnQuotePart(p.parts[i]))
	}
	return rnError(p.input, format+where, args...)
}

func rnQuotePart(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return strconv.Quote(s)
}

// ParseResourceName parses a VISA resource string: GPIB INSTR/INTFC/SERVANT,
// GPIB-VXI, ASRL, TCPIP INSTR (VXI-11, gateways, HiSLIP) and SOCKET, USB
// INSTR/RAW, VXI INSTR/MEMACC/BACKPLANE/SERVANT, PXI, VICP, the pyvisa-py
// PRLGX-TCPIP/PRLGX-ASRL INTFC names, and NI's "visa://host[:port]/RESOURCE".
//
// Keywords and classes match case-insensitively; hosts, serial numbers and
// device names keep their spelling. Surrounding white space is ignored.
// Parts are separated by "::", except inside square brackets, so IPv6
// literals ("TCPIP0::[fe80::1]::hislip0::INSTR") and gateway names such as
// "usb0[2391::1031::SN::0]" stay whole.
//
// An invalid name gives an *Error with VI_ERROR_INV_RSRC_NAME whose message
// says what is wrong and in which part.
func ParseResourceName(s string) (ResourceName, error) {
	orig := s
	if len(s) > maxResourceNameLen {
		return ResourceName{}, rnError(orig, "name is %d bytes long, the limit is %d", len(s), maxResourceNameLen)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return ResourceName{}, rnError(orig, "empty resource name")
	}
	for i, c := range s {
		if c < 0x20 || c == 0x7f || c == ' ' || c == '\t' || c == 0xFFFD {
			return ResourceName{}, rnError(orig, "character %q at offset %d is not allowed in a resource name", c, i)
		}
	}
	var r ResourceName
	var err error
	if rnHasPrefixFold(s, "visa://") {
		r, err = parseRemote(orig, s)
	} else {
		r, err = parseLocal(orig, s, false)
	}
	if err != nil {
		return ResourceName{}, err
	}
	r.Original = orig
	return r, nil
}

// parseRemote handles "visa://host[:port]/RESOURCE".
func parseRemote(orig, s string) (ResourceName, error) {
	rest := s[len("visa://"):]
	slash := -1
	var hostPort string
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return ResourceName{}, rnError(orig, "unclosed '[' in the visa:// host")
		}
		slash = strings.IndexByte(rest[end:], '/')
		if slash >= 0 {
			slash += end
		}
	} else {
		slash = strings.IndexByte(rest, '/')
	}
	if slash < 0 {
		return ResourceName{}, rnError(orig, "visa:// name lacks the '/' before the resource")
	}
	hostPort, inner := rest[:slash], rest[slash+1:]
	var spec RemoteSpec
	host := hostPort
	if strings.HasPrefix(hostPort, "[") {
		end := strings.IndexByte(hostPort, ']')
		host = hostPort[:end+1]
		after := hostPort[end+1:]
		if after != "" {
			if after[0] != ':' {
				return ResourceName{}, rnError(orig, "unexpected %q after the bracketed visa:// host", after)
			}
			hostPort = host + after
		}
	} else if i := strings.LastIndexByte(hostPort, ':'); i >= 0 {
		host = hostPort[:i]
	}
	if port := strings.TrimPrefix(hostPort[len(host):], ":"); len(hostPort) > len(host) {
		n, ok := rnParseDecimal(port, 65535)
		if !ok || n == 0 {
			return ResourceName{}, rnError(orig, "visa:// port %q is not a number in 1-65535", port)
		}
		spec.Port, spec.PortGiven = n, true
	} else {
		spec.Port = DefaultRemoteVISAPort
	}
	h, msg := rnCheckHost(host)
	if msg != "" {
		return ResourceName{}, rnError(orig, "visa:// host %s: %s", rnQuotePart(host), msg)
	}
	spec.Host = h
	if inner == "" {
		return ResourceName{}, rnError(orig, "visa:// name lacks the resource after '/'")
	}
	if rnHasPrefixFold(inner, "visa://") {
		return ResourceName{}, rnError(orig, "a visa:// resource cannot contain another visa:// name")
	}
	r, err := parseLocal(orig, inner, true)
	if err != nil {
		return ResourceName{}, err
	}
	r.Remote = spec
	return r, nil
}

// splitParts splits s at "::" outside square brackets.
func splitParts(orig, s string) ([]string, *Error) {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			if depth == 0 {
				return nil, rnError(orig, "']' at offset %d has no matching '['", i)
			}
			depth--
		case ':':
			if depth == 0 && i+1 < len(s) && s[i+1] == ':' {
				parts = append(parts, s[start:i])
				i++
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, rnError(orig, "unclosed '[' in the resource name")
	}
	parts = append(parts, s[start:])
	for i, p := range parts {
		if p == "" {
			return nil, rnError(orig, "part %d is empty (stray \"::\")", i+1)
		}
		if p[0] == ':' || p[len(p)-1] == ':' {
			return nil, rnError(orig, "part %d (%s) has a stray ':' next to a \"::\" separator", i+1, rnQuotePart(p))
		}
	}
	return parts, nil
}

func rnHasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// rnParseDecimal parses a non-empty run of ASCII digits no larger than max.
// ok is false when s is not such a run or the value exceeds max.
func rnParseDecimal(s string, max int) (n int, ok bool) {
	if !rnIsDigits(s) {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		v = v*10 + uint64(s[i]-'0')
		if v > uint64(max) {
			return max, false
		}
	}
	return int(v), true
}

// rnIsDigits reports whether s is a non-empty run of ASCII digits.
func rnIsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
