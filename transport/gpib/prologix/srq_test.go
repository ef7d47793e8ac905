package prologix

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

func countCmd(srv *Server, cmd string) int {
	n := 0
	for _, c := range srv.Commands() {
		if c == cmd {
			n++
		}
	}
	return n
}

// notifier counts calls and signals each one without blocking.
type notifier struct {
	n  atomic.Int32
	ch chan struct{}
}

func newNotifier() *notifier { return &notifier{ch: make(chan struct{}, 16)} }

func (n *notifier) f() {
	n.n.Add(1)
	select {
	case n.ch <- struct{}{}:
	default:
	}
}

func (n *notifier) wait(t *testing.T) {
	t.Helper()
	select {
	case <-n.ch:
	case <-time.After(2 * time.Second):
		t.Fatal("no SRQ notification")
	}
}

// requestService makes the test instrument behind in request service for
// MAV (a pending *IDN? answer), as the conformance suite does.
func requestService(t *testing.T, in *Instr) {
	t.Helper()
	ctx := ctxT(t, 2*time.Second)
	for _, m := range []string{"*CLS;*SRE 16", "*IDN?"} {
		if _, err := in.Write(ctx, []byte(m), true); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSRQEvents(t *testing.T) {
	b := startServer(t)
	a := dial(t, b.addr, &Options{SRQPollInterval: 2 * time.Millisecond})
	i5, i7 := instr(t, a, 5, -1), instr(t, a, 7, 3)
	n5, n7 := newNotifier(), newNotifier()
	i5.OnSRQ(n5.f)
	i7.OnSRQ(n7.f)
	// Polling runs: ++srq goes out although nobody asked for it.
	eventually(t, func() bool { return countCmd(b.srv, "srq") > 0 })

	// Only 7,3 requests service; only its function is called.
	requestService(t, i7)
	n7.wait(t)
	ctx := ctxT(t, 2*time.Second)
	// The poller's serial poll cleared RQS in the device; the next
	// ReadSTB still reports it, with MAV as it is now, and only once.
	stb, err := i7.ReadSTB(ctx)
	if err != nil || stb&0x50 != 0x50 {
		t.Fatalf("stb after the event %#x %v, want RQS and MAV", stb, err)
	}
	stb, err = i7.ReadSTB(ctx)
	if err != nil || stb != 0x10 {
		t.Fatalf("second stb %#x %v, want MAV only", stb, err)
	}
	buf := make([]byte, 128)
	n, _, err := i7.Read(ctx, buf, lineOpt)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "govisa,Second") {
		t.Fatalf("response %q %v", buf[:n], err)
	}
	if !strings.Contains(strings.Join(b.srv.Commands(), "|"), "spoll 7 99") {
		t.Fatal("7,3 not serial-polled with its secondary address")
	}

	// A second request is notified again.
	requestService(t, i7)
	n7.wait(t)
	if stb, err := i7.ReadSTB(ctx); err != nil || stb&0x40 == 0 {
		t.Fatalf("stb %#x %v", stb, err)
	}
	if _, err := i7.Write(ctx, []byte("*SRE 0;*CLS"), true); err != nil {
		t.Fatal(err)
	}

	// Close waits for the poller: afterwards no function runs.
	a.Close()
	if got := n5.n.Load(); got != 0 {
		t.Fatalf("pad 5 notified %d times without requesting service", got)
	}
	if got := n7.n.Load(); got != 2 {
		t.Fatalf("7,3 notified %d times, want 2", got)
	}
	// Registering on a closed adapter starts nothing.
	i5.OnSRQ(n5.f)
	_, err = i5.ReadSTB(ctx)
	wantErr(t, err, transport.ErrClosed)
}

func TestSRQStop(t *testing.T) {
	b := startServer(t)
	a := dial(t, b.addr, &Options{SRQPollInterval: time.Millisecond})
	i5, i7 := instr(t, a, 5, -1), instr(t, a, 7, 3)
	n5 := newNotifier()
	i5.OnSRQ(n5.f)
	i7.OnSRQ(func() {})
	eventually(t, func() bool { return countCmd(b.srv, "srq") > 2 })
	// One instrument stops: polling goes on for the other.
	i7.OnSRQ(nil)
	before := countCmd(b.srv, "srq")
	eventually(t, func() bool { return countCmd(b.srv, "srq") > before+2 })
	// Closing the last one stops polling; once a command that needs the
	// adapter lock has been answered, no ++srq follows.
	i5.Close()
	ctx := ctxT(t, time.Second)
	if _, err := a.Version(ctx); err != nil {
		t.Fatal(err)
	}
	stopped := countCmd(b.srv, "srq")
	time.Sleep(20 * time.Millisecond) // 20 poll intervals
	if _, err := a.Version(ctx); err != nil {
		t.Fatal(err)
	}
	if got := countCmd(b.srv, "srq"); got != stopped {
		t.Fatalf("%d more ++srq after the last OnSRQ(nil)", got-stopped)
	}
	// Polling restarts with a new function and stops with OnSRQ(nil).
	i7.OnSRQ(func() {})
	eventually(t, func() bool { return countCmd(b.srv, "srq") > stopped })
	i7.OnSRQ(nil)
	if n5.n.Load() != 0 {
		t.Fatal("notified without a request")
	}
}

// TestSRQPartialRead: a poll must not cut into a response that is only
// partly read (a ++ command would end the adapter's ++read and throw the
// rest away).
func TestSRQPartialRead(t *testing.T) {
	b := startServer(t)
	a := dial(t, b.addr, &Options{SRQPollInterval: time.Millisecond, UseEOT: true, EOTChar: 4})
	i5 := instr(t, a, 5, -1)
	i5.OnSRQ(func() {})
	eventually(t, func() bool { return countCmd(b.srv, "srq") > 0 })
	ctx := ctxT(t, 2*time.Second)
	if _, err := i5.Write(ctx, []byte("TEST:ECHO? abcdef"), true); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if n, why, err := i5.Read(ctx, buf, transport.ReadOptions{}); err != nil || string(buf[:n]) != "ab" || why != transport.ReasonCount {
		t.Fatalf("%q %b %v", buf[:n], why, err)
	}
	polls := countCmd(b.srv, "srq")
	time.Sleep(10 * time.Millisecond) // many poll intervals
	rest := make([]byte, 16)
	n, why, err := i5.Read(ctx, rest, transport.ReadOptions{})
	if err != nil || string(rest[:n]) != "cdef\n" || why != transport.ReasonEND {
		t.Fatalf("rest %q %b %v", rest[:n], why, err)
	}
	if got := countCmd(b.srv, "srq"); got != polls {
		t.Fatalf("%d ++srq while a response was partly read", got-polls)
	}
	// Polling resumes once the response is complete.
	eventually(t, func() bool { return countCmd(b.srv, "srq") > polls })
}

// TestEmulatorSRQWithdrawn: a request the device withdraws before any poll
// (the response that raised MAV was read) leaves the SRQ line false.
func TestEmulatorSRQWithdrawn(t *testing.T) {
	b := startServer(t)
	a := dial(t, b.addr, nil)
	i5 := instr(t, a, 5, -1)
	requestService(t, i5)
	ctx := ctxT(t, 2*time.Second)
	buf := make([]byte, 128)
	if _, _, err := i5.Read(ctx, buf, lineOpt); err != nil {
		t.Fatal(err)
	}
	if on, err := a.SRQ(ctx); err != nil || on {
		t.Fatalf("srq after the request was withdrawn: %v %v", on, err)
	}
	// A request still standing is held for the serial poll that follows.
	if _, err := i5.Write(ctx, []byte("*IDN?"), true); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { on, _ := a.SRQ(ctx); return on })
	if on, err := a.SRQ(ctx); err != nil || !on {
		t.Fatalf("srq asked twice: %v %v", on, err)
	}
	if stb, err := a.SerialPoll(ctx, Address{PAD: 5, SAD: -1}); err != nil || stb != 0x50 {
		t.Fatalf("spoll %#x %v", stb, err)
	}
	if on, err := a.SRQ(ctx); err != nil || on {
		t.Fatalf("srq after the poll: %v %v", on, err)
	}
}
