package asrl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/govisa/govisa/transport"
)

// readBufSize is how much one read(2) may take from the port; bytes past a
// terminator wait here for the next Read.
const readBufSize = 4096

// maxKeptWriteBuf bounds the scratch buffer kept between writes that need
// their bytes rewritten (EndLastBit, EndTermChar).
const maxKeptWriteBuf = 64 << 10

// Conn is a client session on a serial port. It implements transport.Conn,
// transport.Clearer, transport.STBReader and transport.Triggerer (the last
// two only do something under Prot4882Strings). Like every transport.Conn
// it is not safe for concurrent use, except that Close may be called while
// an operation is blocked and unblocks it.
type Conn struct {
	name   string
	p      port
	cfg    Config
	closed atomic.Bool

	brk  bool // break asserted with SetBreakState
	rbuf [readBufSize]byte
	r, w int // unread bytes are rbuf[r:w]
	wbuf []byte
}

var (
	_ transport.Conn      = (*Conn)(nil)
	_ transport.Clearer   = (*Conn)(nil)
	_ transport.STBReader = (*Conn)(nil)
	_ transport.Triggerer = (*Conn)(nil)
)

// Open opens the serial port named by port (resolved with [ResolvePort], so
// "1", "COM3", "/dev/ttyUSB0" and "ASRL1::INSTR"-style boards all work) and
// applies cfg. ctx bounds nothing yet (opening a tty does not block) but is
// checked first so a cancelled caller opens nothing.
func Open(ctx context.Context, port string, cfg Config) (*Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, transport.NetError("open", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	name, err := ResolvePort(port)
	if err != nil {
		return nil, err
	}
	p, err := openPort(name, &cfg)
	if err != nil {
		return nil, err
	}
	c := &Conn{name: name, p: p, cfg: cfg}
	c.debug("asrl: open", "port", name, "baud", cfg.BaudRate)
	return c, nil
}

func (c *Conn) debug(msg string, args ...any) {
	if c.cfg.Logger != nil {
		c.cfg.Logger.Debug(msg, args...)
	}
}

// Name returns the operating-system name of the port.
func (c *Conn) Name() string { return c.name }

// Config returns the current configuration.
func (c *Conn) Config() Config { return c.cfg }

// SetConfig validates cfg and applies it to the port. On error the previous
// configuration stays in force.
func (c *Conn) SetConfig(cfg Config) error {
	if err := c.usable("config"); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := c.p.configure(&cfg); err != nil {
		c.p.configure(&c.cfg) // best effort: leave the port as it was
		return err
	}
	c.cfg = cfg
	return nil
}

// update applies a change to a copy of the configuration.
func (c *Conn) update(f func(*Config)) error {
	cfg := c.cfg
	f(&cfg)
	return c.SetConfig(cfg)
}

func (c *Conn) usable(op string) error {
	if c.closed.Load() {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	return nil
}

// Read reads a message into p following VPP-4.3 rule 6.1 (see the package
// documentation). On timeout the bytes already received are returned with
// an error wrapping transport.ErrTimeout; on cancellation with one wrapping
// transport.ErrAborted.
func (c *Conn) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if err := c.usable("read"); err != nil {
		return 0, 0, err
	}
	if len(p) == 0 {
		return 0, transport.ReasonCount, nil
	}
	rules := rulesFor(&c.cfg, opt)
	n := 0
	for {
		if c.r < c.w {
			used, stored, why := scan(p[n:], c.rbuf[c.r:c.w], &rules)
			c.r += used
			n += stored
			if why != 0 {
				return n, why, nil
			}
			continue
		}
		m, err := c.p.read(ctx, c.rbuf[:])
		if err != nil {
			if c.closed.Load() {
				err = transport.Errorf("read", transport.ErrClosed, err)
			}
			return n, 0, err
		}
		c.r, c.w = 0, m
	}
}

// Write sends p. When end is true END is sent as Config.EndOut says. The
// count returned is of bytes of p, not of an appended termination
// character.
func (c *Conn) Write(ctx context.Context, p []byte, end bool) (int, error) {
	if err := c.usable("write"); err != nil {
		return 0, err
	}
	out := encodeEnd(c.wbuf, p, c.cfg.EndOut, c.cfg.DataBits, c.cfg.TermChar, end)
	if (c.cfg.EndOut == EndLastBit || (end && c.cfg.EndOut == EndTermChar)) && cap(out) <= maxKeptWriteBuf {
		c.wbuf = out[:0] // keep the scratch buffer, unless a huge write grew it
	}
	done := 0
	for done < len(out) {
		n, err := c.p.write(ctx, out[done:])
		done += n
		if err != nil {
			return min(done, len(p)), err
		}
	}
	if end && c.cfg.EndOut == EndBreak {
		if err := c.p.drain(); err != nil {
			return len(p), err
		}
		if err := c.Break(ctx, c.cfg.BreakLen); err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}

// Close closes the port; a blocked Read or Write returns an error wrapping
// transport.ErrClosed.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.debug("asrl: close", "port", c.name)
	return c.p.close()
}

// FlushMask selects serial I/O buffers for [Conn.Flush]; the values are the
// viFlush mask bits that concern the port (the formatted-I/O bits 1-8 belong
// to the session layer and are ignored here).
type FlushMask uint16

// Flush mask bits.
const (
	FlushIn    FlushMask = 16  // VI_IO_IN_BUF: discard received data
	FlushOut   FlushMask = 32  // VI_IO_OUT_BUF: wait until queued output is sent
	DiscardIn  FlushMask = 64  // VI_IO_IN_BUF_DISCARD
	DiscardOut FlushMask = 128 // VI_IO_OUT_BUF_DISCARD
)

// Flush acts on the port's buffers: received bytes (also those this Conn
// buffered past a terminator) are discarded for FlushIn or DiscardIn, queued
// output is sent for FlushOut and discarded for DiscardOut.
func (c *Conn) Flush(ctx context.Context, mask FlushMask) error {
	if err := c.usable("flush"); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return transport.NetError("flush", err)
	}
	in := mask&(FlushIn|DiscardIn) != 0
	if in {
		c.r, c.w = 0, 0
	}
	if mask&FlushOut != 0 && mask&DiscardOut == 0 {
		if err := c.p.drain(); err != nil {
			return err
		}
	}
	return c.p.flush(in, mask&DiscardOut != 0)
}

