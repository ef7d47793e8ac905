package usbtmc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/govisa/govisa/transport"
)

// ctrl sends a class request with an n-byte IN data stage into a fixed
// array (no request here answers more than 24 bytes).
func (c *Conn) ctrl(ctx context.Context, reqType, req uint8, value, index uint16, n int, op string) ([24]byte, error) {
	var b [24]byte
	got, err := c.t.Control(ctx, reqType, req, value, index, b[:n])
	if err != nil {
		return b, c.opErr(op, ctx, err)
	}
	if got < min(n, 1) || (n >= 2 && got < 2) {
		return b, transport.Errorf(op, transport.ErrProtocol, fmt.Errorf("usbtmc: %d-byte answer to request %d", got, req))
	}
	return b, nil
}

func (c *Conn) getCapabilities(ctx context.Context) (Capabilities, error) {
	var b [24]byte
	got, err := c.t.Control(ctx, ReqTypeInterface, ReqGetCapabilities, 0, uint16(c.ifc.Number), b[:])
	if err != nil {
		err = transport.NetError("get_capabilities", err)
		if errors.Is(err, transport.ErrIO) {
			// A stall: the device offers nothing optional.
			c.log.Debug("usbtmc: GET_CAPABILITIES stalled; assuming none", "err", err)
			return Capabilities{}, nil
		}
		return Capabilities{}, err
	}
	return ParseCapabilities(b[:got])
}

// statusErr turns a USBTMC_status other than SUCCESS into an error.
func statusErr(op string, st byte) error {
	if st == StatusSuccess {
		return nil
	}
	kind := transport.ErrIO
	if st == StatusInterruptInBusy || st == StatusPending {
		kind = transport.ErrBusy
	}
	return transport.Errorf(op, kind, fmt.Errorf("usbtmc: status %#02x", st))
}

// simple runs a one-byte-status interface request.
func (c *Conn) simple(ctx context.Context, req uint8, value uint16, op string) error {
	b, err := c.ctrl(ctx, ReqTypeInterface, req, value, uint16(c.ifc.Number), 1, op)
	if err != nil {
		return err
	}
	return statusErr(op, b[0])
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return transport.NetError("wait", ctx.Err())
	case <-t.C:
		return nil
	}
}

// drainIn reads Bulk-IN until a short packet ends the queued transfer.
func (c *Conn) drainIn(ctx context.Context) {
	for range 100 {
		n, err := c.t.BulkIn(ctx, c.ifc.BulkIn, c.buf)
		if err != nil || n < len(c.buf) {
			return
		}
	}
}

// Clear runs the USBTMC device clear: INITIATE_CLEAR, CHECK_CLEAR_STATUS
// until SUCCESS (reading and discarding queued Bulk-IN data when the device
// asks), then clears the Bulk-OUT halt. Buffered response bytes are dropped.
func (c *Conn) Clear(ctx context.Context) error {
	ctx, done := c.opCtx(ctx)
	if ctx == nil {
		return transport.Errorf("clear", transport.ErrClosed, nil)
	}
	defer done()
	c.data, c.left, c.inXfer = nil, 0, false
	idx := uint16(c.ifc.Number)
	b, err := c.ctrl(ctx, ReqTypeInterface, ReqInitiateClear, 0, idx, 1, "clear")
	if err != nil {
		return err
	}
	if err := statusErr("clear", b[0]); err != nil {
		return err
	}
	for range 100 {
		b, err = c.ctrl(ctx, ReqTypeInterface, ReqCheckClearStatus, 0, idx, 2, "clear")
		if err != nil {
			return err
		}
		switch b[0] {
		case StatusSuccess:
			c.clearHalt(ctx, c.ifc.BulkOut)
			return nil
		case StatusPending:
			if b[1]&1 != 0 {
				c.drainIn(ctx)
				continue
			}
			if err := sleepCtx(ctx, c.cfg.pollInterval); err != nil {
				return transport.Errorf("clear", transport.ErrTimeout, err)
			}
		default:
			return statusErr("clear", b[0])
		}
	}
	return transport.Errorf("clear", transport.ErrTimeout, errors.New("usbtmc: clear still pending after 100 checks"))
}

func (c *Conn) clearHalt(ctx context.Context, ep uint8) {
	if h, ok := c.t.(Halter); ok {
		if err := h.ClearHalt(ctx, ep); err != nil {
			c.log.Debug("usbtmc: clear halt failed", "ep", ep, "err", err)
		}
	}
}

// abortCtx bounds an abort sequence; it is independent of the expired
// context of the operation that failed, but ends with Close.
func (c *Conn) abortCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.closeCtx, c.cfg.abortTimeout)
}

