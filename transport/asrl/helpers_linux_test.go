//go:build linux

package asrl

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

// served is a pseudo-terminal whose master side is served by Serve.
type served struct {
	pty *PTY
	dev *sim.TestInstrument
}

// servePTY opens a pty and hosts a test instrument on its master side
// until the test ends.
func servePTY(t testing.TB, opts *ServeOptions) *served {
	t.Helper()
	p, err := OpenPTY()
	if err != nil {
		t.Fatalf("OpenPTY: %v", err)
	}
	dev := sim.NewTestInstrument()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		errc <- Serve(ctx, p.Master, dev, opts)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if err := <-errc; err != nil {
			t.Errorf("Serve: %v", err)
		}
		p.Close()
	})
	return &served{pty: p, dev: dev}
}

// rawPTY opens a pty without a server: the test plays the instrument by
// writing the master directly.
func rawPTY(t testing.TB) *PTY {
	t.Helper()
	p, err := OpenPTY()
	if err != nil {
		t.Fatalf("OpenPTY: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func openConn(t testing.TB, path string, cfg Config) *Conn {
	t.Helper()
	c, err := Open(context.Background(), path, cfg)
	if err != nil {
		t.Fatalf("Open %s: %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var lineOpt = transport.ReadOptions{TermChar: '\n', TermCharEnabled: true}

// query writes msg (END as the config says) and reads one response.
func query(t testing.TB, c *Conn, msg string, opt transport.ReadOptions) (string, transport.Reason) {
	t.Helper()
	ctx := ctxT(t, 2*time.Second)
	if _, err := c.Write(ctx, []byte(msg), true); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	buf := make([]byte, 256)
	n, why, err := c.Read(ctx, buf, opt)
	if err != nil {
		t.Fatalf("read after %q: %v (got %q)", msg, err, buf[:n])
	}
	return string(buf[:n]), why
}

// readMaster reads from the master until want bytes arrived or d passed.
func readMaster(t testing.TB, p *PTY, want int, d time.Duration) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 256)
	p.Master.SetReadDeadline(time.Now().Add(d))
	defer p.Master.SetReadDeadline(time.Time{})
	for len(got) < want {
		n, err := p.Master.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	return got
}

// eventually retries f until it reports true or a second passed; it is
// for kernel queues that fill asynchronously, not for timing assertions.
func eventually(t testing.TB, what string, f func() bool) {
	t.Helper()
	for range 200 {
		if f() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("never happened: %s", what)
}

func wantErr(t testing.TB, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v, want %v", err, kind)
	}
}
