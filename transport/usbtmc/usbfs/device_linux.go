//go:build linux

package usbfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"unsafe"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
	"golang.org/x/sys/unix"
)

var nums = numbersFor(archIOC, unsafe.Sizeof(uintptr(0)))

// Device is an open usbfs node with one claimed interface. It implements
// [usbtmc.Transfers] and [usbtmc.Halter] with asynchronous URBs, so every
// transfer honours its context and Close cancels transfers in flight.
type Device struct {
	fd, evfd int
	ifno     uint8
	detached bool
	desc     Descriptors
	alt      AltSetting
	slotSize int

	mu      sync.Mutex
	pending map[uintptr]*slot
	free    []*slot
	all     []*slot
	closed  bool
	gone    error // set when the device disappeared
	reaper  chan struct{}
	inUse   sync.WaitGroup // slots held by transfers; Close unmaps after them
	closeMu sync.Once
}

// slot is URB plus buffer memory outside the Go heap (the kernel writes
// into it after the submitting call returned).
type slot struct {
	mem  []byte
	urb  *urb
	buf  []byte
	done chan struct{}
}

// Options configures [OpenDevice].
type Options struct {
	// Config is the bConfigurationValue whose interface to use (0 = the
	// first configuration in the descriptors).
	Config uint8
	// BufferSize is the largest single transfer (default 1 MiB + 4 KiB).
	BufferSize int
	// NoDetach refuses to detach a kernel driver bound to the interface.
	NoDetach bool
}

func ioctl(fd int, req uint32, arg uintptr) (uintptr, error) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), arg)
	if e != 0 {
		return r, e
	}
	return r, nil
}

// OpenDevice opens the usbfs node path and claims interface ifno, detaching
// a kernel driver (such as usbtmc) that holds it; Close reattaches it.
func OpenDevice(path string, ifno uint8, o Options) (*Device, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		kind := transport.ErrNotFound
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			kind = transport.ErrLocked
		}
		return nil, transport.Errorf("open", kind, fmt.Errorf("usbfs: %s: %w", path, err))
	}
	d := &Device{fd: fd, evfd: -1, ifno: ifno, pending: map[uintptr]*slot{}, slotSize: o.BufferSize}
	if d.slotSize <= 0 {
		d.slotSize = 1<<20 + 4096
	}
	fail := func(kind error, err error) (*Device, error) {
		d.release()
		return nil, transport.Errorf("open", kind, err)
	}
	raw := make([]byte, 64<<10)
	n, err := readFull(fd, raw)
	if err != nil {
		return fail(transport.ErrIO, fmt.Errorf("usbfs: reading descriptors: %w", err))
	}
	if d.desc, err = ParseDescriptors(raw[:n]); err != nil {
		return fail(transport.ErrProtocol, err)
	}
	var ok bool
	if d.alt, ok = d.desc.Find(o.Config, ifno); !ok {
		return fail(transport.ErrNotFound, fmt.Errorf("usbfs: %s has no interface %d", path, ifno))
	}
	if drv, err := d.Driver(); err == nil && drv != "" && drv != "usbfs" {
		if o.NoDetach {
			return fail(transport.ErrLocked, fmt.Errorf("usbfs: interface %d is bound to driver %q", ifno, drv))
		}
		if err := d.driverIoctl(nums.Disconnect); err != nil {
			return fail(transport.ErrLocked, fmt.Errorf("usbfs: detaching %q: %w", drv, err))
		}
		d.detached = true
	}
	v := uint32(ifno)
	if _, err := ioctl(fd, nums.ClaimInterface, uintptr(unsafe.Pointer(&v))); err != nil {
		return fail(transport.ErrLocked, fmt.Errorf("usbfs: claiming interface %d: %w", ifno, err))
	}
	if d.evfd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		return fail(transport.ErrIO, err)
	}
	d.reaper = make(chan struct{})
	go d.reap()
	return d, nil
}

