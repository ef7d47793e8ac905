package usbtmc

import (
	"context"
	"fmt"
	"sync"

	"github.com/govisa/govisa/transport"
)

// VendorHandler serves the USBTMC vendor-specific messages for a [Device]
// (set it in [DeviceOptions], or let the instrument implement it).
type VendorHandler interface {
	// VendorOut receives the data of one whole VENDOR_SPECIFIC_OUT
	// transfer (at most DeviceOptions.MaxTransfer bytes; p is only valid
	// during the call). An error halts Bulk-OUT.
	VendorOut(ctx context.Context, p []byte) error
	// VendorIn writes the answer to a REQUEST_VENDOR_SPECIFIC_IN into p,
	// whose length is the TransferSize the host asked for (capped at
	// DeviceOptions.MaxTransfer). It may block until it has an answer: the
	// device NAKs Bulk-IN meanwhile. ctx ends when the host aborts the
	// transfer or clears the device.
	VendorIn(ctx context.Context, p []byte) (int, error)
}

// halt stalls the Bulk-OUT endpoint after a message the device refuses;
// it stays halted until the host clears the halt (d.mu held, released).
func (d *Device) halt(id byte) (int, error) {
	d.outHalted = true
	d.outLeft, d.outVendor, d.vbuf = 0, false, d.vbuf[:0]
	d.mu.Unlock()
	return 0, transport.Errorf("bulk_out", transport.ErrIO, fmt.Errorf("%w: Bulk-OUT halted on MsgID %d", errStall, id))
}

// vendorOut starts a VENDOR_SPECIFIC_OUT transfer (d.mu held, released).
func (d *Device) vendorOut(ctx context.Context, h BulkOutHeader, p []byte) (int, error) {
	if d.vendor == nil || h.TransferSize > uint32(d.o.MaxTransfer) {
		return d.halt(h.MsgID)
	}
	d.lastOut = h.Tag
	d.outVendor = true
	d.vbuf = d.vbuf[:0]
	k := int(min(h.TransferSize, uint32(len(p)-HeaderSize)))
	d.vbuf = append(d.vbuf, p[HeaderSize:HeaderSize+k]...)
	d.outLeft = h.TransferSize - uint32(k)
	d.outRxd = uint32(k)
	return d.vendorDeliver(ctx, len(p))
}

// vendorOutMore takes the next piece of a VENDOR_SPECIFIC_OUT transfer
// (d.mu held, released).
func (d *Device) vendorOutMore(ctx context.Context, p []byte) (int, error) {
	k := int(min(d.outLeft, uint32(len(p))))
	d.vbuf = append(d.vbuf, p[:k]...)
	d.outLeft -= uint32(k)
	d.outRxd += uint32(k)
	return d.vendorDeliver(ctx, len(p))
}

// vendorDeliver hands a complete vendor transfer to the handler. The data
// is copied out first: a new transfer may arrive while the handler runs.
func (d *Device) vendorDeliver(ctx context.Context, n int) (int, error) {
	if d.outLeft > 0 {
		d.mu.Unlock()
		return n, nil
	}
	d.outVendor = false
	data := append([]byte(nil), d.vbuf...)
	d.vbuf = d.vbuf[:0]
	h := d.vendor
	d.mu.Unlock()
	if err := h.VendorOut(ctx, data); err != nil {
		d.mu.Lock()
		return d.halt(MsgVendorOut)
	}
	return n, nil
}

// buildVendor answers a REQUEST_VENDOR_SPECIFIC_IN: the handler fills the
// data, the device adds the header (no attributes) and padding, and sends
// the first part (d.mu held).
func (d *Device) buildVendor(ctx context.Context, p []byte) (int, error) {
	h := *d.req
	limit := min(int(h.TransferSize), d.o.MaxTransfer)
	if cap(d.xfer) < HeaderSize+limit+8 {
		d.xfer = make([]byte, 0, HeaderSize+limit+8)
	}
	buf := d.xfer[:HeaderSize+limit+8]
	d.xfer, d.xoff = d.xfer[:0], 0
	rctx, cancel := context.WithCancel(ctx)
	d.cancelBuild = cancel
	defer func() { cancel(); d.cancelBuild = nil }()
	req := d.req
	vh := d.vendor
	d.mu.Unlock()
	k, err := vh.VendorIn(rctx, buf[HeaderSize:HeaderSize+limit])
	d.mu.Lock()
	if d.closed || d.req != req {
		return 0, transport.Errorf("bulk_in", transport.ErrAborted, nil)
	}
	if err != nil {
		return 0, err
	}
	k = max(0, min(k, limit))
	appendHeader(buf[:0], MsgVendorIn, h.Tag, uint32(k), 0, 0)
	total := HeaderSize + k + pad4(k)
	if !d.o.ZLP && total%d.o.MaxPacket == 0 {
		total += 4 // avoid a zero-length packet, as for DEV_DEP_MSG_IN
	}
	x := buf[:total]
	clear(x[HeaderSize+k:])
	d.xfer, d.xtag, d.req = x, h.Tag, nil
	n := copy(p, x)
	d.xoff, d.txd = n, uint32(n)
	if d.xoff == len(x) && n == len(p) && len(x)%d.o.MaxPacket == 0 {
		d.zlp = true
	}
	return n, nil
}

// VendorEcho is a [VendorHandler] that answers each
// REQUEST_VENDOR_SPECIFIC_IN with the bytes of earlier VENDOR_SPECIFIC_OUT
// transfers, oldest first. It keeps at most Max bytes (default 64 KiB);
// a transfer that would exceed that is refused (the device halts
// Bulk-OUT). A request with nothing queued waits, as a device NAKs.
// The zero value is ready to use.
type VendorEcho struct {
	Max int

	mu    sync.Mutex
	queue []byte
	ready chan struct{} // closed and replaced when data arrives
}

func (e *VendorEcho) readyCh() chan struct{} {
	if e.ready == nil {
		e.ready = make(chan struct{})
	}
	return e.ready
}

// VendorOut queues p.
func (e *VendorEcho) VendorOut(ctx context.Context, p []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	limit := e.Max
	if limit <= 0 {
		limit = 64 << 10
	}
	if len(e.queue)+len(p) > limit {
		return transport.Errorf("vendor_out", transport.ErrTooLarge, fmt.Errorf("usbtmc: vendor echo holds %d bytes, max %d", len(e.queue)+len(p), limit))
	}
	e.queue = append(e.queue, p...)
	close(e.readyCh())
	e.ready = make(chan struct{})
	return nil
}

// VendorIn returns queued bytes, waiting for some when there are none.
func (e *VendorEcho) VendorIn(ctx context.Context, p []byte) (int, error) {
	for {
		e.mu.Lock()
		if len(e.queue) > 0 || len(p) == 0 {
			n := copy(p, e.queue)
			e.queue = e.queue[:copy(e.queue, e.queue[n:])]
			e.mu.Unlock()
			return n, nil
		}
		ch := e.readyCh()
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, transport.NetError("vendor_in", ctx.Err())
		}
	}
}
