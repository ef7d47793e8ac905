package linuxgpib

import (
	"context"
	"sync"

	"github.com/govisa/govisa/transport"
)

// busState records how a Board last left the bus addressed. The zero
// value means unknown: the next transfer addresses the device again.
type busState struct {
	mode     busMode
	pad, sad int
}

type busMode uint8

// busTracker shares a busState between the Boards open on one physical
// board. Only addressing done in this process is seen: another process
// using the board while re-addressing is off is the caller's risk, as
// with any VISA.
type busTracker struct {
	mu       sync.Mutex
	st       busState
	pad, sad int // the board's own address, as last read or set
}

func (t *busTracker) own() (pad, sad int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pad, t.sad
}

func (t *busTracker) setOwn(pad, sad int) {
	t.mu.Lock()
	t.pad, t.sad = pad, sad
	t.mu.Unlock()
}

func (t *busTracker) get() busState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st
}

func (t *busTracker) set(s busState) {
	t.mu.Lock()
	t.st = s
	t.mu.Unlock()
}

// realBuses tracks /dev/gpib0 to /dev/gpib15.
var realBuses [maxBoards]busTracker

const (
	busUnknown    busMode = iota
	busDevListens         // the board talks, the device listens
	busDevTalks           // the device talks, the board listens
)

// AddrState is how the board itself is addressed
// (VI_ATTR_GPIB_ADDR_STATE).
type AddrState int

// The values match VI_GPIB_UNADDRESSED, VI_GPIB_TALKER, VI_GPIB_LISTENER.
const (
	Unaddressed AddrState = 0
	Talker      AddrState = 1
	Listener    AddrState = 2
)

// BusLine names one GPIB control line as the IBLINES bitmap does.
type BusLine uint16

// The lines of the IBLINES bitmap (the "valid" bits; the state bit is the
// same bit shifted left by 8).
const (
	LineDAV  BusLine = 0x01
	LineNDAC BusLine = 0x02
	LineNRFD BusLine = 0x04
	LineIFC  BusLine = 0x08
	LineREN  BusLine = 0x10
	LineSRQ  BusLine = 0x20
	LineATN  BusLine = 0x40
	LineEOI  BusLine = 0x80
)

// LineState is the state of a bus line; its values match VI_STATE_*.
type LineState int

// Line states.
const (
	LineUnknown    LineState = -1 // the board cannot read this line
	LineUnasserted LineState = 0
	LineAsserted   LineState = 1
)

// lineState decodes one line from an IBLINES bitmap.
func lineState(bits uint16, l BusLine) LineState {
	switch {
	case bits&uint16(l) == 0:
		return LineUnknown
	case bits&(uint16(l)<<8) != 0:
		return LineAsserted
	}
	return LineUnasserted
}

// Line reports the state of one bus line (IBLINES; no board lock needed).
func (b *Board) Line(ctx context.Context, l BusLine) (LineState, error) {
	bits, err := b.Lines(ctx)
	if err != nil {
		return LineUnknown, err
	}
	return lineState(bits, l), nil
}

// unlocked runs f under the Board's mutex without the driver's board lock,
// for the ioctls the driver serves without it (fact sheet §6.2).
func (b *Board) unlocked(ctx context.Context, op string, f func() error) error {
	if err := ctx.Err(); err != nil {
		return transport.NetError(op, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	return f()
}

// status returns the board's ibsta: IBWAIT on the board descriptor with an
// empty wait mask answers at once.
func (b *Board) status(ctx context.Context) (int32, error) {
	var st int32
	err := b.unlocked(ctx, "status", func() error {
		w := waitArgs{pad: noAddr, sad: noAddr}
		arg := w.encode()
		if err := b.io.ioctl(req.wait, arg, nil); err != nil {
			return errnoErr("status", err)
		}
		st = decodeWait(arg).ibsta
		return nil
	})
	return st, err
}

// CIC reports whether the board is controller in charge.
func (b *Board) CIC(ctx context.Context) (bool, error) {
	st, err := b.status(ctx)
	return st&staCIC != 0, err
}

// AddressState reports whether the board is addressed to talk or listen.
func (b *Board) AddressState(ctx context.Context) (AddrState, error) {
	st, err := b.status(ctx)
	switch {
	case err != nil:
		return Unaddressed, err
	case st&staTACS != 0:
		return Talker, nil
	case st&staLACS != 0:
		return Listener, nil
	}
	return Unaddressed, nil
}

// Address returns the board's own primary and secondary address (sad -1:
// none).
func (b *Board) Address() (pad, sad int) { return b.bus.own() }

// SetPrimaryAddress changes the board's own primary address, 0-30 (IBPAD
// on the board descriptor).
func (b *Board) SetPrimaryAddress(ctx context.Context, pad int) error {
	if err := checkAddr(pad, -1); err != nil {
		return err
	}
	return b.unlocked(ctx, "set_pad", func() error {
		if err := b.io.ioctl(req.pad, pairArg(0, int32(pad)), nil); err != nil {
			return errnoErr("set_pad", err)
		}
		_, s := b.bus.own()
		b.pad = pad
		b.bus.setOwn(pad, s)
		b.bus.set(busState{})
		return nil
	})
}

// SetSecondaryAddress changes the board's own secondary address, 0-30 or
// -1 for none (IBSAD on the board descriptor).
func (b *Board) SetSecondaryAddress(ctx context.Context, sad int) error {
	if err := checkAddr(0, sad); err != nil {
		return err
	}
	return b.unlocked(ctx, "set_sad", func() error {
		if err := b.io.ioctl(req.sad, pairArg(0, int32(sad)), nil); err != nil {
			return errnoErr("set_sad", err)
		}
		p, _ := b.bus.own()
		b.sad = sad
		b.bus.setOwn(p, sad)
		b.bus.set(busState{})
		return nil
	})
}

// SystemController reports whether the board is system controller
// (is_system_controller of IBBOARD_INFO).
func (b *Board) SystemController(ctx context.Context) (bool, error) {
	var on bool
	err := b.unlocked(ctx, "board_info", func() error {
		info := make([]byte, sizeBoardInfo)
		if err := b.io.ioctl(req.boardInfo, info, nil); err != nil {
			return errnoErr("board_info", err)
		}
		on = ne.Uint32(info[infoSysCtrl:]) != 0
		return nil
	})
	return on, err
}

// SetSystemController requests (true) or releases (false) system control
// (IBRSC).
func (b *Board) SetSystemController(ctx context.Context, on bool) error {
	v := int32(0)
	if on {
		v = 1
	}
	return b.locked(ctx, "request_system_control", func() error {
		return errIf("request_system_control", b.io.ioctl(req.rsc, int32Arg(v), nil))
	})
}

// StatusByte returns the status byte the board answers a serial poll with
// when it acts as a device (IBQUERY_BOARD_RSV).
func (b *Board) StatusByte(ctx context.Context) (byte, error) {
	var stb byte
	err := b.locked(ctx, "query_rsv", func() error {
		arg := make([]byte, 4)
		if err := b.io.ioctl(req.queryRSV, arg, nil); err != nil {
			return errnoErr("query_rsv", err)
		}
		stb = byte(ne.Uint32(arg))
		return nil
	})
	return stb, err
}

// RequestService sets the board's own serial-poll status byte; with bit 6
// (0x40) set the board asserts SRQ (IBRSV).
func (b *Board) RequestService(ctx context.Context, stb byte) error {
	return b.locked(ctx, "request_service", func() error {
		return errIf("request_service", b.io.ioctl(req.rsv, []byte{stb}, nil))
	})
}
