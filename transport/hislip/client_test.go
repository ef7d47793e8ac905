package hislip

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

func TestQueryBothSubAddresses(t *testing.T) {
	env := startServer(t, nil)
	c0 := dial(t, env.addr, "hislip0")
	c1 := dial(t, env.addr, "HISLIP1")
	if got := query(t, c0, "*IDN?\n"); got != "GOVISA,HISLIPTEST,dev0,1\n" {
		t.Fatalf("hislip0: %q", got)
	}
	if got := query(t, c1, "*IDN?\n"); got != "GOVISA,HISLIPTEST,dev1,1\n" {
		t.Fatalf("hislip1: %q", got)
	}
	if c0.Version() != Version20 || c0.ServerVendorID() != "GO" || c0.Overlapped() {
		t.Fatalf("negotiation: %#x %q %v", c0.Version(), c0.ServerVendorID(), c0.Overlapped())
	}
	if c0.SessionID() == c1.SessionID() {
		t.Fatal("same session id")
	}
}

func TestDialErrors(t *testing.T) {
	env := startServer(t, nil)
	_, err := Dial(ctxT(t, 2*time.Second), env.addr, "hislip9")
	if !errors.Is(err, transport.ErrNotFound) {
		t.Fatalf("unknown sub-address: %v", err)
	}
	if _, err := Dial(ctxT(t, 2*time.Second), "", "hislip0"); !errors.Is(err, transport.ErrInvalidArg) {
		t.Fatalf("empty addr: %v", err)
	}
	// Nothing listens there any more.
	l := env.addr
	env.srv.Close()
	if _, err := Dial(ctxT(t, 2*time.Second), l, "hislip0"); !errors.Is(err, transport.ErrConnLost) && !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("closed server: %v", err)
	}
}

func TestIPv6(t *testing.T) {
	env := startServerOn(t, "[::1]:0", nil)
	c := dial(t, env.addr, "hislip0")
	if got := query(t, c, "ECHO? v6\n"); got != "v6\n" {
		t.Fatalf("%q", got)
	}
}

func TestNormalizeAddr(t *testing.T) {
	for in, want := range map[string]string{
		"host":          "host:4880",
		"host:5000":     "host:5000",
		"[::1]":         "[::1]:4880",
		"::1":           "[::1]:4880",
		"[fe80::1]:123": "[fe80::1]:123",
	} {
		got, err := normalizeAddr(in)
		if err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	if _, err := normalizeAddr("h:99999"); !errors.Is(err, transport.ErrInvalidArg) {
		t.Errorf("bad port: %v", err)
	}
}

func TestReadTermCharCountAndBuffering(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Write(ctx, []byte("ECHO? ab,cd,efgh\n"), true); err != nil {
		t.Fatal(err)
	}
	opt := transport.ReadOptions{TermChar: ',', TermCharEnabled: true}
	buf := make([]byte, 64)
	n, r, err := c.Read(ctx, buf, opt)
	if err != nil || string(buf[:n]) != "ab," || r != transport.ReasonTermChar {
		t.Fatalf("termchar read: %q %v %v", buf[:n], r, err)
	}
	n, r, err = c.Read(ctx, buf[:2], transport.ReadOptions{})
	if err != nil || string(buf[:n]) != "cd" || r != transport.ReasonCount {
		t.Fatalf("count read: %q %v %v", buf[:n], r, err)
	}
	n, r, err = c.Read(ctx, buf, transport.ReadOptions{})
	if err != nil || string(buf[:n]) != ",efgh\n" || r != transport.ReasonEND {
		t.Fatalf("end read: %q %v %v", buf[:n], r, err)
	}
	// A termchar that is also the last byte reports both.
	if _, err := c.Write(ctx, []byte("ECHO? x\n"), true); err != nil {
		t.Fatal(err)
	}
	n, r, err = c.Read(ctx, buf, transport.ReadOptions{TermChar: '\n', TermCharEnabled: true})
	if err != nil || string(buf[:n]) != "x\n" || r != transport.ReasonEND|transport.ReasonTermChar {
		t.Fatalf("term+end: %q %v %v", buf[:n], r, err)
	}
}

func TestLargeBlockAndSmallMaxMessage(t *testing.T) {
	env := startServer(t, func(s *Server) { s.MaxMessageSize = 4096 })
	c := dial(t, env.addr, "hislip0", WithMaxMessageKB(1))
	if c.ServerMaxMessageSize() != 4096 {
		t.Fatalf("server max %d", c.ServerMaxMessageSize())
	}
	ctx := ctxT(t, 10*time.Second)
	// A long write is split into messages that fit.
	long := bytes.Repeat([]byte("x"), 10000)
	long = append([]byte("ECHO? "), long...)
	long = append(long, '\n')
	if n, err := c.Write(ctx, long, true); err != nil || n != len(long) {
		t.Fatalf("write: %d %v", n, err)
	}
	got := make([]byte, 20000)
	n, r, err := c.Read(ctx, got, transport.ReadOptions{})
	if err != nil || r != transport.ReasonEND || n != 10001 {
		t.Fatalf("echo read: %d %v %v", n, r, err)
	}
	env.dev0.mu.Lock()
	writes := env.dev0.writes
	env.dev0.mu.Unlock()
	if writes < 3 {
		t.Fatalf("write not split: %d device writes", writes)
	}
	// A block larger than the client's 1 KiB maximum arrives in pieces.
	const size = 300000
	if _, err := c.Write(ctx, []byte("BLOCK? 300000\n"), true); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 0, size)
	chunk := make([]byte, 7000)
	for {
		n, r, err := c.Read(ctx, chunk, transport.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, chunk[:n]...)
		if r.Has(transport.ReasonEND) {
			break
		}
		if r != transport.ReasonCount {
			t.Fatalf("reason %v", r)
		}
	}
	if len(data) != size {
		t.Fatalf("got %d bytes", len(data))
	}
	for i, b := range data {
		if b != byte(i) {
			t.Fatalf("byte %d = %d", i, b)
		}
	}
}

func TestTimedOutReadLeavesNoStaleResponse(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Write(ctx, []byte("DELAY 300"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(ctx, []byte("ECHO? stale\n"), true); err != nil {
		t.Fatal(err)
	}
	short := ctxT(t, 10*time.Millisecond)
	buf := make([]byte, 100)
	if _, _, err := c.Read(short, buf, transport.ReadOptions{}); !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("want timeout, got %v", err)
	}
	// The next query gets its own answer, never "stale".
	if got := query(t, c, "ECHO? fresh\n"); got != "fresh\n" {
		t.Fatalf("got %q", got)
	}
	time.Sleep(350 * time.Millisecond) // let the delayed answer come due
	if got := query(t, c, "ECHO? again\n"); got != "again\n" {
		t.Fatalf("got %q", got)
	}
}

func TestCancelBlockedRead(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Write(ctx, []byte("NOREPLY?"), true); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := contextWithCancel(ctx)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, _, err := c.Read(cctx, make([]byte, 10), transport.ReadOptions{})
	if !errors.Is(err, transport.ErrAborted) {
		t.Fatalf("want aborted, got %v", err)
	}
	if got := query(t, c, "*IDN?\n"); got != "GOVISA,HISLIPTEST,dev0,1\n" {
		t.Fatalf("after cancel: %q", got)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctxT(t, 5*time.Second), make([]byte, 10), transport.ReadOptions{})
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	c.Close()
	if err := <-errc; !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("want closed, got %v", err)
	}
	if _, err := c.Write(ctxT(t, time.Second), []byte("x"), true); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}
