//go:build !linux

package asrl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.bug.st/serial"

	"github.com/govisa/govisa/transport"
)

// bugPort drives a port through go.bug.st/serial (every OS but Linux).
type bugPort struct {
	p serial.Port
}

func portErr(op string, err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortNotFound:
			return transport.Errorf(op, transport.ErrNotFound, err)
		case serial.PortBusy:
			return transport.Errorf(op, transport.ErrLocked, err)
		case serial.PortClosed:
			return transport.Errorf(op, transport.ErrClosed, err)
		case serial.InvalidSpeed, serial.InvalidDataBits, serial.InvalidParity, serial.InvalidStopBits, serial.InvalidTimeoutValue:
			return transport.Errorf(op, transport.ErrNotSupported, err)
		}
	}
	return transport.Errorf(op, transport.ErrIO, err)
}

func modeFor(cfg *Config) (*serial.Mode, error) {
	if cfg.Flow != FlowNone {
		return nil, transport.Errorf("config", transport.ErrNotSupported, fmt.Errorf("flow control %#x is only available on Linux", cfg.Flow))
	}
	m := &serial.Mode{BaudRate: cfg.BaudRate, DataBits: cfg.DataBits}
	m.Parity = map[Parity]serial.Parity{
		ParityNone: serial.NoParity, ParityOdd: serial.OddParity, ParityEven: serial.EvenParity,
		ParityMark: serial.MarkParity, ParitySpace: serial.SpaceParity,
	}[cfg.Parity]
	m.StopBits = map[StopBits]serial.StopBits{
		StopBits1: serial.OneStopBit, StopBits1_5: serial.OnePointFiveStopBits, StopBits2: serial.TwoStopBits,
	}[cfg.StopBits]
	return m, nil
}

func openPort(name string, cfg *Config) (port, error) {
	m, err := modeFor(cfg)
	if err != nil {
		return nil, err
	}
	p, err := serial.Open(name, m)
	if err != nil {
		return nil, portErr("open", err)
	}
	return &bugPort{p: p}, nil
}

func (b *bugPort) configure(cfg *Config) error {
	m, err := modeFor(cfg)
	if err != nil {
		return err
	}
	if err := b.p.SetMode(m); err != nil {
		return portErr("config", err)
	}
	return nil
}

func (b *bugPort) read(ctx context.Context, p []byte) (int, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, transport.NetError("read", err)
		}
		slice := PollSlice
		if d, ok := ctx.Deadline(); ok {
			left := time.Until(d)
			if left <= 0 {
				return 0, transport.Errorf("read", transport.ErrTimeout, context.DeadlineExceeded)
			}
			slice = min(slice, left)
		}
		if err := b.p.SetReadTimeout(slice); err != nil {
			return 0, portErr("read", err)
		}
		n, err := b.p.Read(p)
		if err != nil {
			return n, portErr("read", err)
		}
		if n > 0 {
			return n, nil
		}
	}
}

// write cannot be interrupted through go.bug.st/serial; serial writes go
// to the driver's buffer and return quickly unless flow control holds them.
func (b *bugPort) write(ctx context.Context, p []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, transport.NetError("write", err)
	}
	n, err := b.p.Write(p)
	if err != nil {
		return n, portErr("write", err)
	}
	return n, nil
}

func (b *bugPort) flush(input, output bool) error {
	if input {
		if err := b.p.ResetInputBuffer(); err != nil {
			return portErr("flush", err)
		}
	}
	if output {
		if err := b.p.ResetOutputBuffer(); err != nil {
			return portErr("flush", err)
		}
	}
	return nil
}

func (b *bugPort) drain() error {
	if err := b.p.Drain(); err != nil {
		return portErr("drain", err)
	}
	return nil
}

// setBreak is not offered by go.bug.st/serial as a level; Break pulses.
func (b *bugPort) setBreak(on bool) error {
	return transport.Errorf("break", transport.ErrNotSupported, errors.New("break state needs Linux; use a timed break"))
}

// pulseBreak is used instead of setBreak on and off.
func (b *bugPort) pulseBreak(d time.Duration) error {
	if err := b.p.Break(d); err != nil {
		return portErr("break", err)
	}
	return nil
}

func (b *bugPort) modemLines() (ModemLines, error) {
	s, err := b.p.GetModemStatusBits()
	if err != nil {
		return ModemLines{}, portErr("modem_lines", err)
	}
	return ModemLines{CTS: s.CTS, DSR: s.DSR, DCD: s.DCD, RI: s.RI}, nil
}

func (b *bugPort) setDTR(on bool) error {
	if err := b.p.SetDTR(on); err != nil {
		return portErr("set_dtr", err)
	}
	return nil
}

func (b *bugPort) setRTS(on bool) error {
	if err := b.p.SetRTS(on); err != nil {
		return portErr("set_rts", err)
	}
	return nil
}

func (b *bugPort) inQueue() (int, error) {
	return 0, transport.Errorf("avail", transport.ErrNotSupported, errors.New("bytes available needs Linux"))
}

func (b *bugPort) close() error {
	if err := b.p.Close(); err != nil {
		return portErr("close", err)
	}
	return nil
}
