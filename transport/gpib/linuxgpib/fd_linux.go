package linuxgpib

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/govisa/govisa/transport"
)

// fdIoctler is the real ioctl path on /dev/gpibN.
type fdIoctler struct{ fd int }

func (f *fdIoctler) ioctl(req uint, arg []byte, data []byte) error {
	var p uintptr
	if len(arg) > 0 {
		p = uintptr(unsafe.Pointer(&arg[0]))
	}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(f.fd), uintptr(req), p)
	runtime.KeepAlive(arg)
	runtime.KeepAlive(data)
	if errno != 0 {
		return errno
	}
	return nil
}

func (f *fdIoctler) close() error { return unix.Close(f.fd) }

// Open opens board n (/dev/gpibN, 0-15). The board must already be
// configured by gpib_config.
func Open(n int) (*Board, error) {
	if n < 0 || n > 15 {
		return nil, transport.Errorf("open", transport.ErrInvalidArg, fmt.Errorf("board %d (0-15)", n))
	}
	path := fmt.Sprintf("/dev/gpib%d", n)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, transport.Errorf("open", transport.ErrNotFound, fmt.Errorf("%s: %w", path, err))
	}
	b, err := newBoard(&fdIoctler{fd: fd})
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return b, nil
}

// ecomm is what IBWRT gives when no device listens.
const ecomm = unix.ECOMM
