package visa

import (
	"net/netip"
	"strings"
	"unicode"
)

// rnameKeyword is one interface keyword of the grammar. Longer keywords
// come first so that "GPIB-VXI0" is never read as GPIB board "-VXI0"
// (a PyVISA mistake) and "PRLGX-TCPIP" wins over nothing shorter.
type rnameKeyword struct {
	word    string
	intf    InterfaceType
	classes []ResourceClass // allowed classes; the first is the default when hasDef
	hasDef  bool
}

var rnameKeywords = []rnameKeyword{
	{"PRLGX-TCPIP", VI_INTF_PRLGX, []ResourceClass{ClassINTFC}, true},
	{"PRLGX-ASRL", VI_INTF_PRLGX, []ResourceClass{ClassINTFC}, true},
	{"GPIB-VXI", VI_INTF_GPIB_VXI, []ResourceClass{ClassINSTR, ClassMEMACC, ClassBACKPLANE}, true},
	{"GPIB", VI_INTF_GPIB, []ResourceClass{ClassINSTR, ClassINTFC, ClassSERVANT}, true},
	{"TCPIP", VI_INTF_TCPIP, []ResourceClass{ClassINSTR, ClassSOCKET}, true},
	{"ASRL", VI_INTF_ASRL, []ResourceClass{ClassINSTR}, true},
	{"USB", VI_INTF_USB, []ResourceClass{ClassINSTR, ClassRAW}, true},
	{"VXI", VI_INTF_VXI, []ResourceClass{ClassINSTR, ClassMEMACC, ClassBACKPLANE, ClassSERVANT}, true},
	{"PXI", VI_INTF_PXI, []ResourceClass{ClassINSTR, ClassBACKPLANE, ClassMEMACC}, true},
	{"VICP", VI_INTF_VICP, []ResourceClass{ClassINSTR}, true},
}

var rnAllClasses = []ResourceClass{ClassINSTR, ClassINTFC, ClassSOCKET, ClassRAW, ClassSERVANT, ClassMEMACC, ClassBACKPLANE}

// parseLocal parses a resource without the visa:// prefix.
func parseLocal(orig, s string, remote bool) (ResourceName, error) {
	parts, perr := splitParts(orig, s)
	if perr != nil {
		return ResourceName{}, perr
	}
	p := &rnameParser{input: orig, parts: parts, remote: remote}
	var kw *rnameKeyword
	for i := range rnameKeywords {
		if rnHasPrefixFold(parts[0], rnameKeywords[i].word) {
			kw = &rnameKeywords[i]
			break
		}
	}
	if kw == nil {
		return ResourceName{}, p.errPart(0, "unknown interface keyword (expected GPIB, GPIB-VXI, ASRL, TCPIP, USB, VXI, PXI, VICP, PRLGX-TCPIP or PRLGX-ASRL)")
	}
	r := ResourceName{
		Interface:      kw.intf,
		PrimaryAddr:    -1,
		SecondaryAddr:  -1,
		USBInterface:   -1,
		LogicalAddress: -1,
		PXIBus:         -1,
		PXIDevice:      -1,
		PXIFunction:    -1,
		PXIChassis:     -1,
		PXISlot:        -1,
	}
	boardText := parts[0][len(kw.word):]

	// The last part is the class only if it names one; a class of another
	// interface is an error rather than, say, a GPIB address "RAW".
	body := parts[1:]
	last := parts[len(parts)-1]
	classGiven := false
	if len(parts) > 1 {
		for _, c := range rnAllClasses {
			if strings.EqualFold(last, string(c)) {
				if !rnClassAllowed(kw, c) {
					return ResourceName{}, p.errPart(len(parts)-1, "resource class %s is not valid for %s (valid: %s)", c, kw.word, rnClassList(kw.classes))
				}
				r.Class, classGiven = c, true
				body = parts[1 : len(parts)-1]
				break
			}
		}
	}
	if !classGiven {
		r.Class = kw.classes[0]
	}

	// The board number; ASRL and PXI use the text differently.
	switch kw.word {
	case "ASRL", "PRLGX-ASRL":
		if kw.word == "PRLGX-ASRL" {
			if err := p.board(&r, boardText); err != nil {
				return ResourceName{}, err
			}
		}
	case "VICP":
		if boardText != "" {
			return ResourceName{}, p.errPart(0, "VICP names take no board number")
		}
	case "PXI":
		// Parsed by parsePXI: in the first PXI form it is the bus number.
	default:
		if err := p.board(&r, boardText); err != nil {
			return ResourceName{}, err
		}
	}

	var err *Error // a typed nil must not reach the error interface
	switch kw.word {
	case "GPIB":
		err = p.parseGPIB(&r, body)
	case "GPIB-VXI", "VXI":
		err = p.parseVXI(&r, kw.word, body)
	case "ASRL":
		err = p.parseASRL(&r, boardText, body)
	case "TCPIP":
		err = p.parseTCPIP(&r, body, classGiven)
	case "USB":
		err = p.parseUSB(&r, body)
	case "PXI":
		err = p.parsePXI(&r, boardText, body)
	case "VICP":
		err = p.expectParts(&r, body, 1, 1, "VICP INSTR needs a host: VICP::host[::INSTR]")
		if err == nil {
			r.Host, err = p.host(1, body[0])
		}
	case "PRLGX-TCPIP":
		err = p.parsePrologixTCPIP(&r, body)
	case "PRLGX-ASRL":
		err = p.expectParts(&r, body, 1, 1, "PRLGX-ASRL needs the serial device: PRLGX-ASRL[board]::device::INTFC")
		if err == nil {
			r.ASRLDevice = body[0]
		}
	}
	if err != nil {
		return ResourceName{}, err
	}
	return r, nil
}

