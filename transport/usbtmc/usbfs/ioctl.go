package usbfs

import "github.com/govisa/govisa/transport/usbtmc/internal/ioc"

// Aliases keep the table below close to the uapi header.
type iocEncoding = ioc.Encoding

var (
	genericIOC = ioc.Generic
	mipsIOC    = ioc.MIPS
	archIOC    = ioc.Arch
)

const (
	dirNone  = ioc.DirNone
	dirWrite = ioc.DirWrite
	dirRead  = ioc.DirRead
	dirRW    = ioc.DirRW
)

// ioctlNumbers holds the usbfs ioctl request codes for one architecture and
// pointer size.
type ioctlNumbers struct {
	Control, Bulk, ResetEP, SetInterface, SetConfiguration, GetDriver,
	SubmitURB, DiscardURB, ReapURB, ReapURBNDelay, ClaimInterface,
	ReleaseInterface, ConnectInfo, IOCTL, Reset, ClearHalt, Disconnect,
	Connect, GetCapabilities, DisconnectClaim, GetSpeed uint32
}

// numbersFor computes the request codes. ptr is the pointer size (4 or 8).
func numbersFor(e iocEncoding, ptr uintptr) ioctlNumbers {
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
	return ioctlNumbers{
		Control:          e.Num(dirRW, u, 0, ctrl),
		Bulk:             e.Num(dirRW, u, 2, bulk),
		ResetEP:          e.Num(dirRead, u, 3, 4),
		SetInterface:     e.Num(dirRead, u, 4, 8),
		SetConfiguration: e.Num(dirRead, u, 5, 4),
		GetDriver:        e.Num(dirWrite, u, 8, 4+256),
		SubmitURB:        e.Num(dirRead, u, 10, urb),
		DiscardURB:       e.Num(dirNone, u, 11, 0),
		ReapURB:          e.Num(dirWrite, u, 12, ptr),
		ReapURBNDelay:    e.Num(dirWrite, u, 13, ptr),
		ClaimInterface:   e.Num(dirRead, u, 15, 4),
		ReleaseInterface: e.Num(dirRead, u, 16, 4),
		ConnectInfo:      e.Num(dirWrite, u, 17, 8),
		IOCTL:            e.Num(dirRW, u, 18, 4+4+ptr),
		Reset:            e.Num(dirNone, u, 20, 0),
		ClearHalt:        e.Num(dirRead, u, 21, 4),
		Disconnect:       e.Num(dirNone, u, 22, 0),
		Connect:          e.Num(dirNone, u, 23, 0),
		GetCapabilities:  e.Num(dirRead, u, 26, 4),
		DisconnectClaim:  e.Num(dirRead, u, 27, 4+4+256),
		GetSpeed:         e.Num(dirNone, u, 31, 0),
	}
}
