//go:build linux

package kdriver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc/internal/ioc"
	"golang.org/x/sys/unix"
)

var nums = numbersFor(ioc.Arch, unsafe.Sizeof(uintptr(0)))

// Conn is a session on /dev/usbtmcN. It implements [transport.Conn],
// [transport.Clearer], [transport.STBReader], [transport.Triggerer],
// [transport.RemoteLocalController] and [transport.SRQNotifier].
type Conn struct {
	fd, evfd int
	caps     uint8
	api      uint32
	log      *slog.Logger
	timeout  uint32 // last value given to SET_TIMEOUT
	eom      int    // last EOM_ENABLE value (-1 unknown)
	term     int    // last CONFIG_TERMCHAR (-1 unknown, else char | enabled<<8)
	termOK   bool   // the driver accepts TermChar for this device
	pending  []byte // bytes read past a termination character
	pendEnd  bool
	buf      []byte
	slice    time.Duration // longest kernel wait of a cancellable operation (see SetCancelSlice)

	srq       atomic.Pointer[func()]
	srqLatch  atomic.Bool
	watchDone chan struct{}
	closeOnce sync.Once
	closed    atomic.Bool
}

var (
	_ transport.Conn                  = (*Conn)(nil)
	_ transport.Clearer               = (*Conn)(nil)
	_ transport.STBReader             = (*Conn)(nil)
	_ transport.Triggerer             = (*Conn)(nil)
	_ transport.RemoteLocalController = (*Conn)(nil)
	_ transport.SRQNotifier           = (*Conn)(nil)
)

func ioctl(fd int, req uint32, arg uintptr) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), arg)
	if e != 0 {
		return e
	}
	return nil
}

func ioctlU8(fd int, req uint32, v *uint8) error { return ioctl(fd, req, uintptr(unsafe.Pointer(v))) }

// Open opens a usbtmc driver node such as /dev/usbtmc0. logger may be nil.
func Open(path string, logger *slog.Logger) (*Conn, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		kind := transport.ErrNotFound
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			kind = transport.ErrLocked
		}
		return nil, transport.Errorf("open", kind, fmt.Errorf("kdriver: %s: %w", path, err))
	}
	c := &Conn{fd: fd, evfd: -1, log: logger, eom: -1, term: -1, termOK: true, slice: DefaultCancelSlice}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if err := ioctl(fd, nums.APIVersion, uintptr(unsafe.Pointer(&c.api))); err != nil {
		unix.Close(fd)
		return nil, transport.Errorf("open", transport.ErrNotSupported, fmt.Errorf("kdriver: %s is not a usbtmc node: %w", path, err))
	}
	ioctlU8(fd, nums.GetCaps, &c.caps)
	one := uint8(1)
	if err := ioctlU8(fd, nums.AutoAbort, &one); err != nil {
		c.log.Debug("kdriver: auto-abort unavailable", "err", err)
	}
	if c.evfd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		unix.Close(fd)
		return nil, transport.Errorf("open", transport.ErrIO, err)
	}
	c.watchDone = make(chan struct{})
	go c.watchSRQ()
	return c, nil
}

// APIVersion returns the driver's USBTMC_IOCTL_API_VERSION.
func (c *Conn) APIVersion() uint32 { return c.api }

// USB488Caps returns the driver's packed usb488 capabilities.
func (c *Conn) USB488Caps() uint8 { return c.caps }

// errnoErr maps driver errnos to the transport sentinels.
func errnoErr(op string, err error) error {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return transport.Errorf(op, transport.ErrIO, err)
	}
	switch en {
	case unix.ETIMEDOUT:
		return transport.Errorf(op, transport.ErrTimeout, err)
	case unix.ENODEV, unix.ESHUTDOWN:
		return transport.Errorf(op, transport.ErrConnLost, err)
	case unix.EBADF:
		return transport.Errorf(op, transport.ErrClosed, err)
	case unix.ENOTTY, unix.EINVAL:
		return transport.Errorf(op, transport.ErrNotSupported, err)
	case unix.ECANCELED:
		return transport.Errorf(op, transport.ErrAborted, err)
	}
	return transport.Errorf(op, transport.ErrIO, err)
}

