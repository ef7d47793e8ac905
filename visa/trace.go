package visa

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// TraceEnv is the environment variable that turns the I/O trace on for
// programs that call [TraceFromEnv] (the govisa CLI and, through
// NewResourceManager, every program): "1", "true" or "text" log text
// records to stderr, "json" logs JSON records.
const TraceEnv = "GOVISA_TRACE"

// tracePreview bounds how many bytes of a buffer a trace record quotes, so
// that tracing a 100 MiB block read does not log 100 MiB.
const tracePreview = 64

// TraceLibrary is a [Library] that logs every call of the library it wraps
// (the way NI I/O Trace does): the operation, its arguments, the status it
// returned and how long it took. It adds nothing else: results and errors
// pass through unchanged.
type TraceLibrary struct {
	lib Library
	log *slog.Logger
}

var _ Library = (*TraceLibrary)(nil)

// NewTraceLibrary wraps lib so that every call is logged through logger at
// level Info (errors at level Warn). A nil logger returns lib unchanged,
// so tracing costs nothing when it is off.
func NewTraceLibrary(lib Library, logger *slog.Logger) Library {
	if logger == nil || lib == nil {
		return lib
	}
	return &TraceLibrary{lib: lib, log: logger}
}

// TraceFromEnv wraps lib with a [TraceLibrary] logging to stderr when
// GOVISA_TRACE asks for it (see [TraceEnv]), and returns lib unchanged
// otherwise.
func TraceFromEnv(lib Library) Library {
	h := traceHandler(os.Getenv(TraceEnv))
	if h == nil {
		return lib
	}
	return NewTraceLibrary(lib, slog.New(h))
}

func traceHandler(v string) slog.Handler {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on", "text":
		return slog.NewTextHandler(os.Stderr, nil)
	case "json":
		return slog.NewJSONHandler(os.Stderr, nil)
	}
	return nil
}

// Unwrap returns the traced library.
func (t *TraceLibrary) Unwrap() Library { return t.lib }

