package asrl

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/govisa/govisa/transport"
)

// ServeOptions controls how [Serve] frames messages on the line. A nil
// *ServeOptions means DefaultServeOptions().
type ServeOptions struct {
	// EndIn says what ends a program message from the client: EndTermChar
	// (TermChar, the default), EndLastBit (a byte with its highest data
	// bit set; the bit is cleared before the device sees the byte) or
	// EndNone (bytes pass with end=false; the device finds messages itself).
	EndIn EndMode
	// EndOut says how the end of a response is marked on the line:
	// EndNone (the default; IEEE 488.2 devices end responses with LF
	// themselves), EndTermChar (TermChar appended) or EndLastBit.
	EndOut   EndMode
	TermChar byte
	DataBits int // for EndLastBit; 8 when 0
	// Logger receives debug traces; nil is silent.
	Logger *slog.Logger
}

// DefaultServeOptions returns LF-terminated messages in, responses out as
// the device produces them, 8 data bits.
func DefaultServeOptions() *ServeOptions {
	return &ServeOptions{EndIn: EndTermChar, EndOut: EndNone, TermChar: '\n', DataBits: 8}
}

// Serve hosts dev on a serial line: bytes read from rw are program
// messages for dev, split as opts.EndIn says, and dev's responses are
// written to rw as they become available. rw is typically the Master of a
// [PTY] or a real port opened with os.OpenFile.
//
// Serve returns nil when ctx is done, or an error wrapping
// transport.ErrConnLost when the line hangs up. If rw has SetDeadline (an
// *os.File on a tty does) cancellation wakes blocked I/O; otherwise the
// caller must close rw to make Serve return.
func Serve(ctx context.Context, rw io.ReadWriter, dev transport.Device, opts *ServeOptions) error {
	o := DefaultServeOptions()
	if opts != nil {
		o = opts
	}
	if o.EndIn > EndTermChar || o.EndOut > EndLastBit {
		return transport.Errorf("serve", transport.ErrInvalidArg, errors.New("EndIn must be none, last bit or termchar; EndOut none, last bit or termchar"))
	}
	dataBits := o.DataBits
	if dataBits == 0 {
		dataBits = 8
	}
	if dataBits < 5 || dataBits > 8 {
		return transport.Errorf("serve", transport.ErrInvalidArg, errors.New("data bits must be 5-8"))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if d, ok := rw.(interface{ SetDeadline(time.Time) error }); ok {
		d.SetDeadline(time.Time{})
		stop := context.AfterFunc(ctx, func() { d.SetDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	var wg sync.WaitGroup
	var outErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		outErr = serveOut(ctx, rw, dev, o, dataBits)
		cancel()
	}()
	inErr := serveIn(ctx, rw, dev, o, dataBits)
	cancel()
	wg.Wait()
	if inErr != nil {
		return inErr
	}
	return outErr
}

// lineErr classifies an error of the line once the context is known not
// to be the cause.
func lineErr(op string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.EIO) || errors.Is(err, os.ErrClosed) {
		return transport.Errorf(op, transport.ErrConnLost, err)
	}
	return transport.NetError(op, err)
}

func serveIn(ctx context.Context, rw io.ReadWriter, dev transport.Device, o *ServeOptions, dataBits int) error {
	var buf [readBufSize]byte
	top := byte(1) << (dataBits - 1)
	for {
		n, err := rw.Read(buf[:])
		if n > 0 {
			if derr := deliver(ctx, dev, buf[:n], o, top); derr != nil && ctx.Err() == nil {
				return derr
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return lineErr("serve_read", err)
		}
	}
}

// deliver hands p to dev, one Write per message end.
func deliver(ctx context.Context, dev transport.Device, p []byte, o *ServeOptions, top byte) error {
	for len(p) > 0 {
		i := -1
		switch o.EndIn {
		case EndTermChar:
			for j, b := range p {
				if b == o.TermChar {
					i = j
					break
				}
			}
		case EndLastBit:
			for j, b := range p {
				if b&top != 0 {
					p[j] = b &^ top
					i = j
					break
				}
			}
		}
		if i < 0 {
			return dev.Write(ctx, p, false)
		}
		if o.Logger != nil {
			o.Logger.Debug("asrl: serve message", "len", i+1)
		}
		if err := dev.Write(ctx, p[:i+1], true); err != nil {
			return err
		}
		p = p[i+1:]
	}
	return nil
}

func serveOut(ctx context.Context, rw io.ReadWriter, dev transport.Device, o *ServeOptions, dataBits int) error {
	var buf [readBufSize]byte
	var scratch []byte
	for {
		n, end, err := dev.Read(ctx, buf[:])
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, transport.ErrAborted) {
				continue // a device clear dropped the response
			}
			return err
		}
		out := encodeEnd(scratch, buf[:n], o.EndOut, dataBits, o.TermChar, end)
		if o.EndOut != EndNone {
			scratch = out[:0]
		}
		if _, err := rw.Write(out); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return lineErr("serve_write", err)
		}
	}
}
