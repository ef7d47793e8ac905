package linuxgpib

import (
	"bytes"
	"testing"
)

// TestRequestNumbers checks the computed ioctl numbers against the fact
// sheet's table (asm-generic layout) and the MIPS layout's direction bits.
func TestRequestNumbers(t *testing.T) {
	g := makeRequests(layoutGeneric)
	want := map[string][2]uint{
		"IBRD": {g.rd, 0xC018A064}, "IBWRT": {g.wrt, 0xC018A065}, "IBCMD": {g.cmd, 0xC018A066},
		"IBOPENDEV": {g.openDev, 0xC010A003}, "IBCLOSEDEV": {g.closeDev, 0x4004A004}, "IBWAIT": {g.wait, 0xC020A005},
		"IBRPP": {g.rpp, 0xC001A006}, "IBSIC": {g.sic, 0x4004A009}, "IBSRE": {g.sre, 0x4004A00A},
		"IBGTS": {g.gts, 0x0000A00B}, "IBCAC": {g.cac, 0x4004A00C}, "IBLINES": {g.lines, 0x8002A00E},
		"IBPAD": {g.pad, 0x4008A00F}, "IBSAD": {g.sad, 0x4008A010}, "IBTMO": {g.tmo, 0x4004A011},
		"IBRSP": {g.rsp, 0xC00CA012}, "IBEOS": {g.eos, 0x4008A013}, "IBRSV": {g.rsv, 0x4001A014},
		"IBMUTEX": {g.mutex, 0x4004A01A}, "IBBOARD_INFO": {g.boardInfo, 0x801CA01D},
		"IBEVENT": {g.event, 0x8002A021}, "IBLOC": {g.loc, 0x0000A024},
		"IBQUERY_BOARD_RSV": {g.queryRSV, 0x8004A01F}, "IBRSC": {g.rsc, 0x4004A022},
	}
	for name, v := range want {
		if v[0] != v[1] {
			t.Errorf("%s = %#x, fact sheet %#x", name, v[0], v[1])
		}
	}
	m := makeRequests(layoutMIPS)
	// MIPS: read|write = 6 at bit 29, none = 1 at bit 29.
	if m.rd != 0xC018A064 || m.gts != 0x2000A00B || m.sre != 0x8004A00A || m.lines != 0x4002A00E {
		t.Errorf("mips: rd %#x gts %#x sre %#x lines %#x", m.rd, m.gts, m.sre, m.lines)
	}
	// MIPS: write = 4, read = 2 at bit 29.
	if m.rsc != 0x8004A022 || m.queryRSV != 0x4004A01F || m.rsv != 0x8001A014 || m.pad != 0x8008A00F {
		t.Errorf("mips: rsc %#x query_rsv %#x rsv %#x pad %#x", m.rsc, m.queryRSV, m.rsv, m.pad)
	}
}

// TestStructLayouts checks field offsets of the argument structs
// (fact sheet §6.2) on this machine's byte order.
func TestStructLayouts(t *testing.T) {
	a := rwArgs{buf: 0x1122334455667788, requested: 7, completed: 3, end: 1, handle: 2}
	b := a.encode()
	if len(b) != 24 || ne.Uint64(b[0:]) != a.buf || ne.Uint32(b[8:]) != 7 || ne.Uint32(b[12:]) != 3 ||
		ne.Uint32(b[16:]) != 1 || ne.Uint32(b[20:]) != 2 || decodeRW(b) != a {
		t.Fatalf("read_write_ioctl_t %x", b)
	}
	w := waitArgs{handle: 1, waitMask: staSRQI, pad: noAddr, sad: noAddr, usecTimeout: 1000}
	wb := w.encode()
	if len(wb) != 32 || ne.Uint32(wb[4:]) != staSRQI || int32(ne.Uint32(wb[20:])) != -1 || ne.Uint32(wb[28:]) != 1000 || decodeWait(wb) != w {
		t.Fatalf("wait_ioctl_t %x", wb)
	}
	sp := encodeSPoll(5, -1)
	if len(sp) != 12 || ne.Uint32(sp[0:]) != 5 || int32(ne.Uint32(sp[4:])) != -1 {
		t.Fatalf("serial_poll_ioctl_t %x", sp)
	}
	// pad_ioctl_t {u32 handle, u32 pad} and sad_ioctl_t {u32 handle, int
	// sad}: the board descriptor is handle 0, no secondary address is -1.
	if p := pairArg(0, -1); len(p) != 8 || ne.Uint32(p[0:]) != 0 || int32(ne.Uint32(p[4:])) != -1 {
		t.Fatalf("sad_ioctl_t %x", p)
	}
	if p := pairArg(10, eosREOS|eosBIN); ne.Uint32(p[0:]) != 10 || ne.Uint32(p[4:]) != 0x1400 {
		t.Fatalf("eos_ioctl_t %x", p)
	}
}

func TestBusBytes(t *testing.T) {
	if got := listenSeq(0, -1, 5, 3); !bytes.Equal(got, []byte{0x40, 0x3F, 0x25, 0x63}) {
		t.Fatalf("listen %x", got)
	}
	if got := talkSeq(0, 2, 7, -1); !bytes.Equal(got, []byte{0x3F, 0x20, 0x62, 0x47}) {
		t.Fatalf("talk %x", got)
	}
}
