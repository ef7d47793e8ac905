package usbtmc

// Quirk is a set of firmware deviations the engine works around.
type Quirk uint32

const (
	// QuirkSingleHeader: the device sends the Bulk-IN header only once per
	// response, reports a TransferSize larger than requested (the whole
	// response) and re-sends data when asked again. The engine then accepts
	// the larger TransferSize, streams the rest of the transfer from the
	// pipe across Reads without a new REQUEST_DEV_DEP_MSG_IN, and treats the
	// end of the transfer as the end of the message.
	QuirkSingleHeader Quirk = 1 << iota
	// QuirkSmallReads: the device fails reads larger than 63 bytes; every
	// REQUEST_DEV_DEP_MSG_IN asks for at most 48 data bytes, so header and
	// padding stay within 63.
	QuirkSmallReads
	// QuirkNoEOM: the device never sets EOM; a transfer shorter than
	// requested ends the message.
	QuirkNoEOM
	// QuirkNoTermChar: the device advertises TermChar but mishandles it;
	// the engine scans for the termination character itself.
	QuirkNoTermChar
)

// QuirkEntry ties a quirk set to the devices that need it and the symptom
// it fixes.
type QuirkEntry struct {
	VendorID  uint16
	ProductID uint16 // 0 matches every product of the vendor
	Quirks    Quirk
	Symptom   string
}

// QuirkTable lists the known devices. Sources: pyvisa-py's usbtmc quirks
// and the protocol fact sheet §5.3.
var QuirkTable = []QuirkEntry{
	{0x1AB1, 0x04CE, QuirkSingleHeader, "Rigol DS1000Z: header only in the first transfer, TransferSize/EOM misreported; re-requesting repeats data, so block reads come back garbled or duplicated"},
	{0x1AB1, 0x0588, QuirkSingleHeader, "Rigol DS1000/DG1000: same single-header TransferSize behaviour as the DS1000Z"},
	{0x1334, 0, QuirkSmallReads | QuirkNoEOM, "Advantest/ADCMT: reads above 63 bytes fail and EOM is never set, so every read would time out"},
}

// LookupQuirks returns the quirks of the table entries that match vid and pid.
func LookupQuirks(vid, pid uint16) Quirk {
	var q Quirk
	for _, e := range QuirkTable {
		if e.VendorID == vid && (e.ProductID == 0 || e.ProductID == pid) {
			q |= e.Quirks
		}
	}
	return q
}
