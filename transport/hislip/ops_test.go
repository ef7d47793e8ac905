package hislip

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

func TestReadSTBAndMAV(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	stb, err := c.ReadSTB(ctx)
	if err != nil || stb&0x10 != 0 {
		t.Fatalf("idle stb %#x %v", stb, err)
	}
	if _, err := c.Write(ctx, []byte("ECHO? hello\n"), true); err != nil {
		t.Fatal(err)
	}
	// Wait until the response is on its way: MAV is set from the first
	// Data/DataEnd sent until the client reports RMT-delivered.
	var mav bool
	for i := 0; i < 200 && !mav; i++ {
		stb, err = c.ReadSTB(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mav = stb&0x10 != 0
		if !mav {
			time.Sleep(time.Millisecond)
		}
	}
	if !mav {
		t.Fatal("MAV never set while a response was pending")
	}
	buf := make([]byte, 64)
	if n, _, err := c.Read(ctx, buf, transport.ReadOptions{}); err != nil || string(buf[:n]) != "hello\n" {
		t.Fatalf("read %q %v", buf[:n], err)
	}
	if stb, err = c.ReadSTB(ctx); err != nil || stb&0x10 != 0 {
		t.Fatalf("MAV after delivery: %#x %v", stb, err)
	}
}

func TestTrigger(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	for i := 0; i < 3; i++ {
		if err := c.Trigger(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// A query after the triggers is served in order, so the triggers are done.
	query(t, c, "*IDN?\n")
	if n := env.dev0.triggerCount(); n != 3 {
		t.Fatalf("triggers: %d", n)
	}
}

func TestRemoteLocalAllModes(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	type st struct{ remote, enable, llo bool }
	// Start from a known state (Remote true after any I/O).
	query(t, c, "*IDN?\n")
	steps := []struct {
		mode transport.RemoteLocal
		want st
	}{
		{transport.RENAssertAddrLLO, st{true, true, true}},
		{transport.RENAddressGTL, st{false, true, true}},
		{transport.RENDeassert, st{false, false, false}},
		{transport.RENAssert, st{false, true, false}},
		{transport.RENAssertAddress, st{true, true, false}},
		{transport.RENDeassertGTL, st{false, false, false}},
		{transport.RENAssertLLO, st{false, true, true}},
	}
	for _, s := range steps {
		if err := c.RemoteLocal(ctx, s.mode); err != nil {
			t.Fatalf("mode %d: %v", s.mode, err)
		}
		r, e, l, ok := env.srv.RemoteState("hislip0")
		if !ok || (st{r, e, l}) != s.want {
			t.Fatalf("mode %d: got %v want %v", s.mode, st{r, e, l}, s.want)
		}
	}
	env.dev0.mu.Lock()
	n := len(env.dev0.rl)
	env.dev0.mu.Unlock()
	if n != len(steps) {
		t.Fatalf("device saw %d modes", n)
	}
	if err := c.RemoteLocal(ctx, 7); !errors.Is(err, transport.ErrInvalidArg) {
		t.Fatalf("bad mode: %v", err)
	}
	// An unknown code sent on the wire is answered with Error 2.
	if _, err := c.asyncCall(ctx, "rl", AppendMessage(nil, MsgAsyncRemoteLocalControl, 9, 0, nil), MsgAsyncRemoteLocalResponse); !errors.Is(err, transport.ErrNotSupported) {
		t.Fatalf("wire code 9: %v", err)
	}
	// Any message sets Remote again while RemoteEnable.
	query(t, c, "*IDN?\n")
	if r, _, _, _ := env.srv.RemoteState("hislip0"); !r {
		t.Fatal("remote not set by I/O")
	}
}

func TestSRQEndToEnd(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	other := dial(t, env.addr, "hislip1")
	var got, gotOther atomic.Int32
	ch := make(chan struct{}, 4)
	c.OnSRQ(func() { got.Add(1); ch <- struct{}{} })
	other.OnSRQ(func() { gotOther.Add(1) })
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Write(ctx, []byte("SRQ"), true); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-ctx.Done():
		t.Fatal("no AsyncServiceRequest")
	}
	stb, err := c.ReadSTB(ctx)
	if err != nil || stb&0x40 == 0 {
		t.Fatalf("stb %#x %v", stb, err)
	}
	if stb, _ = c.ReadSTB(ctx); stb&0x40 != 0 {
		t.Fatalf("RQS not cleared by the status query: %#x", stb)
	}
	query(t, other, "*IDN?\n")
	if gotOther.Load() != 0 {
		t.Fatal("SRQ of device 0 reached a session of device 1")
	}
	c.OnSRQ(nil)
}

func TestDeviceClear(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Write(ctx, []byte("ECHO? pending\n"), true); err != nil {
		t.Fatal(err)
	}
	if err := c.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if c.lastSentID != firstMessageID-2 || c.nextID != firstMessageID {
		t.Fatalf("ids not reset: %#x %#x", c.lastSentID, c.nextID)
	}
	if got := query(t, c, "ECHO? after\n"); got != "after\n" {
		t.Fatalf("got %q", got)
	}
}

func TestDeviceClearDuringLargeTransfer(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 10*time.Second)
	if _, err := c.Write(ctx, []byte("BLOCK? 100000000\n"), true); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100000)
	n, r, err := c.Read(ctx, buf, transport.ReadOptions{})
	if err != nil || r != transport.ReasonCount || n != len(buf) {
		t.Fatalf("first chunk: %d %v %v", n, r, err)
	}
	if err := c.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if got := query(t, c, "ECHO? clean\n"); got != "clean\n" {
		t.Fatalf("got %q", got)
	}
}