// DefaultCancelSlice is how long one read() or write() may wait in the
// driver when the operation's context has no deadline but can be
// cancelled (see [Conn.SetCancelSlice]).
const DefaultCancelSlice = 500 * time.Millisecond

// SetCancelSlice sets how long one read() or write() may block in the
// driver when its context has no deadline but can be cancelled (minimum
// 100 ms, the driver's floor). The driver holds its I/O mutex for the whole of a read() or
// write() and waits with an uninterruptible usb_bulk_msg, so neither
// USBTMC_IOCTL_CANCEL_IO (it needs the same mutex) nor a signal or
// close() can end it early: the only way to honour cancellation is to
// give the kernel short timeouts and look at the context between them.
// When such a slice expires the driver aborts the transfer (auto-abort
// is on) and the Conn repeats the read or write unless the context is
// done, so cancellation takes effect within one slice. A context with a
// deadline gets one kernel wait up to it (VISA operations always have
// one unless the timeout is infinite), so only deadline-free operations
// pay for slicing. Caveat: a device that stops for longer than a slice in
// the middle of a transfer loses the rest of that transfer to the abort.
func (c *Conn) SetCancelSlice(d time.Duration) { c.slice = max(d, 100*time.Millisecond) }

// setTimeout gives the driver the time left before ctx's deadline
// (minimum 100 ms, the driver's floor; no deadline = 24 h, or the cancel
// slice when ctx can be cancelled). sliced reports that
// the cut applied, so that ETIMEDOUT means "look at ctx and go on". Only
// read() and write() are sliced: an ioctl that times out is not repeated.
func (c *Conn) setTimeout(ctx context.Context, op string, sliceOK bool) (sliced bool, err error) {
	if c.closed.Load() {
		return false, transport.Errorf(op, transport.ErrClosed, nil)
	}
	if err := ctx.Err(); err != nil {
		return false, transport.NetError(op, err)
	}
	ms := uint32(24 * time.Hour / time.Millisecond)
	d, hasDeadline := ctx.Deadline()
	if hasDeadline {
		left := time.Until(d)
		if left <= 0 {
			return false, transport.Errorf(op, transport.ErrTimeout, context.DeadlineExceeded)
		}
		ms = uint32(max(left.Milliseconds(), 100))
	}
	if sl := uint32(c.slice.Milliseconds()); sliceOK && !hasDeadline && ctx.Done() != nil && sl > 0 {
		ms, sliced = sl, true
	}
	if ms == c.timeout {
		return sliced, nil
	}
	if err := ioctl(c.fd, nums.SetTimeout, uintptr(unsafe.Pointer(&ms))); err != nil {
		return false, errnoErr(op, err)
	}
	c.timeout = ms
	return sliced, nil
}

// again decides what a kernel timeout of a sliced operation means: the
// context's end (returned as its error: ErrAborted wrapping
// context.Canceled, or ErrTimeout) or a new slice (nil, timeout reset).
func (c *Conn) again(ctx context.Context, op string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, transport.NetError(op, err)
	}
	return c.setTimeout(ctx, op, true)
}

// Write sends p as one message; EOM is set on the last transfer when end.
func (c *Conn) Write(ctx context.Context, p []byte, end bool) (int, error) {
	sliced, err := c.setTimeout(ctx, "write", true)
	if err != nil {
		return 0, err
	}
	e := 0
	if end {
		e = 1
	}
	if e != c.eom {
		v := uint8(e)
		if err := ioctlU8(c.fd, nums.EOMEnable, &v); err != nil {
			return 0, errnoErr("write", err)
		}
		c.eom = e
	}
	sent := 0
	for sent < len(p) {
		n, err := unix.Write(c.fd, p[sent:])
		if err == unix.EINTR {
			continue
		}
		if err == unix.ETIMEDOUT && sliced {
			// The driver aborted the Bulk-OUT transfer, so the device
			// dropped the partial message: sending it again is right.
			if sliced, err = c.again(ctx, "write"); err != nil {
				return sent, err
			}
			continue
		}
		if err != nil {
			return sent, errnoErr("write", err)
		}
		sent += n
	}
	return sent, nil
}

