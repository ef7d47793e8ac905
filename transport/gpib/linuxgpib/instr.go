package linuxgpib

import (
	"context"
	"sync"

	"github.com/govisa/govisa/transport"
)

// Instr is a session to the device at pad[,sad] on a board
// (GPIBn::pad[::sad]::INSTR). It implements transport.Conn, Clearer,
// STBReader, Triggerer, RemoteLocalController and SRQNotifier.
type Instr struct {
	b        *Board
	pad, sad int
	mu       sync.Mutex
	closed   bool
	noReaddr bool // VI_ATTR_GPIB_READDR_EN false
	unaddr   bool // VI_ATTR_GPIB_UNADDR_EN
}

var (
	_ transport.Conn                  = (*Instr)(nil)
	_ transport.Clearer               = (*Instr)(nil)
	_ transport.STBReader             = (*Instr)(nil)
	_ transport.Triggerer             = (*Instr)(nil)
	_ transport.RemoteLocalController = (*Instr)(nil)
	_ transport.SRQNotifier           = (*Instr)(nil)
)

// Instrument returns a session to the device at pad (0-30) and sad (0-30,
// -1 for none) on the board.
func (b *Board) Instrument(pad, sad int) (*Instr, error) {
	if err := checkAddr(pad, sad); err != nil {
		return nil, err
	}
	return &Instr{b: b, pad: pad, sad: sad}, nil
}

func (in *Instr) do(ctx context.Context, op string, f func() error) error {
	in.mu.Lock()
	closed := in.closed
	in.mu.Unlock()
	if closed {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	return in.b.locked(ctx, op, f)
}

// Write addresses the device to listen and sends p, with EOI on the last
// byte when end is true.
func (in *Instr) Write(ctx context.Context, p []byte, end bool) (int, error) {
	readdr, unaddr := in.addressing()
	n := 0
	err := in.do(ctx, "write", func() (err error) {
		if err = in.address("write", busDevListens, readdr); err != nil {
			return err
		}
		n, err = in.b.write("write", p, end)
		return in.finish("write", err, unaddr)
	})
	return n, err
}

// Read addresses the device to talk and reads until EOI, the termination
// character (IBEOS with REOS|BIN when enabled) or a full buffer. With the
// termination character enabled and last, the reason is ReasonTermChar;
// the driver does not say whether EOI came with it.
func (in *Instr) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if len(p) == 0 {
		return 0, transport.ReasonCount, nil
	}
	readdr, unaddr := in.addressing()
	var n int
	var why transport.Reason
	err := in.do(ctx, "read", func() error {
		if err := in.address("read", busDevTalks, readdr); err != nil {
			return err
		}
		var ended bool
		var err error
		n, ended, err = in.b.read("read", p, opt.TermChar, opt.TermCharEnabled)
		if err = in.finish("read", err, unaddr); err != nil {
			return err
		}
		if ended {
			if opt.TermCharEnabled && n > 0 && p[n-1] == opt.TermChar {
				why |= transport.ReasonTermChar
			} else if !opt.SuppressEND {
				why |= transport.ReasonEND
			}
		}
		if n == len(p) {
			why |= transport.ReasonCount
		}
		return nil
	})
	if err == nil && why == 0 {
		// Only possible with SuppressEND: END came but must not end the
		// read; the next Read continues the message.
		why = transport.ReasonEND
	}
	return n, why, err
}

// addressing returns the re-address and unaddress settings.
func (in *Instr) addressing() (readdr, unaddr bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return !in.noReaddr, in.unaddr
}

// address sends the addressing bytes for a transfer in mode, unless
// re-addressing is off and this Board left the bus addressed that way.
// The caller holds the board lock.
func (in *Instr) address(op string, mode busMode, readdr bool) error {
	b := in.b
	want := busState{mode: mode, pad: in.pad, sad: in.sad}
	if !readdr && b.bus.get() == want {
		return nil
	}
	seq := listenSeq(b.pad, b.sad, in.pad, in.sad)
	if mode == busDevTalks {
		seq = talkSeq(b.pad, b.sad, in.pad, in.sad)
	}
	if err := b.command(op, seq); err != nil {
		return err
	}
	b.bus.set(want)
	return nil
}

// finish ends a transfer: after a failure the addressing is unknown;
// after success UNT UNL follow when unaddressing is on.
func (in *Instr) finish(op string, err error, unaddr bool) error {
	if err != nil {
		in.b.bus.set(busState{})
		return err
	}
	if unaddr {
		return in.b.command(op, []byte{cmdUNT, cmdUNL})
	}
	return nil
}

// Clear sends SDC to the device.
func (in *Instr) Clear(ctx context.Context) error {
	return in.do(ctx, "clear", func() error {
		return in.b.command("clear", append(listenSeq(in.b.pad, in.b.sad, in.pad, in.sad), cmdSDC))
	})
}

// Trigger sends GET to the device.
func (in *Instr) Trigger(ctx context.Context) error {
	return in.do(ctx, "trigger", func() error {
		return in.b.command("trigger", append(listenSeq(in.b.pad, in.b.sad, in.pad, in.sad), cmdGET))
	})
}

// ReadSTB serial-polls the device (IBRSP; the kernel sends SPE/SPD).
func (in *Instr) ReadSTB(ctx context.Context) (byte, error) {
	var stb byte
	err := in.do(ctx, "read_stb", func() (err error) {
		stb, err = in.b.spoll(in.pad, in.sad)
		return err
	})
	return stb, err
}

func (b *Board) spoll(pad, sad int) (byte, error) {
	b.bus.set(busState{}) // the kernel leaves the board listening, nobody talking
	s := int32(noAddr)
	if sad >= 0 {
		s = int32(sad)
	}
	arg := encodeSPoll(uint32(pad), s)
	if err := b.io.ioctl(req.rsp, arg, nil); err != nil {
		return 0, errnoErr("read_stb", err)
	}
	return arg[8], nil
}

// RemoteLocal applies a VISA REN mode with this device as the addressed
// one (viGpibControlREN).
func (in *Instr) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	return in.do(ctx, "control_ren", func() error { return in.b.ren(mode, in.pad, in.sad) })
}

// OnSRQ registers f to be called when this device requests service: the
// board waits on the SRQ line (IBWAIT with SRQI) and serial-polls the
// devices that registered, calling f for each whose status byte has RQS.
// The polled status byte is consumed, as with any serial poll. A nil f
// stops delivery for this device.
func (in *Instr) OnSRQ(f func()) { in.b.onSRQ(in, f) }

// Close ends the session; the board stays open.
func (in *Instr) Close() error {
	in.b.onSRQ(in, nil)
	in.mu.Lock()
	in.closed = true
	in.mu.Unlock()
	return nil
}