// abortBulkOut aborts the Bulk-OUT transfer with bTag tag and returns the
// byte count the device reports as received.
func (c *Conn) abortBulkOut(tag byte) (uint32, error) {
	ctx, cancel := c.abortCtx()
	defer cancel()
	b, err := c.ctrl(ctx, ReqTypeEndpoint, ReqInitiateAbortBulkOut, uint16(tag), uint16(c.ifc.BulkOut), 2, "abort_bulk_out")
	if err != nil {
		return 0, err
	}
	if b[0] != StatusSuccess {
		return 0, nil // FAILED: nothing in progress
	}
	for {
		b, err = c.ctrl(ctx, ReqTypeEndpoint, ReqCheckAbortBulkOutStatus, 0, uint16(c.ifc.BulkOut), 8, "abort_bulk_out")
		if err != nil {
			return 0, err
		}
		if b[0] != StatusPending {
			c.clearHalt(ctx, c.ifc.BulkOut)
			return binary.LittleEndian.Uint32(b[4:]), statusErr("abort_bulk_out", b[0])
		}
		if err := sleepCtx(ctx, c.cfg.pollInterval); err != nil {
			return 0, err
		}
	}
}

// abortBulkIn aborts the Bulk-IN transfer answering the request with bTag
// tag and reads what the device had queued.
func (c *Conn) abortBulkIn(tag byte) error {
	ctx, cancel := c.abortCtx()
	defer cancel()
	b, err := c.ctrl(ctx, ReqTypeEndpoint, ReqInitiateAbortBulkIn, uint16(tag), uint16(c.ifc.BulkIn), 2, "abort_bulk_in")
	if err != nil {
		return err
	}
	if b[0] != StatusSuccess {
		return nil // FAILED or TRANSFER_NOT_IN_PROGRESS: nothing to abort
	}
	c.drainIn(ctx)
	for range 100 {
		b, err = c.ctrl(ctx, ReqTypeEndpoint, ReqCheckAbortBulkInStatus, 0, uint16(c.ifc.BulkIn), 8, "abort_bulk_in")
		if err != nil {
			return err
		}
		if b[0] != StatusPending {
			return statusErr("abort_bulk_in", b[0])
		}
		if b[1]&1 != 0 {
			c.drainIn(ctx)
			continue
		}
		if err := sleepCtx(ctx, c.cfg.pollInterval); err != nil {
			return err
		}
	}
	return transport.Errorf("abort_bulk_in", transport.ErrTimeout, nil)
}

// IndicatorPulse asks the device to blink its activity indicator. It
// returns ErrNotSupported when the capabilities do not offer it.
func (c *Conn) IndicatorPulse(ctx context.Context) error {
	if !c.caps.IndicatorPulse {
		return transport.Errorf("indicator_pulse", transport.ErrNotSupported, nil)
	}
	ctx, done := c.opCtx(ctx)
	if ctx == nil {
		return transport.Errorf("indicator_pulse", transport.ErrClosed, nil)
	}
	defer done()
	return c.simple(ctx, ReqIndicatorPulse, 0, "indicator_pulse")
}

// Trigger sends the USB488 TRIGGER message. It returns ErrNotSupported
// on a plain USBTMC interface or when the device does not accept TRIGGER.
func (c *Conn) Trigger(ctx context.Context) error {
	if c.ifc.Protocol != 1 || !c.caps.Trigger {
		return transport.Errorf("trigger", transport.ErrNotSupported, nil)
	}
	ctx, done := c.opCtx(ctx)
	if ctx == nil {
		return transport.Errorf("trigger", transport.ErrClosed, nil)
	}
	defer done()
	tag := c.nextTag()
	c.out = AppendTrigger(c.out[:0], tag)
	if _, err := c.t.BulkOut(ctx, c.ifc.BulkOut, c.out); err != nil {
		err = c.opErr("trigger", ctx, err)
		if errors.Is(err, transport.ErrTimeout) {
			c.abortBulkOut(tag)
		}
		return err
	}
	return nil
}

// RemoteLocal maps the VISA REN modes onto REN_CONTROL, GO_TO_LOCAL and
// LOCAL_LOCKOUT. It returns ErrNotSupported unless the device is USB488
// and accepts these requests.
func (c *Conn) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	if c.ifc.Protocol != 1 || !c.caps.RemoteLocal {
		return transport.Errorf("remote_local", transport.ErrNotSupported, nil)
	}
	ctx, done := c.opCtx(ctx)
	if ctx == nil {
		return transport.Errorf("remote_local", transport.ErrClosed, nil)
	}
	defer done()
	type step struct {
		req uint8
		val uint16
	}
	ren1, ren0 := step{ReqRENControl, 1}, step{ReqRENControl, 0}
	gtl, llo := step{ReqGoToLocal, 0}, step{ReqLocalLockout, 0}
	var steps []step
	switch mode {
	case transport.RENDeassert:
		steps = []step{ren0}
	case transport.RENAssert, transport.RENAssertAddress:
		steps = []step{ren1}
	case transport.RENDeassertGTL:
		steps = []step{gtl, ren0}
	case transport.RENAssertLLO, transport.RENAssertAddrLLO:
		steps = []step{ren1, llo}
	case transport.RENAddressGTL:
		steps = []step{gtl}
	default:
		return transport.Errorf("remote_local", transport.ErrInvalidArg, fmt.Errorf("mode %d", mode))
	}
	for _, s := range steps {
		if err := c.simple(ctx, s.req, s.val, "remote_local"); err != nil {
			return err
		}
	}
	return nil
}
