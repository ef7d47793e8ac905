package visa

import (
	"context"
	"time"
)

// Session is a VISA session handle (ViSession). Handles are unique within
// one Library; 0 is never a valid handle.
type Session uint32

// JobID identifies an asynchronous operation (ViJobId).
type JobID uint32

// HandlerID identifies an installed event handler.
type HandlerID uint32

// AddressSpace is a register address space (VI_A16_SPACE, ...).
type AddressSpace uint16

// DataWidth is the width of one register access in bytes: 1, 2, 4 or 8.
type DataWidth uint8

// Event is an occurrence delivered by WaitOnEvent or to a handler.
type Event struct {
	Type EventType
	// Attrs holds the event's context attributes (VI_ATTR_STATUS,
	// VI_ATTR_JOB_ID, VI_ATTR_RET_COUNT, VI_ATTR_BUFFER, ...).
	Attrs map[Attr]any
}

// Handler receives events installed with InstallHandler. It runs on a
// goroutine of the library and must not block for long.
type Handler func(s Session, ev Event)

// Library is the level-2 contract a backend implements: the operations of
// VPP-4.3, one method each (register accesses take a DataWidth instead of
// one method per width). Blocking operations take a context; the session's
// VI_ATTR_TMO_VALUE applies as well and the earlier of the two wins.
//
// A backend embeds [UnsupportedLibrary] and overrides what it supports; every
// other operation answers VI_ERROR_NSUP_OPER. Implementations are safe for
// concurrent use.
type Library interface {
	// Resource manager and sessions.
	OpenDefaultRM(ctx context.Context) (Session, error)
	Open(ctx context.Context, rm Session, name string, mode AccessMode, openTimeout time.Duration) (Session, error)
	Close(s Session) error
	ListResources(ctx context.Context, rm Session, query string) ([]string, error)
	ParseResource(rm Session, name string) (ResourceInfo, error)
	GetAttribute(s Session, a Attr) (any, error)
	SetAttribute(s Session, a Attr, v any) error
	StatusDesc(s Session, st Status) string

	// Basic I/O. Read returns the completion status (VI_SUCCESS,
	// VI_SUCCESS_TERM_CHAR or VI_SUCCESS_MAX_CNT) with the count; on an
	// error the bytes read so far are still counted.
	Read(ctx context.Context, s Session, p []byte) (int, Status, error)
	Write(ctx context.Context, s Session, p []byte) (int, Status, error)
	ReadAsync(ctx context.Context, s Session, p []byte) (JobID, error)
	WriteAsync(ctx context.Context, s Session, p []byte) (JobID, error)
	ReadToFile(ctx context.Context, s Session, filename string, count int) (int, Status, error)
	WriteFromFile(ctx context.Context, s Session, filename string, count int) (int, Status, error)
	Terminate(s Session, degree uint16, job JobID) error

	// Formatted I/O buffers.
	BufRead(ctx context.Context, s Session, p []byte) (int, Status, error)
	BufWrite(ctx context.Context, s Session, p []byte) (int, Status, error)
	SetBuf(s Session, mask uint16, size int) error
	Flush(ctx context.Context, s Session, mask uint16) error

	// Device control.
	Clear(ctx context.Context, s Session) error
	ReadSTB(ctx context.Context, s Session) (byte, error)
	AssertTrigger(ctx context.Context, s Session, protocol uint16) error

	// Locks. Lock returns the access key actually granted.
	Lock(ctx context.Context, s Session, mode AccessMode, timeout time.Duration, requestedKey string) (string, error)
	Unlock(ctx context.Context, s Session) error

	// Events.
	EnableEvent(s Session, t EventType, mech EventMechanism) error
	DisableEvent(s Session, t EventType, mech EventMechanism) error
	DiscardEvents(s Session, t EventType, mech EventMechanism) error
	WaitOnEvent(ctx context.Context, s Session, t EventType, timeout time.Duration) (Event, error)
	InstallHandler(s Session, t EventType, h Handler) (HandlerID, error)
	UninstallHandler(s Session, t EventType, id HandlerID) error

	// GPIB bus control.
	GpibCommand(ctx context.Context, s Session, cmd []byte) (int, error)
	GpibControlATN(ctx context.Context, s Session, mode uint16) error
	GpibControlREN(ctx context.Context, s Session, mode uint16) error
	GpibPassControl(ctx context.Context, s Session, pad, sad uint16) error
	GpibSendIFC(ctx context.Context, s Session) error

	// Register-based access.
	In(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth) (uint64, error)
	Out(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth, v uint64) error
	MoveIn(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth, n int) ([]uint64, error)
	MoveOut(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth, vals []uint64) error
	Move(ctx context.Context, s Session, srcSpace AddressSpace, srcOffset uint64, srcWidth DataWidth, dstSpace AddressSpace, dstOffset uint64, dstWidth DataWidth, n int) error
	MoveAsync(ctx context.Context, s Session, srcSpace AddressSpace, srcOffset uint64, srcWidth DataWidth, dstSpace AddressSpace, dstOffset uint64, dstWidth DataWidth, n int) (JobID, error)
	MapAddress(s Session, space AddressSpace, offset uint64, size uint64, owner bool) (uint64, error)
	UnmapAddress(s Session) error
	Peek(s Session, addr uint64, w DataWidth) (uint64, error)
	Poke(s Session, addr uint64, w DataWidth, v uint64) error
	MemAlloc(s Session, size uint64) (uint64, error)
	MemFree(s Session, offset uint64) error

	// Triggers and signals.
	MapTrigger(s Session, src, dst int16, mode uint16) error
	UnmapTrigger(s Session, src, dst int16) error
	AssertIntrSignal(s Session, mode int16, statusID uint32) error
	AssertUtilSignal(s Session, line uint16) error

	// USB and VXI.
	UsbControlIn(ctx context.Context, s Session, requestType, request uint8, value, index, length uint16) ([]byte, error)
	UsbControlOut(ctx context.Context, s Session, requestType, request uint8, value, index uint16, data []byte) error
	VxiCommandQuery(ctx context.Context, s Session, mode uint16, cmd uint32) (uint32, error)
}
