package prologix

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bench is an emulator on loopback with test instruments at 5 and 7,3.
type bench struct {
	srv    *Server
	addr   string
	d5, d7 *sim.TestInstrument
}

func startServer(t testing.TB) *bench {
	t.Helper()
	srv := NewServer(nil)
	b := &bench{srv: srv, d5: sim.NewTestInstrument(), d7: sim.NewTestInstrument(sim.WithIdentity("govisa,Second,1,0"))}
	if err := srv.Attach(Address{PAD: 5, SAD: -1}, b.d5); err != nil {
		t.Fatal(err)
	}
	if err := srv.Attach(Address{PAD: 7, SAD: 3}, b.d7); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr = l.Addr().String()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(l); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	return b
}

func dial(t testing.TB, addr string, opts *Options) *Adapter {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	a, err := Dial(ctx, addr, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func instr(t testing.TB, a *Adapter, pad, sad int) *Instr {
	t.Helper()
	in, err := a.Instrument(pad, sad)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var lineOpt = transport.ReadOptions{TermChar: '\n', TermCharEnabled: true}

func query(t testing.TB, in *Instr, msg string, opt transport.ReadOptions) (string, transport.Reason) {
	t.Helper()
	ctx := ctxT(t, 2*time.Second)
	if _, err := in.Write(ctx, []byte(msg), true); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	buf := make([]byte, 512)
	n, why, err := in.Read(ctx, buf, opt)
	if err != nil {
		t.Fatalf("read after %q: %v (%q)", msg, err, buf[:n])
	}
	return string(buf[:n]), why
}

func wantErr(t testing.TB, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v, want %v", err, kind)
	}
}
