package visa

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResourceNameCanonical checks the canonical form of many names,
// starting with the fact sheet §8 examples, and that parsing the canonical
// form gives the same resource back.
func TestResourceNameCanonical(t *testing.T) {
	cases := []struct{ in, want string }{
		// Fact sheet §8.1 golden examples (PyVISA's canonical forms).
		{"TCPIP::1.2.3.4::INSTR", "TCPIP0::1.2.3.4::inst0::INSTR"},
		{"GPIB::5", "GPIB0::5::INSTR"},
		{"USB::0x1234::0x5678::SN1::INSTR", "USB0::0x1234::0x5678::SN1::0::INSTR"},
		{"VXI::3", "VXI0::3::INSTR"},
		{"PRLGX-TCPIP::1.2.3.4::INTFC", "PRLGX-TCPIP0::1.2.3.4::1234::INTFC"},
		{"tcpip0::1.2.3.4::hislip0,4880::INSTR", "TCPIP0::1.2.3.4::hislip0,4880::INSTR"},

		// GPIB.
		{"GPIB0::5::INSTR", "GPIB0::5::INSTR"},
		{"gpib1::30::0", "GPIB1::30::0::INSTR"},
		{"GPIB0::5::3::INSTR", "GPIB0::5::3::INSTR"},
		{"GPIB00::05::instr", "GPIB0::5::INSTR"},
		{"GPIB0::INTFC", "GPIB0::INTFC"},
		{"gpib::intfc", "GPIB0::INTFC"},
		{"GPIB2::SERVANT", "GPIB2::SERVANT"},
		{"  GPIB::5  ", "GPIB0::5::INSTR"},

		// GPIB-VXI.
		{"GPIB-VXI0::3::INSTR", "GPIB-VXI0::3::INSTR"},
		{"gpib-vxi::9", "GPIB-VXI0::9::INSTR"},
		{"GPIB-VXI1::MEMACC", "GPIB-VXI1::MEMACC"},
		{"GPIB-VXI::BACKPLANE", "GPIB-VXI0::0::BACKPLANE"},
		{"GPIB-VXI::4::BACKPLANE", "GPIB-VXI0::4::BACKPLANE"},

		// ASRL.
		{"ASRL1::INSTR", "ASRL1::INSTR"},
		{"ASRL1", "ASRL1::INSTR"},
		{"asrl::instr", "ASRL0::INSTR"},
		{"ASRL01", "ASRL1::INSTR"},
		{"ASRL/dev/ttyUSB0::INSTR", "ASRL/dev/ttyUSB0::INSTR"},
		{"ASRLCOM3::INSTR", "ASRLCOM3::INSTR"},
		{"ASRLcom3", "ASRLcom3::INSTR"},
		{"ASRL::serial.local::5000::INSTR", "ASRL0::serial.local::5000::INSTR"},

		// TCPIP INSTR.
		{"TCPIP::192.168.1.1::INSTR", "TCPIP0::192.168.1.1::inst0::INSTR"},
		{"tcpip::dev.example.com::inst1::instr", "TCPIP0::dev.example.com::inst1::INSTR"},
		{"TCPIP3::scope.local", "TCPIP3::scope.local::inst0::INSTR"},
		{"TCPIP0::1.2.3.4::hislip0::INSTR", "TCPIP0::1.2.3.4::hislip0::INSTR"},
		{"TCPIP0::1.2.3.4::HiSLIP1,5000", "TCPIP0::1.2.3.4::HiSLIP1,5000::INSTR"},
		{"TCPIP0::[fe80::1]::hislip0::INSTR", "TCPIP0::[fe80::1]::hislip0::INSTR"},
		{"TCPIP::[fe80::1%eth0]::INSTR", "TCPIP0::[fe80::1%eth0]::inst0::INSTR"},
		{"TCPIP0::gw::gpib0,5,3::INSTR", "TCPIP0::gw::gpib0,5,3::INSTR"},
		{"TCPIP0::gw::gpib0,5", "TCPIP0::gw::gpib0,5::INSTR"},
		{"TCPIP0::gw::gpib0::INSTR", "TCPIP0::gw::gpib0::INSTR"},
		{"TCPIP0::gw::usb0[2391::1031::MY123::0]::INSTR", "TCPIP0::gw::usb0[2391::1031::MY123::0]::INSTR"},
		{"TCPIP::host,1024::INSTR", "TCPIP0::host,1024::inst0::INSTR"},
		{"TCPIP::[::1],1024::inst0::INSTR", "TCPIP0::[::1],1024::inst0::INSTR"},

		// TCPIP SOCKET.
		{"TCPIP0::1.2.3.4::999::SOCKET", "TCPIP0::1.2.3.4::999::SOCKET"},
		{"TCPIP::[::1]::5025::SOCKET", "TCPIP0::[::1]::5025::SOCKET"},
		{"tcpip1::h::5025::socket", "TCPIP1::h::5025::SOCKET"},

		// USB.
		{"USB0::0x1234::125::A22-5::0::INSTR", "USB0::0x1234::125::A22-5::0::INSTR"},
		{"USB::1155::30016::SN::INSTR", "USB0::1155::30016::SN::0::INSTR"},
		{"usb1::0x0957::0x1796::MY5::2::raw", "USB1::0x0957::0x1796::MY5::2::RAW"},
		{"USB::0X0957::0x1796::MY5", "USB0::0X0957::0x1796::MY5::0::INSTR"},

		// VXI.
		{"VXI0::1::BACKPLANE", "VXI0::1::BACKPLANE"},
		{"VXI::BACKPLANE", "VXI0::0::BACKPLANE"},
		{"vxi2::memacc", "VXI2::MEMACC"},
		{"VXI::SERVANT", "VXI0::SERVANT"},
		{"VXI0::255::INSTR", "VXI0::255::INSTR"},

		// PXI, three INSTR spellings plus BACKPLANE and MEMACC.
		{"PXI0::15::INSTR", "PXI0::15::INSTR"},
		{"PXI3::13::1", "PXI3::13::1::INSTR"},
		{"PXI::2::0::INSTR", "PXI0::2::INSTR"},
		{"PXI0::2-12.1::INSTR", "PXI0::2-12.1::INSTR"},
		{"PXI1::2-12", "PXI1::2-12::INSTR"},
		{"PXI0::CHASSIS1::SLOT3::INSTR", "PXI0::CHASSIS1::SLOT3::INSTR"},
		{"pxi0::chassis1::slot3::func2", "PXI0::CHASSIS1::SLOT3::FUNC2::INSTR"},
		{"PXI0::1::BACKPLANE", "PXI0::1::BACKPLANE"},
		{"PXI::MEMACC", "PXI0::MEMACC"},

		// VICP and Prologix.
		{"VICP::scope.local", "VICP::scope.local::INSTR"},
		{"vicp::[fe80::2]::instr", "VICP::[fe80::2]::INSTR"},
		{"PRLGX-TCPIP1::10.0.0.5::4000::INTFC", "PRLGX-TCPIP1::10.0.0.5::4000::INTFC"},
		{"prlgx-asrl::/dev/ttyUSB0::intfc", "PRLGX-ASRL0::/dev/ttyUSB0::INTFC"},
		{"PRLGX-ASRL2::COM4::INTFC", "PRLGX-ASRL2::COM4::INTFC"},

		// NI remote VISA.
		{"visa://host:3537/GPIB0::5::INSTR", "visa://host:3537/GPIB0::5::INSTR"},
		{"VISA://host/gpib::5", "visa://host/GPIB0::5::INSTR"},
		{"visa://[::1]:4000/TCPIP::[fe80::1]::5025::SOCKET", "visa://[::1]:4000/TCPIP0::[fe80::1]::5025::SOCKET"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			r, err := ParseResourceName(c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, r.String())
			assert.Equal(t, c.in, r.Original)
			again, err := ParseResourceName(r.String())
			require.NoError(t, err)
			assert.Equal(t, c.want, again.String())
			assert.True(t, r.Equal(again))
			assert.Equal(t, r.String(), r.Info().ResourceName)
		})
	}
}

