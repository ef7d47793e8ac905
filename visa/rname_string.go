package visa

import (
	"strconv"
	"strings"
)

func rnItoa(n int) string { return strconv.Itoa(n) }

// Keyword returns the interface keyword used in the canonical form:
// Interface.String(), except for Prologix names, which are "PRLGX-TCPIP"
// when there is a host and "PRLGX-ASRL" otherwise.
func (r ResourceName) Keyword() string {
	if r.Interface == VI_INTF_PRLGX {
		if r.Host != "" {
			return "PRLGX-TCPIP"
		}
		return "PRLGX-ASRL"
	}
	return r.Interface.String()
}

// rnHostText writes a host for a resource name, bracketing IPv6 literals.
func rnHostText(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// String returns the canonical resource name: keyword with board number,
// every default filled in, keywords and class in upper case, host, device
// and serial text as written. For example "tcpip::1.2.3.4::instr" gives
// "TCPIP0::1.2.3.4::inst0::INSTR" and "GPIB::5" gives "GPIB0::5::INSTR".
// Parsing String() again gives the same resource.
func (r ResourceName) String() string {
	var b strings.Builder
	if r.IsRemote() {
		b.WriteString("visa://")
		b.WriteString(rnHostText(r.Remote.Host))
		if r.Remote.PortGiven {
			b.WriteByte(':')
			b.WriteString(rnItoa(r.Remote.Port))
		}
		b.WriteByte('/')
	}
	kw := r.Keyword()
	sep := func(s string) {
		b.WriteString("::")
		b.WriteString(s)
	}
	switch r.Interface {
	case VI_INTF_VICP:
		b.WriteString(kw)
	case VI_INTF_ASRL:
		b.WriteString(kw + r.ASRLDevice)
	case VI_INTF_PXI:
		b.WriteString(kw)
		if r.PXIForm == PXIBusDevice {
			b.WriteString(rnItoa(r.PXIBus))
		} else {
			b.WriteString(rnItoa(r.Board))
		}
	default:
		b.WriteString(kw + rnItoa(r.Board))
	}
	switch r.Interface {
	case VI_INTF_GPIB:
		if r.Class == ClassINSTR {
			sep(rnItoa(r.PrimaryAddr))
			if r.SecondaryAddr >= 0 {
				sep(rnItoa(r.SecondaryAddr))
			}
		}
	case VI_INTF_VXI, VI_INTF_GPIB_VXI:
		if r.Class == ClassINSTR || r.Class == ClassBACKPLANE {
			sep(rnItoa(r.LogicalAddress))
		}
	case VI_INTF_ASRL:
		if r.Host != "" {
			sep(rnHostText(r.Host))
			sep(rnItoa(r.Port))
		}
	case VI_INTF_TCPIP:
		sep(rnHostText(r.Host))
		switch {
		case r.Class == ClassSOCKET:
			sep(rnItoa(r.Port))
		case r.HiSLIP:
			sep(r.LANDevice)
			if r.PortGiven {
				b.WriteString("," + rnItoa(r.Port))
			}
		default:
			if r.PortGiven {
				b.WriteString("," + rnItoa(r.Port))
			}
			sep(r.LANDevice)
		}
	case VI_INTF_USB:
		sep(r.ManufacturerIDText)
		sep(r.ModelCodeText)
		sep(r.SerialNumber)
		sep(rnItoa(max(r.USBInterface, 0)))
	case VI_INTF_PXI:
		r.pxiString(sep)
	case VI_INTF_VICP:
		sep(rnHostText(r.Host))
	case VI_INTF_PRLGX:
		if r.Host != "" {
			sep(rnHostText(r.Host))
			sep(rnItoa(r.Port))
		} else {
			sep(r.ASRLDevice)
		}
	}
	sep(string(r.Class))
	return b.String()
}

func (r ResourceName) pxiString(sep func(string)) {
	switch {
	case r.Class == ClassBACKPLANE:
		sep(rnItoa(r.PXIChassis))
	case r.Class != ClassINSTR:
	case r.PXIForm == PXIBusDevice:
		sep(rnItoa(r.PXIDevice))
		if r.PXIFunction > 0 {
			sep(rnItoa(r.PXIFunction))
		}
	case r.PXIForm == PXIBusDeviceDot:
		s := rnItoa(r.PXIBus) + "-" + rnItoa(r.PXIDevice)
		if r.PXIFunction > 0 {
			s += "." + rnItoa(r.PXIFunction)
		}
		sep(s)
	case r.PXIForm == PXIChassisSlot:
		sep("CHASSIS" + rnItoa(r.PXIChassis))
		sep("SLOT" + rnItoa(r.PXISlot))
		if r.PXIFunction > 0 {
			sep("FUNC" + rnItoa(r.PXIFunction))
		}
	}
}
