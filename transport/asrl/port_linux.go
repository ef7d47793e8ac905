package asrl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govisa/govisa/transport"
)

// ttyPort drives a Linux tty (a serial port or a pseudo-terminal) with
// termios ioctls. The descriptor is non-blocking and registered with the
// runtime poller, so deadlines and cancellation wake a blocked read through
// epoll (os.File.SetReadDeadline) instead of a polling loop.
type ttyPort struct {
	f *os.File
}

func openPort(name string, cfg *Config) (port, error) {
	fd, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENXIO) || errors.Is(err, unix.ENODEV) {
			return nil, transport.Errorf("open", transport.ErrNotFound, fmt.Errorf("%s: %w", name, err))
		}
		if errors.Is(err, unix.EBUSY) {
			return nil, transport.Errorf("open", transport.ErrLocked, fmt.Errorf("%s: %w", name, err))
		}
		return nil, transport.Errorf("open", transport.ErrIO, fmt.Errorf("%s: %w", name, err))
	}
	if _, err := unix.IoctlGetTermios(fd, tcgets); err != nil {
		unix.Close(fd)
		return nil, transport.Errorf("open", transport.ErrInvalidArg, fmt.Errorf("%s is not a tty: %w", name, err))
	}
	p := &ttyPort{f: os.NewFile(uintptr(fd), name)}
	if err := p.configure(cfg); err != nil {
		p.f.Close()
		return nil, err
	}
	return p, nil
}

// control runs fn on the raw descriptor, safe against a concurrent close.
func (p *ttyPort) control(op string, fn func(fd int) error) error {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return transport.Errorf(op, transport.ErrClosed, err)
	}
	var ierr error
	if err := rc.Control(func(fd uintptr) { ierr = fn(int(fd)) }); err != nil {
		return transport.Errorf(op, transport.ErrClosed, err)
	}
	if ierr != nil {
		if errors.Is(ierr, unix.ENOTTY) || errors.Is(ierr, unix.EINVAL) {
			return transport.Errorf(op, transport.ErrNotSupported, ierr)
		}
		return transport.Errorf(op, transport.ErrIO, ierr)
	}
	return nil
}

// termiosFor builds the raw-mode termios for cfg on top of t.
func termiosFor(t *unix.Termios, cfg *Config) error {
	// Raw mode (fact sheet §7.2): no input or output processing, no echo,
	// no signals, byte-at-a-time reads.
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR |
		unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY | unix.INPCK | unix.IGNPAR
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.PARODD | unix.CMSPAR | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CLOCAL | unix.CREAD | unix.BOTHER
	t.Ispeed, t.Ospeed = uint32(cfg.BaudRate), uint32(cfg.BaudRate)
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	switch cfg.DataBits {
	case 5:
		t.Cflag |= unix.CS5
	case 6:
		t.Cflag |= unix.CS6
	case 7:
		t.Cflag |= unix.CS7
	default:
		t.Cflag |= unix.CS8
	}
	switch cfg.Parity {
	case ParityOdd:
		t.Cflag |= unix.PARENB | unix.PARODD
	case ParityEven:
		t.Cflag |= unix.PARENB
	case ParityMark:
		t.Cflag |= unix.PARENB | unix.CMSPAR | unix.PARODD
	case ParitySpace:
		t.Cflag |= unix.PARENB | unix.CMSPAR
	}
	if cfg.Parity != ParityNone {
		t.Iflag |= unix.INPCK
	}
	switch cfg.StopBits {
	case StopBits2:
		t.Cflag |= unix.CSTOPB
	case StopBits1_5:
		// A UART sends 1.5 stop bits for CSTOPB with 5-bit characters;
		// termios cannot ask for 1.5 otherwise.
		if cfg.DataBits != 5 {
			return transport.Errorf("config", transport.ErrNotSupported, errors.New("1.5 stop bits need 5 data bits on Linux"))
		}
		t.Cflag |= unix.CSTOPB
	}
	if cfg.Flow&FlowDtrDsr != 0 {
		return transport.Errorf("config", transport.ErrNotSupported, errors.New("DTR/DSR flow control is not available in Linux termios"))
	}
	if cfg.Flow&FlowXonXoff != 0 {
		t.Iflag |= unix.IXON | unix.IXOFF
		t.Cc[unix.VSTART], t.Cc[unix.VSTOP] = cfg.XonChar, cfg.XoffChar
	}
	if cfg.Flow&FlowRtsCts != 0 {
		t.Cflag |= unix.CRTSCTS
	}
	return nil
}

func (p *ttyPort) configure(cfg *Config) error {
	return p.control("config", func(fd int) error {
		t, err := unix.IoctlGetTermios(fd, tcgets)
		if err != nil {
			return err
		}
		if err := termiosFor(t, cfg); err != nil {
			return err
		}
		return unix.IoctlSetTermios(fd, tcsets, t)
	})
}

