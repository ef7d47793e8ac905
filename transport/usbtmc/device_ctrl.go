package usbtmc

import (
	"context"

	"github.com/govisa/govisa/transport"
)

// Control answers a class-specific control request with an IN data stage.
// Requests the device does not support, or with a wrong bmRequestType,
// stall (an error wrapping transport.ErrIO), as a device would.
func (d *Device) Control(ctx context.Context, reqType, req uint8, value, index uint16, data []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return 0, transport.Errorf("control", transport.ErrClosed, nil)
	}
	want := uint8(ReqTypeInterface)
	if req >= ReqInitiateAbortBulkOut && req <= ReqCheckAbortBulkInStatus {
		want = ReqTypeEndpoint
	}
	if reqType != want {
		return 0, stall(req)
	}
	if d.o.Raw {
		return 0, stall(req)
	}
	is488 := d.caps.BCDUSB488 != 0
	switch req {
	case ReqGetCapabilities:
		return copy(data, d.caps.Bytes()), nil
	case ReqIndicatorPulse:
		if !d.caps.IndicatorPulse {
			return 0, stall(req)
		}
		d.stats.IndicatorPulses++
		return putStatus(data, StatusSuccess), nil
	case ReqInitiateClear:
		d.stats.Clears++
		d.outLeft, d.req, d.spill = 0, nil, nil
		d.outVendor, d.vbuf = false, d.vbuf[:0]
		d.abortBuild()
		d.clearPending = true
		d.wake()
		d.mu.Unlock()
		err := d.dev.Clear(ctx)
		d.mu.Lock()
		if err != nil {
			return putStatus(data, StatusFailed), nil
		}
		return putStatus(data, StatusSuccess), nil
	case ReqCheckClearStatus:
		if !d.clearPending {
			return putStatus(data, StatusSuccess, 0), nil
		}
		if d.xoff < len(d.xfer) || d.zlp {
			// Data still sits in the Bulk-IN FIFO: the host must read it.
			return putStatus(data, StatusPending, 1), nil
		}
		d.clearPending = false
		return putStatus(data, StatusSuccess, 0), nil
	case ReqInitiateAbortBulkIn:
		busy := d.req != nil || d.xoff < len(d.xfer)
		tag := d.xtag
		if d.req != nil {
			tag = d.req.Tag
		}
		switch {
		case !busy:
			return putStatus(data, StatusFailed, byte(value)), nil
		case byte(value) != tag && byte(value) != nextTag(tag):
			// The Linux usbtmc driver records the bTag after incrementing
			// it, so its auto-abort names the next tag; accept that too.
			return putStatus(data, StatusTransferNotInProgress, tag), nil
		}
		d.stats.AbortsIn++
		d.req, d.spill = nil, nil
		d.abortBuild()
		d.xfer, d.xoff = d.xfer[:0], 0
		d.zlp = true // end the aborted transfer with a short packet
		d.wake()
		return putStatus(data, StatusSuccess, byte(value)), nil
	case ReqCheckAbortBulkInStatus:
		if d.zlp {
			return putStatus(data, append([]byte{StatusPending, 1, 0, 0}, le32(d.txd)...)...), nil
		}
		return putStatus(data, append([]byte{StatusSuccess, 0, 0, 0}, le32(d.txd)...)...), nil
	case ReqInitiateAbortBulkOut:
		if d.outLeft == 0 || byte(value) != d.lastOut {
			return putStatus(data, StatusFailed, byte(value)), nil
		}
		d.stats.AbortsOut++
		d.outLeft = 0
		d.outVendor, d.vbuf = false, d.vbuf[:0]
		return putStatus(data, StatusSuccess, byte(value)), nil
	case ReqCheckAbortBulkOutStatus:
		return putStatus(data, append([]byte{StatusSuccess, 0, 0, 0}, le32(d.outRxd)...)...), nil
	case ReqReadStatusByte:
		if !is488 {
			return 0, stall(req)
		}
		tag := byte(value)
		d.mu.Unlock()
		stb, err := d.dev.ReadSTB(ctx)
		d.mu.Lock()
		if err != nil {
			return putStatus(data, StatusFailed, tag, 0), nil
		}
		if d.o.NoInterrupt {
			return putStatus(data, StatusSuccess, tag, stb), nil
		}
		if d.stbBusy {
			return putStatus(data, StatusInterruptInBusy, tag, 0), nil
		}
		d.stbBusy = true
		d.Notify(notifySTBBit|tag, stb)
		return putStatus(data, StatusSuccess, tag, 0), nil
	case ReqRENControl, ReqGoToLocal, ReqLocalLockout:
		if !is488 || !d.caps.RemoteLocal {
			return 0, stall(req)
		}
		mode := transport.RENDeassert
		switch {
		case req == ReqRENControl && value&1 != 0:
			mode = transport.RENAssert
		case req == ReqGoToLocal:
			mode = transport.RENAddressGTL
		case req == ReqLocalLockout:
			mode = transport.RENAssertLLO
		}
		if rl, ok := d.dev.(transport.RemoteLocalDevice); ok {
			d.mu.Unlock()
			err := rl.RemoteLocal(ctx, mode)
			d.mu.Lock()
			if err != nil {
				return putStatus(data, StatusFailed), nil
			}
		}
		return putStatus(data, StatusSuccess), nil
	}
	return 0, stall(req)
}
