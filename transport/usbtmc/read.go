package usbtmc

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/govisa/govisa/transport"
)

// roundUp rounds n up to a multiple of m.
func roundUp(n, m int) int { return (n + m - 1) / m * m }

// Read reads a response into p following VPP-4.3 rule 6.1: it stops on EOM,
// on the termination character when opt.TermCharEnabled, or when p is full.
// Each REQUEST_DEV_DEP_MSG_IN asks for at most what p still holds, so the
// device never sends more than the caller wants; bytes past a termination
// character stay buffered. With opt.SuppressEND (VI_ATTR_SUPPRESS_END_EN)
// EOM does not end the read: it goes on with the next response until the
// termination character, a full buffer or the deadline. After a timeout
// the Bulk-IN transfer is aborted so the device is ready for the next
// command. In vendor-specific mode (see [Conn.SetAttr]) it is
// [Conn.VendorRead].
func (c *Conn) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if c.vendor {
		return c.VendorRead(ctx, p)
	}
	if len(p) == 0 {
		return 0, 0, nil
	}
	ctx, done := c.opCtx(ctx)
	if ctx == nil {
		return 0, 0, transport.Errorf("read", transport.ErrClosed, nil)
	}
	defer done()
	n := 0
	for {
		if len(c.data) > 0 {
			k := min(len(c.data), len(p)-n)
			term := false
			if opt.TermCharEnabled {
				if i := bytes.IndexByte(c.data[:k], opt.TermChar); i >= 0 {
					k, term = i+1, true
				}
			}
			copy(p[n:], c.data[:k])
			n += k
			c.data = c.data[k:]
			var r transport.Reason
			if len(c.data) == 0 && c.left == 0 {
				c.inXfer = false
				if c.eom && !opt.SuppressEND {
					r |= transport.ReasonEND
				}
			}
			if term {
				r |= transport.ReasonTermChar
			}
			if n == len(p) {
				r |= transport.ReasonCount
			}
			if r != 0 {
				return n, r, nil
			}
			continue
		}
		var err error
		if c.inXfer && c.left > 0 {
			err = c.continueTransfer(ctx)
		} else {
			_, err = c.startTransfer(ctx, len(p)-n, opt, false)
		}
		if err != nil {
			return n, 0, c.readFailed(ctx, err)
		}
		if len(c.data) == 0 && c.left == 0 {
			// An empty transfer: the message ends here when EOM says so.
			c.inXfer = false
			if c.eom && !opt.SuppressEND {
				return n, transport.ReasonEND, nil
			}
		}
	}
}

// readFailed aborts the Bulk-IN transfer after a timeout or a protocol
// violation, drops the response state and classifies err.
func (c *Conn) readFailed(ctx context.Context, err error) error {
	c.data, c.left, c.inXfer = nil, 0, false
	if c.closeCtx.Err() != nil {
		return transport.Errorf("read", transport.ErrClosed, nil)
	}
	var te *transport.Error
	if !errors.As(err, &te) {
		err = c.opErr("read", ctx, err)
	}
	if errors.Is(err, transport.ErrTimeout) || errors.Is(err, transport.ErrProtocol) || errors.Is(err, transport.ErrAborted) {
		if aerr := c.abortBulkIn(c.inTag); aerr != nil {
			c.log.Debug("usbtmc: abort bulk-in failed", "err", aerr)
		}
	}
	return err
}