func rnClassAllowed(kw *rnameKeyword, c ResourceClass) bool {
	for _, a := range kw.classes {
		if a == c {
			return true
		}
	}
	return false
}

func rnClassList(cs []ResourceClass) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// board parses the board number written after the keyword (default 0).
func (p *rnameParser) board(r *ResourceName, text string) *Error {
	if text == "" {
		return nil
	}
	n, ok := rnParseDecimal(text, 65535)
	if !ok {
		if rnIsDigits(text) {
			return p.errPart(0, "board number %s out of range 0-65535", text)
		}
		return p.errPart(0, "board number %q is not a decimal number", text)
	}
	r.Board = n
	return nil
}

// expectParts checks the number of address parts between keyword and class.
func (p *rnameParser) expectParts(r *ResourceName, body []string, min, max int, usage string) *Error {
	if len(body) < min {
		return rnError(p.input, "%s class %s: missing address part (%s)", r.Interface, r.Class, usage)
	}
	if len(body) > max {
		return p.errPart(1+max, "unexpected extra part for %s %s (%s)", r.Interface, r.Class, usage)
	}
	return nil
}

// number parses part i as a decimal in [lo, hi].
func (p *rnameParser) number(i int, s, what string, lo, hi int) (int, *Error) {
	n, ok := rnParseDecimal(s, hi)
	if !ok {
		if rnIsDigits(s) {
			return 0, p.errPart(i, "%s %s out of range %d-%d", what, s, lo, hi)
		}
		return 0, p.errPart(i, "%s %q is not a decimal number", what, s)
	}
	if n < lo {
		return 0, p.errPart(i, "%s %d out of range %d-%d", what, n, lo, hi)
	}
	return n, nil
}

func (p *rnameParser) parseGPIB(r *ResourceName, body []string) *Error {
	if r.Class != ClassINSTR {
		return p.expectParts(r, body, 0, 0, "GPIB[board]::"+string(r.Class))
	}
	if err := p.expectParts(r, body, 1, 2, "GPIB[board]::primary address[::secondary address][::INSTR]"); err != nil {
		return err
	}
	var err *Error
	if r.PrimaryAddr, err = p.number(1, body[0], "GPIB primary address", 0, 30); err != nil {
		return err
	}
	if len(body) == 2 {
		if r.SecondaryAddr, err = p.number(2, body[1], "GPIB secondary address", 0, 30); err != nil {
			return err
		}
	}
	return nil
}

func (p *rnameParser) parseVXI(r *ResourceName, word string, body []string) *Error {
	var err *Error
	switch r.Class {
	case ClassINSTR:
		if err = p.expectParts(r, body, 1, 1, word+"[board]::logical address[::INSTR]"); err != nil {
			return err
		}
		r.LogicalAddress, err = p.number(1, body[0], "VXI logical address", 0, 255)
	case ClassBACKPLANE:
		if err = p.expectParts(r, body, 0, 1, word+"[board][::logical address]::BACKPLANE"); err != nil {
			return err
		}
		r.LogicalAddress = 0
		if len(body) == 1 {
			r.LogicalAddress, err = p.number(1, body[0], "VXI logical address", 0, 255)
		}
	default:
		err = p.expectParts(r, body, 0, 0, word+"[board]::"+string(r.Class))
	}
	return err
}

