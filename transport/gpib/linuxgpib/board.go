package linuxgpib

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/govisa/govisa/transport"
)

// ioctler issues one ioctl on a board's file descriptor. arg is the
// argument struct (nil for none); data is the buffer whose address the
// caller stored in arg (read_write_ioctl_t), kept alive for the call.
type ioctler interface {
	ioctl(req uint, arg []byte, data []byte) error
	close() error
}

// Board is one linux-gpib interface board, the GPIBn::INTFC resource.
// Operations are serialised; each runs with the board lock held on a
// locked OS thread.
type Board struct {
	io       ioctler
	mu       sync.Mutex
	pad, sad int   // the board's own address
	tmo      int64 // last IBTMO value in µs, -1 unknown
	closed   bool
	// bus is how the bus was last left addressed through any Board of this
	// process on the same physical board, so that an Instr with
	// re-addressing off can skip the addressing bytes.
	bus *busTracker

	srqMu   sync.Mutex
	srqSubs map[*Instr]func()
	srqStop chan struct{}
	srqDone chan struct{}
}

func newBoard(io ioctler, bus *busTracker) (*Board, error) {
	b := &Board{io: io, bus: bus, tmo: -1, sad: -1, srqSubs: map[*Instr]func(){}}
	info := make([]byte, sizeBoardInfo)
	if err := io.ioctl(req.boardInfo, info, nil); err != nil {
		return nil, errnoErr("board_info", err)
	}
	b.pad = int(ne.Uint32(info[infoPad:]))
	if s := int32(ne.Uint32(info[infoSad:])); s >= 0 && s <= 30 {
		b.sad = int(s)
	}
	bus.setOwn(b.pad, b.sad)
	return b, nil
}

// errnoErr maps the driver's errno the way libgpib does (fact sheet §6.2).
func errnoErr(op string, err error) error {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return transport.Errorf(op, transport.ErrIO, err)
	}
	switch en {
	case syscall.ETIMEDOUT:
		return transport.Errorf(op, transport.ErrTimeout, err)
	case syscall.EINTR:
		return transport.Errorf(op, transport.ErrAborted, err)
	case syscall.ENOTCONN, ecomm:
		return transport.Errorf(op, transport.ErrIO, fmt.Errorf("no listeners on the bus: %w", err))
	case syscall.ENOTTY, syscall.EINVAL:
		return transport.Errorf(op, transport.ErrNotSupported, err)
	case syscall.EBADF:
		return transport.Errorf(op, transport.ErrClosed, err)
	}
	return transport.Errorf(op, transport.ErrIO, err)
}

