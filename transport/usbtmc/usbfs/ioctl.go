package usbfs

// ioctl request encoding (include/uapi/asm-generic/ioctl.h and the MIPS and
// PowerPC variants).
type iocEncoding struct {
	sizeBits          uint
	none, write, read uint32
}

var (
	genericIOC = iocEncoding{sizeBits: 14, none: 0, write: 1, read: 2}
	// MIPS, PowerPC, SPARC, Alpha: 13 size bits and a 3-bit direction.
	mipsIOC = iocEncoding{sizeBits: 13, none: 1, write: 4, read: 2}
)

const (
	dirNone = iota
	dirWrite
	dirRead
	dirRW
)

func (e iocEncoding) ioc(dir int, typ byte, nr byte, size uintptr) uint32 {
	var d uint32
	switch dir {
	case dirNone:
		d = e.none
	case dirWrite:
		d = e.write
	case dirRead:
		d = e.read
	case dirRW:
		d = e.read | e.write
	}
	return d<<(16+e.sizeBits) | uint32(size)<<16 | uint32(typ)<<8 | uint32(nr)
}

// Numbers holds the usbfs ioctl request codes for one architecture and
// pointer size.
type Numbers struct {
	Control, Bulk, ResetEP, SetInterface, SetConfiguration, GetDriver,
	SubmitURB, DiscardURB, ReapURB, ReapURBNDelay, ClaimInterface,
	ReleaseInterface, ConnectInfo, IOCTL, Reset, ClearHalt, Disconnect,
	Connect, GetCapabilities, DisconnectClaim, GetSpeed uint32
}

// numbersFor computes the request codes. ptr is the pointer size (4 or 8).
func numbersFor(e iocEncoding, ptr uintptr) Numbers {
	const u = 'U'
	ctrl := 8 + 4 + ptr // usbdevfs_ctrltransfer: 12 bytes then an aligned pointer
	if ptr == 8 {
		ctrl = 24
	}
	bulk := ctrl // usbdevfs_bulktransfer has the same shape
	urb := uintptr(44)
	if ptr == 8 {
		urb = 56
	}
	return Numbers{
		Control:          e.ioc(dirRW, u, 0, ctrl),
		Bulk:             e.ioc(dirRW, u, 2, bulk),
		ResetEP:          e.ioc(dirRead, u, 3, 4),
		SetInterface:     e.ioc(dirRead, u, 4, 8),
		SetConfiguration: e.ioc(dirRead, u, 5, 4),
		GetDriver:        e.ioc(dirWrite, u, 8, 4+256),
		SubmitURB:        e.ioc(dirRead, u, 10, urb),
		DiscardURB:       e.ioc(dirNone, u, 11, 0),
		ReapURB:          e.ioc(dirWrite, u, 12, ptr),
		ReapURBNDelay:    e.ioc(dirWrite, u, 13, ptr),
		ClaimInterface:   e.ioc(dirRead, u, 15, 4),
		ReleaseInterface: e.ioc(dirRead, u, 16, 4),
		ConnectInfo:      e.ioc(dirWrite, u, 17, 8),
		IOCTL:            e.ioc(dirRW, u, 18, 4+4+ptr),
		Reset:            e.ioc(dirNone, u, 20, 0),
		ClearHalt:        e.ioc(dirRead, u, 21, 4),
		Disconnect:       e.ioc(dirNone, u, 22, 0),
		Connect:          e.ioc(dirNone, u, 23, 0),
		GetCapabilities:  e.ioc(dirRead, u, 26, 4),
		DisconnectClaim:  e.ioc(dirRead, u, 27, 4+4+256),
		GetSpeed:         e.ioc(dirNone, u, 31, 0),
	}
}
