package asrl

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/govisa/govisa/transport"
)

// PTY is a pseudo-terminal pair: a program opens SlavePath as if it were a
// serial port, and whoever holds Master plays the instrument (see [Serve]).
// It is opened through /dev/ptmx with the TIOCGPTN and TIOCSPTLCK ioctls,
// without cgo.
type PTY struct {
	// Master is the controlling side, non-blocking and registered with
	// the runtime poller, so its deadlines work.
	Master *os.File
	// SlavePath is the terminal's path, /dev/pts/N.
	SlavePath string
	// hold keeps the slave open so that the master does not see a hang-up
	// (EIO) each time a client closes the port.
	hold *os.File
}

// OpenPTY opens a new pseudo-terminal pair. Its slave starts in raw mode,
// so nothing is echoed before a client configures it.
func OpenPTY() (*PTY, error) {
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, transport.Errorf("openpty", transport.ErrNotSupported, err)
	}
	fail := func(err error) (*PTY, error) {
		unix.Close(mfd)
		return nil, transport.Errorf("openpty", transport.ErrIO, err)
	}
	n, err := unix.IoctlGetUint32(mfd, unix.TIOCGPTN)
	if err != nil {
		return fail(fmt.Errorf("TIOCGPTN: %w", err))
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		return fail(fmt.Errorf("TIOCSPTLCK: %w", err))
	}
	path := "/dev/pts/" + strconv.FormatUint(uint64(n), 10)
	sfd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail(err)
	}
	t, err := unix.IoctlGetTermios(sfd, tcgets)
	if err == nil {
		cfg := DefaultConfig()
		if err = termiosFor(t, &cfg); err == nil {
			err = unix.IoctlSetTermios(sfd, tcsets, t)
		}
	}
	if err != nil {
		unix.Close(sfd)
		return fail(err)
	}
	return &PTY{
		Master:    os.NewFile(uintptr(mfd), "/dev/ptmx"),
		SlavePath: path,
		hold:      os.NewFile(uintptr(sfd), path),
	}, nil
}

// Close closes both sides.
func (p *PTY) Close() error {
	return errors.Join(p.Master.Close(), p.hold.Close())
}
