package visa

// The attribute table. Facts (ids, types, access, defaults, the resources
// each attribute applies to, valid values) follow VPP-4.3 as mirrored by
// pyvisa's attributes.py; the descriptions are govisa's own words. Where
// govisa departs from that source the entry says why.

// Access flags used by the rows below.
type attrAccess uint8

const (
	rwG attrAccess = iota // read/write, global
	rwL                   // read/write, local to the session
	roG                   // read-only, global
	roL                   // read-only, local
)

// Resource kinds.
var (
	sAll       = []AttrScope{{}}
	gpibInstr  = AttrScope{VI_INTF_GPIB, ClassINSTR}
	gpibIntfc  = AttrScope{VI_INTF_GPIB, ClassINTFC}
	asrlInstr  = AttrScope{VI_INTF_ASRL, ClassINSTR}
	tcpInstr   = AttrScope{VI_INTF_TCPIP, ClassINSTR}
	tcpSocket  = AttrScope{VI_INTF_TCPIP, ClassSOCKET}
	usbInstr   = AttrScope{VI_INTF_USB, ClassINSTR}
	usbRaw     = AttrScope{VI_INTF_USB, ClassRAW}
	vxiInstr   = AttrScope{VI_INTF_VXI, ClassINSTR}
	vxiServant = AttrScope{VI_INTF_VXI, ClassSERVANT}
	vxiMemacc  = AttrScope{VI_INTF_VXI, ClassMEMACC}
	vxiBack    = AttrScope{VI_INTF_VXI, ClassBACKPLANE}
	gvxiInstr  = AttrScope{VI_INTF_GPIB_VXI, ClassINSTR}
	pxiInstr   = AttrScope{VI_INTF_PXI, ClassINSTR}
	pxiMemacc  = AttrScope{VI_INTF_PXI, ClassMEMACC}
	pxiBack    = AttrScope{VI_INTF_PXI, ClassBACKPLANE}
	vicpInstr  = AttrScope{VI_INTF_VICP, ClassINSTR}
	prlgxIntfc = AttrScope{VI_INTF_PRLGX, ClassINTFC}

	// Message-based sessions: everything that reads and writes bytes.
	sMsg = []AttrScope{gpibInstr, gpibIntfc, asrlInstr, tcpInstr, tcpSocket, usbInstr, usbRaw,
		vxiInstr, vxiServant, gvxiInstr, vicpInstr, prlgxIntfc}
	// SUPPRESS_END_EN: message-based sessions that receive END (no GPIB
	// INTFC, no VXI SERVANT).
	sSuppress = []AttrScope{gpibInstr, asrlInstr, tcpInstr, tcpSocket, usbInstr, usbRaw,
		vxiInstr, gvxiInstr, vicpInstr, prlgxIntfc}
	// TRIG_ID: pyvisa's list plus USB INSTR and TCPIP SOCKET, where
	// viAssertTrigger with the default protocol exists (USBTMC TRIGGER, and
	// "*TRG" under VI_PROT_4882_STRS).
	sTrig = []AttrScope{gpibInstr, gpibIntfc, asrlInstr, tcpInstr, tcpSocket, usbInstr,
		vxiInstr, vxiServant, vxiBack, gvxiInstr, pxiInstr, pxiBack}
	sDMA      = append(append([]AttrScope{}, sMsg...), pxiInstr, vxiMemacc)
	sASRL     = []AttrScope{asrlInstr}
	sGPIB     = []AttrScope{gpibInstr, gpibIntfc}
	sGPIBIn   = []AttrScope{gpibInstr}
	sGPIBIf   = []AttrScope{gpibIntfc}
	sTCPIP    = []AttrScope{tcpInstr, tcpSocket, vicpInstr}
	sTCPInstr = []AttrScope{tcpInstr}
	sUSB      = []AttrScope{usbInstr, usbRaw}
	sUSBRaw   = []AttrScope{usbRaw}
	sDevID    = []AttrScope{usbInstr, usbRaw, vxiInstr, gvxiInstr, pxiInstr}
	sDevName  = []AttrScope{usbInstr, usbRaw, vxiInstr, gvxiInstr, pxiInstr, pxiBack}
	sRegWin   = []AttrScope{vxiInstr, vxiMemacc, pxiInstr, pxiMemacc}
	sVXIMem   = []AttrScope{vxiInstr, vxiMemacc}
	sVXIIn    = []AttrScope{vxiInstr}
	sVXIBack  = []AttrScope{vxiBack}
	sPXIIn    = []AttrScope{pxiInstr}
	sPXIBack  = []AttrScope{pxiBack}
)

