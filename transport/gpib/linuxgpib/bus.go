package linuxgpib

// IEEE 488.1 bus command bytes (fact sheet §6.1).
const (
	cmdGTL byte = 0x01
	cmdSDC byte = 0x04
	cmdGET byte = 0x08
	cmdTCT byte = 0x09
	cmdLLO byte = 0x11
	cmdDCL byte = 0x14
	cmdSPE byte = 0x18
	cmdSPD byte = 0x19
	cmdUNL byte = 0x3F
	cmdUNT byte = 0x5F
)

func mla(pad int) byte { return 0x20 | byte(pad) }
func mta(pad int) byte { return 0x40 | byte(pad) }
func msa(sad int) byte { return 0x60 | byte(sad) }

// addr appends a primary and, when sad >= 0, a secondary address byte.
func addr(dst []byte, primary byte, sad int) []byte {
	dst = append(dst, primary)
	if sad >= 0 {
		dst = append(dst, msa(sad))
	}
	return dst
}

// listenSeq addresses the board to talk and the device to listen.
func listenSeq(boardPad, boardSad, pad, sad int) []byte {
	b := addr(nil, mta(boardPad), boardSad)
	b = append(b, cmdUNL)
	return addr(b, mla(pad), sad)
}

// talkSeq addresses the device to talk and the board to listen.
func talkSeq(boardPad, boardSad, pad, sad int) []byte {
	b := []byte{cmdUNL}
	b = addr(b, mla(boardPad), boardSad)
	return addr(b, mta(pad), sad)
}