func readFull(fd int, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k, err := unix.Read(fd, p[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if k == 0 {
			break
		}
		n += k
	}
	return n, nil
}

// Descriptors returns the descriptors read from the node.
func (d *Device) Descriptors() Descriptors { return d.desc }

// Interface describes the claimed interface for [usbtmc.Open]: endpoint
// addresses and packet sizes come from the descriptors.
func (d *Device) Interface() usbtmc.Interface {
	it := usbtmc.Interface{Number: d.ifno, Protocol: d.alt.Protocol, VendorID: d.desc.VendorID, ProductID: d.desc.ProductID}
	for _, e := range d.alt.Endpoints {
		switch {
		case e.Bulk() && e.In() && it.BulkIn == 0:
			it.BulkIn, it.MaxPacket = e.Address, e.MaxPacket
		case e.Bulk() && !e.In() && it.BulkOut == 0:
			it.BulkOut = e.Address
		case e.Interrupt() && e.In() && it.InterruptIn == 0:
			it.InterruptIn, it.IntrPacket = e.Address, e.MaxPacket
		}
	}
	return it
}

// Driver returns the name of the kernel driver bound to the interface
// ("" when none).
func (d *Device) Driver() (string, error) {
	g := getDriver{Interface: uint32(d.ifno)}
	if _, err := ioctl(d.fd, nums.GetDriver, uintptr(unsafe.Pointer(&g))); err != nil {
		if errors.Is(err, unix.ENODATA) {
			return "", nil
		}
		return "", err
	}
	return unix.ByteSliceToString(g.Driver[:]), nil
}

func (d *Device) driverIoctl(code uint32) error {
	a := ioctlArg{Ifno: int32(d.ifno), Code: int32(code)}
	_, err := ioctl(d.fd, nums.IOCTL, uintptr(unsafe.Pointer(&a)))
	return err
}

// Reset resets the device's port (USBDEVFS_RESET). The device re-enumerates
// and this Device usually has to be reopened.
func (d *Device) Reset() error {
	if _, err := ioctl(d.fd, nums.Reset, 0); err != nil {
		return transport.Errorf("reset", transport.ErrIO, err)
	}
	return nil
}

// ClearHalt clears a halt (stall) on endpoint ep (USBDEVFS_CLEAR_HALT).
func (d *Device) ClearHalt(ctx context.Context, ep uint8) error {
	v := uint32(ep)
	if _, err := ioctl(d.fd, nums.ClearHalt, uintptr(unsafe.Pointer(&v))); err != nil {
		return errnoErr("clear_halt", err)
	}
	return nil
}

// Close cancels transfers in flight, releases the interface, reattaches
// the kernel driver it detached and closes the node.
func (d *Device) Close() error {
	d.closeMu.Do(func() {
		d.mu.Lock()
		d.closed = true
		for addr := range d.pending {
			ioctl(d.fd, nums.DiscardURB, addr)
		}
		d.mu.Unlock()
		if d.reaper != nil {
			unix.Write(d.evfd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
			<-d.reaper
		}
		// Transfers woken by the discards still read their URB: unmap
		// only after they returned their slots.
		d.inUse.Wait()
		d.release()
	})
	return nil
}

func (d *Device) release() {
	if d.fd >= 0 {
		v := uint32(d.ifno)
		ioctl(d.fd, nums.ReleaseInterface, uintptr(unsafe.Pointer(&v)))
		if d.detached {
			d.driverIoctl(nums.Connect)
		}
		unix.Close(d.fd)
		d.fd = -1
	}
	if d.evfd >= 0 {
		unix.Close(d.evfd)
		d.evfd = -1
	}
	for _, s := range d.all {
		unix.Munmap(s.mem)
	}
	d.all, d.free = nil, nil
}

var _ io.Closer = (*Device)(nil)

// errnoErr maps a usbfs errno (from an ioctl or a URB status) to the
// transport sentinels.
func errnoErr(op string, err error) error {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return transport.Errorf(op, transport.ErrIO, err)
	}
	switch en {
	case unix.ETIMEDOUT:
		return transport.Errorf(op, transport.ErrTimeout, err)
	case unix.EPIPE:
		return transport.Errorf(op, transport.ErrIO, fmt.Errorf("endpoint stalled: %w", err))
	case unix.ENODEV, unix.ESHUTDOWN, unix.ENOENT, unix.EPROTO, unix.EILSEQ:
		return transport.Errorf(op, transport.ErrConnLost, err)
	case unix.EOVERFLOW:
		return transport.Errorf(op, transport.ErrProtocol, fmt.Errorf("device sent more than asked: %w", err))
	case unix.ENOMEM:
		return transport.Errorf(op, transport.ErrTooLarge, err)
	}
	return transport.Errorf(op, transport.ErrIO, err)
}
