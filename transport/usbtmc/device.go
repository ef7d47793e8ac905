package usbtmc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govisa/govisa/transport"
)

// Device is the device side of the engine: a simulated USBTMC/USB488
// interface that answers bulk, control and interrupt transfers from a
// [transport.Device]. Its methods take the host's point of view, so a
// *Device is itself a [Transfers]: tests hand it to [Open] directly, and a
// FunctionFS program feeds it what it reads from the gadget endpoints.
//
// It is safe for concurrent use: the bulk, control and interrupt paths run
// from different goroutines as on a real device.
type Device struct {
	dev  transport.Device
	caps Capabilities
	o    DeviceOptions

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	closed  bool

	// Bulk-OUT: bytes of the current DEV_DEP_MSG_OUT still to come.
	outEOM  bool
	lastOut byte
	outLeft uint32
	outRxd  uint32 // bytes received of the last DEV_DEP_MSG_OUT

	// Vendor-specific messages (device_vendor.go).
	vendor    VendorHandler // nil: vendor MsgIDs halt Bulk-OUT
	outVendor bool          // the transfer in progress is VENDOR_SPECIFIC_OUT
	vbuf      []byte        // its data so far
	outHalted bool          // Bulk-OUT is halted until ClearHalt

	// Bulk-IN: the pending request and the transfer being sent.
	req     *BulkOutHeader
	xfer    []byte // the built transfer; xoff bytes of it are sent
	xoff    int
	xtag    byte
	zlp     bool   // a zero-length packet is owed
	spill   []byte // response bytes read past a termination character
	spillOK bool   // spill ends the response message
	txd     uint32

	cancelBuild  context.CancelFunc // ends an instrument read for a request
	clearPending bool               // INITIATE_CLEAR seen, CHECK_CLEAR_STATUS not yet SUCCESS
	intr         chan [2]byte
	stbBusy      bool
	unsub        func()

	stats DeviceStats
}

// Stats returns what the device has counted so far.
func (d *Device) Stats() DeviceStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// DeviceStats counts requests the device answered.
type DeviceStats struct {
	IndicatorPulses, ClearHalts, Clears, AbortsIn, AbortsOut, Triggers int
	LastRequestIn                                                      BulkOutHeader
}

// DeviceOptions configures [NewDevice]. The zero value is a USB488 device
// with an interrupt endpoint, 512-byte packets and full capabilities.
type DeviceOptions struct {
	Caps        *Capabilities // nil = USB488 with every capability
	MaxPacket   int           // Bulk-IN wMaxPacketSize (default 512)
	MaxTransfer int           // largest Bulk-IN transfer it builds (default 1 MiB)
	NoInterrupt bool          // no Interrupt-IN endpoint: STB travels in the control response
	ZLP         bool          // end exact-multiple transfers with a zero-length packet instead of padding
	Raw         bool          // plain bulk pipes (USB RAW): no USBTMC headers
	// SingleHeader makes the device behave like the Rigol firmware in
	// [QuirkSingleHeader]: it ignores the requested size, sends the whole
	// response in one transfer with EOM clear.
	SingleHeader bool
	// Vendor serves VENDOR_SPECIFIC_OUT and REQUEST_VENDOR_SPECIFIC_IN.
	// When nil, the instrument serves them if it implements
	// [VendorHandler]; otherwise the device halts Bulk-OUT on them, as
	// USBTMC 1.0 tells a device to do with a MsgID it does not support.
	Vendor VendorHandler
}

// FullCapabilities is what the simulated device reports by default.
var FullCapabilities = Capabilities{
	BCDUSBTMC: 0x0100, IndicatorPulse: true, TermChar: true,
	BCDUSB488: 0x0100, IEEE4882: true, RemoteLocal: true, Trigger: true,
	SCPI: true, SR1: true, RL1: true, DT1: true,
}