// locked runs f holding the board lock (IBMUTEX) on one OS thread, with
// the board timeout set from ctx's deadline.
func (b *Board) locked(ctx context.Context, op string, f func() error) error {
	if err := ctx.Err(); err != nil {
		return transport.NetError(op, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	// The kernel records the thread that took IBMUTEX and refuses the
	// locked ioctls (and the unlock) from any other thread.
	// Another Board in this process may have changed the board's address.
	b.pad, b.sad = b.bus.own()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := b.io.ioctl(req.mutex, int32Arg(1), nil); err != nil {
		return errnoErr(op, err)
	}
	defer b.io.ioctl(req.mutex, int32Arg(0), nil)
	var us int64 // 0 = no timeout
	if d, ok := ctx.Deadline(); ok {
		us = max(time.Until(d).Microseconds(), 1)
		us = min(us, 1<<32-1)
	}
	if us != b.tmo {
		if err := b.io.ioctl(req.tmo, int32Arg(int32(uint32(us))), nil); err != nil {
			return errnoErr(op, err)
		}
		b.tmo = us
	}
	err := f()
	if err != nil && ctx.Err() != nil && errors.Is(err, transport.ErrTimeout) {
		return transport.NetError(op, ctx.Err())
	}
	return err
}

// command sends bus command bytes with ATN asserted (IBCMD). The caller
// holds the lock.
func (b *Board) command(op string, cmd []byte) error {
	// Any command bytes may change who talks and listens; callers that
	// know the result record it after success.
	b.bus.set(busState{})
	a := rwArgs{buf: bufAddr(cmd), requested: uint32(len(cmd))}
	arg := a.encode()
	if err := b.io.ioctl(req.cmd, arg, cmd); err != nil {
		return errnoErr(op, err)
	}
	return nil
}

// write sends data with IBWRT (the driver releases ATN first).
func (b *Board) write(op string, p []byte, end bool) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	a := rwArgs{buf: bufAddr(p), requested: uint32(len(p))}
	if end {
		a.end = 1
	}
	arg := a.encode()
	err := b.io.ioctl(req.wrt, arg, p)
	n := int(min(decodeRW(arg).completed, uint32(len(p))))
	if err != nil {
		return n, errnoErr(op, err)
	}
	return n, nil
}

// read reads with IBRD after IBEOS; ended reports EOI or EOS.
func (b *Board) read(op string, p []byte, eos byte, eosOn bool) (int, bool, error) {
	flags := int32(0)
	if eosOn {
		flags = eosREOS | eosBIN
	}
	if err := b.io.ioctl(req.eos, pairArg(int32(eos), flags), nil); err != nil {
		return 0, false, errnoErr(op, err)
	}
	a := rwArgs{buf: bufAddr(p), requested: uint32(len(p))}
	arg := a.encode()
	err := b.io.ioctl(req.rd, arg, p)
	out := decodeRW(arg)
	n := int(min(out.completed, uint32(len(p))))
	if err != nil {
		return n, false, errnoErr(op, err)
	}
	return n, out.end != 0, nil
}

// Close closes the board; SRQ delivery stops.
func (b *Board) Close() error {
	b.stopSRQ()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	return b.io.close()
}

// Command sends raw bus command bytes with ATN asserted
// (viGpibCommand / gpib_command).
func (b *Board) Command(ctx context.Context, cmd []byte) error {
	return b.locked(ctx, "command", func() error { return b.command("command", cmd) })
}

// SendIFC pulses interface clear for 100 µs (viGpibSendIFC).
func (b *Board) SendIFC(ctx context.Context) error {
	return b.locked(ctx, "send_ifc", func() error {
		b.bus.set(busState{})
		return errIf("send_ifc", b.io.ioctl(req.sic, int32Arg(100), nil))
	})
}

func errIf(op string, err error) error {
	if err != nil {
		return errnoErr(op, err)
	}
	return nil
}

// ControlREN applies a VISA REN mode to the bus (viGpibControlREN on an
// interface; the addressed modes need a device and are on [Instr]).
func (b *Board) ControlREN(ctx context.Context, mode transport.RemoteLocal) error {
	return b.locked(ctx, "control_ren", func() error { return b.ren(mode, -1, -1) })
}

// ren implements the REN modes; pad < 0 means no device is addressed.
func (b *Board) ren(mode transport.RemoteLocal, pad, sad int) error {
	sre := func(on int32) error { return errIf("control_ren", b.io.ioctl(req.sre, int32Arg(on), nil)) }
	needDev := func() error {
		if pad < 0 {
			return transport.Errorf("control_ren", transport.ErrInvalidArg, errors.New("mode needs a device address"))
		}
		return nil
	}
	switch mode {
	case transport.RENDeassert:
		return sre(0)
	case transport.RENAssert:
		return sre(1)
	case transport.RENDeassertGTL:
		if pad >= 0 {
			if err := b.command("control_ren", append(listenSeq(b.pad, b.sad, pad, sad), cmdGTL)); err != nil {
				return err
			}
		}
		return sre(0)
	case transport.RENAssertAddress:
		if err := needDev(); err != nil {
			return err
		}
		if err := sre(1); err != nil {
			return err
		}
		return b.command("control_ren", listenSeq(b.pad, b.sad, pad, sad))
	case transport.RENAssertLLO:
		if err := sre(1); err != nil {
			return err
		}
		return b.command("control_ren", []byte{cmdLLO})
	case transport.RENAssertAddrLLO:
		if err := needDev(); err != nil {
			return err
		}
		if err := sre(1); err != nil {
			return err
		}
		return b.command("control_ren", append(listenSeq(b.pad, b.sad, pad, sad), cmdLLO))
	case transport.RENAddressGTL:
		if err := needDev(); err != nil {
			return err
		}
		return b.command("control_ren", append(listenSeq(b.pad, b.sad, pad, sad), cmdGTL))
	}
	return transport.Errorf("control_ren", transport.ErrInvalidArg, fmt.Errorf("mode %d", mode))
}

// ATN modes of viGpibControlATN.
const (
	ATNDeassert          = 0
	ATNAssert            = 1
	ATNDeassertHandshake = 2
	ATNAssertImmediate   = 3
)

// ControlATN asserts ATN (take control, IBCAC: synchronously after the
// current handshake, or immediately) or releases it (go to standby, IBGTS).
func (b *Board) ControlATN(ctx context.Context, mode int) error {
	return b.locked(ctx, "control_atn", func() error {
		switch mode {
		case ATNAssert:
			return errIf("control_atn", b.io.ioctl(req.cac, int32Arg(1), nil))
		case ATNAssertImmediate:
			return errIf("control_atn", b.io.ioctl(req.cac, int32Arg(0), nil))
		case ATNDeassert, ATNDeassertHandshake:
			return errIf("control_atn", b.io.ioctl(req.gts, nil, nil))
		}
		return transport.Errorf("control_atn", transport.ErrInvalidArg, fmt.Errorf("mode %d", mode))
	})
}

// PassControl makes the device at pad[,sad] controller in charge: it is
// addressed to talk and sent TCT.
func (b *Board) PassControl(ctx context.Context, pad, sad int) error {
	if err := checkAddr(pad, sad); err != nil {
		return err
	}
	return b.locked(ctx, "pass_control", func() error {
		cmd := addr([]byte{cmdUNL}, mta(pad), sad)
		return b.command("pass_control", append(cmd, cmdTCT))
	})
}

// GroupTrigger sends GET to all the listed devices at once.
func (b *Board) GroupTrigger(ctx context.Context, devs ...[2]int) error {
	if len(devs) == 0 {
		return transport.Errorf("trigger", transport.ErrInvalidArg, errors.New("no devices"))
	}
	for _, d := range devs {
		if err := checkAddr(d[0], d[1]); err != nil {
			return err
		}
	}
	return b.locked(ctx, "trigger", func() error {
		cmd := addr(nil, mta(b.pad), b.sad)
		cmd = append(cmd, cmdUNL)
		for _, d := range devs {
			cmd = addr(cmd, mla(d[0]), d[1])
		}
		return b.command("trigger", append(cmd, cmdGET))
	})
}

// Lines returns the IBLINES bitmap: low byte which lines are valid, high
// byte their states.
func (b *Board) Lines(ctx context.Context) (uint16, error) {
	arg := make([]byte, 2)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, transport.Errorf("lines", transport.ErrClosed, nil)
	}
	if err := b.io.ioctl(req.lines, arg, nil); err != nil {
		return 0, errnoErr("lines", err)
	}
	return ne.Uint16(arg), nil
}

// SRQ reports whether the SRQ line is asserted.
func (b *Board) SRQ(ctx context.Context) (bool, error) {
	l, err := b.Lines(ctx)
	return l&lineSRQ != 0 && l&(lineSRQ<<8) != 0, err
}

// REN reports whether the REN line is asserted.
func (b *Board) REN(ctx context.Context) (bool, error) {
	l, err := b.Lines(ctx)
	return l&lineREN != 0 && l&(lineREN<<8) != 0, err
}

func checkAddr(pad, sad int) error {
	if pad < 0 || pad > 30 || sad < -1 || sad > 30 {
		return transport.Errorf("address", transport.ErrInvalidArg, fmt.Errorf("GPIB address %d,%d", pad, sad))
	}
	return nil
}