func (p *rnameParser) parseASRL(r *ResourceName, dev string, body []string) *Error {
	switch {
	case dev == "":
		r.ASRLDevice = "0"
	case rnIsDigits(dev):
		n, ok := rnParseDecimal(dev, 65535)
		if !ok {
			return p.errPart(0, "serial port number %s out of range 0-65535", dev)
		}
		r.Board, r.ASRLDevice = n, rnItoa(n)
	default:
		r.ASRLDevice = dev
	}
	switch len(body) {
	case 0:
		return nil
	case 2: // NI ENET-serial: ASRL[board]::host::port::INSTR
		var err *Error
		if r.Host, err = p.host(1, body[0]); err != nil {
			return err
		}
		if r.Port, err = p.number(2, body[1], "ENET-serial port", 1, 65535); err != nil {
			return err
		}
		r.PortGiven = true
		return nil
	default:
		return p.errPart(1, "unexpected part for ASRL (ASRL[board]::INSTR or ASRL[board]::host::port::INSTR)")
	}
}

func (p *rnameParser) parseTCPIP(r *ResourceName, body []string, classGiven bool) *Error {
	var err *Error
	if r.Class == ClassSOCKET {
		if err = p.expectParts(r, body, 2, 2, "TCPIP[board]::host::port::SOCKET"); err != nil {
			return err
		}
		if strings.Contains(rnAfterBrackets(body[0]), ",") {
			return p.errPart(1, "a SOCKET host cannot carry \",port\"; the port is its own part")
		}
		if r.Host, err = p.host(1, body[0]); err != nil {
			return err
		}
		if r.Port, err = p.number(2, body[1], "socket port", 1, 65535); err != nil {
			return err
		}
		r.PortGiven = true
		return nil
	}
	if err = p.expectParts(r, body, 1, 2, "TCPIP[board]::host[::LAN device name][::INSTR]"); err != nil {
		return err
	}
	hostPart := body[0]
	hostPort := ""
	if i := strings.LastIndexByte(hostPart, ','); i >= 0 && !strings.Contains(hostPart[i:], "]") {
		hostPart, hostPort = body[0][:i], body[0][i+1:]
	}
	if r.Host, err = p.host(1, hostPart); err != nil {
		return err
	}
	r.LANDevice = "inst0"
	if len(body) == 2 {
		r.LANDevice = body[1]
	}
	dev := r.LANDevice
	lower := strings.ToLower(dev)
	switch {
	case strings.HasPrefix(lower, "hislip"):
		r.HiSLIP = true
		r.Port = DefaultHiSLIPPort
		name, port, hasPort := strings.Cut(dev, ",")
		if !rnIsWord(name[len("hislip"):]) {
			return p.errPart(2, "HiSLIP device name must be hislip followed by letters or digits, e.g. hislip0[,4880]")
		}
		r.LANDevice = name
		if hasPort {
			if r.Port, err = p.number(2, port, "HiSLIP port", 1, 65535); err != nil {
				return err
			}
			r.PortGiven = true
		}
		if hostPort != "" {
			return p.errPart(1, "\"host,port\" selects the VXI-11 core port; a HiSLIP port goes in the device name (hislip0,%s)", hostPort)
		}
		return nil
	case rnIsDigits(dev) && rnIsHex(hostPart):
		return p.errPart(2, "LAN device name is a number; an IPv6 host must be written in brackets, e.g. [fe80::1]")
	case rnIsDigits(dev) && !classGiven:
		return p.errPart(2, "LAN device name is a number; a raw TCP socket is TCPIP[board]::host::%s::SOCKET", dev)
	case rnIsDigits(dev):
		return p.errPart(2, "LAN device name is a number; did you mean ::SOCKET?")
	}
	if err = p.lanDevice(r, 2, dev); err != nil {
		return err
	}
	if hostPort != "" {
		// pyvisa-py extension: "host,port" gives the VXI-11 core port and
		// skips the portmapper. Kept apart from the host (PyVISA keeps
		// "host,port" as the host name, which then fails to resolve).
		if r.Port, err = p.number(1, hostPort, "VXI-11 core port", 1, 65535); err != nil {
			return err
		}
		r.PortGiven = true
	}
	return nil
}

