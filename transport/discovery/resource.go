package discovery

import (
	"net/netip"
	"strconv"
	"strings"
)

// hostPart formats an address for a VISA resource name: IPv6 in brackets
// (fact sheet §8.2), keeping a zone for link-local addresses.
func hostPart(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}

// resourceFor builds the resource name and protocol of a service instance
// of type svc at addr:port with TXT strings txt. ok is false for service
// types that map to no VISA resource.
func resourceFor(svc string, addr netip.Addr, port int, txt []string) (res, proto string, ok bool) {
	h := hostPart(addr)
	switch strings.ToLower(svc) {
	case ServiceHiSLIP:
		return "TCPIP::" + h + "::" + hislipSubAddress(txt) + "," + strconv.Itoa(port) + "::INSTR", ProtoHiSLIP, true
	case ServiceVXI11, ServiceLXI:
		return "TCPIP::" + h + "::inst0::INSTR", ProtoVXI11, true
	case ServiceSCPIRaw:
		return "TCPIP::" + h + "::" + strconv.Itoa(port) + "::SOCKET", ProtoSocket, true
	}
	return "", "", false
}

// TXTSubAddress is the TXT key under which Announce publishes a HiSLIP
// sub-address and under which the browser looks for one. No specification
// text naming such a key was found; "SubAddress" is our choice, matched
// case-insensitively as RFC 6763 §6.4 requires for keys.
const TXTSubAddress = "SubAddress"

// hislipSubAddress returns the HiSLIP sub-address from TXT strings
// ("SubAddress=hislip1" or "SubAddress=1"), or hislip0.
func hislipSubAddress(txt []string) string {
	for _, kv := range txt {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.EqualFold(k, TXTSubAddress) {
			continue
		}
		v = strings.ToLower(strings.TrimSpace(v))
		n := strings.TrimPrefix(v, "hislip")
		if _, err := strconv.ParseUint(n, 10, 16); err == nil && n != "" {
			return "hislip" + n
		}
	}
	return "hislip0"
}