// NewDevice serves dev as a USBTMC device. Close releases its SRQ
// subscription and wakes blocked transfers.
func NewDevice(dev transport.Device, o DeviceOptions) *Device {
	if o.MaxPacket <= 0 {
		o.MaxPacket = 512
	}
	if o.MaxTransfer <= 0 {
		o.MaxTransfer = 1 << 20
	}
	d := &Device{dev: dev, o: o, caps: FullCapabilities, changed: make(chan struct{}), intr: make(chan [2]byte, 16)}
	if o.Caps != nil {
		d.caps = *o.Caps
	}
	d.vendor = o.Vendor
	if vh, ok := dev.(VendorHandler); ok && d.vendor == nil {
		d.vendor = vh
	}
	if s, ok := dev.(transport.SRQSource); ok && !o.NoInterrupt {
		d.unsub = s.SubscribeSRQ(func() { d.Notify(notifySRQ, 0x40) })
	}
	return d
}

// Close stops the device: blocked transfers return ErrClosed.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		if d.unsub != nil {
			d.unsub()
		}
		d.abortBuild()
		d.wake()
	}
	return nil
}

// Notify queues an Interrupt-IN notification (dropped when 16 are queued).
func (d *Device) Notify(b1, b2 byte) {
	select {
	case d.intr <- [2]byte{b1, b2}:
	default:
	}
}

// abortBuild cancels a pending instrument read (d.mu held).
func (d *Device) abortBuild() {
	if d.cancelBuild != nil {
		d.cancelBuild()
	}
}

func (d *Device) wake() {
	close(d.changed)
	d.changed = make(chan struct{})
}

// wait releases mu until the state changes or ctx ends; it arms its own
// timer from the deadline.
func (d *Device) wait(ctx context.Context) error {
	ch := d.changed
	d.mu.Unlock()
	defer d.mu.Lock()
	var timeout <-chan time.Time
	if dl, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(dl))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ch:
		return nil
	case <-timeout:
		return transport.Errorf("wait", transport.ErrTimeout, context.DeadlineExceeded)
	case <-ctx.Done():
		return transport.NetError("wait", ctx.Err())
	}
}

// BulkOut receives a host Bulk-OUT transfer (or a piece of one).
func (d *Device) BulkOut(ctx context.Context, ep uint8, p []byte) (int, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return 0, transport.Errorf("bulk_out", transport.ErrClosed, nil)
	}
	if d.o.Raw {
		d.mu.Unlock()
		end := len(p) > 0 && p[len(p)-1] == '\n'
		return len(p), d.dev.Write(ctx, p, end)
	}
	n := len(p)
	if d.outHalted {
		d.mu.Unlock()
		return 0, transport.Errorf("bulk_out", transport.ErrIO, fmt.Errorf("%w: Bulk-OUT is halted", errStall))
	}
	if d.outLeft > 0 && d.outVendor {
		return d.vendorOutMore(ctx, p)
	}
	if d.outLeft > 0 {
		k := int(min(d.outLeft, uint32(len(p))))
		data := p[:k]
		d.outLeft -= uint32(k)
		d.outRxd += uint32(k)
		end := d.outEOM && d.outLeft == 0
		d.mu.Unlock()
		return n, d.dev.Write(ctx, data, end)
	}
	h, err := ParseBulkOutHeader(p)
	if err != nil {
		d.mu.Unlock()
		return 0, err
	}
	switch h.MsgID {
	case MsgDevDepOut:
		d.lastOut = h.Tag
		k := int(min(h.TransferSize, uint32(len(p)-HeaderSize)))
		d.outLeft = h.TransferSize - uint32(k)
		d.outRxd = uint32(k)
		d.outEOM = h.EOM
		end := h.EOM && d.outLeft == 0
		d.mu.Unlock()
		if k == 0 && !end {
			return n, nil
		}
		return n, d.dev.Write(ctx, p[HeaderSize:HeaderSize+k], end)
	case MsgRequestDevDepIn:
		d.req = &h
		d.stats.LastRequestIn = h
		d.wake()
		d.mu.Unlock()
		return n, nil
	case MsgVendorOut:
		return d.vendorOut(ctx, h, p)
	case MsgRequestVendorIn:
		if d.vendor == nil {
			return d.halt(h.MsgID)
		}
		d.req = &h
		d.stats.LastRequestIn = h
		d.wake()
		d.mu.Unlock()
		return n, nil
	case MsgTrigger:
		d.stats.Triggers++
		d.mu.Unlock()
		return n, d.dev.Trigger(ctx)
	default:
		d.mu.Unlock()
		return 0, transport.Errorf("bulk_out", transport.ErrNotSupported, fmt.Errorf("usbtmc: MsgID %d", h.MsgID))
	}
}