// termios returns the port's current settings (tests read them back).
func (p *ttyPort) termios() (*unix.Termios, error) {
	var t *unix.Termios
	err := p.control("termios", func(fd int) (err error) {
		t, err = unix.IoctlGetTermios(fd, tcgets)
		return err
	})
	return t, err
}

// deadline arms the file's deadline from ctx and returns a function that
// disarms it; cancellation moves the deadline to the past, which wakes the
// poller at once.
func deadline(ctx context.Context, set func(time.Time) error) (stop func()) {
	d, _ := ctx.Deadline()
	set(d) // zero = none
	if ctx.Done() == nil {
		return func() {}
	}
	fired := make(chan struct{})
	unregister := context.AfterFunc(ctx, func() {
		set(time.Unix(1, 0))
		close(fired)
	})
	// If the function already started, wait for it: otherwise its past
	// deadline could land after the next operation armed its own.
	return func() {
		if !unregister() {
			<-fired
		}
	}
}

func (p *ttyPort) ioErr(op string, ctx context.Context, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if ctx.Err() != nil {
			return transport.NetError(op, ctx.Err())
		}
		return transport.Errorf(op, transport.ErrTimeout, err)
	}
	if errors.Is(err, os.ErrClosed) {
		return transport.Errorf(op, transport.ErrClosed, err)
	}
	// EIO is what a tty read gives when the line hung up (a USB adapter
	// unplugged, the other side of a pty closed).
	if errors.Is(err, syscall.EIO) {
		return transport.Errorf(op, transport.ErrConnLost, err)
	}
	return transport.Errorf(op, transport.ErrIO, err)
}

func (p *ttyPort) read(ctx context.Context, b []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, transport.NetError("read", err)
	}
	stop := deadline(ctx, p.f.SetReadDeadline)
	defer stop()
	for {
		n, err := p.f.Read(b)
		if n > 0 {
			return n, nil
		}
		if err != nil {
			return 0, p.ioErr("read", ctx, err)
		}
	}
}

func (p *ttyPort) write(ctx context.Context, b []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, transport.NetError("write", err)
	}
	stop := deadline(ctx, p.f.SetWriteDeadline)
	defer stop()
	n, err := p.f.Write(b)
	if err != nil {
		return n, p.ioErr("write", ctx, err)
	}
	return n, nil
}

func (p *ttyPort) flush(input, output bool) error {
	var arg int
	switch {
	case input && output:
		arg = unix.TCIOFLUSH
	case input:
		arg = unix.TCIFLUSH
	case output:
		arg = unix.TCOFLUSH
	default:
		return nil
	}
	return p.control("flush", func(fd int) error { return unix.IoctlSetInt(fd, unix.TCFLSH, arg) })
}

// drain waits until the output queue has been sent (tcdrain = TCSBRK 1).
func (p *ttyPort) drain() error {
	return p.control("drain", func(fd int) error { return unix.IoctlSetInt(fd, unix.TCSBRK, 1) })
}

func (p *ttyPort) setBreak(on bool) error {
	req := uint(unix.TIOCCBRK)
	if on {
		req = unix.TIOCSBRK
	}
	return p.control("break", func(fd int) error { return unix.IoctlSetInt(fd, req, 0) })
}

func (p *ttyPort) modemLines() (ModemLines, error) {
	var bits int
	err := p.control("modem_lines", func(fd int) (err error) {
		bits, err = unix.IoctlGetInt(fd, unix.TIOCMGET)
		return err
	})
	if err != nil {
		return ModemLines{}, err
	}
	return ModemLines{
		DTR: bits&unix.TIOCM_DTR != 0, RTS: bits&unix.TIOCM_RTS != 0,
		CTS: bits&unix.TIOCM_CTS != 0, DSR: bits&unix.TIOCM_DSR != 0,
		DCD: bits&unix.TIOCM_CAR != 0, RI: bits&unix.TIOCM_RNG != 0,
	}, nil
}

func (p *ttyPort) setLine(op string, bit int, on bool) error {
	req := uint(unix.TIOCMBIC)
	if on {
		req = unix.TIOCMBIS
	}
	return p.control(op, func(fd int) error { return unix.IoctlSetPointerInt(fd, req, bit) })
}

func (p *ttyPort) setDTR(on bool) error { return p.setLine("set_dtr", unix.TIOCM_DTR, on) }
func (p *ttyPort) setRTS(on bool) error { return p.setLine("set_rts", unix.TIOCM_RTS, on) }

func (p *ttyPort) inQueue() (int, error) {
	var n int
	err := p.control("avail", func(fd int) (err error) {
		n, err = unix.IoctlGetInt(fd, unix.TIOCINQ)
		return err
	})
	return n, err
}

func (p *ttyPort) close() error {
	if err := p.f.Close(); err != nil {
		return transport.Errorf("close", transport.ErrClosed, err)
	}
	return nil
}