// Read reads a response following VPP-4.3 rule 6.1 (END from the EOM bit
// of the last transfer, USBTMC_IOCTL_MSG_IN_ATTR).
func (c *Conn) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if len(p) == 0 {
		return 0, 0, nil
	}
	sliced, err := c.setTimeout(ctx, "read", true)
	if err != nil {
		return 0, 0, err
	}
	n := 0
	if len(c.pending) > 0 {
		return c.fromPending(p, opt)
	}
	c.configTerm(opt)
	for {
		k, err := unix.Read(c.fd, p[n:])
		if err == unix.EINTR {
			continue
		}
		if err == unix.ETIMEDOUT && sliced {
			// No answer within the slice; the driver aborted the Bulk-IN
			// transfer. Go on with a new request unless ctx is done.
			if sliced, err = c.again(ctx, "read"); err != nil {
				return n, 0, err
			}
			continue
		}
		if err != nil {
			return n, 0, errnoErr("read", err)
		}
		var attr uint8
		if err := ioctlU8(c.fd, nums.MsgInAttr, &attr); err != nil {
			attr = 1 // old driver: every read ends a message
		}
		end := attr&1 != 0 && !opt.SuppressEND // VI_ATTR_SUPPRESS_END_EN: EOM does not end the read
		if opt.TermCharEnabled {
			if i := bytes.IndexByte(p[n:n+k], opt.TermChar); i >= 0 && i < k-1 {
				// The driver did not stop at it: keep the rest for later.
				c.pending = append(c.buf[:0], p[n+i+1:n+k]...)
				c.buf, c.pendEnd = c.pending, end
				return n + i + 1, transport.ReasonTermChar, nil
			}
		}
		n += k
		var r transport.Reason
		if end {
			r |= transport.ReasonEND
		}
		if opt.TermCharEnabled && k > 0 && p[n-1] == opt.TermChar {
			r |= transport.ReasonTermChar
		}
		if n == len(p) {
			r |= transport.ReasonCount
		}
		if r != 0 {
			return n, r, nil
		}
		if k == 0 && !opt.SuppressEND {
			return n, 0, transport.Errorf("read", transport.ErrProtocol, errors.New("kdriver: empty read without EOM"))
		}
	}
}

func (c *Conn) fromPending(p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	k := min(len(p), len(c.pending))
	var r transport.Reason
	if opt.TermCharEnabled {
		if i := bytes.IndexByte(c.pending[:k], opt.TermChar); i >= 0 {
			k, r = i+1, transport.ReasonTermChar
		}
	}
	copy(p, c.pending[:k])
	c.pending = c.pending[k:]
	if len(c.pending) == 0 && c.pendEnd {
		r |= transport.ReasonEND
	}
	if k == len(p) {
		r |= transport.ReasonCount
	}
	if r == 0 {
		r = transport.ReasonEND // what is left of the pending bytes
	}
	return k, r, nil
}

// configTerm tells the driver the termination character when it supports
// it for this device; otherwise Read scans for it.
func (c *Conn) configTerm(opt transport.ReadOptions) {
	want := 0
	if opt.TermCharEnabled && c.termOK {
		want = int(opt.TermChar) | 1<<8
	}
	if want == c.term {
		return
	}
	arg := [2]uint8{uint8(want), uint8(want >> 8)}
	if err := ioctl(c.fd, nums.ConfigTermChar, uintptr(unsafe.Pointer(&arg))); err != nil {
		c.termOK = false // EINVAL: the device lacks TermChar
		return
	}
	c.term = want
}

func (c *Conn) simple(ctx context.Context, op string, req uint32) error {
	if _, err := c.setTimeout(ctx, op, false); err != nil {
		return err
	}
	if err := ioctl(c.fd, req, 0); err != nil {
		return errnoErr(op, err)
	}
	return nil
}