// Break sends a break of length d (Config.BreakLen when d <= 0). The line
// is released even when ctx ends early.
func (c *Conn) Break(ctx context.Context, d time.Duration) error {
	if err := c.usable("break"); err != nil {
		return err
	}
	if d <= 0 {
		d = c.cfg.BreakLen
	}
	if pb, ok := c.p.(interface{ pulseBreak(time.Duration) error }); ok {
		return pb.pulseBreak(d)
	}
	if err := c.p.setBreak(true); err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	var werr error
	select {
	case <-t.C:
	case <-ctx.Done():
		werr = transport.NetError("break", ctx.Err())
	}
	if err := c.p.setBreak(c.brk); err != nil {
		return err
	}
	return werr
}

// SetBreakState asserts (true) or releases the break condition manually
// (VI_ATTR_ASRL_BREAK_STATE).
func (c *Conn) SetBreakState(on bool) error {
	if err := c.usable("break"); err != nil {
		return err
	}
	if err := c.p.setBreak(on); err != nil {
		return err
	}
	c.brk = on
	return nil
}

// BreakState reports whether SetBreakState asserted a break.
func (c *Conn) BreakState() bool { return c.brk }

// ModemLines reads the modem control lines. Pseudo-terminals have none: the
// error then wraps transport.ErrNotSupported.
func (c *Conn) ModemLines() (ModemLines, error) {
	if err := c.usable("modem_lines"); err != nil {
		return ModemLines{}, err
	}
	return c.p.modemLines()
}

// SetDTR sets the Data Terminal Ready output.
func (c *Conn) SetDTR(on bool) error {
	if err := c.usable("set_dtr"); err != nil {
		return err
	}
	return c.p.setDTR(on)
}

