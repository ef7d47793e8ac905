package usbtmc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govisa/govisa/transport"
)

// Interrupt-IN notification codes (USB488 §3.4).
const (
	notifySRQ    = 0x81 // bNotify1 of a service request; bNotify2 = STB
	notifySTBBit = 0x80 // bNotify1 = 0x80|bTag answers READ_STATUS_BYTE
)

// OnSRQ registers f to be called, from the interrupt watcher goroutine,
// each time the device sends a service request notification. nil stops
// delivery. Devices without an Interrupt-IN endpoint never call it.
func (c *Conn) OnSRQ(f func()) {
	if f == nil {
		c.srq.Store(nil)
		return
	}
	c.srq.Store(&f)
}

// watchInterrupt reads Interrupt-IN notifications until Close: service
// requests go to the OnSRQ function, READ_STATUS_BYTE answers to ReadSTB.
func (c *Conn) watchInterrupt() {
	defer close(c.intrDone)
	var b [64]byte
	n := min(max(int(c.ifc.IntrPacket), 2), len(b))
	for {
		got, err := c.t.InterruptIn(c.closeCtx, c.ifc.InterruptIn, b[:n])
		if c.closeCtx.Err() != nil {
			return
		}
		if err != nil {
			if errors.Is(err, transport.ErrTimeout) {
				continue
			}
			c.log.Debug("usbtmc: interrupt-in stopped", "err", err)
			return
		}
		if got < 2 {
			continue
		}
		switch {
		case b[0] == notifySRQ:
			c.srqLatch.Store(true)
			if f := c.srq.Load(); f != nil {
				(*f)()
			}
		case b[0]&notifySTBBit != 0:
			select {
			case c.stbCh <- [2]byte{b[0] &^ notifySTBBit, b[1]}:
			default: // nobody is waiting for this many answers
			}
		default:
			// Vendor-specific notification: not ours to interpret.
		}
	}
}

func (c *Conn) nextSTBTag() byte {
	c.stbTag++
	if c.stbTag < 2 || c.stbTag > 127 {
		c.stbTag = 2
	}
	return c.stbTag
}

// ReadSTB reads the status byte with READ_STATUS_BYTE. With an
// Interrupt-IN endpoint the value arrives as a notification carrying the
// request's bTag; otherwise it is in the control response. As the Linux
// driver does, RQS (0x40) is set when a service request notification
// arrived since the last ReadSTB. Plain USBTMC interfaces return
// ErrNotSupported.
func (c *Conn) ReadSTB(ctx context.Context) (byte, error) {
	if c.ifc.Protocol != 1 {
		return 0, transport.Errorf("read_stb", transport.ErrNotSupported, errors.New("usbtmc: not a USB488 interface"))
	}
	ctx, done := c.opCtx(ctx)
	if ctx == nil {
		return 0, transport.Errorf("read_stb", transport.ErrClosed, nil)
	}
	defer done()
	tag := c.nextSTBTag()
	b, err := c.ctrl(ctx, ReqTypeInterface, ReqReadStatusByte, uint16(tag), uint16(c.ifc.Number), 3, "read_stb")
	if err != nil {
		return 0, err
	}
	if err := statusErr("read_stb", b[0]); err != nil {
		return 0, err
	}
	if b[1] != tag {
		return 0, transport.Errorf("read_stb", transport.ErrProtocol, fmt.Errorf("usbtmc: READ_STATUS_BYTE answered tag %d, sent %d", b[1], tag))
	}
	stb := b[2]
	if c.ifc.InterruptIn != 0 {
		if stb, err = c.waitSTB(ctx, tag); err != nil {
			return 0, err
		}
	}
	if c.srqLatch.Swap(false) {
		stb |= 0x40
	}
	return stb, nil
}

// waitSTB waits for the interrupt notification answering tag. It arms its
// own timer from the deadline, as the transport contract asks.
func (c *Conn) waitSTB(ctx context.Context, tag byte) (byte, error) {
	var timeout <-chan time.Time
	if d, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(d))
		defer t.Stop()
		timeout = t.C
	}
	for {
		select {
		case m := <-c.stbCh:
			if m[0] == tag {
				return m[1], nil
			}
			// A late answer to an earlier, timed-out request: skip it.
		case <-c.intrDone:
			return 0, transport.Errorf("read_stb", transport.ErrConnLost, errors.New("usbtmc: interrupt endpoint stopped"))
		case <-timeout:
			return 0, transport.Errorf("read_stb", transport.ErrTimeout, nil)
		case <-ctx.Done():
			return 0, c.opErr("read_stb", ctx, ctx.Err())
		}
	}
}