// Clear runs the driver's full device clear (USBTMC_IOCTL_CLEAR).
func (c *Conn) Clear(ctx context.Context) error {
	c.pending = nil
	return c.simple(ctx, "clear", nums.Clear)
}

// IndicatorPulse blinks the device's indicator.
func (c *Conn) IndicatorPulse(ctx context.Context) error {
	return c.simple(ctx, "indicator_pulse", nums.IndicatorPulse)
}

// Trigger sends the USB488 TRIGGER message.
func (c *Conn) Trigger(ctx context.Context) error {
	if c.caps&capTrigger == 0 {
		return transport.Errorf("trigger", transport.ErrNotSupported, nil)
	}
	return c.simple(ctx, "trigger", nums.Trigger)
}

// ReadSTB reads the status byte (USBTMC488_IOCTL_READ_STB); RQS is set
// when a service request arrived since the last call.
func (c *Conn) ReadSTB(ctx context.Context) (byte, error) {
	if _, err := c.setTimeout(ctx, "read_stb", false); err != nil {
		return 0, err
	}
	var stb uint8
	if err := ioctlU8(c.fd, nums.ReadSTB, &stb); err != nil {
		return 0, errnoErr("read_stb", err)
	}
	if c.srqLatch.Swap(false) {
		stb |= 0x40
	}
	return stb, nil
}

// RemoteLocal maps the VISA REN modes onto the driver's REN_CONTROL,
// GOTO_LOCAL and LOCAL_LOCKOUT ioctls.
func (c *Conn) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	if c.caps&capRENControl == 0 {
		return transport.Errorf("remote_local", transport.ErrNotSupported, nil)
	}
	ren := func(on uint8) error {
		if err := ioctlU8(c.fd, nums.RENControl, &on); err != nil {
			return errnoErr("remote_local", err)
		}
		return nil
	}
	var steps []func() error
	gtl := func() error { return c.simple(ctx, "remote_local", nums.GotoLocal) }
	llo := func() error { return c.simple(ctx, "remote_local", nums.LocalLockout) }
	switch mode {
	case transport.RENDeassert:
		steps = []func() error{func() error { return ren(0) }}
	case transport.RENAssert, transport.RENAssertAddress:
		steps = []func() error{func() error { return ren(1) }}
	case transport.RENDeassertGTL:
		steps = []func() error{gtl, func() error { return ren(0) }}
	case transport.RENAssertLLO, transport.RENAssertAddrLLO:
		steps = []func() error{func() error { return ren(1) }, llo}
	case transport.RENAddressGTL:
		steps = []func() error{gtl}
	default:
		return transport.Errorf("remote_local", transport.ErrInvalidArg, fmt.Errorf("mode %d", mode))
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// OnSRQ registers f for service requests (POLLPRI on the node).
func (c *Conn) OnSRQ(f func()) {
	if f == nil {
		c.srq.Store(nil)
		return
	}
	c.srq.Store(&f)
}

// watchSRQ waits for POLLPRI, which the driver raises on an SRQ
// notification, and acknowledges it with GET_SRQ_STB (READ_STB on older
// drivers) so poll stops reporting it.
func (c *Conn) watchSRQ() {
	defer close(c.watchDone)
	fds := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLPRI}, {Fd: int32(c.evfd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			return
		}
		if fds[1].Revents != 0 || fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
			return
		}
		if fds[0].Revents&unix.POLLPRI != 0 {
			var stb uint8
			if err := ioctlU8(c.fd, nums.GetSRQSTB, &stb); err != nil {
				ioctlU8(c.fd, nums.ReadSTB, &stb)
			}
			c.srqLatch.Store(true)
			if f := c.srq.Load(); f != nil {
				(*f)()
			}
		}
	}
}

// Close stops the SRQ watcher and closes the node.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		unix.Write(c.evfd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		<-c.watchDone
		unix.Close(c.evfd)
		err = unix.Close(c.fd)
	})
	return err
}