// done logs one finished call. st is the completion status when the
// operation has one (0 otherwise); an error's VISA status wins over it.
func (t *TraceLibrary) done(op string, start time.Time, st Status, err error, args ...slog.Attr) {
	level := slog.LevelInfo
	attrs := make([]slog.Attr, 0, len(args)+3)
	attrs = append(attrs, args...)
	if err != nil {
		level = slog.LevelWarn
		var ve *Error
		if errors.As(err, &ve) {
			st = ve.Status
		} else {
			st = VI_ERROR_SYSTEM_ERROR
		}
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	attrs = append(attrs, slog.String("status", st.Name()), slog.Duration("duration", time.Since(start)))
	t.log.LogAttrs(context.Background(), level, op, attrs...)
}

func sess(s Session) slog.Attr { return slog.Uint64("session", uint64(s)) }

// bytesAttr logs a buffer's length and a quoted preview of its start.
func bytesAttr(key string, p []byte) slog.Attr {
	q := p
	more := ""
	if len(q) > tracePreview {
		q, more = q[:tracePreview], "…"
	}
	return slog.Group(key, slog.Int("len", len(p)), slog.String("data", strconv.Quote(string(q))+more))
}

// OpenDefaultRM implements [Library].
func (t *TraceLibrary) OpenDefaultRM(ctx context.Context) (Session, error) {
	start := time.Now()
	s, err := t.lib.OpenDefaultRM(ctx)
	t.done("viOpenDefaultRM", start, 0, err, slog.Uint64("rm", uint64(s)))
	return s, err
}

// Open implements [Library].
func (t *TraceLibrary) Open(ctx context.Context, rm Session, name string, mode AccessMode, openTimeout time.Duration) (Session, error) {
	start := time.Now()
	s, err := t.lib.Open(ctx, rm, name, mode, openTimeout)
	t.done("viOpen", start, 0, err, slog.Uint64("rm", uint64(rm)), slog.String("name", name),
		slog.String("mode", mode.String()), slog.Duration("open_timeout", openTimeout), sess(s))
	return s, err
}

// Close implements [Library].
func (t *TraceLibrary) Close(s Session) error {
	start := time.Now()
	err := t.lib.Close(s)
	t.done("viClose", start, 0, err, sess(s))
	return err
}

// ListResources implements [Library].
func (t *TraceLibrary) ListResources(ctx context.Context, rm Session, query string) ([]string, error) {
	start := time.Now()
	out, err := t.lib.ListResources(ctx, rm, query)
	t.done("viFindRsrc", start, 0, err, slog.Uint64("rm", uint64(rm)), slog.String("query", query), slog.Int("found", len(out)))
	return out, err
}

// ParseResource implements [Library].
func (t *TraceLibrary) ParseResource(rm Session, name string) (ResourceInfo, error) {
	start := time.Now()
	info, err := t.lib.ParseResource(rm, name)
	t.done("viParseRsrcEx", start, 0, err, slog.Uint64("rm", uint64(rm)), slog.String("name", name))
	return info, err
}

// GetAttribute implements [Library].
func (t *TraceLibrary) GetAttribute(s Session, a Attr) (any, error) {
	start := time.Now()
	v, err := t.lib.GetAttribute(s, a)
	t.done("viGetAttribute", start, 0, err, sess(s), slog.String("attr", a.String()), slog.Any("value", v))
	return v, err
}

// SetAttribute implements [Library].
func (t *TraceLibrary) SetAttribute(s Session, a Attr, v any) error {
	start := time.Now()
	err := t.lib.SetAttribute(s, a, v)
	t.done("viSetAttribute", start, 0, err, sess(s), slog.String("attr", a.String()), slog.Any("value", v))
	return err
}

// StatusDesc implements [Library]; it is not traced (it does no I/O).
func (t *TraceLibrary) StatusDesc(s Session, st Status) string { return t.lib.StatusDesc(s, st) }

// Read implements [Library].
func (t *TraceLibrary) Read(ctx context.Context, s Session, p []byte) (int, Status, error) {
	start := time.Now()
	n, st, err := t.lib.Read(ctx, s, p)
	t.done("viRead", start, st, err, sess(s), slog.Int("count", len(p)), bytesAttr("got", p[:clampN(n, len(p))]))
	return n, st, err
}

// Write implements [Library].
func (t *TraceLibrary) Write(ctx context.Context, s Session, p []byte) (int, Status, error) {
	start := time.Now()
	n, st, err := t.lib.Write(ctx, s, p)
	t.done("viWrite", start, st, err, sess(s), bytesAttr("buf", p), slog.Int("written", n))
	return n, st, err
}

func clampN(n, limit int) int { return min(max(n, 0), limit) }

// ReadAsync implements [Library].
func (t *TraceLibrary) ReadAsync(ctx context.Context, s Session, p []byte) (JobID, error) {
	start := time.Now()
	j, err := t.lib.ReadAsync(ctx, s, p)
	t.done("viReadAsync", start, 0, err, sess(s), slog.Int("count", len(p)), slog.Uint64("job", uint64(j)))
	return j, err
}

// WriteAsync implements [Library].
func (t *TraceLibrary) WriteAsync(ctx context.Context, s Session, p []byte) (JobID, error) {
	start := time.Now()
	j, err := t.lib.WriteAsync(ctx, s, p)
	t.done("viWriteAsync", start, 0, err, sess(s), bytesAttr("buf", p), slog.Uint64("job", uint64(j)))
	return j, err
}

// ReadToFile implements [Library].
func (t *TraceLibrary) ReadToFile(ctx context.Context, s Session, filename string, count int) (int, Status, error) {
	start := time.Now()
	n, st, err := t.lib.ReadToFile(ctx, s, filename, count)
	t.done("viReadToFile", start, st, err, sess(s), slog.String("file", filename), slog.Int("count", count), slog.Int("got", n))
	return n, st, err
}

// WriteFromFile implements [Library].
func (t *TraceLibrary) WriteFromFile(ctx context.Context, s Session, filename string, count int) (int, Status, error) {
	start := time.Now()
	n, st, err := t.lib.WriteFromFile(ctx, s, filename, count)
	t.done("viWriteFromFile", start, st, err, sess(s), slog.String("file", filename), slog.Int("count", count), slog.Int("written", n))
	return n, st, err
}

// Terminate implements [Library].
func (t *TraceLibrary) Terminate(s Session, degree uint16, job JobID) error {
	start := time.Now()
	err := t.lib.Terminate(s, degree, job)
	t.done("viTerminate", start, 0, err, sess(s), slog.Uint64("job", uint64(job)))
	return err
}

// BufRead implements [Library].
func (t *TraceLibrary) BufRead(ctx context.Context, s Session, p []byte) (int, Status, error) {
	start := time.Now()
	n, st, err := t.lib.BufRead(ctx, s, p)
	t.done("viBufRead", start, st, err, sess(s), slog.Int("count", len(p)), bytesAttr("got", p[:clampN(n, len(p))]))
	return n, st, err
}

// BufWrite implements [Library].
func (t *TraceLibrary) BufWrite(ctx context.Context, s Session, p []byte) (int, Status, error) {
	start := time.Now()
	n, st, err := t.lib.BufWrite(ctx, s, p)
	t.done("viBufWrite", start, st, err, sess(s), bytesAttr("buf", p), slog.Int("written", n))
	return n, st, err
}

// SetBuf implements [Library].
func (t *TraceLibrary) SetBuf(s Session, mask uint16, size int) error {
	start := time.Now()
	err := t.lib.SetBuf(s, mask, size)
	t.done("viSetBuf", start, 0, err, sess(s), slog.Uint64("mask", uint64(mask)), slog.Int("size", size))
	return err
}

// Flush implements [Library].
func (t *TraceLibrary) Flush(ctx context.Context, s Session, mask uint16) error {
	start := time.Now()
	err := t.lib.Flush(ctx, s, mask)
	t.done("viFlush", start, 0, err, sess(s), slog.Uint64("mask", uint64(mask)))
	return err
}

// Clear implements [Library].
func (t *TraceLibrary) Clear(ctx context.Context, s Session) error {
	start := time.Now()
	err := t.lib.Clear(ctx, s)
	t.done("viClear", start, 0, err, sess(s))
	return err
}

// ReadSTB implements [Library].
func (t *TraceLibrary) ReadSTB(ctx context.Context, s Session) (byte, error) {
	start := time.Now()
	b, err := t.lib.ReadSTB(ctx, s)
	t.done("viReadSTB", start, 0, err, sess(s), slog.Int("stb", int(b)))
	return b, err
}

// AssertTrigger implements [Library].
func (t *TraceLibrary) AssertTrigger(ctx context.Context, s Session, protocol uint16) error {
	start := time.Now()
	err := t.lib.AssertTrigger(ctx, s, protocol)
	t.done("viAssertTrigger", start, 0, err, sess(s), slog.Uint64("protocol", uint64(protocol)))
	return err
}

// Lock implements [Library].
func (t *TraceLibrary) Lock(ctx context.Context, s Session, mode AccessMode, timeout time.Duration, requestedKey string) (string, error) {
	start := time.Now()
	key, err := t.lib.Lock(ctx, s, mode, timeout, requestedKey)
	t.done("viLock", start, 0, err, sess(s), slog.String("mode", mode.String()), slog.Duration("timeout", timeout),
		slog.String("requested_key", requestedKey), slog.String("key", key))
	return key, err
}

// Unlock implements [Library].
func (t *TraceLibrary) Unlock(ctx context.Context, s Session) error {
	start := time.Now()
	err := t.lib.Unlock(ctx, s)
	t.done("viUnlock", start, 0, err, sess(s))
	return err
}

// EnableEvent implements [Library].
func (t *TraceLibrary) EnableEvent(s Session, et EventType, mech EventMechanism) error {
	start := time.Now()
	err := t.lib.EnableEvent(s, et, mech)
	t.done("viEnableEvent", start, 0, err, sess(s), slog.String("event", et.String()), slog.Uint64("mech", uint64(mech)))
	return err
}

// DisableEvent implements [Library].
func (t *TraceLibrary) DisableEvent(s Session, et EventType, mech EventMechanism) error {
	start := time.Now()
	err := t.lib.DisableEvent(s, et, mech)
	t.done("viDisableEvent", start, 0, err, sess(s), slog.String("event", et.String()), slog.Uint64("mech", uint64(mech)))
	return err
}

// DiscardEvents implements [Library].
func (t *TraceLibrary) DiscardEvents(s Session, et EventType, mech EventMechanism) error {
	start := time.Now()
	err := t.lib.DiscardEvents(s, et, mech)
	t.done("viDiscardEvents", start, 0, err, sess(s), slog.String("event", et.String()), slog.Uint64("mech", uint64(mech)))
	return err
}

// WaitOnEvent implements [Library].
func (t *TraceLibrary) WaitOnEvent(ctx context.Context, s Session, et EventType, timeout time.Duration) (Event, error) {
	start := time.Now()
	ev, err := t.lib.WaitOnEvent(ctx, s, et, timeout)
	t.done("viWaitOnEvent", start, 0, err, sess(s), slog.String("event", et.String()), slog.Duration("timeout", timeout),
		slog.String("got", ev.Type.String()))
	return ev, err
}

// InstallHandler implements [Library]. Each call of the handler is traced
// as well, so a trace shows when events were delivered.
func (t *TraceLibrary) InstallHandler(s Session, et EventType, h Handler) (HandlerID, error) {
	start := time.Now()
	traced := h
	if h != nil {
		traced = func(s Session, ev Event) {
			hs := time.Now()
			h(s, ev)
			t.done("handler", hs, 0, nil, sess(s), slog.String("event", ev.Type.String()))
		}
	}
	id, err := t.lib.InstallHandler(s, et, traced)
	t.done("viInstallHandler", start, 0, err, sess(s), slog.String("event", et.String()), slog.Uint64("handler", uint64(id)))
	return id, err
}

// UninstallHandler implements [Library].
func (t *TraceLibrary) UninstallHandler(s Session, et EventType, id HandlerID) error {
	start := time.Now()
	err := t.lib.UninstallHandler(s, et, id)
	t.done("viUninstallHandler", start, 0, err, sess(s), slog.String("event", et.String()), slog.Uint64("handler", uint64(id)))
	return err
}

// GpibCommand implements [Library].
func (t *TraceLibrary) GpibCommand(ctx context.Context, s Session, cmd []byte) (int, error) {
	start := time.Now()
	n, err := t.lib.GpibCommand(ctx, s, cmd)
	t.done("viGpibCommand", start, 0, err, sess(s), bytesAttr("cmd", cmd), slog.Int("written", n))
	return n, err
}

// GpibControlATN implements [Library].
func (t *TraceLibrary) GpibControlATN(ctx context.Context, s Session, mode uint16) error {
	start := time.Now()
	err := t.lib.GpibControlATN(ctx, s, mode)
	t.done("viGpibControlATN", start, 0, err, sess(s), slog.Uint64("mode", uint64(mode)))
	return err
}

// GpibControlREN implements [Library].
func (t *TraceLibrary) GpibControlREN(ctx context.Context, s Session, mode uint16) error {
	start := time.Now()
	err := t.lib.GpibControlREN(ctx, s, mode)
	t.done("viGpibControlREN", start, 0, err, sess(s), slog.Uint64("mode", uint64(mode)))
	return err
}

// GpibPassControl implements [Library].
func (t *TraceLibrary) GpibPassControl(ctx context.Context, s Session, pad, sad uint16) error {
	start := time.Now()
	err := t.lib.GpibPassControl(ctx, s, pad, sad)
	t.done("viGpibPassControl", start, 0, err, sess(s), slog.Uint64("pad", uint64(pad)), slog.Uint64("sad", uint64(sad)))
	return err
}

// GpibSendIFC implements [Library].
func (t *TraceLibrary) GpibSendIFC(ctx context.Context, s Session) error {
	start := time.Now()
	err := t.lib.GpibSendIFC(ctx, s)
	t.done("viGpibSendIFC", start, 0, err, sess(s))
	return err
}

func regArgs(s Session, space AddressSpace, offset uint64, w DataWidth) []slog.Attr {
	return []slog.Attr{sess(s), slog.Uint64("space", uint64(space)), slog.Uint64("offset", offset), slog.Int("width", int(w))}
}

// In implements [Library].
func (t *TraceLibrary) In(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth) (uint64, error) {
	start := time.Now()
	v, err := t.lib.In(ctx, s, space, offset, w)
	t.done("viIn", start, 0, err, append(regArgs(s, space, offset, w), slog.Uint64("value", v))...)
	return v, err
}

// Out implements [Library].
func (t *TraceLibrary) Out(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth, v uint64) error {
	start := time.Now()
	err := t.lib.Out(ctx, s, space, offset, w, v)
	t.done("viOut", start, 0, err, append(regArgs(s, space, offset, w), slog.Uint64("value", v))...)
	return err
}

// MoveIn implements [Library].
func (t *TraceLibrary) MoveIn(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth, n int) ([]uint64, error) {
	start := time.Now()
	v, err := t.lib.MoveIn(ctx, s, space, offset, w, n)
	t.done("viMoveIn", start, 0, err, append(regArgs(s, space, offset, w), slog.Int("count", n))...)
	return v, err
}

// MoveOut implements [Library].
func (t *TraceLibrary) MoveOut(ctx context.Context, s Session, space AddressSpace, offset uint64, w DataWidth, vals []uint64) error {
	start := time.Now()
	err := t.lib.MoveOut(ctx, s, space, offset, w, vals)
	t.done("viMoveOut", start, 0, err, append(regArgs(s, space, offset, w), slog.Int("count", len(vals)))...)
	return err
}

// Move implements [Library].
func (t *TraceLibrary) Move(ctx context.Context, s Session, srcSpace AddressSpace, srcOffset uint64, srcWidth DataWidth, dstSpace AddressSpace, dstOffset uint64, dstWidth DataWidth, n int) error {
	start := time.Now()
	err := t.lib.Move(ctx, s, srcSpace, srcOffset, srcWidth, dstSpace, dstOffset, dstWidth, n)
	t.done("viMove", start, 0, err, sess(s), slog.Uint64("src_space", uint64(srcSpace)), slog.Uint64("src_offset", srcOffset),
		slog.Uint64("dst_space", uint64(dstSpace)), slog.Uint64("dst_offset", dstOffset), slog.Int("count", n))
	return err
}

// MoveAsync implements [Library].
func (t *TraceLibrary) MoveAsync(ctx context.Context, s Session, srcSpace AddressSpace, srcOffset uint64, srcWidth DataWidth, dstSpace AddressSpace, dstOffset uint64, dstWidth DataWidth, n int) (JobID, error) {
	start := time.Now()
	j, err := t.lib.MoveAsync(ctx, s, srcSpace, srcOffset, srcWidth, dstSpace, dstOffset, dstWidth, n)
	t.done("viMoveAsync", start, 0, err, sess(s), slog.Uint64("src_space", uint64(srcSpace)), slog.Uint64("src_offset", srcOffset),
		slog.Uint64("dst_space", uint64(dstSpace)), slog.Uint64("dst_offset", dstOffset), slog.Int("count", n), slog.Uint64("job", uint64(j)))
	return j, err
}

// MapAddress implements [Library].
func (t *TraceLibrary) MapAddress(s Session, space AddressSpace, offset uint64, size uint64, owner bool) (uint64, error) {
	start := time.Now()
	a, err := t.lib.MapAddress(s, space, offset, size, owner)
	t.done("viMapAddress", start, 0, err, sess(s), slog.Uint64("space", uint64(space)), slog.Uint64("offset", offset),
		slog.Uint64("size", size), slog.Uint64("address", a))
	return a, err
}

// UnmapAddress implements [Library].
func (t *TraceLibrary) UnmapAddress(s Session) error {
	start := time.Now()
	err := t.lib.UnmapAddress(s)
	t.done("viUnmapAddress", start, 0, err, sess(s))
	return err
}

// Peek implements [Library].
func (t *TraceLibrary) Peek(s Session, addr uint64, w DataWidth) (uint64, error) {
	start := time.Now()
	v, err := t.lib.Peek(s, addr, w)
	t.done("viPeek", start, 0, err, sess(s), slog.Uint64("address", addr), slog.Int("width", int(w)), slog.Uint64("value", v))
	return v, err
}

// Poke implements [Library].
func (t *TraceLibrary) Poke(s Session, addr uint64, w DataWidth, v uint64) error {
	start := time.Now()
	err := t.lib.Poke(s, addr, w, v)
	t.done("viPoke", start, 0, err, sess(s), slog.Uint64("address", addr), slog.Int("width", int(w)), slog.Uint64("value", v))
	return err
}

// MemAlloc implements [Library].
func (t *TraceLibrary) MemAlloc(s Session, size uint64) (uint64, error) {
	start := time.Now()
	off, err := t.lib.MemAlloc(s, size)
	t.done("viMemAlloc", start, 0, err, sess(s), slog.Uint64("size", size), slog.Uint64("offset", off))
	return off, err
}

// MemFree implements [Library].
func (t *TraceLibrary) MemFree(s Session, offset uint64) error {
	start := time.Now()
	err := t.lib.MemFree(s, offset)
	t.done("viMemFree", start, 0, err, sess(s), slog.Uint64("offset", offset))
	return err
}

// MapTrigger implements [Library].
func (t *TraceLibrary) MapTrigger(s Session, src, dst int16, mode uint16) error {
	start := time.Now()
	err := t.lib.MapTrigger(s, src, dst, mode)
	t.done("viMapTrigger", start, 0, err, sess(s), slog.Int("src", int(src)), slog.Int("dst", int(dst)), slog.Uint64("mode", uint64(mode)))
	return err
}

// UnmapTrigger implements [Library].
func (t *TraceLibrary) UnmapTrigger(s Session, src, dst int16) error {
	start := time.Now()
	err := t.lib.UnmapTrigger(s, src, dst)
	t.done("viUnmapTrigger", start, 0, err, sess(s), slog.Int("src", int(src)), slog.Int("dst", int(dst)))
	return err
}

// AssertIntrSignal implements [Library].
func (t *TraceLibrary) AssertIntrSignal(s Session, mode int16, statusID uint32) error {
	start := time.Now()
	err := t.lib.AssertIntrSignal(s, mode, statusID)
	t.done("viAssertIntrSignal", start, 0, err, sess(s), slog.Int("mode", int(mode)), slog.Uint64("status_id", uint64(statusID)))
	return err
}

// AssertUtilSignal implements [Library].
func (t *TraceLibrary) AssertUtilSignal(s Session, line uint16) error {
	start := time.Now()
	err := t.lib.AssertUtilSignal(s, line)
	t.done("viAssertUtilSignal", start, 0, err, sess(s), slog.Uint64("line", uint64(line)))
	return err
}

// UsbControlIn implements [Library].
func (t *TraceLibrary) UsbControlIn(ctx context.Context, s Session, requestType, request uint8, value, index, length uint16) ([]byte, error) {
	start := time.Now()
	b, err := t.lib.UsbControlIn(ctx, s, requestType, request, value, index, length)
	t.done("viUsbControlIn", start, 0, err, sess(s), slog.Uint64("request_type", uint64(requestType)), slog.Uint64("request", uint64(request)),
		slog.Uint64("value", uint64(value)), slog.Uint64("index", uint64(index)), slog.Uint64("length", uint64(length)), bytesAttr("got", b))
	return b, err
}

// UsbControlOut implements [Library].
func (t *TraceLibrary) UsbControlOut(ctx context.Context, s Session, requestType, request uint8, value, index uint16, data []byte) error {
	start := time.Now()
	err := t.lib.UsbControlOut(ctx, s, requestType, request, value, index, data)
	t.done("viUsbControlOut", start, 0, err, sess(s), slog.Uint64("request_type", uint64(requestType)), slog.Uint64("request", uint64(request)),
		slog.Uint64("value", uint64(value)), slog.Uint64("index", uint64(index)), bytesAttr("data", data))
	return err
}

// VxiCommandQuery implements [Library].
func (t *TraceLibrary) VxiCommandQuery(ctx context.Context, s Session, mode uint16, cmd uint32) (uint32, error) {
	start := time.Now()
	v, err := t.lib.VxiCommandQuery(ctx, s, mode, cmd)
	t.done("viVxiCommandQuery", start, 0, err, sess(s), slog.Uint64("mode", uint64(mode)), slog.Uint64("cmd", uint64(cmd)), slog.Uint64("response", uint64(v)))
	return v, err
}