// startTransfer sends REQUEST_DEV_DEP_MSG_IN (REQUEST_VENDOR_SPECIFIC_IN
// when vendor) for at most want bytes and reads the first part of the
// answer. It returns the size it asked for.
func (c *Conn) startTransfer(ctx context.Context, want int, opt transport.ReadOptions, vendor bool) (int, error) {
	mp := int(c.ifc.MaxPacket)
	// Room for the header, alignment and one extra packet so that a
	// terminating short or zero-length packet lands in the same read.
	size := min(want, len(c.buf)-HeaderSize-3-mp)
	if c.cfg.quirks&QuirkSmallReads != 0 {
		size = min(size, 48) // 12+48 < 63: the device answers with one short packet
	}
	tag := c.nextTag()
	c.inTag = tag
	quirks := c.cfg.quirks
	wantID := byte(MsgDevDepIn)
	if vendor {
		// The firmware deviations in the table concern DEV_DEP messages;
		// vendor messages keep only the transfer-size limit.
		quirks &= QuirkSmallReads
		wantID = MsgVendorIn
		c.xquirks = quirks
		c.out = AppendRequestVendorIn(c.out[:0], tag, uint32(size))
	} else {
		c.xquirks = quirks
		useTerm := opt.TermCharEnabled && c.caps.TermChar && quirks&(QuirkNoTermChar|QuirkSingleHeader) == 0
		c.out = AppendRequestIn(c.out[:0], tag, uint32(size), opt.TermChar, useTerm)
	}
	if _, err := c.t.BulkOut(ctx, c.ifc.BulkOut, c.out); err != nil {
		if errors.Is(err, transport.ErrIO) {
			c.outStalled()
		}
		return size, err
	}
	rl := min(roundUp(HeaderSize+size+3, mp)+mp, len(c.buf))
	if quirks&QuirkSmallReads != 0 {
		rl = 63
	}
	got, err := c.t.BulkIn(ctx, c.ifc.BulkIn, c.buf[:rl])
	if err != nil {
		return size, err
	}
	h, err := ParseBulkInHeader(c.buf[:got])
	if err != nil {
		return size, err
	}
	if h.MsgID != wantID {
		return size, transport.Errorf("read", transport.ErrProtocol, fmt.Errorf("usbtmc: bulk-in MsgID %d answers a request for MsgID %d", h.MsgID, wantID))
	}
	if h.Tag != tag {
		return size, transport.Errorf("read", transport.ErrProtocol, fmt.Errorf("usbtmc: bulk-in bTag %d answers request %d", h.Tag, tag))
	}
	if h.TransferSize > uint32(size) && quirks&QuirkSingleHeader == 0 {
		return size, transport.Errorf("read", transport.ErrProtocol, fmt.Errorf("usbtmc: device sends %d bytes, %d requested", h.TransferSize, size))
	}
	c.eom = h.EOM
	if quirks&QuirkNoEOM != 0 && h.TransferSize < uint32(size) {
		c.eom = true
	}
	c.inXfer = true
	body := got - HeaderSize
	if uint32(body) >= h.TransferSize {
		c.data, c.left = c.buf[HeaderSize:HeaderSize+int(h.TransferSize)], 0
		return size, c.drainTail(ctx, got, rl)
	}
	c.data, c.left = c.buf[HeaderSize:got], h.TransferSize-uint32(body)
	if got%mp != 0 && quirks&QuirkSingleHeader == 0 {
		return size, transport.Errorf("read", transport.ErrProtocol, fmt.Errorf("usbtmc: transfer ended after %d of %d bytes", body, h.TransferSize))
	}
	if quirks&QuirkSingleHeader != 0 {
		c.eom = true // the end of the one transfer is the end of the message
	}
	return size, nil
}

// continueTransfer reads more of a transfer whose header announced more
// bytes than the first read delivered.
func (c *Conn) continueTransfer(ctx context.Context) error {
	mp := int(c.ifc.MaxPacket)
	rl := min(roundUp(int(min(c.left, uint32(len(c.buf))))+3, mp)+mp, len(c.buf))
	if c.xquirks&QuirkSmallReads != 0 {
		rl = 63
	}
	got, err := c.t.BulkIn(ctx, c.ifc.BulkIn, c.buf[:rl])
	if err != nil {
		return err
	}
	if got == 0 {
		return transport.Errorf("read", transport.ErrProtocol, fmt.Errorf("usbtmc: transfer ended with %d bytes missing", c.left))
	}
	if uint32(got) >= c.left {
		c.data, c.left = c.buf[:c.left], 0
		return c.drainTail(ctx, got, rl)
	}
	c.data = c.buf[:got]
	c.left -= uint32(got)
	if got%mp != 0 && c.xquirks&QuirkSingleHeader == 0 {
		return transport.Errorf("read", transport.ErrProtocol, fmt.Errorf("usbtmc: short packet with %d bytes missing", c.left))
	}
	return nil
}

// drainTail reads the zero-length or short packet that ends a transfer
// when the read that completed its data filled the buffer exactly, so the
// terminator is not mistaken for the next header.
func (c *Conn) drainTail(ctx context.Context, got, rl int) error {
	if got < rl || got%int(c.ifc.MaxPacket) != 0 {
		return nil
	}
	var tail [512]byte
	n := min(int(c.ifc.MaxPacket), len(tail))
	// The drained bytes land in a separate array: c.data still points into c.buf.
	_, err := c.t.BulkIn(ctx, c.ifc.BulkIn, tail[:n])
	return err
}