// TestResourceNameFields checks the decoded fields of representative names.
func TestResourceNameFields(t *testing.T) {
	base := func() ResourceName {
		return ResourceName{PrimaryAddr: -1, SecondaryAddr: -1, USBInterface: -1, LogicalAddress: -1,
			PXIBus: -1, PXIDevice: -1, PXIFunction: -1, PXIChassis: -1, PXISlot: -1}
	}
	with := func(f func(*ResourceName)) ResourceName { r := base(); f(&r); return r }
	cases := []struct {
		in   string
		want ResourceName
	}{
		{"GPIB1::5::3", with(func(r *ResourceName) {
			r.Interface, r.Board, r.Class, r.PrimaryAddr, r.SecondaryAddr = VI_INTF_GPIB, 1, ClassINSTR, 5, 3
		})},
		{"GPIB::5::0", with(func(r *ResourceName) { // a sad of 0 is not "none"
			r.Interface, r.Class, r.PrimaryAddr, r.SecondaryAddr = VI_INTF_GPIB, ClassINSTR, 5, 0
		})},
		{"gpib::intfc", with(func(r *ResourceName) { r.Interface, r.Class = VI_INTF_GPIB, ClassINTFC })},
		{"GPIB-VXI2::9::INSTR", with(func(r *ResourceName) {
			r.Interface, r.Board, r.Class, r.LogicalAddress = VI_INTF_GPIB_VXI, 2, ClassINSTR, 9
		})},
		{"TCPIP::1.2.3.4", with(func(r *ResourceName) {
			r.Interface, r.Class, r.Host, r.LANDevice = VI_INTF_TCPIP, ClassINSTR, "1.2.3.4", "inst0"
		})},
		{"TCPIP0::[fe80::1]::hislip0::INSTR", with(func(r *ResourceName) {
			r.Interface, r.Class, r.Host, r.LANDevice, r.HiSLIP, r.Port = VI_INTF_TCPIP, ClassINSTR, "fe80::1", "hislip0", true, 4880
		})},
		{"TCPIP2::h::hislip3,5001::INSTR", with(func(r *ResourceName) {
			r.Interface, r.Board, r.Class, r.Host, r.LANDevice, r.HiSLIP = VI_INTF_TCPIP, 2, ClassINSTR, "h", "hislip3", true
			r.Port, r.PortGiven = 5001, true
		})},
		{"TCPIP0::gw::gpib0,5,3::INSTR", with(func(r *ResourceName) {
			r.Interface, r.Class, r.Host, r.LANDevice = VI_INTF_TCPIP, ClassINSTR, "gw", "gpib0,5,3"
			r.PrimaryAddr, r.SecondaryAddr = 5, 3
		})},
		{"TCPIP::host,1024::INSTR", with(func(r *ResourceName) {
			r.Interface, r.Class, r.Host, r.LANDevice = VI_INTF_TCPIP, ClassINSTR, "host", "inst0"
			r.Port, r.PortGiven = 1024, true
		})},
		{"TCPIP::[::1]::5025::SOCKET", with(func(r *ResourceName) {
			r.Interface, r.Class, r.Host, r.Port, r.PortGiven = VI_INTF_TCPIP, ClassSOCKET, "::1", 5025, true
		})},
		{"USB0::0x0957::6039::MY1::INSTR", with(func(r *ResourceName) {
			r.Interface, r.Class = VI_INTF_USB, ClassINSTR
			r.ManufacturerID, r.ManufacturerIDText, r.ModelCode, r.ModelCodeText, r.SerialNumber = 0x957, "0x0957", 6039, "6039", "MY1"
		})},
		{"USB0::1::2::S::3::RAW", with(func(r *ResourceName) {
			r.Interface, r.Class, r.USBInterface = VI_INTF_USB, ClassRAW, 3
			r.ManufacturerID, r.ManufacturerIDText, r.ModelCode, r.ModelCodeText, r.SerialNumber = 1, "1", 2, "2", "S"
		})},
		{"ASRL3::INSTR", with(func(r *ResourceName) { r.Interface, r.Board, r.Class, r.ASRLDevice = VI_INTF_ASRL, 3, ClassINSTR, "3" })},
		{"ASRL/dev/ttyS1", with(func(r *ResourceName) { r.Interface, r.Class, r.ASRLDevice = VI_INTF_ASRL, ClassINSTR, "/dev/ttyS1" })},
		{"VXI::BACKPLANE", with(func(r *ResourceName) { r.Interface, r.Class, r.LogicalAddress = VI_INTF_VXI, ClassBACKPLANE, 0 })},
		{"PXI3::13::1", with(func(r *ResourceName) {
			r.Interface, r.Class, r.PXIForm, r.PXIBus, r.PXIDevice, r.PXIFunction = VI_INTF_PXI, ClassINSTR, PXIBusDevice, 3, 13, 1
		})},
		{"PXI1::2-12.1", with(func(r *ResourceName) {
			r.Interface, r.Board, r.Class, r.PXIForm, r.PXIBus, r.PXIDevice, r.PXIFunction = VI_INTF_PXI, 1, ClassINSTR, PXIBusDeviceDot, 2, 12, 1
		})},
		{"PXI0::CHASSIS1::SLOT3", with(func(r *ResourceName) {
			r.Interface, r.Class, r.PXIForm, r.PXIChassis, r.PXISlot, r.PXIFunction = VI_INTF_PXI, ClassINSTR, PXIChassisSlot, 1, 3, 0
		})},
		{"PXI0::4::BACKPLANE", with(func(r *ResourceName) { r.Interface, r.Class, r.PXIChassis = VI_INTF_PXI, ClassBACKPLANE, 4 })},
		{"VICP::10.1.1.1", with(func(r *ResourceName) { r.Interface, r.Class, r.Host = VI_INTF_VICP, ClassINSTR, "10.1.1.1" })},
		{"PRLGX-TCPIP::1.2.3.4::INTFC", with(func(r *ResourceName) {
			r.Interface, r.Class, r.Host, r.Port, r.PortGiven = VI_INTF_PRLGX, ClassINTFC, "1.2.3.4", 1234, true
		})},
		{"PRLGX-ASRL::COM3::INTFC", with(func(r *ResourceName) { r.Interface, r.Class, r.ASRLDevice = VI_INTF_PRLGX, ClassINTFC, "COM3" })},
		{"visa://srv/GPIB0::5::INSTR", with(func(r *ResourceName) {
			r.Interface, r.Class, r.PrimaryAddr = VI_INTF_GPIB, ClassINSTR, 5
			r.Remote = RemoteSpec{Host: "srv", Port: DefaultRemoteVISAPort}
		})},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseResourceName(c.in)
			require.NoError(t, err)
			c.want.Original = c.in
			assert.Equal(t, c.want, got)
		})
	}
}

