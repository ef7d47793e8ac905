//go:build linux

package usbfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/govisa/govisa/transport"
	"golang.org/x/sys/unix"
)

func (d *Device) getSlot() (*slot, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, transport.Errorf("usb", transport.ErrClosed, nil)
	}
	if d.gone != nil {
		return nil, d.gone
	}
	d.inUse.Add(1)
	if n := len(d.free); n > 0 {
		s := d.free[n-1]
		d.free = d.free[:n-1]
		return s, nil
	}
	const hdr = 64 // the urb, padded
	mem, err := unix.Mmap(-1, 0, hdr+d.slotSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		d.inUse.Done()
		return nil, transport.Errorf("usb", transport.ErrTooLarge, err)
	}
	s := &slot{mem: mem, urb: (*urb)(unsafe.Pointer(&mem[0])), buf: mem[hdr:]}
	d.all = append(d.all, s)
	return s, nil
}

func (d *Device) putSlot(s *slot) {
	d.mu.Lock()
	d.free = append(d.free, s)
	d.mu.Unlock()
	d.inUse.Done()
}

// run submits the URB in s and waits for it, discarding it when ctx ends
// first (the kernel then completes it and the reaper hands it back).
func (d *Device) run(ctx context.Context, op string, s *slot) (int, error) {
	addr := uintptr(unsafe.Pointer(s.urb))
	s.done = make(chan struct{})
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return 0, transport.Errorf(op, transport.ErrClosed, nil)
	}
	d.pending[addr] = s
	if _, err := ioctl(d.fd, nums.SubmitURB, addr); err != nil {
		delete(d.pending, addr)
		d.mu.Unlock()
		return 0, errnoErr(op, err)
	}
	d.mu.Unlock()
	var timeout <-chan time.Time
	if dl, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(dl))
		defer t.Stop()
		timeout = t.C
	}
	var cancelled error
	select {
	case <-s.done:
	case <-timeout:
		cancelled = transport.Errorf(op, transport.ErrTimeout, context.DeadlineExceeded)
	case <-ctx.Done():
		cancelled = transport.NetError(op, ctx.Err())
	}
	if cancelled != nil {
		ioctl(d.fd, nums.DiscardURB, addr) // EINVAL if it completed meanwhile
		<-s.done
		if s.urb.Status == 0 {
			// It completed before the discard: keep the data.
			return int(s.urb.ActualLength), nil
		}
		d.mu.Lock()
		closed := d.closed
		d.mu.Unlock()
		if closed {
			return int(s.urb.ActualLength), transport.Errorf(op, transport.ErrClosed, nil)
		}
		return int(s.urb.ActualLength), cancelled
	}
	if st := s.urb.Status; st != 0 {
		if d.gone != nil {
			return 0, d.gone
		}
		return int(s.urb.ActualLength), errnoErr(op, unix.Errno(-st))
	}
	return int(s.urb.ActualLength), nil
}

// reap collects completed URBs: usbfs signals them with POLLOUT.
func (d *Device) reap() {
	defer close(d.reaper)
	fds := []unix.PollFd{{Fd: int32(d.fd), Events: unix.POLLOUT}, {Fd: int32(d.evfd), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		if err != nil && err != unix.EINTR {
			d.failAll(err)
			return
		}
		for {
			var p uintptr
			_, err := ioctl(d.fd, nums.ReapURBNDelay, uintptr(unsafe.Pointer(&p)))
			if err == unix.EAGAIN || err == unix.EINTR {
				break
			}
			if err != nil { // ENODEV: unplugged
				d.failAll(err)
				return
			}
			d.mu.Lock()
			s := d.pending[p]
			delete(d.pending, p)
			d.mu.Unlock()
			if s != nil {
				close(s.done)
			}
		}
		d.mu.Lock()
		stop := d.closed && len(d.pending) == 0
		d.mu.Unlock()
		if stop {
			return
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			d.failAll(unix.ENODEV)
			return
		}
	}
}

// failAll ends every waiting transfer after the device went away.
func (d *Device) failAll(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gone = transport.Errorf("usb", transport.ErrConnLost, err)
	for p, s := range d.pending {
		s.urb.Status = -int32(unix.ENODEV)
		delete(d.pending, p)
		close(s.done)
	}
}

// BulkOut writes p to a bulk OUT endpoint, in URBs of at most the buffer
// size.
func (d *Device) BulkOut(ctx context.Context, ep uint8, p []byte) (int, error) {
	return d.out(ctx, "bulk_out", urbTypeBulk, ep, p)
}

func (d *Device) out(ctx context.Context, op string, typ uint8, ep uint8, p []byte) (int, error) {
	s, err := d.getSlot()
	if err != nil {
		return 0, err
	}
	defer d.putSlot(s)
	sent := 0
	for {
		k := copy(s.buf, p[sent:])
		*s.urb = urb{Type: typ, Endpoint: ep, Buffer: uintptr(unsafe.Pointer(&s.buf[0])), BufferLength: int32(k)}
		n, err := d.run(ctx, op, s)
		sent += n
		if err != nil || sent >= len(p) {
			return sent, err
		}
	}
}

// BulkIn reads from a bulk IN endpoint: the transfer ends at a short
// packet or when p (capped at the buffer size) is full.
func (d *Device) BulkIn(ctx context.Context, ep uint8, p []byte) (int, error) {
	return d.in(ctx, "bulk_in", urbTypeBulk, ep, p)
}

// InterruptIn reads one interrupt transfer.
func (d *Device) InterruptIn(ctx context.Context, ep uint8, p []byte) (int, error) {
	return d.in(ctx, "interrupt_in", urbTypeInterrupt, ep, p)
}

func (d *Device) in(ctx context.Context, op string, typ uint8, ep uint8, p []byte) (int, error) {
	s, err := d.getSlot()
	if err != nil {
		return 0, err
	}
	defer d.putSlot(s)
	k := min(len(p), len(s.buf))
	*s.urb = urb{Type: typ, Endpoint: ep | 0x80, Buffer: uintptr(unsafe.Pointer(&s.buf[0])), BufferLength: int32(k)}
	n, err := d.run(ctx, op, s)
	n = max(0, min(n, k))
	copy(p, s.buf[:n])
	return n, err
}

// Control runs a control transfer with an IN data stage of len(data)
// bytes.
func (d *Device) Control(ctx context.Context, reqType, req uint8, value, index uint16, data []byte) (int, error) {
	if len(data) > 4096 {
		return 0, transport.Errorf("control", transport.ErrInvalidArg, fmt.Errorf("usbfs: wLength %d", len(data)))
	}
	s, err := d.getSlot()
	if err != nil {
		return 0, err
	}
	defer d.putSlot(s)
	setup := s.buf[:8]
	setup[0], setup[1] = reqType, req
	binary.LittleEndian.PutUint16(setup[2:], value)
	binary.LittleEndian.PutUint16(setup[4:], index)
	binary.LittleEndian.PutUint16(setup[6:], uint16(len(data)))
	*s.urb = urb{Type: urbTypeControl, Endpoint: 0, Buffer: uintptr(unsafe.Pointer(&s.buf[0])), BufferLength: int32(8 + len(data))}
	n, err := d.run(ctx, "control", s)
	n = max(0, min(n, len(data)))
	copy(data, s.buf[8:8+n])
	if err != nil && errors.Is(err, transport.ErrIO) {
		return n, fmt.Errorf("usbfs: control request %d stalled: %w", req, err)
	}
	return n, err
}
