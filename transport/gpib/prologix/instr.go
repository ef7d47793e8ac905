package prologix

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/govisa/govisa/transport"
)

// Instr is a session to one GPIB device behind an [Adapter]
// (GPIBn::pad[::sad]::INSTR bound to a Prologix board). It implements
// transport.Conn, Clearer, STBReader, Triggerer, RemoteLocalController and
// SRQNotifier. Operations lock the adapter, so instruments sharing it may be
// used from different goroutines.
type Instr struct {
	a      *Adapter
	addr   Address
	closed bool // guarded by a.mu
	// rqs: the SRQ poller's serial poll saw RQS, which the poll cleared in
	// the device; the next ReadSTB reports it once (guarded by a.mu).
	rqs bool
}

var (
	_ transport.Conn                  = (*Instr)(nil)
	_ transport.Clearer               = (*Instr)(nil)
	_ transport.STBReader             = (*Instr)(nil)
	_ transport.Triggerer             = (*Instr)(nil)
	_ transport.RemoteLocalController = (*Instr)(nil)
	_ transport.SRQNotifier           = (*Instr)(nil)
)

// Address returns the instrument's GPIB address.
func (in *Instr) Address() Address { return in.addr }

// Adapter returns the adapter the instrument is reached through.
func (in *Instr) Adapter() *Adapter { return in.a }

// do runs f with the adapter locked and addressed to this instrument.
func (in *Instr) do(ctx context.Context, op string, f func() error) error {
	a := in.a
	a.mu.Lock()
	defer a.mu.Unlock()
	if in.closed {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	if err := a.ready(ctx, op); err != nil {
		return err
	}
	if err := a.address(ctx, in.addr); err != nil {
		return err
	}
	return f()
}

// maxKeptBuf bounds the scratch buffers an adapter keeps between calls.
const maxKeptBuf = 64 << 10

// Write sends p as one data line, escaped; EOI goes with the last byte when
// end is true (++eoi is switched only when it changes).
func (in *Instr) Write(ctx context.Context, p []byte, end bool) (int, error) {
	n := 0
	err := in.do(ctx, "write", func() error {
		a := in.a
		if end != a.eoi {
			v := "0"
			if end {
				v = "1"
			}
			if err := a.command(ctx, "eoi "+v); err != nil {
				return err
			}
			a.eoi = end
		}
		a.buf, a.r, a.reading = a.buf[:0], 0, false
		b := Escape(a.wbuf[:0], p)
		b = append(b, lf)
		if cap(b) <= maxKeptBuf {
			a.wbuf = b[:0]
		}
		if err := a.write(ctx, b); err != nil {
			return err
		}
		n = len(p)
		return nil
	})
	return n, err
}

// Read reads the instrument's response. It asks the adapter to read
// (++read eoi, or ++read <termchar> when the termination character is
// enabled) and ends on the termination character, on a full buffer, or on
// END: the EOT character with Options.UseEOT, otherwise the adapter falling
// silent after sending data. If the adapter gave up before the instrument
// answered (its read timeout is short) the read is asked again until ctx's
// deadline, so the VISA timeout is what limits a slow instrument.
func (in *Instr) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	var n int
	var why transport.Reason
	err := in.do(ctx, "read", func() (err error) {
		n, why, err = in.read(ctx, p, opt)
		return err
	})
	return n, why, err
}

func (in *Instr) read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	a := in.a
	if len(p) == 0 {
		return 0, transport.ReasonCount, nil
	}
	n := 0
	var tmp [4096]byte
	for {
		for a.r < len(a.buf) && n < len(p) {
			b := a.buf[a.r]
			a.r++
			if a.opts.UseEOT && b == a.opts.EOTChar {
				a.reading = false
				if !opt.SuppressEND {
					return n, transport.ReasonEND, nil
				}
				continue
			}
			p[n] = b
			n++
			var why transport.Reason
			if opt.TermCharEnabled && b == opt.TermChar {
				why |= transport.ReasonTermChar
				a.reading = false
			}
			if n == len(p) {
				why |= transport.ReasonCount
			}
			if why != 0 {
				return n, why, nil
			}
		}
		if a.r == len(a.buf) {
			a.buf, a.r = a.buf[:0], 0
		}
		if !a.reading {
			cmd := "read eoi"
			if opt.TermCharEnabled {
				cmd = "read " + strconv.Itoa(int(opt.TermChar))
			}
			if err := a.command(ctx, cmd); err != nil {
				return n, 0, err
			}
			a.reading, a.got = true, 0
		}
		gap := time.Now().Add(a.readTmo + a.opts.Slack)
		m, err := a.readSome(ctx, tmp[:], gap)
		if err != nil {
			if !errors.Is(err, transport.ErrTimeout) || !ctxAlive(ctx) {
				return n, 0, err
			}
			// The adapter stopped: its ++read is over.
			a.reading = false
			if a.got > 0 && !a.opts.UseEOT && !opt.SuppressEND {
				return n, transport.ReasonEND, nil
			}
			continue
		}
		a.got += m
		a.buf = append(a.buf, tmp[:m]...)
	}
}

// ctxAlive reports whether ctx is neither cancelled nor past its deadline.
func ctxAlive(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	d, ok := ctx.Deadline()
	return !ok || time.Now().Before(d)
}

// Clear sends SDC to the instrument (++clr).
func (in *Instr) Clear(ctx context.Context) error {
	return in.do(ctx, "clear", func() error { return in.a.command(ctx, "clr") })
}

// Trigger sends GET to the instrument (++trg).
func (in *Instr) Trigger(ctx context.Context) error {
	return in.do(ctx, "trigger", func() error { return in.a.command(ctx, "trg") })
}

// ReadSTB serial-polls the instrument (++spoll pad [sad]). If the SRQ
// poller ([Instr.OnSRQ]) found this instrument requesting service, its poll
// cleared RQS in the device; the first ReadSTB after that reports RQS (bit
// 6) anyway, with the other bits as they are now, so that a service
// request event is followed by a status byte that shows it, as VISA
// promises.
func (in *Instr) ReadSTB(ctx context.Context) (byte, error) {
	var stb byte
	err := in.do(ctx, "read_stb", func() (err error) {
		stb, err = in.a.spoll(ctx, in.addr)
		if err != nil {
			return err
		}
		if in.rqs {
			stb |= rqsBit
			in.rqs = false
		}
		return nil
	})
	return stb, err
}

// RemoteLocal maps VISA REN modes onto what the adapter offers: GTL to the
// instrument (++loc) for the go-to-local modes, LLO (++llo) for the lockout
// modes. A Prologix controller keeps REN asserted, so the assert modes
// succeed without a bus action and deasserting REN is not supported.
func (in *Instr) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	return in.do(ctx, "remote_local", func() error {
		switch mode {
		case transport.RENAssert, transport.RENAssertAddress:
			return nil
		case transport.RENDeassertGTL, transport.RENAddressGTL:
			return in.a.command(ctx, "loc")
		case transport.RENAssertLLO, transport.RENAssertAddrLLO:
			return in.a.command(ctx, "llo")
		case transport.RENDeassert:
			return transport.Errorf("remote_local", transport.ErrNotSupported, errors.New("a Prologix controller cannot release REN"))
		}
		return transport.Errorf("remote_local", transport.ErrInvalidArg, fmt.Errorf("mode %d", mode))
	})
}

// Close ends the session and its service-request notification; the
// adapter stays open for other instruments.
func (in *Instr) Close() error {
	in.a.onSRQ(in, nil)
	in.a.mu.Lock()
	in.closed = true
	in.rqs = false
	in.a.mu.Unlock()
	return nil
}