// TestResourceNamePyVISAMistakes pins the fact sheet's list of PyVISA
// parser mistakes that must not happen here.
func TestResourceNamePyVISAMistakes(t *testing.T) {
	// IPv6 split on "::": PyVISA gives host "[fe80" and device "1]".
	r, err := ParseResourceName("TCPIP::[fe80::1]::INSTR")
	require.NoError(t, err)
	assert.Equal(t, "fe80::1", r.Host)
	assert.Equal(t, "inst0", r.LANDevice)

	// GPIB-VXI read as GPIB board "-VXI".
	r, err = ParseResourceName("GPIB-VXI::9::INSTR")
	require.NoError(t, err)
	assert.Equal(t, VI_INTF_GPIB_VXI, r.Interface)
	assert.Equal(t, 0, r.Board)
	assert.Equal(t, 9, r.LogicalAddress)
	assert.Equal(t, -1, r.PrimaryAddr)

	// host,port kept as the host name.
	r, err = ParseResourceName("TCPIP::host,1024::INSTR")
	require.NoError(t, err)
	assert.Equal(t, "host", r.Host)
	assert.Equal(t, 1024, r.Port)
	assert.True(t, r.PortGiven)
	assert.False(t, r.HiSLIP)

	// Lower-case classes and "gpib::intfc" read as primary address "intfc".
	r, err = ParseResourceName("tcpip::h::5025::socket")
	require.NoError(t, err)
	assert.Equal(t, ClassSOCKET, r.Class)
	r, err = ParseResourceName("gpib::intfc")
	require.NoError(t, err)
	assert.Equal(t, ClassINTFC, r.Class)
	assert.Equal(t, -1, r.PrimaryAddr)

	// A board number that is not a number is an error, not a string board.
	_, err = ParseResourceName("GPIBX::5::INSTR")
	require.Error(t, err)
}