func TestOverlappedPipelined(t *testing.T) {
	for _, serverOverlapped := range []bool{false, true} {
		env := startServer(t, func(s *Server) { s.Overlapped = serverOverlapped })
		c := dial(t, env.addr, "hislip0", WithOverlapped(true))
		if !c.Overlapped() {
			t.Fatal("not overlapped")
		}
		ctx := ctxT(t, 5*time.Second)
		words := []string{"one", "two", "three", "four"}
		for _, w := range words {
			if _, err := c.Write(ctx, []byte("ECHO? "+w+"\n"), true); err != nil {
				t.Fatal(err)
			}
		}
		buf := make([]byte, 64)
		for _, w := range words {
			n, r, err := c.Read(ctx, buf, transport.ReadOptions{})
			if err != nil || r != transport.ReasonEND || string(buf[:n]) != w+"\n" {
				t.Fatalf("pipelined: %q %v %v, want %q", buf[:n], r, err, w)
			}
		}
		stb, err := c.ReadSTB(ctx)
		if err != nil || stb&0x10 != 0 {
			t.Fatalf("overlapped MAV after delivery: %#x %v", stb, err)
		}
		// Switch back to synchronized.
		if err := c.SetOverlapped(ctx, false); err != nil || c.Overlapped() {
			t.Fatalf("switch: %v", err)
		}
		if got := query(t, c, "ECHO? sync\n"); got != "sync\n" {
			t.Fatalf("%q", got)
		}
	}
}

func TestOverlappedTimeoutResyncs(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0", WithOverlapped(true))
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Write(ctx, []byte("DELAY 400"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(ctx, []byte("ECHO? late\n"), true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Read(ctxT(t, 5*time.Millisecond), make([]byte, 10), transport.ReadOptions{}); !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("want timeout: %v", err)
	}
	if got := query(t, c, "ECHO? mine\n"); got != "mine\n" {
		t.Fatalf("got %q", got)
	}
}

func TestSyncInterrupted(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	// Two queries without reading: the first response is void (IEEE 488.2
	// query interrupted); the client sees only the second.
	if _, err := c.Write(ctx, []byte("DELAY 300"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(ctx, []byte("ECHO? first\n"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(ctx, []byte("ECHO? second\n"), true); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, r, err := c.Read(ctx, buf, transport.ReadOptions{})
	if err != nil || r != transport.ReasonEND || string(buf[:n]) != "second\n" {
		t.Fatalf("%q %v %v", buf[:n], r, err)
	}
	if c.syncInt != 1 {
		t.Fatalf("Interrupted seen %d times", c.syncInt)
	}
	if got := query(t, c, "ECHO? third\n"); got != "third\n" {
		t.Fatalf("%q", got)
	}
}
