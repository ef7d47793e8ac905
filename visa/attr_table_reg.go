package visa

import "fmt"

// Attributes of register-based resources (VXI, GPIB-VXI, PXI, MEMACC,
// BACKPLANE, SERVANT) and of events. govisa has no VXI or PXI backend; the
// entries exist so that names, ids and types are known to every backend
// (a vendor library loaded with @ivi answers them) and to the CLI.

var attrRowsReg = []AttrInfo{
	row(VI_ATTR_SLOT, "VI_ATTR_SLOT", AttrInt16, nil, roG, []AttrScope{vxiInstr, gvxiInstr, pxiInstr}, vRange(1, 18, int64(VI_UNKNOWN_SLOT)), "Physical slot of the device; VI_UNKNOWN_SLOT if unknown."),
	row(VI_ATTR_WIN_ACCESS, "VI_ATTR_WIN_ACCESS", AttrUint16, VI_NMAPPED, roL, sRegWin, vSet(1, 2, 3), "How the mapped window may be accessed: VI_NMAPPED, VI_USE_OPERS or VI_DEREF_ADDR."),
	row(VI_ATTR_WIN_BASE_ADDR_32, "VI_ATTR_WIN_BASE_ADDR_32", AttrUint32, nil, roL, sRegWin, vAny, "Base address of the mapped window (32-bit form)."),
	row(VI_ATTR_WIN_BASE_ADDR_64, "VI_ATTR_WIN_BASE_ADDR_64", AttrAddr, nil, roL, sRegWin, vAny, "Base address of the mapped window (64-bit form, also VI_ATTR_WIN_BASE_ADDR)."),
	row(VI_ATTR_WIN_SIZE, "VI_ATTR_WIN_SIZE", AttrAddr, nil, roL, sRegWin, vAny, "Size of the mapped window."),
	row(VI_ATTR_SRC_INCREMENT, "VI_ATTR_SRC_INCREMENT", AttrInt32, int32(1), rwL, sRegWin, vRange(0, 1), "Source address step of viMoveInXX: 1 increments, 0 reads one register repeatedly."),
	row(VI_ATTR_DEST_INCREMENT, "VI_ATTR_DEST_INCREMENT", AttrInt32, int32(1), rwL, sRegWin, vRange(0, 1), "Destination address step of viMoveOutXX: 1 increments, 0 writes one register repeatedly."),
	row(VI_ATTR_SRC_ACCESS_PRIV, "VI_ATTR_SRC_ACCESS_PRIV", AttrUint16, VI_DATA_PRIV, rwL, sVXIMem, vPriv, "VXI address modifier for source accesses."),
	row(VI_ATTR_DEST_ACCESS_PRIV, "VI_ATTR_DEST_ACCESS_PRIV", AttrUint16, VI_DATA_PRIV, rwL, sVXIMem, vPriv, "VXI address modifier for destination accesses."),
	row(VI_ATTR_WIN_ACCESS_PRIV, "VI_ATTR_WIN_ACCESS_PRIV", AttrUint16, VI_DATA_PRIV, rwL, sVXIMem, vPriv, "VXI address modifier for accesses through the mapped window."),
	row(VI_ATTR_SRC_BYTE_ORDER, "VI_ATTR_SRC_BYTE_ORDER", AttrUint16, VI_BIG_ENDIAN, rwL, sVXIMem, vByteOrder, "Byte order of source accesses."),
	row(VI_ATTR_DEST_BYTE_ORDER, "VI_ATTR_DEST_BYTE_ORDER", AttrUint16, VI_BIG_ENDIAN, rwL, sVXIMem, vByteOrder, "Byte order of destination accesses."),
	row(VI_ATTR_WIN_BYTE_ORDER, "VI_ATTR_WIN_BYTE_ORDER", AttrUint16, VI_BIG_ENDIAN, rwL, sVXIMem, vByteOrder, "Byte order of accesses through the mapped window."),
	row(VI_ATTR_FDC_CHNL, "VI_ATTR_FDC_CHNL", AttrUint16, nil, rwL, sVXIIn, vRange(0, 7), "VXI fast-data channel used by VI_PROT_FDC transfers."),
	row(VI_ATTR_FDC_MODE, "VI_ATTR_FDC_MODE", AttrUint16, VI_FDC_NORMAL, rwL, sVXIIn, vSet(1, 2), "Fast-data channel mode: VI_FDC_NORMAL or VI_FDC_STREAM."),
	row(VI_ATTR_FDC_GEN_SIGNAL_EN, "VI_ATTR_FDC_GEN_SIGNAL_EN", AttrBool, false, rwL, sVXIIn, vAny, "Send a VXI signal when a fast-data transfer ends."),
	row(VI_ATTR_FDC_USE_PAIR, "VI_ATTR_FDC_USE_PAIR", AttrBool, false, rwL, sVXIIn, vAny, "Use a pair of fast-data channels, one per direction."),
	row(VI_ATTR_MAINFRAME_LA, "VI_ATTR_MAINFRAME_LA", AttrInt16, nil, roG, []AttrScope{vxiInstr, vxiBack}, vRange(0, 255, int64(VI_UNKNOWN_LA)), "Lowest logical address in the mainframe; VI_UNKNOWN_LA if unknown."),
	row(VI_ATTR_VXI_LA, "VI_ATTR_VXI_LA", AttrInt16, nil, roG, []AttrScope{vxiInstr, vxiMemacc, vxiServant}, vRange(0, 511), "Logical address of the VXI device, or of the local controller."),
	row(VI_ATTR_CMDR_LA, "VI_ATTR_CMDR_LA", AttrInt16, nil, roG, []AttrScope{vxiInstr, vxiServant}, vRange(0, 255, int64(VI_UNKNOWN_LA)), "Logical address of the commander of the device."),
	row(VI_ATTR_MEM_SPACE, "VI_ATTR_MEM_SPACE", AttrUint16, uint16(VI_A16_SPACE), roG, sVXIIn, vRange(1, 4), "Address space the device's memory is in."),
	row(VI_ATTR_MEM_SIZE_32, "VI_ATTR_MEM_SIZE_32", AttrUint32, nil, roG, []AttrScope{vxiInstr, vxiServant}, vAny, "Size of the device's memory (32-bit form)."),
	row(VI_ATTR_MEM_SIZE_64, "VI_ATTR_MEM_SIZE_64", AttrAddr, nil, roG, []AttrScope{vxiInstr, vxiServant}, vAny, "Size of the device's memory (64-bit form, also VI_ATTR_MEM_SIZE)."),
	row(VI_ATTR_MEM_BASE_32, "VI_ATTR_MEM_BASE_32", AttrUint32, nil, roG, []AttrScope{vxiInstr, vxiServant}, vAny, "Base address of the device's memory (32-bit form)."),
	row(VI_ATTR_MEM_BASE_64, "VI_ATTR_MEM_BASE_64", AttrAddr, nil, roG, []AttrScope{vxiInstr, vxiServant}, vAny, "Base address of the device's memory (64-bit form, also VI_ATTR_MEM_BASE)."),
	row(VI_ATTR_IMMEDIATE_SERV, "VI_ATTR_IMMEDIATE_SERV", AttrBool, nil, roG, sVXIIn, vAny, "The device is an immediate servant of the controller running VISA."),
	row(VI_ATTR_VXI_DEV_CLASS, "VI_ATTR_VXI_DEV_CLASS", AttrUint16, nil, roG, sVXIIn, vRange(0, 4), "VXI device class: memory, extended, message-based, register-based or other."),
	row(VI_ATTR_VXI_TRIG_SUPPORT, "VI_ATTR_VXI_TRIG_SUPPORT", AttrUint32, nil, roG, []AttrScope{vxiInstr, vxiBack}, vAny, "Bit mask of the trigger lines the implementation supports."),
	row(VI_ATTR_VXI_TRIG_DIR, "VI_ATTR_VXI_TRIG_DIR", AttrUint16, uint16(0), rwG, sVXIIn, vAny, "Direction of each trigger line (NI): a bit set drives the line."),
	row(VI_ATTR_VXI_TRIG_LINES_EN, "VI_ATTR_VXI_TRIG_LINES_EN", AttrUint16, uint16(0), rwG, sVXIIn, vAny, "Trigger lines enabled for the device (NI), as a bit mask."),
	row(VI_ATTR_INTF_PARENT_NUM, "VI_ATTR_INTF_PARENT_NUM", AttrUint16, nil, roG, sVXIBack, vAny, "Board number of the parent interface of the backplane."),
	row(VI_ATTR_VXI_VME_INTR_STATUS, "VI_ATTR_VXI_VME_INTR_STATUS", AttrUint16, nil, roG, sVXIBack, vAny, "Bit mask of the VME interrupt lines currently asserted."),
	row(VI_ATTR_VXI_TRIG_STATUS, "VI_ATTR_VXI_TRIG_STATUS", AttrUint32, nil, roG, sVXIBack, vAny, "Bit mask of the trigger lines currently asserted."),
	row(VI_ATTR_VXI_VME_SYSFAIL_STATE, "VI_ATTR_VXI_VME_SYSFAIL_STATE", AttrInt16, VI_STATE_UNKNOWN, roG, sVXIBack, vLine, "State of the VXI/VME SYSFAIL line."),

	// PXI.
	row(VI_ATTR_PXI_DEV_NUM, "VI_ATTR_PXI_DEV_NUM", AttrUint16, nil, roG, sPXIIn, vRange(0, 31), "PCI device number."),
	row(VI_ATTR_PXI_FUNC_NUM, "VI_ATTR_PXI_FUNC_NUM", AttrUint16, uint16(0), roG, sPXIIn, vRange(0, 7), "PCI function number."),
	row(VI_ATTR_PXI_BUS_NUM, "VI_ATTR_PXI_BUS_NUM", AttrUint16, nil, roG, sPXIIn, vRange(0, 255), "PCI bus number."),
	row(VI_ATTR_PXI_CHASSIS, "VI_ATTR_PXI_CHASSIS", AttrInt16, nil, roG, []AttrScope{pxiInstr, pxiBack}, vRange(0, 255, -1), "PXI chassis number; -1 if unknown."),
	row(VI_ATTR_PXI_SLOTPATH, "VI_ATTR_PXI_SLOTPATH", AttrString, nil, roG, sPXIIn, vAny, "Slot path of the device through PCI bridges."),
	row(VI_ATTR_PXI_SLOT_LBUS_LEFT, "VI_ATTR_PXI_SLOT_LBUS_LEFT", AttrInt16, nil, roG, sPXIIn, vLBus, "Slot connected to the left local bus lines."),
	row(VI_ATTR_PXI_SLOT_LBUS_RIGHT, "VI_ATTR_PXI_SLOT_LBUS_RIGHT", AttrInt16, nil, roG, sPXIIn, vLBus, "Slot connected to the right local bus lines."),
	row(VI_ATTR_PXI_TRIG_BUS, "VI_ATTR_PXI_TRIG_BUS", AttrInt16, nil, rwL, []AttrScope{pxiInstr, pxiBack}, vTrigBus, "Trigger bus segment of the slot; -1 if unknown."),
	row(VI_ATTR_PXI_STAR_TRIG_BUS, "VI_ATTR_PXI_STAR_TRIG_BUS", AttrInt16, nil, roG, sPXIIn, vTrigBus, "Star trigger bus number of the slot."),
	row(VI_ATTR_PXI_STAR_TRIG_LINE, "VI_ATTR_PXI_STAR_TRIG_LINE", AttrInt16, nil, roG, sPXIIn, vRange(0, 32767), "PXI_STAR line connected to the slot."),
	row(VI_ATTR_PXI_SRC_TRIG_BUS, "VI_ATTR_PXI_SRC_TRIG_BUS", AttrInt16, int16(-1), rwL, sPXIBack, vTrigBus, "Source segment for viMapTrigger on the backplane."),
	row(VI_ATTR_PXI_DEST_TRIG_BUS, "VI_ATTR_PXI_DEST_TRIG_BUS", AttrInt16, int16(-1), rwL, sPXIBack, vTrigBus, "Destination segment for viMapTrigger on the backplane."),
	row(VI_ATTR_PXI_IS_EXPRESS, "VI_ATTR_PXI_IS_EXPRESS", AttrBool, nil, roG, sPXIIn, vAny, "The device is PXI Express."),
	row(VI_ATTR_PXI_SLOT_LWIDTH, "VI_ATTR_PXI_SLOT_LWIDTH", AttrInt16, nil, roG, sPXIIn, vLinkWidth, "PCI Express link width of the slot."),
	row(VI_ATTR_PXI_MAX_LWIDTH, "VI_ATTR_PXI_MAX_LWIDTH", AttrInt16, nil, roG, sPXIIn, vLinkWidth, "Largest PCI Express link width the device supports."),
	row(VI_ATTR_PXI_ACTUAL_LWIDTH, "VI_ATTR_PXI_ACTUAL_LWIDTH", AttrInt16, nil, roG, sPXIIn, vLinkWidth, "Negotiated PCI Express link width."),
	row(VI_ATTR_PXI_DSTAR_BUS, "VI_ATTR_PXI_DSTAR_BUS", AttrInt16, nil, roG, sPXIIn, vAny, "Differential star trigger bus number of the slot."),
	row(VI_ATTR_PXI_DSTAR_SET, "VI_ATTR_PXI_DSTAR_SET", AttrInt16, nil, roG, sPXIIn, vRange(0, 16, -1), "Set of PXI_DSTAR lines connected to the slot."),

	// Event attributes.
	evRow(VI_ATTR_EVENT_TYPE, "VI_ATTR_EVENT_TYPE", AttrUint32, allEventTypes, "Type of the event."),
	evRow(VI_ATTR_STATUS, "VI_ATTR_STATUS", AttrInt32, []EventType{VI_EVENT_IO_COMPLETION, VI_EVENT_EXCEPTION}, "Completion status of the asynchronous operation, or the error that raised the exception."),
	evRow(VI_ATTR_JOB_ID, "VI_ATTR_JOB_ID", AttrJobID, []EventType{VI_EVENT_IO_COMPLETION}, "Job id of the asynchronous operation that completed."),
	evRow(VI_ATTR_RET_COUNT_32, "VI_ATTR_RET_COUNT_32", AttrUint32, []EventType{VI_EVENT_IO_COMPLETION}, "Number of elements transferred (32-bit form)."),
	evRow(VI_ATTR_RET_COUNT_64, "VI_ATTR_RET_COUNT_64", AttrUint64, []EventType{VI_EVENT_IO_COMPLETION}, "Number of elements transferred (64-bit form, also VI_ATTR_RET_COUNT)."),
	evRow(VI_ATTR_BUFFER, "VI_ATTR_BUFFER", AttrBuffer, []EventType{VI_EVENT_IO_COMPLETION}, "Data buffer of the asynchronous operation."),
	evRow(VI_ATTR_OPER_NAME, "VI_ATTR_OPER_NAME", AttrString, []EventType{VI_EVENT_IO_COMPLETION, VI_EVENT_EXCEPTION}, "Name of the operation that completed or failed."),
	evRow(VI_ATTR_RECV_TRIG_ID, "VI_ATTR_RECV_TRIG_ID", AttrInt16, []EventType{VI_EVENT_TRIG}, "Trigger line on which the trigger was received."),
	evRow(VI_ATTR_GPIB_RECV_CIC_STATE, "VI_ATTR_GPIB_RECV_CIC_STATE", AttrBool, []EventType{VI_EVENT_GPIB_CIC}, "Whether the board became (true) or stopped being (false) controller in charge."),
	evRow(VI_ATTR_RECV_TCPIP_ADDR, "VI_ATTR_RECV_TCPIP_ADDR", AttrString, []EventType{VI_EVENT_TCPIP_CONNECT}, "Address of the peer that connected."),
	evRow(VI_ATTR_USB_RECV_INTR_SIZE, "VI_ATTR_USB_RECV_INTR_SIZE", AttrUint16, []EventType{VI_EVENT_USB_INTR}, "Size of the interrupt-IN data received."),
	evRow(VI_ATTR_USB_RECV_INTR_DATA, "VI_ATTR_USB_RECV_INTR_DATA", AttrBuffer, []EventType{VI_EVENT_USB_INTR}, "Interrupt-IN data received."),
	evRow(VI_ATTR_SIGP_STATUS_ID, "VI_ATTR_SIGP_STATUS_ID", AttrUint16, []EventType{VI_EVENT_VXI_SIGP}, "16-bit status/id value of the VXI signal or interrupt."),
	evRow(VI_ATTR_INTR_STATUS_ID, "VI_ATTR_INTR_STATUS_ID", AttrUint32, []EventType{VI_EVENT_VXI_VME_INTR}, "Status/id value read during the VME interrupt acknowledge cycle."),
	evRow(VI_ATTR_RECV_INTR_LEVEL, "VI_ATTR_RECV_INTR_LEVEL", AttrInt16, []EventType{VI_EVENT_VXI_VME_INTR}, "VME interrupt level, 1 to 7, or VI_UNKNOWN_LEVEL."),
	evRow(VI_ATTR_PXI_RECV_INTR_SEQ, "VI_ATTR_PXI_RECV_INTR_SEQ", AttrInt16, []EventType{VI_EVENT_PXI_INTR}, "Index of the interrupt sequence that detected the PXI interrupt."),
	evRow(VI_ATTR_PXI_RECV_INTR_DATA, "VI_ATTR_PXI_RECV_INTR_DATA", AttrUint32, []EventType{VI_EVENT_PXI_INTR}, "First register value read by the PXI interrupt sequence."),
}