// BulkIn sends the next part of the Bulk-IN transfer answering the pending
// REQUEST_DEV_DEP_MSG_IN, waiting (as a device NAKs) until there is one.
func (d *Device) BulkIn(ctx context.Context, ep uint8, p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.o.Raw {
		return d.rawIn(ctx, p)
	}
	for {
		if d.closed {
			return 0, transport.Errorf("bulk_in", transport.ErrClosed, nil)
		}
		if d.zlp {
			d.zlp = false
			return 0, nil
		}
		if d.xoff < len(d.xfer) {
			n := copy(p, d.xfer[d.xoff:])
			d.xoff += n
			d.txd += uint32(n)
			if d.xoff == len(d.xfer) && n == len(p) && len(d.xfer)%d.o.MaxPacket == 0 {
				d.zlp = true // the host's buffer ended with the data: terminate it
			}
			return n, nil
		}
		if d.req != nil && d.req.MsgID == MsgRequestVendorIn {
			return d.buildVendor(ctx, p)
		}
		if d.req != nil {
			return d.build(ctx, p)
		}
		if err := d.wait(ctx); err != nil {
			return 0, err
		}
	}
}

// build turns the pending request into a transfer: it reads the response
// from the instrument (blocking until one is ready), stops at the
// termination character when asked, and sends the first part.
func (d *Device) build(ctx context.Context, p []byte) (int, error) {
	h := *d.req
	limit := min(int(h.TransferSize), d.o.MaxTransfer)
	if d.o.SingleHeader {
		limit = d.o.MaxTransfer
	}
	// The transfer is built in place: header, data read straight from the
	// instrument, alignment and anti-ZLP padding.
	if cap(d.xfer) < HeaderSize+limit+8 {
		d.xfer = make([]byte, 0, HeaderSize+limit+8)
	}
	buf := d.xfer[:HeaderSize+limit+8]
	d.xfer, d.xoff = d.xfer[:0], 0
	data := buf[HeaderSize:HeaderSize]
	end := false
	if len(d.spill) > 0 {
		k := min(len(d.spill), limit)
		data = append(data, d.spill[:k]...)
		d.spill = d.spill[k:]
		end = len(d.spill) == 0 && d.spillOK
	}
	// An abort or clear cancels the instrument read, so that a device
	// goroutine blocked here does not swallow the next response.
	rctx, cancel := context.WithCancel(ctx)
	d.cancelBuild = cancel
	defer func() { cancel(); d.cancelBuild = nil }()
	req := d.req
	for len(data) < limit && !end {
		if len(data) > 0 && !d.o.SingleHeader && bytes.IndexByte(data, h.TermChar) >= 0 && h.TermCharOn {
			break
		}
		d.mu.Unlock()
		n, e, err := d.dev.Read(rctx, buf[HeaderSize+len(data):HeaderSize+limit])
		d.mu.Lock()
		if d.closed || d.req != req {
			return 0, transport.Errorf("bulk_in", transport.ErrAborted, nil)
		}
		if err != nil {
			if len(data) > 0 {
				break // send what we have; the rest comes with the next request
			}
			return 0, err
		}
		data = data[:len(data)+n]
		end = e
	}
	var term bool
	if h.TermCharOn && !d.o.SingleHeader {
		if i := bytes.IndexByte(data, h.TermChar); i >= 0 && i < len(data)-1 {
			d.spill = append(d.spill[:0:0], data[i+1:]...)
			d.spillOK, end = end, false
			data, term = data[:i+1], true
		} else if i == len(data)-1 {
			term = true
		}
	}
	var attr byte
	if end && !d.o.SingleHeader {
		attr |= attrEOM
	}
	if term {
		attr |= attrTermChar
	}
	appendHeader(buf[:0], MsgDevDepIn, h.Tag, uint32(len(data)), attr, 0)
	total := HeaderSize + len(data) + pad4(len(data))
	if !d.o.ZLP && total%d.o.MaxPacket == 0 {
		total += 4 // avoid a zero-length packet (USBTMC §3.3)
	}
	x := buf[:total]
	clear(x[HeaderSize+len(data):])
	d.xfer, d.xoff, d.xtag, d.req, d.txd = x, 0, h.Tag, nil, 0
	n := copy(p, x)
	d.xoff = n
	d.txd = uint32(n)
	if d.xoff == len(x) && n == len(p) && len(x)%d.o.MaxPacket == 0 {
		d.zlp = true
	}
	return n, nil
}