// lanDevice validates a VXI-11 device name and decodes the LAN/GPIB gateway
// form gpibN,pad[,sad] (VXI-11.2).
func (p *rnameParser) lanDevice(r *ResourceName, i int, dev string) *Error {
	lower := strings.ToLower(dev)
	if strings.HasPrefix(lower, "gpib") && strings.Contains(dev, ",") {
		fields := strings.Split(dev, ",")
		if !rnIsDigits(fields[0][4:]) || len(fields) > 3 {
			return p.errPart(i, "gateway device name must be gpibN,pad[,sad]")
		}
		var err *Error
		if r.PrimaryAddr, err = p.number(i, fields[1], "gateway GPIB primary address", 0, 30); err != nil {
			return err
		}
		if len(fields) == 3 {
			if r.SecondaryAddr, err = p.number(i, fields[2], "gateway GPIB secondary address", 0, 30); err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range dev {
		if !(unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("_-.,[]:", c)) {
			return p.errPart(i, "character %q is not allowed in a LAN device name", c)
		}
	}
	return nil
}

func (p *rnameParser) parseUSB(r *ResourceName, body []string) *Error {
	usage := "USB[board]::manufacturer ID::model code::serial number[::interface][::" + string(r.Class) + "]"
	if err := p.expectParts(r, body, 3, 4, usage); err != nil {
		return err
	}
	var err *Error
	if r.ManufacturerID, err = p.usbID(1, body[0], "USB manufacturer ID"); err != nil {
		return err
	}
	if r.ModelCode, err = p.usbID(2, body[1], "USB model code"); err != nil {
		return err
	}
	r.ManufacturerIDText, r.ModelCodeText = body[0], body[1]
	r.SerialNumber = body[2]
	if len(body) == 4 {
		if r.USBInterface, err = p.number(4, body[3], "USB interface number", 0, 255); err != nil {
			return err
		}
	}
	return nil
}

// usbID parses a decimal or 0x-hex 16-bit id.
func (p *rnameParser) usbID(i int, s, what string) (uint16, *Error) {
	if rnHasPrefixFold(s, "0x") {
		h := s[2:]
		if h == "" || len(h) > 8 {
			return 0, p.errPart(i, "%s %q is not a 16-bit number", what, s)
		}
		var v uint32
		for j := 0; j < len(h); j++ {
			d := rnUnhex(h[j])
			if d < 0 {
				return 0, p.errPart(i, "%s %q is not a hex number", what, s)
			}
			v = v<<4 | uint32(d)
		}
		if v > 0xFFFF {
			return 0, p.errPart(i, "%s %s out of range 0-0xFFFF", what, s)
		}
		return uint16(v), nil
	}
	n, err := p.number(i, s, what+" (decimal or 0x hex)", 0, 0xFFFF)
	return uint16(n), err
}

func rnUnhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (p *rnameParser) parsePrologixTCPIP(r *ResourceName, body []string) *Error {
	if err := p.expectParts(r, body, 1, 2, "PRLGX-TCPIP[board]::host[::port]::INTFC"); err != nil {
		return err
	}
	var err *Error
	if r.Host, err = p.host(1, body[0]); err != nil {
		return err
	}
	r.Port, r.PortGiven = DefaultPrologixPort, true
	if len(body) == 2 {
		r.Port, err = p.number(2, body[1], "Prologix port", 1, 65535)
	}
	return err
}

// host validates the host part i: a bracketed IPv6 literal (zone allowed)
// or a name/IPv4 literal. It returns the host without brackets.
func (p *rnameParser) host(i int, s string) (string, *Error) {
	h, msg := rnCheckHost(s)
	if msg != "" {
		return "", p.errPart(i, "host %s", msg)
	}
	return h, nil
}

func rnCheckHost(s string) (string, string) {
	if s == "" {
		return "", "is empty"
	}
	if s[0] == '[' {
		if len(s) < 2 || s[len(s)-1] != ']' {
			return "", "has text after the closing ']'"
		}
		in := s[1 : len(s)-1]
		a, err := netip.ParseAddr(in)
		if err != nil || !a.Is6() {
			return "", "in brackets is not an IPv6 address"
		}
		return in, ""
	}
	for _, c := range s {
		switch {
		case c == ':':
			return "", "contains ':' (write IPv6 literals in brackets, e.g. [fe80::1], and ports as their own part)"
		case unicode.IsLetter(c) || unicode.IsDigit(c) || c == '-' || c == '.' || c == '_':
		default:
			return "", "contains the character " + rnQuoteRune(c)
		}
	}
	return s, ""
}

func rnQuoteRune(c rune) string { return "'" + string(c) + "'" }

// rnAfterBrackets returns s without a leading bracketed section.
func rnAfterBrackets(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i >= 0 {
			return s[i+1:]
		}
	}
	return s
}

// rnIsWord reports whether s holds only ASCII letters and digits (or is empty).
func rnIsWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// rnIsHex reports whether s is a non-empty run of hex digits (an IPv6
// group left over when an unbracketed IPv6 literal was split at "::").
func rnIsHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if rnUnhex(s[i]) < 0 {
			return false
		}
	}
	return true
}
