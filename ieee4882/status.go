package ieee4882

// Status byte (STB) bits, IEEE 488.2 §11.2 with the SCPI-1999 assignments
// of the device-specific bits.
const (
	// STBEAV (bit 2) is set by SCPI devices while the error/event queue is
	// not empty.
	STBEAV byte = 0x04
	// STBQUES (bit 3) is the SCPI QUEStionable status summary.
	STBQUES byte = 0x08
	// STBMAV (bit 4) is set while a response message is available in the
	// output queue.
	STBMAV byte = 0x10
	// STBESB (bit 5) is the event status summary: ESR & ESE != 0.
	STBESB byte = 0x20
	// STBRQS (bit 6, serial poll) is set while the device requests service;
	// a serial poll returns it and clears it.
	STBRQS byte = 0x40
	// STBMSS (bit 6, *STB?) is the master summary status:
	// (STB & SRE & 0xBF) != 0. Reading it clears nothing.
	STBMSS byte = 0x40
	// STBOPER (bit 7) is the SCPI OPERation status summary.
	STBOPER byte = 0x80

	// SREMask is applied to *SRE values: bit 6 cannot be enabled, because
	// RQS/MSS summarises the other bits.
	SREMask byte = 0xBF
)

// Standard event status register (ESR) bits, IEEE 488.2 §11.5.1.
const (
	ESROPC byte = 0x01 // operation complete (*OPC)
	ESRRQC byte = 0x02 // request control
	ESRQYE byte = 0x04 // query error (SCPI errors -400..-499)
	ESRDDE byte = 0x08 // device-dependent error (-300..-399)
	ESREXE byte = 0x10 // execution error (-200..-299)
	ESRCME byte = 0x20 // command error (-100..-199)
	ESRURQ byte = 0x40 // user request
	ESRPON byte = 0x80 // power on
)

// ESRBitForError returns the ESR bit that SCPI sets when it queues an error
// with this code: command errors set CME, execution errors EXE,
// device-dependent errors (and positive, device-defined codes) DDE and query
// errors QYE. Code 0 and codes outside those classes return 0.
func ESRBitForError(code int) byte {
	switch {
	case code <= -100 && code > -200:
		return ESRCME
	case code <= -200 && code > -300:
		return ESREXE
	case code <= -300 && code > -400:
		return ESRDDE
	case code <= -400 && code > -500:
		return ESRQYE
	case code > 0:
		return ESRDDE
	}
	return 0
}
