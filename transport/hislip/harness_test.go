package hislip

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

type testEnv struct {
	srv  *Server
	addr string
	dev0 *testDev
	dev1 *testDev
}

// startServer serves two test devices on 127.0.0.1:0 (or network/addr).
func startServer(t testing.TB, configure func(*Server)) *testEnv {
	return startServerOn(t, "127.0.0.1:0", configure)
}

func startServerOn(t testing.TB, laddr string, configure func(*Server)) *testEnv {
	t.Helper()
	d0, d1 := newTestDev("dev0"), newTestDev("dev1")
	srv := NewServer(map[string]transport.Device{"hislip0": d0, "hislip1": d1})
	if configure != nil {
		configure(srv)
	}
	l, err := net.Listen("tcp", laddr)
	if err != nil {
		t.Skipf("listen %s: %v", laddr, err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return &testEnv{srv: srv, addr: l.Addr().String(), dev0: d0, dev1: d1}
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func dial(t testing.TB, addr, sub string, opts ...Option) *Client {
	t.Helper()
	c, err := Dial(ctxT(t, 5*time.Second), addr, sub, opts...)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// query writes q with END and reads one response with a generous buffer.
func query(t testing.TB, c *Client, q string) string {
	t.Helper()
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Write(ctx, []byte(q), true); err != nil {
		t.Fatalf("write %q: %v", q, err)
	}
	buf := make([]byte, 4096)
	n, r, err := c.Read(ctx, buf, transport.ReadOptions{})
	if err != nil {
		t.Fatalf("read after %q: %v", q, err)
	}
	if !r.Has(transport.ReasonEND) {
		t.Fatalf("read after %q: reason %v without END", q, r)
	}
	return string(buf[:n])
}

func contextWithCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(ctx)
}