// SetRTS sets the Request To Send output. With RTS/CTS flow control the
// driver owns RTS.
func (c *Conn) SetRTS(on bool) error {
	if err := c.usable("set_rts"); err != nil {
		return err
	}
	return c.p.setRTS(on)
}

// BytesAvailable returns how many received bytes a Read could return
// without waiting (VI_ATTR_ASRL_AVAIL_NUM).
func (c *Conn) BytesAvailable() (int, error) {
	if err := c.usable("avail"); err != nil {
		return 0, err
	}
	n, err := c.p.inQueue()
	return n + (c.w - c.r), err
}

// Clear performs a serial device clear: both buffers are discarded and,
// under Prot4882Strings, "*CLS" is sent.
func (c *Conn) Clear(ctx context.Context) error {
	if err := c.Flush(ctx, DiscardIn|DiscardOut); err != nil {
		return err
	}
	if c.cfg.Protocol == Prot4882Strings {
		return c.sendString(ctx, "*CLS")
	}
	return nil
}

// Trigger sends "*TRG" under Prot4882Strings; otherwise it fails with
// transport.ErrNotSupported.
func (c *Conn) Trigger(ctx context.Context) error {
	if c.cfg.Protocol != Prot4882Strings {
		return transport.Errorf("trigger", transport.ErrNotSupported, errors.New("serial trigger needs VI_PROT_4882_STRS"))
	}
	return c.sendString(ctx, "*TRG")
}

// maxSTBReply bounds the "*STB?" answer this Conn accepts.
const maxSTBReply = 32

// ReadSTB sends "*STB?" and parses the decimal answer under
// Prot4882Strings; otherwise it fails with transport.ErrNotSupported.
func (c *Conn) ReadSTB(ctx context.Context) (byte, error) {
	if c.cfg.Protocol != Prot4882Strings {
		return 0, transport.Errorf("read_stb", transport.ErrNotSupported, errors.New("serial status byte needs VI_PROT_4882_STRS"))
	}
	if err := c.sendString(ctx, "*STB?"); err != nil {
		return 0, err
	}
	var buf [maxSTBReply]byte
	n, why, err := c.Read(ctx, buf[:], transport.ReadOptions{TermChar: c.cfg.TermChar, TermCharEnabled: true})
	if err != nil {
		return 0, err
	}
	if why == transport.ReasonCount {
		return 0, transport.Errorf("read_stb", transport.ErrProtocol, fmt.Errorf("*STB? answer longer than %d bytes", maxSTBReply))
	}
	s := strings.TrimSpace(string(buf[:n]))
	if c.cfg.EndIn == EndLastBit && s != "" {
		s = strings.TrimSpace(string(append([]byte(s[:len(s)-1]), s[len(s)-1]&(c.cfg.lastBitMask()-1))))
	}
	v, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, transport.Errorf("read_stb", transport.ErrProtocol, fmt.Errorf("*STB? answer %q: %w", s, err))
	}
	return byte(v), nil
}

// sendString sends a 488.2 command as a whole message: with EndOut none
// the termination character is appended, otherwise EndOut marks the end.
func (c *Conn) sendString(ctx context.Context, cmd string) error {
	b := []byte(cmd)
	if c.cfg.EndOut == EndNone {
		b = append(b, c.cfg.TermChar)
	}
	_, err := c.Write(ctx, b, true)
	return err
}

// ReadSome returns at least one received byte (up to len(p)) without
// applying any termination rule: bytes buffered past an earlier terminator
// first, otherwise what one read of the port brings. Protocols layered on a
// serial line (Prologix GPIB-USB) frame messages themselves with it.
func (c *Conn) ReadSome(ctx context.Context, p []byte) (int, error) {
	if err := c.usable("read"); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if c.r < c.w {
		n := copy(p, c.rbuf[c.r:c.w])
		c.r += n
		return n, nil
	}
	n, err := c.p.read(ctx, p)
	if err != nil && c.closed.Load() {
		err = transport.Errorf("read", transport.ErrClosed, err)
	}
	return n, err
}
