package linuxgpib

import (
	"context"
	"errors"
	"syscall"
	"time"

	"github.com/govisa/govisa/transport"
)

// Address is a GPIB device address: primary 0-30 and secondary 0-30, or
// -1 for none.
type Address struct{ Pad, Sad int }

// settle is how long a listener gets to pull NDAC after ATN is released;
// libgpib waits the same 1.5 ms.
const settle = 1500 * time.Microsecond

// DefaultScanTimeout is a per-address timeout for FindListeners: long
// enough for any device to take a command byte, short enough that a
// whole bus is scanned in well under a second.
const DefaultScanTimeout = 20 * time.Millisecond

// FindListeners finds the devices on the bus the way the IEEE 488.2
// FindLstn protocol does: with the board addressed to talk, for each
// primary address but the board's own it sends UNL and the listen
// address, releases ATN and reads NDAC, which only a listening device
// asserts; where no device answers at a primary address, it tries all
// secondary addresses of it at once, then one by one. It ends with UNL
// UNT.
//
// timeout bounds each driver call (IBTMO; DefaultScanTimeout when zero or
// negative) and ctx bounds the scan: once ctx is done the scan stops
// between addresses and returns what it found with ctx's error. A bus with
// no device at all gives an empty list. The board's lock is held for the
// whole scan, so other I/O on the board waits for it.
func (b *Board) FindListeners(ctx context.Context, timeout time.Duration) ([]Address, error) {
	if timeout <= 0 {
		timeout = DefaultScanTimeout
	}
	var found []Address
	err := b.locked(ctx, "find_listeners", func() error {
		us := timeout.Microseconds()
		if d, ok := ctx.Deadline(); ok {
			us = min(us, max(time.Until(d).Microseconds(), 1))
		}
		if err := b.io.ioctl(req.tmo, int32Arg(int32(min(us, 1<<31-1))), nil); err != nil {
			return errnoErr("find_listeners", err)
		}
		b.tmo = us
		var err error
		found, err = b.scan(ctx)
		return err
	})
	return found, err
}

// scan runs the FindLstn protocol; the caller holds the board lock.
func (b *Board) scan(ctx context.Context) ([]Address, error) {
	const op = "find_listeners"
	bits := make([]byte, 2)
	if err := b.io.ioctl(req.lines, bits, nil); err != nil {
		return nil, errnoErr(op, err)
	}
	if ne.Uint16(bits)&lineNDAC == 0 {
		return nil, transport.Errorf(op, transport.ErrNotSupported, errors.New("the board cannot read the NDAC line"))
	}
	// Addressing the board to talk keeps NDAC an input on boards whose
	// transceivers could not read it otherwise.
	if err := b.command(op, addr(nil, mta(b.pad), b.sad)); err != nil {
		if errors.Is(err, syscall.ENOTCONN) {
			return nil, nil // nobody on the bus takes command bytes
		}
		return nil, err
	}
	var found []Address
	for pad := 0; pad <= 30; pad++ {
		if pad == b.pad {
			continue
		}
		if err := ctx.Err(); err != nil {
			return found, transport.NetError(op, err)
		}
		ok, err := b.listening(pad, -1)
		if err != nil {
			return found, err
		}
		if ok {
			found = append(found, Address{pad, -1})
			continue
		}
		if ok, err = b.listening(pad, allSad); err != nil || !ok {
			if err != nil {
				return found, err
			}
			continue
		}
		for sad := 0; sad <= 30; sad++ {
			if ok, err = b.listening(pad, sad); err != nil {
				return found, err
			} else if ok {
				found = append(found, Address{pad, sad})
			}
		}
	}
	return found, b.command(op, []byte{cmdUNL, cmdUNT})
}

// allSad asks listening to address every secondary address of a pad.
const allSad = -2

// listening addresses pad[,sad] to listen, releases ATN and reports
// whether NDAC is asserted.
func (b *Board) listening(pad, sad int) (bool, error) {
	const op = "find_listeners"
	cmd := []byte{cmdUNL}
	if sad == allSad {
		for s := 0; s <= 30; s++ {
			cmd = addr(cmd, mla(pad), s)
		}
	} else {
		cmd = addr(cmd, mla(pad), sad)
	}
	if err := b.command(op, cmd); err != nil {
		return false, err
	}
	if err := b.io.ioctl(req.gts, nil, nil); err != nil {
		return false, errnoErr(op, err)
	}
	time.Sleep(settle)
	bits := make([]byte, 2)
	if err := b.io.ioctl(req.lines, bits, nil); err != nil {
		return false, errnoErr(op, err)
	}
	return lineState(ne.Uint16(bits), LineNDAC) == LineAsserted, nil
}
