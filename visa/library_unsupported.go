package visa

import (
	"context"
	"time"
)

// UnsupportedLibrary answers VI_ERROR_NSUP_OPER for every operation of
// [Library]. Backends embed it and override what they support.
type UnsupportedLibrary struct{}

func nsup(op string) error {
	return &Error{Status: VI_ERROR_NSUP_OPER, Op: op, Msg: "not supported by this backend"}
}

var _ Library = UnsupportedLibrary{}

// OpenDefaultRM answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) OpenDefaultRM(ctx context.Context) (Session, error) {
	return 0, nsup("viOpenDefaultRM")
}

// Open answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Open(ctx context.Context, rm Session, name string, mode AccessMode, openTimeout time.Duration) (Session, error) {
	return 0, nsup("viOpen")
}

// Close answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Close(s Session) error {
	return nsup("viClose")
}

// ListResources answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) ListResources(ctx context.Context, rm Session, query string) ([]string, error) {
	return nil, nsup("viListResources")
}

// ParseResource answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) ParseResource(rm Session, name string) (ResourceInfo, error) {
	return ResourceInfo{}, nsup("viParseResource")
}

// GetAttribute answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) GetAttribute(s Session, a Attr) (any, error) {
	return nil, nsup("viGetAttribute")
}

// SetAttribute answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) SetAttribute(s Session, a Attr, v any) error {
	return nsup("viSetAttribute")
}

// StatusDesc returns the description of st.
func (UnsupportedLibrary) StatusDesc(_ Session, st Status) string { return st.Error() }

// Read answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Read(ctx context.Context, s Session, p []byte) (int, Status, error) {
	return 0, VI_ERROR_NSUP_OPER, nsup("viRead")
}

// Write answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Write(ctx context.Context, s Session, p []byte) (int, Status, error) {
	return 0, VI_ERROR_NSUP_OPER, nsup("viWrite")
}

// ReadAsync answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) ReadAsync(ctx context.Context, s Session, p []byte) (JobID, error) {
	return 0, nsup("viReadAsync")
}

// WriteAsync answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) WriteAsync(ctx context.Context, s Session, p []byte) (JobID, error) {
	return 0, nsup("viWriteAsync")
}

// ReadToFile answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) ReadToFile(ctx context.Context, s Session, filename string, count int) (int, Status, error) {
	return 0, VI_ERROR_NSUP_OPER, nsup("viReadToFile")
}

// WriteFromFile answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) WriteFromFile(ctx context.Context, s Session, filename string, count int) (int, Status, error) {
	return 0, VI_ERROR_NSUP_OPER, nsup("viWriteFromFile")
}

// Terminate answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Terminate(s Session, degree uint16, job JobID) error {
	return nsup("viTerminate")
}

// BufRead answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) BufRead(ctx context.Context, s Session, p []byte) (int, Status, error) {
	return 0, VI_ERROR_NSUP_OPER, nsup("viBufRead")
}

// BufWrite answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) BufWrite(ctx context.Context, s Session, p []byte) (int, Status, error) {
	return 0, VI_ERROR_NSUP_OPER, nsup("viBufWrite")
}

// SetBuf answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) SetBuf(s Session, mask uint16, size int) error {
	return nsup("viSetBuf")
}

// Flush answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Flush(ctx context.Context, s Session, mask uint16) error {
	return nsup("viFlush")
}

// Clear answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Clear(ctx context.Context, s Session) error {
	return nsup("viClear")
}

// ReadSTB answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) ReadSTB(ctx context.Context, s Session) (byte, error) {
	return 0, nsup("viReadSTB")
}

// AssertTrigger answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) AssertTrigger(ctx context.Context, s Session, protocol uint16) error {
	return nsup("viAssertTrigger")
}

// Lock answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Lock(ctx context.Context, s Session, mode AccessMode, timeout time.Duration, requestedKey string) (string, error) {
	return "", nsup("viLock")
}

// Unlock answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Unlock(ctx context.Context, s Session) error {
	return nsup("viUnlock")
}

// EnableEvent answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) EnableEvent(s Session, t EventType, mech EventMechanism) error {
	return nsup("viEnableEvent")
}

// DisableEvent answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) DisableEvent(s Session, t EventType, mech EventMechanism) error {
	return nsup("viDisableEvent")
}