// Validation shorthands.
func vRange(lo, hi int64, extra ...int64) AttrValid {
	return AttrValid{Kind: ValidRange, Min: lo, Max: hi, Values: extra}
}
func vSet(vals ...int64) AttrValid { return AttrValid{Kind: ValidSet, Values: vals} }

var (
	vAny       = AttrValid{}
	vLine      = vSet(int64(VI_STATE_UNASSERTED), int64(VI_STATE_ASSERTED), int64(VI_STATE_UNKNOWN))
	vLineSet   = vSet(int64(VI_STATE_UNASSERTED), int64(VI_STATE_ASSERTED))
	vPipeState = vSet(int64(VI_USB_PIPE_STATE_UNKNOWN), int64(VI_USB_PIPE_READY), int64(VI_USB_PIPE_STALLED))
	vByteOrder = vSet(int64(VI_BIG_ENDIAN), int64(VI_LITTLE_ENDIAN))
	vPriv      = vRange(int64(VI_DATA_PRIV), int64(VI_D64_NPRIV))
	vTrigBus   = vRange(1, 3, -1)
	vLBus      = vRange(1, 18, -1, 0, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1413, 2000)
	vLinkWidth = vSet(-1, 1, 4, 8, 16)
)

func row(id Attr, name string, t AttrType, def any, acc attrAccess, scope []AttrScope, v AttrValid, doc string) AttrInfo {
	return AttrInfo{ID: id, Name: name, Type: t, Default: def, ReadOnly: acc == roG || acc == roL,
		Local: acc == rwL || acc == roL, Scope: scope, Valid: v, Doc: doc}
}

func evRow(id Attr, name string, t AttrType, events []EventType, doc string) AttrInfo {
	return AttrInfo{ID: id, Name: name, Type: t, ReadOnly: true, Local: true, Events: events, Doc: doc}
}

