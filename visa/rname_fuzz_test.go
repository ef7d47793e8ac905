package visa

import (
	"errors"
	"testing"
)

// FuzzParseResourceName checks that parsing never panics, that every
// failure is a VI_ERROR_INV_RSRC_NAME *Error, and that the canonical form
// round-trips: parse(canonical(parse(x))) == parse(x), apart from Original
// and the USB interface number, which the canonical form spells as 0 when
// the name left it out (see ResourceName.USBInterface).
func FuzzParseResourceName(f *testing.F) {
	for _, s := range []string{
		"TCPIP::1.2.3.4::INSTR", "GPIB::5", "USB::0x1234::0x5678::SN1::INSTR", "VXI::3",
		"PRLGX-TCPIP::1.2.3.4::INTFC", "tcpip0::1.2.3.4::hislip0,4880::INSTR",
		"TCPIP0::[fe80::1]::hislip0::INSTR", "TCPIP::[::1]::5025::SOCKET", "TCPIP0::gw::gpib0,5,3::INSTR",
		"ASRL/dev/ttyUSB0::INSTR", "ASRLCOM3::INSTR", "GPIB-VXI0::3::INSTR", "GPIB0::INTFC", "gpib::intfc",
		"visa://host:3537/GPIB0::5::INSTR", "visa://[::1]/TCPIP::h::5025::SOCKET", "PXI0::CHASSIS1::SLOT3::FUNC2",
		"PXI1::2-12.1", "PXI3::13::1", "PXI0::1::BACKPLANE", "VICP::[fe80::2%eth0]", "PRLGX-ASRL::COM3::INTFC",
		"TCPIP::host,1024::INSTR", "TCPIP0::gw::usb0[2391::1031::MY123::0]::INSTR", "ASRL::h::5000::INSTR",
		"GPIB-VXI::BACKPLANE", "VXI::SERVANT", "USB1::1::2::S::3::RAW", "TCPIP::[::ffff:1.2.3.4],1::inst0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseResourceName(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != VI_ERROR_INV_RSRC_NAME || e.Msg == "" {
				t.Fatalf("ParseResourceName(%q): error %v is not an INV_RSRC_NAME *Error with a message", s, err)
			}
			return
		}
		canon := a.String()
		b, err := ParseResourceName(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if got := b.String(); got != canon {
			t.Fatalf("canonical form not stable: %q -> %q -> %q", s, canon, got)
		}
		a.Original, b.Original = "", ""
		if a.Interface == VI_INTF_USB && a.USBInterface == -1 {
			a.USBInterface = 0
		}
		if a != b {
			t.Fatalf("round trip of %q via %q changed the value:\n%+v\n%+v", s, canon, a, b)
		}
		if !a.Equal(b) {
			t.Fatalf("Equal is false after a round trip of %q", s)
		}
	})
}
