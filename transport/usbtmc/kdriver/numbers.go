package kdriver

import "github.com/govisa/govisa/transport/usbtmc/internal/ioc"

// ioctlNumbers holds the usbtmc driver's ioctl request codes
// (include/uapi/linux/usb/tmc.h).
type ioctlNumbers struct {
	IndicatorPulse, Clear, AbortBulkOut, AbortBulkIn, ClearOutHalt,
	ClearInHalt, CtrlRequest, GetTimeout, SetTimeout, EOMEnable,
	ConfigTermChar, Write, Read, WriteResult, APIVersion, GetCaps, ReadSTB,
	RENControl, GotoLocal, LocalLockout, Trigger, WaitSRQ, MsgInAttr,
	AutoAbort, GetSTB, GetSRQSTB, CancelIO, CleanupIO uint32
}

func numbersFor(e ioc.Encoding, ptr uintptr) ioctlNumbers {
	const t = 91 // USBTMC_IOC_NR
	return ioctlNumbers{
		IndicatorPulse: e.Num(ioc.DirNone, t, 1, 0),
		Clear:          e.Num(ioc.DirNone, t, 2, 0),
		AbortBulkOut:   e.Num(ioc.DirNone, t, 3, 0),
		AbortBulkIn:    e.Num(ioc.DirNone, t, 4, 0),
		ClearOutHalt:   e.Num(ioc.DirNone, t, 6, 0),
		ClearInHalt:    e.Num(ioc.DirNone, t, 7, 0),
		CtrlRequest:    e.Num(ioc.DirRW, t, 8, 8+ptr), // packed {usbtmc_request; void *data}
		GetTimeout:     e.Num(ioc.DirRead, t, 9, 4),
		SetTimeout:     e.Num(ioc.DirWrite, t, 10, 4),
		EOMEnable:      e.Num(ioc.DirWrite, t, 11, 1),
		ConfigTermChar: e.Num(ioc.DirWrite, t, 12, 2),
		Write:          e.Num(ioc.DirRW, t, 13, 12+ptr), // packed usbtmc_message
		Read:           e.Num(ioc.DirRW, t, 14, 12+ptr),
		WriteResult:    e.Num(ioc.DirRW, t, 15, 4),
		APIVersion:     e.Num(ioc.DirRead, t, 16, 4),
		GetCaps:        e.Num(ioc.DirRead, t, 17, 1),
		ReadSTB:        e.Num(ioc.DirRead, t, 18, 1),
		RENControl:     e.Num(ioc.DirWrite, t, 19, 1),
		GotoLocal:      e.Num(ioc.DirNone, t, 20, 0),
		LocalLockout:   e.Num(ioc.DirNone, t, 21, 0),
		Trigger:        e.Num(ioc.DirNone, t, 22, 0),
		WaitSRQ:        e.Num(ioc.DirWrite, t, 23, 4),
		MsgInAttr:      e.Num(ioc.DirRead, t, 24, 1),
		AutoAbort:      e.Num(ioc.DirWrite, t, 25, 1),
		GetSTB:         e.Num(ioc.DirRead, t, 26, 1),
		GetSRQSTB:      e.Num(ioc.DirRead, t, 27, 1),
		CancelIO:       e.Num(ioc.DirNone, t, 35, 0),
		CleanupIO:      e.Num(ioc.DirNone, t, 36, 0),
	}
}

// Packed usb488_caps bits (USBTMC488_IOCTL_GET_CAPS).
const (
	capTrigger    = 1
	capRENControl = 2 // also GOTO_LOCAL and LOCAL_LOCKOUT
	cap4882       = 4
)