var attrRows = []AttrInfo{
	// Generic.
	row(VI_ATTR_RSRC_CLASS, "VI_ATTR_RSRC_CLASS", AttrString, nil, roG, sAll, vAny, "Resource class of the session (INSTR, SOCKET, RAW, INTFC, ...)."),
	row(VI_ATTR_RSRC_NAME, "VI_ATTR_RSRC_NAME", AttrString, nil, roG, sAll, vAny, "Unique resource name of the resource, in canonical form."),
	row(VI_ATTR_RSRC_IMPL_VERSION, "VI_ATTR_RSRC_IMPL_VERSION", AttrVersion, nil, roG, sAll, vAny, "Version of the implementation of the resource (ViVersion layout)."),
	row(VI_ATTR_RSRC_LOCK_STATE, "VI_ATTR_RSRC_LOCK_STATE", AttrUint32, uint32(VI_NO_LOCK), roG, sAll, vSet(0, 1, 2), "Current lock state of the resource: VI_NO_LOCK, VI_EXCLUSIVE_LOCK or VI_SHARED_LOCK."),
	row(VI_ATTR_MAX_QUEUE_LENGTH, "VI_ATTR_MAX_QUEUE_LENGTH", AttrUint32, uint32(50), rwL, sAll, vRange(1, 0xFFFFFFFF), "Maximum number of events the session queues; later events are dropped."),
	row(VI_ATTR_USER_DATA_32, "VI_ATTR_USER_DATA_32", AttrUint32, uint32(0), rwL, sAll, vAny, "Application data kept with the session (32-bit form)."),
	row(VI_ATTR_USER_DATA_64, "VI_ATTR_USER_DATA_64", AttrUint64, uint64(0), rwL, sAll, vAny, "Application data kept with the session (64-bit form, also VI_ATTR_USER_DATA)."),
	row(VI_ATTR_TMO_VALUE, "VI_ATTR_TMO_VALUE", AttrUint32, uint32(2000), rwL, sAll, vAny, "I/O timeout in milliseconds; VI_TMO_IMMEDIATE (0) never waits, VI_TMO_INFINITE waits for ever."),
	row(VI_ATTR_RM_SESSION, "VI_ATTR_RM_SESSION", AttrSession, nil, roL, sAll, vAny, "Session of the resource manager that opened this session."),
	row(VI_ATTR_INTF_INST_NAME, "VI_ATTR_INTF_INST_NAME", AttrString, nil, roG, sAll, vAny, "Human-readable description of the interface board."),
	row(VI_ATTR_RSRC_SPEC_VERSION, "VI_ATTR_RSRC_SPEC_VERSION", AttrVersion, VI_SPEC_VERSION, roL, sAll, vAny, "Version of the VISA specification the implementation follows."),
	row(VI_ATTR_INTF_TYPE, "VI_ATTR_INTF_TYPE", AttrUint16, nil, roG, sAll, vAny, "Interface type of the session (VI_INTF_GPIB, VI_INTF_TCPIP, ...)."),
	row(VI_ATTR_RSRC_MANF_NAME, "VI_ATTR_RSRC_MANF_NAME", AttrString, "govisa", roG, sAll, vAny, "Name of the vendor of the VISA implementation that serves the resource."),
	row(VI_ATTR_RSRC_MANF_ID, "VI_ATTR_RSRC_MANF_ID", AttrUint16, uint16(0x3FFF), roG, sAll, vRange(0, 0x3FFF), "VXIplug&play manufacturer id of the vendor of the VISA implementation (govisa has none assigned and reports 0x3FFF)."),
	row(VI_ATTR_INTF_NUM, "VI_ATTR_INTF_NUM", AttrUint16, uint16(0), roG, sAll, vAny, "Board number of the interface."),
	row(VI_ATTR_TRIG_ID, "VI_ATTR_TRIG_ID", AttrInt16, VI_TRIG_SW, rwL, sTrig, vRange(int64(VI_TRIG_TTL0), int64(VI_TRIG_TTL11), int64(VI_TRIG_SW)), "Trigger line used by viAssertTrigger; VI_TRIG_SW is a software trigger."),

	// Message-based.
	row(VI_ATTR_SEND_END_EN, "VI_ATTR_SEND_END_EN", AttrBool, true, rwL, sMsg, vAny, "Assert END with the last byte of each write."),
	row(VI_ATTR_TERMCHAR, "VI_ATTR_TERMCHAR", AttrUint8, uint8('\n'), rwL, sMsg, vAny, "Termination character; ends a read when VI_ATTR_TERMCHAR_EN is set."),
	row(VI_ATTR_TERMCHAR_EN, "VI_ATTR_TERMCHAR_EN", AttrBool, false, rwL, sMsg, vAny, "End reads on VI_ATTR_TERMCHAR."),
	row(VI_ATTR_SUPPRESS_END_EN, "VI_ATTR_SUPPRESS_END_EN", AttrBool, false, rwL, sSuppress, vAny, "Do not end a read on END; only the termination character, the count or the timeout end it. True by default for TCPIP SOCKET, which has no END."),
	row(VI_ATTR_IO_PROT, "VI_ATTR_IO_PROT", AttrUint16, VI_PROT_NORMAL, rwL, sMsg, vRange(1, 5), "I/O protocol: VI_PROT_NORMAL, VI_PROT_FDC, VI_PROT_HS488, VI_PROT_4882_STRS or VI_PROT_USBTMC_VENDOR, as the interface allows."),
	row(VI_ATTR_FILE_APPEND_EN, "VI_ATTR_FILE_APPEND_EN", AttrBool, false, rwL, sMsg, vAny, "viReadToFile appends to the file instead of truncating it."),
	row(VI_ATTR_RD_BUF_OPER_MODE, "VI_ATTR_RD_BUF_OPER_MODE", AttrUint16, VI_FLUSH_DISABLE, rwL, sMsg, vSet(int64(VI_FLUSH_ON_ACCESS), int64(VI_FLUSH_DISABLE)), "Flushing mode of the formatted-I/O read buffer."),
	row(VI_ATTR_RD_BUF_SIZE, "VI_ATTR_RD_BUF_SIZE", AttrUint32, nil, roL, sMsg, vAny, "Size of the formatted-I/O read buffer (set with viSetBuf)."),
	row(VI_ATTR_WR_BUF_OPER_MODE, "VI_ATTR_WR_BUF_OPER_MODE", AttrUint16, VI_FLUSH_WHEN_FULL, rwL, sMsg, vSet(int64(VI_FLUSH_ON_ACCESS), int64(VI_FLUSH_WHEN_FULL)), "Flushing mode of the formatted-I/O write buffer."),
	row(VI_ATTR_WR_BUF_SIZE, "VI_ATTR_WR_BUF_SIZE", AttrUint32, nil, roL, sMsg, vAny, "Size of the formatted-I/O write buffer (set with viSetBuf)."),
	row(VI_ATTR_DMA_ALLOW_EN, "VI_ATTR_DMA_ALLOW_EN", AttrBool, false, rwL, sDMA, vAny, "Allow DMA transfers, where the hardware offers them."),
	row(VI_ATTR_4882_COMPLIANT, "VI_ATTR_4882_COMPLIANT", AttrBool, nil, roG, []AttrScope{usbInstr, vxiInstr, gvxiInstr}, vAny, "The device follows IEEE 488.2."),
	row(VI_ATTR_MANF_NAME, "VI_ATTR_MANF_NAME", AttrString, nil, roG, sDevName, vAny, "Manufacturer name of the device."),
	row(VI_ATTR_MODEL_NAME, "VI_ATTR_MODEL_NAME", AttrString, nil, roG, sDevName, vAny, "Model name of the device."),
	row(VI_ATTR_MANF_ID, "VI_ATTR_MANF_ID", AttrUint16, nil, roG, sDevID, vAny, "Manufacturer id of the device (the USB vendor id for USB)."),
	row(VI_ATTR_MODEL_CODE, "VI_ATTR_MODEL_CODE", AttrUint16, nil, roG, sDevID, vAny, "Model code of the device (the USB product id for USB)."),
	row(VI_ATTR_DEV_STATUS_BYTE, "VI_ATTR_DEV_STATUS_BYTE", AttrUint8, uint8(0), rwG, []AttrScope{gpibIntfc, vxiServant}, vAny, "Status byte this controller or servant reports when serially polled."),

	// Serial.
	row(VI_ATTR_ASRL_BAUD, "VI_ATTR_ASRL_BAUD", AttrUint32, uint32(9600), rwG, sASRL, vAny, "Baud rate."),
	row(VI_ATTR_ASRL_DATA_BITS, "VI_ATTR_ASRL_DATA_BITS", AttrUint16, uint16(8), rwG, sASRL, vRange(5, 8), "Number of data bits per frame, 5 to 8."),
	row(VI_ATTR_ASRL_PARITY, "VI_ATTR_ASRL_PARITY", AttrUint16, VI_ASRL_PAR_NONE, rwG, sASRL, vRange(0, 4), "Parity: VI_ASRL_PAR_NONE, ODD, EVEN, MARK or SPACE."),
	row(VI_ATTR_ASRL_STOP_BITS, "VI_ATTR_ASRL_STOP_BITS", AttrUint16, VI_ASRL_STOP_ONE, rwG, sASRL, vSet(10, 15, 20), "Stop bits in tenths: VI_ASRL_STOP_ONE (10), ONE5 (15) or TWO (20)."),
	row(VI_ATTR_ASRL_FLOW_CNTRL, "VI_ATTR_ASRL_FLOW_CNTRL", AttrUint16, VI_ASRL_FLOW_NONE, rwG, sASRL, AttrValid{Kind: ValidMask, Mask: 7}, "Flow control, a mask of VI_ASRL_FLOW_XON_XOFF, RTS_CTS and DTR_DSR."),
	row(VI_ATTR_ASRL_END_IN, "VI_ATTR_ASRL_END_IN", AttrUint16, VI_ASRL_END_TERMCHAR, rwL, sASRL, vRange(0, 2), "What marks END on input: VI_ASRL_END_NONE, LAST_BIT or TERMCHAR."),
	row(VI_ATTR_ASRL_END_OUT, "VI_ATTR_ASRL_END_OUT", AttrUint16, VI_ASRL_END_NONE, rwL, sASRL, vRange(0, 3), "How END is sent on output: VI_ASRL_END_NONE, LAST_BIT, TERMCHAR or BREAK."),
	row(VI_ATTR_ASRL_AVAIL_NUM, "VI_ATTR_ASRL_AVAIL_NUM", AttrUint32, uint32(0), roG, sASRL, vAny, "Number of bytes waiting in the input buffer."),
	row(VI_ATTR_ASRL_DISCARD_NULL, "VI_ATTR_ASRL_DISCARD_NULL", AttrBool, false, rwG, sASRL, vAny, "Discard NUL characters received."),
	row(VI_ATTR_ASRL_CONNECTED, "VI_ATTR_ASRL_CONNECTED", AttrBool, nil, roG, sASRL, vAny, "A device is connected to the port, as far as the hardware can tell."),
	row(VI_ATTR_ASRL_BREAK_STATE, "VI_ATTR_ASRL_BREAK_STATE", AttrInt16, VI_STATE_UNASSERTED, rwG, sASRL, vLineSet, "Manual control of the break signal."),
	row(VI_ATTR_ASRL_BREAK_LEN, "VI_ATTR_ASRL_BREAK_LEN", AttrInt16, int16(250), rwL, sASRL, vRange(1, 500), "Duration of a break in milliseconds, 1 to 500."),
	row(VI_ATTR_ASRL_ALLOW_TRANSMIT, "VI_ATTR_ASRL_ALLOW_TRANSMIT", AttrBool, true, rwG, sASRL, vAny, "Transmission is allowed; false suspends it as if XOFF had been received."),
	row(VI_ATTR_ASRL_WIRE_MODE, "VI_ATTR_ASRL_WIRE_MODE", AttrInt16, VI_ASRL_WIRE_232_DTE, rwG, sASRL, vSet(0, 1, 2, 3, 128, 129, 130), "Line mode of the transceiver (NI-VISA): RS-232 DTE by default."),
	row(VI_ATTR_ASRL_CTS_STATE, "VI_ATTR_ASRL_CTS_STATE", AttrInt16, VI_STATE_UNKNOWN, roG, sASRL, vLine, "State of the Clear To Send input."),
	row(VI_ATTR_ASRL_DCD_STATE, "VI_ATTR_ASRL_DCD_STATE", AttrInt16, VI_STATE_UNKNOWN, rwG, sASRL, vLineSet, "State of the Data Carrier Detect line (an output only for DCE ports)."),
	row(VI_ATTR_ASRL_DSR_STATE, "VI_ATTR_ASRL_DSR_STATE", AttrInt16, VI_STATE_UNKNOWN, roG, sASRL, vLine, "State of the Data Set Ready input."),
	row(VI_ATTR_ASRL_DTR_STATE, "VI_ATTR_ASRL_DTR_STATE", AttrInt16, VI_STATE_UNKNOWN, rwG, sASRL, vLineSet, "State of the Data Terminal Ready output."),
	row(VI_ATTR_ASRL_RI_STATE, "VI_ATTR_ASRL_RI_STATE", AttrInt16, VI_STATE_UNKNOWN, rwG, sASRL, vLineSet, "State of the Ring Indicator line (an output only for DCE ports)."),
	row(VI_ATTR_ASRL_RTS_STATE, "VI_ATTR_ASRL_RTS_STATE", AttrInt16, VI_STATE_UNKNOWN, rwG, sASRL, vLineSet, "State of the Request To Send output."),
	row(VI_ATTR_ASRL_REPLACE_CHAR, "VI_ATTR_ASRL_REPLACE_CHAR", AttrUint8, uint8(0), rwL, sASRL, vAny, "Character stored in place of a byte received with a parity or framing error."),
	row(VI_ATTR_ASRL_XON_CHAR, "VI_ATTR_ASRL_XON_CHAR", AttrUint8, uint8(0x11), rwL, sASRL, vAny, "XON character for software flow control."),
	row(VI_ATTR_ASRL_XOFF_CHAR, "VI_ATTR_ASRL_XOFF_CHAR", AttrUint8, uint8(0x13), rwL, sASRL, vAny, "XOFF character for software flow control."),

	// GPIB.
	row(VI_ATTR_GPIB_PRIMARY_ADDR, "VI_ATTR_GPIB_PRIMARY_ADDR", AttrUint16, nil, rwG, sGPIB, vRange(0, 30), "Primary address of the device (INSTR) or of the board (INTFC), 0 to 30."),
	row(VI_ATTR_GPIB_SECONDARY_ADDR, "VI_ATTR_GPIB_SECONDARY_ADDR", AttrUint16, VI_NO_SEC_ADDR, rwG, sGPIB, vRange(0, 30, int64(VI_NO_SEC_ADDR)), "Secondary address, 0 to 30, or VI_NO_SEC_ADDR."),
	row(VI_ATTR_GPIB_READDR_EN, "VI_ATTR_GPIB_READDR_EN", AttrBool, true, rwL, sGPIBIn, vAny, "Address the device again before every transfer."),
	row(VI_ATTR_GPIB_UNADDR_EN, "VI_ATTR_GPIB_UNADDR_EN", AttrBool, false, rwL, sGPIBIn, vAny, "Unaddress the device (UNT, UNL) after every transfer."),
	row(VI_ATTR_GPIB_REN_STATE, "VI_ATTR_GPIB_REN_STATE", AttrInt16, VI_STATE_UNKNOWN, roG, sGPIB, vLine, "State of the Remote Enable line."),
	row(VI_ATTR_GPIB_ATN_STATE, "VI_ATTR_GPIB_ATN_STATE", AttrInt16, VI_STATE_UNKNOWN, roG, sGPIBIf, vLine, "State of the Attention line."),
	row(VI_ATTR_GPIB_NDAC_STATE, "VI_ATTR_GPIB_NDAC_STATE", AttrInt16, VI_STATE_UNKNOWN, roG, sGPIBIf, vLine, "State of the Not Data Accepted line."),
	row(VI_ATTR_GPIB_SRQ_STATE, "VI_ATTR_GPIB_SRQ_STATE", AttrInt16, VI_STATE_UNKNOWN, roG, sGPIBIf, vLine, "State of the Service Request line."),
	row(VI_ATTR_GPIB_ADDR_STATE, "VI_ATTR_GPIB_ADDR_STATE", AttrInt16, VI_GPIB_UNADDRESSED, roG, sGPIBIf, vSet(0, 1, 2), "Whether the board is addressed to talk or listen, or unaddressed."),
	row(VI_ATTR_GPIB_CIC_STATE, "VI_ATTR_GPIB_CIC_STATE", AttrBool, nil, roG, sGPIBIf, vAny, "The board is the controller in charge."),
	row(VI_ATTR_GPIB_SYS_CNTRL_STATE, "VI_ATTR_GPIB_SYS_CNTRL_STATE", AttrBool, nil, rwG, sGPIBIf, vAny, "The board is the system controller."),
	row(VI_ATTR_GPIB_HS488_CBL_LEN, "VI_ATTR_GPIB_HS488_CBL_LEN", AttrInt16, VI_GPIB_HS488_NIMPL, rwG, sGPIBIf, vRange(1, 15, int64(VI_GPIB_HS488_DISABLED), int64(VI_GPIB_HS488_NIMPL)), "Cable length in metres for HS488, 1 to 15; 0 disables HS488, -1 means not implemented."),

	// TCPIP and HiSLIP. govisa also reports PORT, NODELAY and KEEPALIVE on
	// TCPIP INSTR (HiSLIP and VXI-11 are TCP connections too), as
	// pyvisa-py's HiSLIP sessions do.
	row(VI_ATTR_TCPIP_ADDR, "VI_ATTR_TCPIP_ADDR", AttrString, nil, roG, sTCPIP, vAny, "Numeric IP address of the device."),
	row(VI_ATTR_TCPIP_HOSTNAME, "VI_ATTR_TCPIP_HOSTNAME", AttrString, nil, roG, sTCPIP, vAny, "Host name of the device, if known."),
	row(VI_ATTR_TCPIP_PORT, "VI_ATTR_TCPIP_PORT", AttrUint16, nil, roG, sTCPIP, vAny, "TCP port of the connection."),
	row(VI_ATTR_TCPIP_DEVICE_NAME, "VI_ATTR_TCPIP_DEVICE_NAME", AttrString, nil, roG, sTCPInstr, vAny, "LAN device name of the instrument (VXI-11 device or HiSLIP sub-address), e.g. inst0 or hislip0."),
	row(VI_ATTR_TCPIP_NODELAY, "VI_ATTR_TCPIP_NODELAY", AttrBool, true, rwL, sTCPIP, vAny, "Disable the Nagle algorithm (TCP_NODELAY)."),
	row(VI_ATTR_TCPIP_KEEPALIVE, "VI_ATTR_TCPIP_KEEPALIVE", AttrBool, false, rwL, sTCPIP, vAny, "Send TCP keep-alive packets on an idle connection."),
	row(VI_ATTR_TCPIP_IS_HISLIP, "VI_ATTR_TCPIP_IS_HISLIP", AttrBool, false, roG, sTCPInstr, vAny, "The session uses HiSLIP rather than VXI-11."),
	row(VI_ATTR_TCPIP_HISLIP_VERSION, "VI_ATTR_TCPIP_HISLIP_VERSION", AttrVersion, uint32(0), roL, sTCPInstr, vAny, "Negotiated HiSLIP protocol version; 0 when the session is not HiSLIP."),
	row(VI_ATTR_TCPIP_HISLIP_OVERLAP_EN, "VI_ATTR_TCPIP_HISLIP_OVERLAP_EN", AttrBool, false, rwL, sTCPInstr, vAny, "Use HiSLIP overlapped mode instead of synchronized mode."),
	row(VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB, "VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB", AttrUint32, uint32(1024), rwL, sTCPInstr, vRange(1, 0xFFFFFFFF), "Largest HiSLIP message the client accepts, in kilobytes."),

	// USB.
	row(VI_ATTR_USB_SERIAL_NUM, "VI_ATTR_USB_SERIAL_NUM", AttrString, nil, roG, sUSB, vAny, "Serial number string of the USB device."),
	row(VI_ATTR_USB_INTFC_NUM, "VI_ATTR_USB_INTFC_NUM", AttrInt16, int16(0), roG, sUSB, vRange(0, 0xFE), "USB interface number used by the session."),
	row(VI_ATTR_USB_PROTOCOL, "VI_ATTR_USB_PROTOCOL", AttrInt16, nil, roG, sUSB, vRange(0, 0xFF), "USB protocol code of the interface (1 = USB488 for USBTMC devices)."),
	row(VI_ATTR_USB_MAX_INTR_SIZE, "VI_ATTR_USB_MAX_INTR_SIZE", AttrUint16, nil, rwL, sUSB, vAny, "Largest interrupt-IN packet the session keeps, in bytes."),
	row(VI_ATTR_USB_CLASS, "VI_ATTR_USB_CLASS", AttrInt16, nil, roG, sUSBRaw, vRange(0, 0xFF), "USB class code of the interface."),
	row(VI_ATTR_USB_SUBCLASS, "VI_ATTR_USB_SUBCLASS", AttrInt16, nil, roG, sUSBRaw, vRange(0, 0xFF), "USB subclass code of the interface."),
	row(VI_ATTR_USB_ALT_SETTING, "VI_ATTR_USB_ALT_SETTING", AttrInt16, int16(0), rwG, sUSBRaw, vRange(0, 0xFF), "Alternate setting of the interface."),
	row(VI_ATTR_USB_NUM_INTFCS, "VI_ATTR_USB_NUM_INTFCS", AttrInt16, nil, roG, sUSBRaw, vRange(1, 0xFF), "Number of interfaces of the device."),
	row(VI_ATTR_USB_NUM_PIPES, "VI_ATTR_USB_NUM_PIPES", AttrInt16, nil, roG, sUSBRaw, vRange(0, 30), "Number of pipes (endpoints) of the interface."),
	row(VI_ATTR_USB_BULK_OUT_PIPE, "VI_ATTR_USB_BULK_OUT_PIPE", AttrInt16, nil, rwL, sUSBRaw, vRange(0x01, 0x0F, -1), "Bulk-OUT endpoint used for writes; -1 if none."),
	row(VI_ATTR_USB_BULK_IN_PIPE, "VI_ATTR_USB_BULK_IN_PIPE", AttrInt16, nil, rwL, sUSBRaw, vRange(0x81, 0x8F, -1), "Bulk-IN endpoint used for reads; -1 if none."),
	row(VI_ATTR_USB_INTR_IN_PIPE, "VI_ATTR_USB_INTR_IN_PIPE", AttrInt16, nil, rwL, sUSBRaw, vRange(0x81, 0x8F, -1), "Interrupt-IN endpoint; -1 if none."),
	row(VI_ATTR_USB_CTRL_PIPE, "VI_ATTR_USB_CTRL_PIPE", AttrInt16, int16(0), rwL, sUSBRaw, vRange(0, 0x0F), "Control endpoint used for control transfers."),
	row(VI_ATTR_USB_BULK_OUT_STATUS, "VI_ATTR_USB_BULK_OUT_STATUS", AttrInt16, VI_USB_PIPE_STATE_UNKNOWN, rwL, sUSBRaw, vPipeState, "State of the bulk-OUT pipe; writing VI_USB_PIPE_READY clears a stall."),
	row(VI_ATTR_USB_BULK_IN_STATUS, "VI_ATTR_USB_BULK_IN_STATUS", AttrInt16, VI_USB_PIPE_STATE_UNKNOWN, rwL, sUSBRaw, vPipeState, "State of the bulk-IN pipe; writing VI_USB_PIPE_READY clears a stall."),
	row(VI_ATTR_USB_INTR_IN_STATUS, "VI_ATTR_USB_INTR_IN_STATUS", AttrInt16, VI_USB_PIPE_STATE_UNKNOWN, rwL, sUSBRaw, vPipeState, "State of the interrupt-IN pipe; writing VI_USB_PIPE_READY clears a stall."),
	row(VI_ATTR_USB_END_IN, "VI_ATTR_USB_END_IN", AttrUint16, VI_USB_END_SHORT_OR_COUNT, rwL, sUSBRaw, vSet(0, 4, 5), "How a bulk-IN read ends: VI_USB_END_NONE, SHORT or SHORT_OR_COUNT."),
}