// rawIn serves a RAW Bulk-IN read straight from the instrument.
func (d *Device) rawIn(ctx context.Context, p []byte) (int, error) {
	if d.closed {
		return 0, transport.Errorf("bulk_in", transport.ErrClosed, nil)
	}
	d.mu.Unlock()
	n, _, err := d.dev.Read(ctx, p)
	d.mu.Lock()
	return n, err
}

// InterruptIn sends the next queued notification.
func (d *Device) InterruptIn(ctx context.Context, ep uint8, p []byte) (int, error) {
	if d.o.NoInterrupt {
		return 0, transport.Errorf("interrupt_in", transport.ErrNotSupported, nil)
	}
	var timeout <-chan time.Time
	if dl, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(dl))
		defer t.Stop()
		timeout = t.C
	}
	d.mu.Lock()
	closed := d.changed
	if d.closed {
		d.mu.Unlock()
		return 0, transport.Errorf("interrupt_in", transport.ErrClosed, nil)
	}
	d.mu.Unlock()
	for {
		select {
		case m := <-d.intr:
			d.mu.Lock()
			if m[0] != notifySRQ {
				d.stbBusy = false
			}
			d.mu.Unlock()
			return copy(p, m[:]), nil
		case <-closed:
			d.mu.Lock()
			c := d.closed
			closed = d.changed
			d.mu.Unlock()
			if c {
				return 0, transport.Errorf("interrupt_in", transport.ErrClosed, nil)
			}
		case <-timeout:
			return 0, transport.Errorf("interrupt_in", transport.ErrTimeout, nil)
		case <-ctx.Done():
			return 0, transport.NetError("interrupt_in", ctx.Err())
		}
	}
}

// ClearHalt records CLEAR_FEATURE(ENDPOINT_HALT); on an OUT endpoint it
// ends a Bulk-OUT halt.
func (d *Device) ClearHalt(ctx context.Context, ep uint8) error {
	d.mu.Lock()
	if ep&0x80 == 0 {
		d.outHalted = false
	}
	d.stats.ClearHalts++
	d.mu.Unlock()
	return nil
}

// errStall is what the simulated device answers where a real one stalls
// (a control request it refuses, a Bulk-OUT message it does not support).
var errStall = errors.New("usbtmc: stalled")

func stall(req uint8) error {
	return transport.Errorf("control", transport.ErrIO, fmt.Errorf("%w (bRequest %d)", errStall, req))
}

func putStatus(data []byte, b ...byte) int { return copy(data, b) }

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
