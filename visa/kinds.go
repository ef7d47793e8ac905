package visa

// InterfaceType is a VISA interface type (VI_ATTR_INTF_TYPE, VI_INTF_*).
type InterfaceType uint16

// Interface types (VPP-4.3). VI_INTF_PRLGX and VI_INTF_VICP are govisa's own
// numbers for interfaces VISA has no number for; they are above 0x8000 so
// they never collide with a future VISA value.
const (
	VI_INTF_GPIB     InterfaceType = 1
	VI_INTF_VXI      InterfaceType = 2
	VI_INTF_GPIB_VXI InterfaceType = 3
	VI_INTF_ASRL     InterfaceType = 4
	VI_INTF_PXI      InterfaceType = 5
	VI_INTF_TCPIP    InterfaceType = 6
	VI_INTF_USB      InterfaceType = 7
	VI_INTF_RIO      InterfaceType = 8
	VI_INTF_FIREWIRE InterfaceType = 9
	VI_INTF_VICP     InterfaceType = 0x8001 // LeCroy VICP (pyvisa-py extension)
	VI_INTF_PRLGX    InterfaceType = 0x8002 // Prologix GPIB adapters (pyvisa-py extension)
)

var intfNames = map[InterfaceType]string{
	VI_INTF_GPIB: "GPIB", VI_INTF_VXI: "VXI", VI_INTF_GPIB_VXI: "GPIB-VXI",
	VI_INTF_ASRL: "ASRL", VI_INTF_PXI: "PXI", VI_INTF_TCPIP: "TCPIP",
	VI_INTF_USB: "USB", VI_INTF_RIO: "RIO", VI_INTF_FIREWIRE: "FIREWIRE",
	VI_INTF_VICP: "VICP", VI_INTF_PRLGX: "PRLGX",
}

// String returns the resource-name keyword of the interface ("TCPIP").
func (t InterfaceType) String() string {
	if n, ok := intfNames[t]; ok {
		return n
	}
	return "INTF?"
}

// ResourceClass is the last part of a resource name (VI_ATTR_RSRC_CLASS).
type ResourceClass string

// Resource classes.
const (
	ClassINSTR     ResourceClass = "INSTR"
	ClassINTFC     ResourceClass = "INTFC"
	ClassSOCKET    ResourceClass = "SOCKET"
	ClassRAW       ResourceClass = "RAW"
	ClassSERVANT   ResourceClass = "SERVANT"
	ClassMEMACC    ResourceClass = "MEMACC"
	ClassBACKPLANE ResourceClass = "BACKPLANE"
)
