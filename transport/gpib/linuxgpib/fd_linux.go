package linuxgpib

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
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
	if n < 0 || n >= maxBoards {
		return nil, transport.Errorf("open", transport.ErrInvalidArg, fmt.Errorf("board %d (0-15)", n))
	}
	if s := simulated(n); s != nil {
		return s.Open()
	}
	path := fmt.Sprintf("/dev/gpib%d", n)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, transport.Errorf("open", transport.ErrNotFound, fmt.Errorf("%s: %w", path, err))
	}
	b, err := newBoard(&fdIoctler{fd: fd}, &realBuses[n])
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return b, nil
}

// ecomm is what IBWRT gives when no device listens.
const ecomm = unix.ECOMM

// Boards returns the numbers of the linux-gpib boards present: the
// /dev/gpibN nodes (0-15) and the boards simulated with [Simulate],
// sorted. It only looks at names, so it is cheap and never blocks on a
// driver; no /dev/gpib* means none.
func Boards() []int {
	var out []int
	for n := range maxBoards {
		if simulated(n) != nil {
			out = append(out, n)
		} else if _, err := os.Stat(fmt.Sprintf("/dev/gpib%d", n)); err == nil {
			out = append(out, n)
		}
	}
	return slices.Clip(out)
}

var (
	simMu     sync.Mutex
	simBoards = map[int]*SimBus{}
)

// Simulate makes board n (GPIBn) the simulated bus s for [Open] and
// [Boards] in this process, in place of /dev/gpibN, until undo is called.
// It is for tests: a program's GPIB code, or govisa's native backend, then
// runs unchanged against simulated instruments.
func Simulate(n int, s *SimBus) (undo func()) {
	simMu.Lock()
	defer simMu.Unlock()
	prev, had := simBoards[n]
	simBoards[n] = s
	return func() {
		simMu.Lock()
		defer simMu.Unlock()
		if simBoards[n] != s {
			return
		}
		if had {
			simBoards[n] = prev
		} else {
			delete(simBoards, n)
		}
	}
}

func simulated(n int) *SimBus {
	simMu.Lock()
	defer simMu.Unlock()
	return simBoards[n]
}
