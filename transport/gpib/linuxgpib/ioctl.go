// Package linuxgpib drives a linux-gpib board (/dev/gpibN) directly with
// ioctls, without the libgpib C library: it does in Go what libgpib does
// in user space (fact sheet §6.3) — addressing with bus command bytes,
// EOS/EOI handling, serial poll, SDC, GET, GTL, LLO, REN, IFC, ATN, pass
// control — and waits on the SRQ line for service requests.
//
// The kernel ties its board lock (IBMUTEX) to the calling thread, so every
// locked span runs under runtime.LockOSThread. A blocked ioctl ends at the
// board timeout (IBTMO, set from ctx's deadline); cancellation of ctx is
// noticed only then, because the driver offers no way to interrupt it.
//
// The ioctl layer goes through a small interface so that tests drive it
// against SimBus, a simulated board that decodes the same request numbers
// and struct bytes and simulates a bus of devices; Simulate makes it
// /dev/gpibN for Open and Boards, so code above this package (govisa's
// native backend) is tested unchanged.
//
// Boards lists the boards present and FindListeners scans a bus for
// instruments (the IEEE 488.2 FindLstn protocol), bounded per driver call
// and by the caller's context. Instr and Board answer the VISA GPIB
// attributes (Attr, SetAttr) from the driver.
package linuxgpib

import "encoding/binary"

// gpibCode is the ioctl type of linux-gpib (GPIB_CODE, 0xA0).
const gpibCode = 0xA0

// ioctl direction bits and field layout: asm-generic (x86, ARM, RISC-V,
// ...) uses 2 direction bits at 30 and 14 size bits; MIPS, PowerPC and
// SPARC use 3 direction bits at 29 and 13 size bits.
type iocLayout struct {
	none, write, read uint
	dirShift          uint
}

var (
	layoutGeneric = iocLayout{none: 0, write: 1, read: 2, dirShift: 30}
	layoutMIPS    = iocLayout{none: 1, write: 4, read: 2, dirShift: 29}
)

func (l iocLayout) ioc(dir, nr, size uint) uint {
	return dir<<l.dirShift | size<<16 | gpibCode<<8 | nr
}

// requests holds the ioctl numbers of one architecture.
type requests struct {
	rd, wrt, cmd, openDev, closeDev, wait, rpp, sic, sre, gts, cac, lines,
	pad, sad, tmo, rsp, eos, rsv, mutex, boardInfo, event, loc, queryRSV, rsc uint
}

func makeRequests(l iocLayout) requests {
	rw := func(nr, size uint) uint { return l.ioc(l.read|l.write, nr, size) }
	w := func(nr, size uint) uint { return l.ioc(l.write, nr, size) }
	r := func(nr, size uint) uint { return l.ioc(l.read, nr, size) }
	n := func(nr uint) uint { return l.ioc(l.none, nr, 0) }
	return requests{
		rd: rw(100, sizeRW), wrt: rw(101, sizeRW), cmd: rw(102, sizeRW),
		openDev: rw(3, sizeOpenDev), closeDev: w(4, 4), wait: rw(5, sizeWait), rpp: rw(6, 1),
		sic: w(9, 4), sre: w(10, 4), gts: n(11), cac: w(12, 4), lines: r(14, 2),
		pad: w(15, 8), sad: w(16, 8), tmo: w(17, 4), rsp: rw(18, sizeSPoll), eos: w(19, 8),
		rsv: w(20, 1), mutex: w(26, 4), boardInfo: r(29, sizeBoardInfo), event: r(33, 2), loc: n(36),
		queryRSV: r(31, 4), rsc: w(34, 4),
	}
}

// Struct sizes (fact sheet §6.2; no pointers inside, so equal on 32 and
// 64 bits).
const (
	sizeRW        = 24
	sizeOpenDev   = 16
	sizeWait      = 32
	sizeSPoll     = 12
	sizeBoardInfo = 28
)

// ne is the byte order of the kernel structs: the machine's own.
var ne = binary.NativeEndian

// rwArgs is read_write_ioctl_t.
type rwArgs struct {
	buf       uint64 // user address of the buffer
	requested uint32
	completed uint32
	end       int32
	handle    int32
}

func (a *rwArgs) encode() []byte {
	b := make([]byte, sizeRW)
	ne.PutUint64(b[0:], a.buf)
	ne.PutUint32(b[8:], a.requested)
	ne.PutUint32(b[12:], a.completed)
	ne.PutUint32(b[16:], uint32(a.end))
	ne.PutUint32(b[20:], uint32(a.handle))
	return b
}

func decodeRW(b []byte) rwArgs {
	return rwArgs{buf: ne.Uint64(b[0:]), requested: ne.Uint32(b[8:]), completed: ne.Uint32(b[12:]),
		end: int32(ne.Uint32(b[16:])), handle: int32(ne.Uint32(b[20:]))}
}

// waitArgs is wait_ioctl_t: eight 4-byte fields.
type waitArgs struct {
	handle, waitMask, clearMask, setMask, ibsta, pad, sad int32
	usecTimeout                                           uint32
}

func (a *waitArgs) encode() []byte {
	b := make([]byte, sizeWait)
	for i, v := range []uint32{uint32(a.handle), uint32(a.waitMask), uint32(a.clearMask), uint32(a.setMask),
		uint32(a.ibsta), uint32(a.pad), uint32(a.sad), a.usecTimeout} {
		ne.PutUint32(b[4*i:], v)
	}
	return b
}

func decodeWait(b []byte) waitArgs {
	g := func(i int) int32 { return int32(ne.Uint32(b[4*i:])) }
	return waitArgs{g(0), g(1), g(2), g(3), g(4), g(5), g(6), uint32(g(7))}
}

// spollArgs is serial_poll_ioctl_t.
func encodeSPoll(pad uint32, sad int32) []byte {
	b := make([]byte, sizeSPoll)
	ne.PutUint32(b[0:], pad)
	ne.PutUint32(b[4:], uint32(sad))
	return b
}

// int32Arg and pairArg encode the small argument structs.
func int32Arg(v int32) []byte {
	b := make([]byte, 4)
	ne.PutUint32(b, uint32(v))
	return b
}

func pairArg(a, c int32) []byte {
	b := make([]byte, 8)
	ne.PutUint32(b[0:], uint32(a))
	ne.PutUint32(b[4:], uint32(c))
	return b
}

// Constants of gpib_user.h.
const (
	staLACS = 0x0004
	staTACS = 0x0008
	staATN  = 0x0010
	staCIC  = 0x0020
	staSRQI = 0x1000
	staTIMO = 0x4000
	staCMPL = 0x0100
	eosREOS = 0x0400
	eosBIN  = 0x1000
	noAddr  = -1
	// IBLINES bits: valid mask in the low byte, state in the high byte.
	lineNDAC = 0x02
	lineREN  = 0x10
	lineSRQ  = 0x20
	lineATN  = 0x40
)

// Offsets in board_info_ioctl_t.
const (
	infoPad     = 0
	infoSad     = 4
	infoSysCtrl = 16
)

// maxBoards is GPIB_MAX_NUM_BOARDS: /dev/gpib0 to /dev/gpib15.
const maxBoards = 16
