package simserve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/govisa/govisa/internal/acceptloop"
	"github.com/govisa/govisa/transport"
)

// rawChunk is the read and relay buffer size of a raw socket connection.
const rawChunk = 64 << 10

// rawWriteTimeout bounds how long the pump waits for a client that does not
// read its output.
const rawWriteTimeout = 10 * time.Second

// rawSocket serves a definition-file device on a raw TCP port the way an
// instrument's socket interface behaves: bytes from a client go to the
// device as they come (the device finds its messages by its own query
// terminator), and whatever the device outputs is sent as soon as it is
// available to the connection that sent the last bytes.
//
// transport/socket's server relays a response only after a message that
// holds '?', which suits IEEE 488.2 instruments shared by several clients;
// pyvisa-sim devices also answer commands without '?' ("!CAL" -> "OK"), and
// a client that reads that answer would wait forever there.
type rawSocket struct {
	dev transport.Device
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	ls     []net.Listener
	conns  map[net.Conn]struct{}
	target net.Conn // receives the device's output
	closed bool
}

func newRawSocket(dev transport.Device, log *slog.Logger) *rawSocket {
	ctx, cancel := context.WithCancel(context.Background())
	r := &rawSocket{dev: dev, log: log, ctx: ctx, cancel: cancel, conns: map[net.Conn]struct{}{}}
	r.wg.Add(1)
	go r.pump()
	return r
}

// Serve accepts connections on l until Shutdown.
func (r *rawSocket) Serve(l net.Listener) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		l.Close()
		return transport.Errorf("serve", transport.ErrClosed, nil)
	}
	r.ls = append(r.ls, l)
	r.mu.Unlock()
	return acceptloop.Serve(l, func() bool { return r.ctx.Err() != nil }, func(c net.Conn) bool {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			c.Close()
			return false
		}
		r.conns[c] = struct{}{}
		r.wg.Add(1)
		r.mu.Unlock()
		go r.handle(c)
		return true
	})
}

// handle feeds one client's bytes to the device.
func (r *rawSocket) handle(c net.Conn) {
	defer r.wg.Done()
	defer func() {
		r.mu.Lock()
		delete(r.conns, c)
		if r.target == c {
			r.target = nil
		}
		r.mu.Unlock()
		c.Close()
	}()
	buf := make([]byte, rawChunk)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			r.mu.Lock()
			r.target = c
			r.mu.Unlock()
			if werr := r.dev.Write(r.ctx, buf[:n], false); werr != nil {
				r.log.Debug("simserve: device write failed", "err", werr)
			}
		}
		if err != nil {
			return
		}
	}
}

// pump relays the device's output to the current target.
func (r *rawSocket) pump() {
	defer r.wg.Done()
	buf := make([]byte, rawChunk)
	for {
		n, _, err := r.dev.Read(r.ctx, buf)
		if r.ctx.Err() != nil {
			return
		}
		if err != nil {
			// A device clear aborts a read; anything else is unexpected but
			// must not spin.
			if !errors.Is(err, transport.ErrAborted) {
				r.log.Debug("simserve: device read failed", "err", err)
				select {
				case <-r.ctx.Done():
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
			continue
		}
		r.mu.Lock()
		c := r.target
		r.mu.Unlock()
		if c == nil || n == 0 {
			continue // nobody to tell: the output is dropped, as on a real port
		}
		_ = c.SetWriteDeadline(time.Now().Add(rawWriteTimeout))
		if _, err := c.Write(buf[:n]); err != nil {
			r.log.Debug("simserve: client write failed", "remote", c.RemoteAddr(), "err", err)
			c.Close()
		}
	}
}

// Shutdown stops accepting, closes the connections and waits for the
// goroutines.
func (r *rawSocket) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	for _, l := range r.ls {
		l.Close()
	}
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.cancel()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