// DiscardEvents answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) DiscardEvents(s Session, t EventType, mech EventMechanism) error {
	return nsup("viDiscardEvents")
}

// WaitOnEvent answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) WaitOnEvent(ctx context.Context, s Session, t EventType, timeout time.Duration) (Event, error) {
	return Event{}, nsup("viWaitOnEvent")
}

// InstallHandler answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) InstallHandler(s Session, t EventType, h Handler) (HandlerID, error) {
	return 0, nsup("viInstallHandler")
}

// UninstallHandler answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) UninstallHandler(s Session, t EventType, id HandlerID) error {
	return nsup("viUninstallHandler")
}

// GpibCommand answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) GpibCommand(ctx context.Context, s Session, cmd []byte) (int, error) {
	return 0, nsup("viGpibCommand")
}

// GpibControlATN answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) GpibControlATN(ctx context.Context, s Session, mode uint16) error {
	return nsup("viGpibControlATN")
}

// GpibControlREN answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) GpibControlREN(ctx context.Context, s Session, mode uint16) error {
	return nsup("viGpibControlREN")
}

// GpibPassControl answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) GpibPassControl(ctx context.Context, s Session, pad, sad uint16) error {
	return nsup("viGpibPassControl")
}

// GpibSendIFC answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) GpibSendIFC(ctx context.Context, s Session) error {
	return nsup("viGpibSendIFC")
}

// In answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) In(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth) (uint64, error) {
	return 0, nsup("viIn")
}

// Out answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Out(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth, v uint64) error {
	return nsup("viOut")
}

// MoveIn answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) MoveIn(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth, n int) ([]uint64, error) {
	return nil, nsup("viMoveIn")
}

// MoveOut answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) MoveOut(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth, vals []uint64) error {
	return nsup("viMoveOut")
}

// Move answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Move(ctx context.Context, s Session, srcSpace AddressSpace, srcOffset uint64, srcWidth DataWidth, dstSpace AddressSpace, dstOffset uint64, dstWidth DataWidth, n int) error {
	return nsup("viMove")
}

// MoveAsync answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) MoveAsync(ctx context.Context, s Session, srcSpace AddressSpace, srcOffset uint64, srcWidth DataWidth, dstSpace AddressSpace, dstOffset uint64, dstWidth DataWidth, n int) (JobID, error) {
	return 0, nsup("viMoveAsync")
}

// MapAddress answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) MapAddress(s Session, space AddressSpace, offset uint64, size uint64, owner bool) (uint64, error) {
	return 0, nsup("viMapAddress")
}

// UnmapAddress answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) UnmapAddress(s Session) error {
	return nsup("viUnmapAddress")
}

// Peek answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Peek(s Session, addr uint64, w DataWidth) (uint64, error) {
	return 0, nsup("viPeek")
}

// Poke answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) Poke(s Session, addr uint64, w DataWidth, v uint64) error {
	return nsup("viPoke")
}

// MemAlloc answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) MemAlloc(s Session, size uint64) (uint64, error) {
	return 0, nsup("viMemAlloc")
}

// MemFree answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) MemFree(s Session, offset uint64) error {
	return nsup("viMemFree")
}

// MapTrigger answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) MapTrigger(s Session, src, dst int16, mode uint16) error {
	return nsup("viMapTrigger")
}

// UnmapTrigger answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) UnmapTrigger(s Session, src, dst int16) error {
	return nsup("viUnmapTrigger")
}

// AssertIntrSignal answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) AssertIntrSignal(s Session, mode int16, statusID uint32) error {
	return nsup("viAssertIntrSignal")
}

// AssertUtilSignal answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) AssertUtilSignal(s Session, line uint16) error {
	return nsup("viAssertUtilSignal")
}

// UsbControlIn answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) UsbControlIn(ctx context.Context, s Session, requestType, request uint8, value, index, length uint16) ([]byte, error) {
	return nil, nsup("viUsbControlIn")
}

// UsbControlOut answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) UsbControlOut(ctx context.Context, s Session, requestType, request uint8, value, index uint16, data []byte) error {
	return nsup("viUsbControlOut")
}

// VxiCommandQuery answers VI_ERROR_NSUP_OPER.
func (UnsupportedLibrary) VxiCommandQuery(ctx context.Context, s Session, mode uint16, cmd uint32) (uint32, error) {
	return 0, nsup("viVxiCommandQuery")
}
