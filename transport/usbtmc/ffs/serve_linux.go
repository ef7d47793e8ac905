//go:build linux

package ffs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
	"golang.org/x/sys/unix"
)

// Function is a FunctionFS instance being served.
type Function struct {
	dir  string
	dev  *usbtmc.Device
	kind Kind
	log  *slog.Logger
	ep   []*os.File
	ctx  context.Context
	stop context.CancelFunc
}

// Serve writes the descriptors for kind to the FunctionFS mount dir
// (e.g. /dev/ffs-usbtmc), opens the endpoint files and serves dev until
// Close. The gadget can be bound to its UDC once Serve returns.
func Serve(dir string, kind Kind, dev *usbtmc.Device, log *slog.Logger) (*Function, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ep0, err := os.OpenFile(filepath.Join(dir, "ep0"), os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if _, err := ep0.Write(Descriptors(kind)); err != nil {
		ep0.Close()
		return nil, fmt.Errorf("ffs: descriptors: %w", err)
	}
	if _, err := ep0.Write(Strings("govisa USBTMC")); err != nil {
		ep0.Close()
		return nil, fmt.Errorf("ffs: strings: %w", err)
	}
	f := &Function{dir: dir, dev: dev, kind: kind, log: log, ep: []*os.File{ep0}}
	n := 3
	if kind == Raw {
		n = 2
	}
	for i := 1; i <= n; i++ {
		flag := os.O_WRONLY
		if i == 1 {
			// Read-write: a write on an OUT endpoint file is how
			// FunctionFS halts the endpoint (see haltOut).
			flag = os.O_RDWR
		}
		e, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("ep%d", i)), flag, 0)
		if err != nil {
			f.closeFiles()
			return nil, err
		}
		f.ep = append(f.ep, e)
	}
	f.ctx, f.stop = context.WithCancel(context.Background())
	go f.control()
	go f.bulkOut()
	go f.bulkIn()
	if kind == USB488 {
		go f.interrupt()
	}
	return f, nil
}

func (f *Function) closeFiles() {
	for _, e := range f.ep {
		e.Close()
	}
}

// Close stops serving. Goroutines blocked in endpoint reads or writes end
// when the gadget is unbound (the endpoint files then fail).
func (f *Function) Close() error {
	f.stop()
	f.dev.Close()
	f.closeFiles()
	return nil
}

// retryable reports whether an endpoint error only means the host has not
// configured (or has reset) the function yet.
func retryable(err error) bool {
	return errors.Is(err, unix.ESHUTDOWN) || errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.ECONNRESET)
}

func (f *Function) pause() bool {
	select {
	case <-f.ctx.Done():
		return false
	case <-time.After(5 * time.Millisecond):
		return true
	}
}

// control answers ep0 setup events with the device's Control.
func (f *Function) control() {
	ep0 := f.ep[0]
	buf := make([]byte, 12*4)
	data := make([]byte, 4096)
	for {
		n, err := ep0.Read(buf)
		if f.ctx.Err() != nil {
			return
		}
		if err != nil {
			if retryable(err) && f.pause() {
				continue
			}
			f.log.Debug("ffs: ep0", "err", err)
			return
		}
		for _, ev := range ParseEvents(buf[:n]) {
			if ev.Type != EventSetup {
				f.log.Debug("ffs: event", "type", ev.Type)
				continue
			}
			if ev.RequestType&0x80 == 0 {
				ep0.Write(nil) // no OUT class requests: stall
				continue
			}
			d := data[:min(int(ev.Length), len(data))]
			k, err := f.dev.Control(f.ctx, ev.RequestType, ev.Request, ev.Value, ev.Index, d)
			f.log.Debug("ffs: setup", "type", ev.RequestType, "req", ev.Request, "value", ev.Value, "index", ev.Index, "answer", d[:k], "err", err)
			if err != nil {
				ep0.Read(nil) // stall the IN request
				continue
			}
			if _, err := ep0.Write(d[:k]); err != nil {
				f.log.Debug("ffs: ep0 answer", "err", err)
			}
		}
	}
}

// bulkOut reads whole Bulk-OUT transfers: the first packet, then exactly
// the rest the header announces (so no zero-length packet is needed).
func (f *Function) bulkOut() {
	ep := f.ep[1]
	buf := make([]byte, 1<<20)
	for {
		n, err := ep.Read(buf[:512])
		if f.ctx.Err() != nil {
			return
		}
		if err != nil {
			if retryable(err) && f.pause() {
				continue
			}
			f.log.Debug("ffs: bulk out", "err", err)
			return
		}
		if n == 0 {
			continue
		}
		if f.kind == Raw {
			f.dev.BulkOut(f.ctx, 1, buf[:n])
			continue
		}
		left := transferLen(buf[:n]) - int64(n)
		f.log.Debug("ffs: bulk out", "head", buf[:min(n, 16)], "len", n, "left", left)
		if _, err := f.dev.BulkOut(f.ctx, 1, buf[:n]); err != nil {
			f.log.Debug("ffs: bulk out message", "err", err)
			if errors.Is(err, transport.ErrIO) {
				// The rest of this transfer is stalled on the bus, so
				// nothing more of it will arrive.
				f.haltOut(ep)
				continue
			}
		}
		for left > 0 {
			k, err := ep.Read(buf[:min(int64(len(buf)), left)])
			if err != nil || k == 0 {
				break
			}
			left -= int64(k)
			if _, err := f.dev.BulkOut(f.ctx, 1, buf[:k]); errors.Is(err, transport.ErrIO) {
				// Refused once complete (a vendor handler's error):
				// the next transfer stalls.
				f.haltOut(ep)
			}
		}
	}
}

// haltOut stalls Bulk-OUT after the device refused a message (an
// unsupported MsgID). FunctionFS halts an endpoint when a transfer goes in
// the wrong direction on its file: a write on the OUT endpoint (it fails
// with EBADMSG once the halt is set). From then on the UDC answers STALL
// and ends the halt on the host's CLEAR_FEATURE(ENDPOINT_HALT), which it
// handles without telling the function, so the simulated device's own halt
// is cleared at once.
func (f *Function) haltOut(ep *os.File) {
	_, err := ep.Write(nil)
	f.log.Debug("ffs: halt bulk out", "err", err)
	f.dev.ClearHalt(f.ctx, 0x01)
}

// bulkIn writes the device's Bulk-IN transfers.
func (f *Function) bulkIn() {
	ep := f.ep[2]
	buf := make([]byte, 1<<20+512)
	for {
		n, err := f.dev.BulkIn(f.ctx, 0x82, buf)
		if f.ctx.Err() != nil {
			return
		}
		if err != nil {
			f.log.Debug("ffs: device bulk in", "err", err)
			if !f.pause() {
				return
			}
			continue
		}
		f.log.Debug("ffs: bulk in", "head", buf[:min(n, 16)], "len", n)
		for {
			_, err := ep.Write(buf[:n])
			if err == nil || f.ctx.Err() != nil || !retryable(err) || !f.pause() {
				break
			}
		}
	}
}

// interrupt writes the device's notifications.
func (f *Function) interrupt() {
	ep := f.ep[3]
	var b [8]byte
	for {
		n, err := f.dev.InterruptIn(f.ctx, 0x83, b[:])
		if f.ctx.Err() != nil {
			return
		}
		if err != nil {
			if !f.pause() {
				return
			}
			continue
		}
		ep.Write(b[:n])
	}
}