// allEventTypes lists the event types VISA defines (VI_ALL_ENABLED_EVENTS
// excluded).
var allEventTypes = []EventType{
	VI_EVENT_IO_COMPLETION, VI_EVENT_TRIG, VI_EVENT_SERVICE_REQ, VI_EVENT_CLEAR, VI_EVENT_EXCEPTION,
	VI_EVENT_GPIB_CIC, VI_EVENT_GPIB_TALK, VI_EVENT_GPIB_LISTEN, VI_EVENT_VXI_VME_SYSFAIL,
	VI_EVENT_VXI_VME_SYSRESET, VI_EVENT_VXI_SIGP, VI_EVENT_VXI_VME_INTR, VI_EVENT_PXI_INTR,
	VI_EVENT_TCPIP_CONNECT, VI_EVENT_USB_INTR,
}

// pxiBarRows builds the six groups of PXI BAR attributes.
func pxiBarRows() []AttrInfo {
	var rows []AttrInfo
	vType := vSet(0, 1, 2) // VI_PXI_ADDR_NONE, MEM, IO
	for i := Attr(0); i < 6; i++ {
		rows = append(rows,
			row(VI_ATTR_PXI_MEM_TYPE_BAR0+i, fmt.Sprintf("VI_ATTR_PXI_MEM_TYPE_BAR%d", i), AttrUint16, nil, roG, sPXIIn, vType,
				fmt.Sprintf("Address type of PCI base address register %d: none, memory or I/O.", i)),
			row(VI_ATTR_PXI_MEM_BASE_BAR0_32+i, fmt.Sprintf("VI_ATTR_PXI_MEM_BASE_BAR%d_32", i), AttrUint32, nil, roG, sPXIIn, vAny,
				fmt.Sprintf("Base address of BAR%d (32-bit form).", i)),
			row(VI_ATTR_PXI_MEM_BASE_BAR0_64+i, fmt.Sprintf("VI_ATTR_PXI_MEM_BASE_BAR%d_64", i), AttrAddr, nil, roG, sPXIIn, vAny,
				fmt.Sprintf("Base address of BAR%d (64-bit form).", i)),
			row(VI_ATTR_PXI_MEM_SIZE_BAR0_32+i, fmt.Sprintf("VI_ATTR_PXI_MEM_SIZE_BAR%d_32", i), AttrUint32, nil, roG, sPXIIn, vAny,
				fmt.Sprintf("Size of BAR%d (32-bit form).", i)),
			row(VI_ATTR_PXI_MEM_SIZE_BAR0_64+i, fmt.Sprintf("VI_ATTR_PXI_MEM_SIZE_BAR%d_64", i), AttrAddr, nil, roG, sPXIIn, vAny,
				fmt.Sprintf("Size of BAR%d (64-bit form).", i)),
		)
	}
	return rows
}