func TestResourceNameInfo(t *testing.T) {
	r, err := ParseResourceName("usb1::0x1234::0x5678::SN1::raw")
	require.NoError(t, err)
	assert.Equal(t, ResourceInfo{
		InterfaceType:  VI_INTF_USB,
		InterfaceBoard: 1,
		ResourceClass:  ClassRAW,
		ResourceName:   "USB1::0x1234::0x5678::SN1::0::RAW",
	}, r.Info())
	assert.Equal(t, "PRLGX-TCPIP", mustParse(t, "PRLGX-TCPIP::h").Keyword())
	assert.Equal(t, "PRLGX-ASRL", mustParse(t, "PRLGX-ASRL::1::INTFC").Keyword())
	assert.True(t, mustParse(t, "visa://h/ASRL1").IsRemote())
	assert.False(t, mustParse(t, "ASRL1").IsRemote())
}

func mustParse(t *testing.T, s string) ResourceName {
	t.Helper()
	r, err := ParseResourceName(s)
	require.NoError(t, err)
	return r
}

// TestResourceNameErrors checks that invalid names fail with
// VI_ERROR_INV_RSRC_NAME and a message naming the problem and the place.
func TestResourceNameErrors(t *testing.T) {
	cases := []struct{ in, msg string }{
		{"", "empty resource name"},
		{"   ", "empty resource name"},
		{"FOO0::1::INSTR", `unknown interface keyword (expected GPIB`},
		{"GPIB0::31::INSTR", `GPIB primary address 31 out of range 0-30 in part 2 ("31")`},
		{"GPIB0::5::31::INSTR", `GPIB secondary address 31 out of range 0-30 in part 3 ("31")`},
		{"GPIB0::5::96", `GPIB secondary address 96 out of range 0-30 in part 3`},
		{"GPIB0::x::INSTR", `GPIB primary address "x" is not a decimal number in part 2`},
		{"GPIB0::5::3::4::INSTR", `unexpected extra part`},
		{"GPIB0", `missing address part`},
		{"GPIB0::INSTR", `missing address part`},
		{"GPIB-FOO::5", `board number "-FOO" is not a decimal number in part 1`},
		{"GPIB99999::5", `board number 99999 out of range 0-65535 in part 1`},
		{"GPIB0::5::RAW", `resource class RAW is not valid for GPIB (valid: INSTR, INTFC, SERVANT) in part 3`},
		{"GPIB0::5::INTFC", `unexpected extra part`},
		{"GPIB0::::5", `part 2 is empty`},
		{"GPIB0::5::", `part 3 is empty`},
		{"GPIB0:5", `board number "0:5" is not a decimal number`},
		{"USB::1::2::3:::0::INSTR", `part 5 (":0") has a stray ':'`},
		{"GPIB0::5 ::INSTR", `character ' ' at offset 8`},
		{"GPIB0::5\n", ``}, // trailing space trimmed: valid, checked below
		{"TCPIP::fe80::1::INSTR", `an IPv6 host must be written in brackets, e.g. [fe80::1] in part 3`},
		{"TCPIP::host::1::INSTR", `LAN device name is a number; did you mean ::SOCKET?`},
		{"TCPIP::host:80::INSTR", `host contains ':' (write IPv6 literals in brackets`},
		{"TCPIP::[fe80::1::INSTR", `unclosed '['`},
		{"TCPIP::fe80]::INSTR", `']' at offset 11 has no matching '['`},
		{"TCPIP::[1.2.3.4]::INSTR", `host in brackets is not an IPv6 address in part 2`},
		{"TCPIP::[]::INSTR", `host in brackets is not an IPv6 address`},
		{"TCPIP::[::1]x::INSTR", `host has text after the closing ']'`},
		{"TCPIP::h::5025", `LAN device name is a number; a raw TCP socket is TCPIP[board]::host::5025::SOCKET in part 3`},
		{"TCPIP::h::SOCKET", `missing address part`},
		{"TCPIP::h::0::SOCKET", `socket port 0 out of range 1-65535 in part 3`},
		{"TCPIP::h::70000::SOCKET", `socket port 70000 out of range 1-65535 in part 3`},
		{"TCPIP::h,5::5025::SOCKET", `a SOCKET host cannot carry ",port"`},
		{"TCPIP::h::hislip0,x::INSTR", `HiSLIP port "x" is not a decimal number in part 3`},
		{"TCPIP::h,1::hislip0::INSTR", `a HiSLIP port goes in the device name`},
		{"TCPIP::h::hislip-0::INSTR", `HiSLIP device name must be hislip`},
		{"TCPIP::h::gpib0,31::INSTR", `gateway GPIB primary address 31 out of range 0-30 in part 3`},
		{"TCPIP::h::gpibX,3::INSTR", `gateway device name must be gpibN,pad[,sad]`},
		{"TCPIP::h,x::INSTR", `VXI-11 core port "x" is not a decimal number in part 2`},
		{"TCPIP::h::in/st::INSTR", `character '/' is not allowed in a LAN device name`},
		{"TCPIP::a b::INSTR", `character ' '`},
		{"TCPIP::h::inst0::RAW", `resource class RAW is not valid for TCPIP`},
		{"USB::0x1234::0x5678::INSTR", `missing address part`},
		{"USB::0x12345::0x5678::S::INSTR", `USB manufacturer ID 0x12345 out of range 0-0xFFFF in part 2`},
		{"USB::0xZZ::0x5678::S::INSTR", `USB manufacturer ID "0xZZ" is not a hex number in part 2`},
		{"USB::1::70000::S::INSTR", `USB model code (decimal or 0x hex) 70000 out of range 0-65535 in part 3`},
		{"USB::1::2::S::256::INSTR", `USB interface number 256 out of range 0-255 in part 5`},
		{"VXI::256", `VXI logical address 256 out of range 0-255 in part 2`},
		{"VXI::1::MEMACC", `unexpected extra part`},
		{"PXI0::32::INSTR", `PXI device number 32 out of range 0-31`},
		{"PXI0::1-2.8::INSTR", `PXI function number 8 out of range 0-7`},
		{"PXI0::CHASSIS1::INSTR", `PXI CHASSISn needs a following SLOTm part`},
		{"PXI0::CHASSIS1::X3::INSTR", `expected SLOTm after CHASSISn in part 3`},
		{"PXI0::BACKPLANE", `missing address part`},
		{"VICP0::h::INSTR", `VICP names take no board number in part 1`},
		{"PRLGX-TCPIP::h::0::INTFC", `Prologix port 0 out of range 1-65535`},
		{"PRLGX-ASRL::INTFC", `missing address part`},
		{"ASRL1::a::b::c::INSTR", `unexpected part for ASRL`},
		{"ASRL99999::INSTR", `serial port number 99999 out of range 0-65535`},
		{"visa://host", `lacks the '/' before the resource`},
		{"visa://host/", `lacks the resource after '/'`},
		{"visa://host:0/GPIB::5", `visa:// port "0" is not a number in 1-65535`},
		{"visa://ho st/GPIB::5", `character ' '`},
		{"visa://[::1/GPIB::5", `unclosed '[' in the visa:// host`},
		{"visa://h/visa://g/GPIB::5", `cannot contain another visa:// name`},
		{"visa://h/GPIB::99", `GPIB primary address 99 out of range 0-30 in part 2 ("99") of the remote resource`},
		{strings.Repeat("A", 2000), `name is 2000 bytes long, the limit is 1024`},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			_, err := ParseResourceName(c.in)
			if c.msg == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var e *Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, VI_ERROR_INV_RSRC_NAME, e.Status)
			assert.Equal(t, "viParseRsrc", e.Op)
			assert.Contains(t, e.Msg, c.msg)
			assert.ErrorIs(t, err, ErrInvalidRsrcName)
		})
	}
}
