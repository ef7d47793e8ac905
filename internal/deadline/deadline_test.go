package deadline

import (
	"context"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// countingConn counts the deadline calls that reach the connection.
type countingConn struct {
	net.Conn
	r, w, both atomic.Int32
}

func (c *countingConn) SetDeadline(t time.Time) error {
	c.both.Add(1)
	return c.Conn.SetDeadline(t)
}
func (c *countingConn) SetReadDeadline(t time.Time) error {
	c.r.Add(1)
	return c.Conn.SetReadDeadline(t)
}
func (c *countingConn) SetWriteDeadline(t time.Time) error {
	c.w.Add(1)
	return c.Conn.SetWriteDeadline(t)
}

// pair returns the two ends of a loopback TCP connection.
func pair(t *testing.T) (*countingConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		acc <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-acc
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return &countingConn{Conn: c}, s
}

// deadlineOnly has a deadline but a Done channel that is never closed,
// which the transports' deadline contract allows.
type deadlineOnly struct {
	context.Context
	d time.Time
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.d, true }
func (c deadlineOnly) Done() <-chan struct{}       { return nil }

func readErr(c net.Conn) error {
	var b [1]byte
	_, err := c.Read(b[:])
	return err
}

func TestDeadlineWithoutDoneEndsRead(t *testing.T) {
	c, _ := pair(t)
	var w Watcher
	w.Init(c, Both)
	ctx := deadlineOnly{context.Background(), time.Now().Add(20 * time.Millisecond)}
	if err := w.Arm(ctx, Read); err != nil {
		t.Fatal(err)
	}
	if err := readErr(c); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read: %v, want deadline exceeded", err)
	}
	w.Release()
}

func TestCancelEndsGovernedDirectionsOnly(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cancels   Dir
		interrupt bool
	}{
		{"both", Both, true},
		{"read", Read, true},
		{"write only", Write, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := pair(t)
			var w Watcher
			w.Init(c, tc.cancels)
			ctx, cancel := context.WithCancel(context.Background())
			if err := w.Arm(ctx, Read); err != nil {
				t.Fatal(err)
			}
			res := make(chan error, 1)
			go func() { res <- readErr(c) }()
			cancel()
			if !tc.interrupt {
				// The read must still be waiting: give it data to finish.
				select {
				case err := <-res:
					t.Fatalf("read ended by a cancellation it does not govern: %v", err)
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := s.Write([]byte{1}); err != nil {
					t.Fatal(err)
				}
			}
			err := <-res
			if tc.interrupt != errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("read: %v (interrupt=%v)", err, tc.interrupt)
			}
			w.Release()
		})
	}
}

func TestLateCallbackOfEarlierContextIsIgnored(t *testing.T) {
	c, s := pair(t)
	var w Watcher
	w.Init(c, Both)
	ctx1, cancel1 := context.WithCancel(context.Background())
	if err := w.Arm(ctx1, Read); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	if err := w.Arm(ctx2, Read); err != nil {
		t.Fatal(err)
	}
	cancel1()
	w.onDone() // a callback of ctx1's registration that ran late
	if _, err := s.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := readErr(c); err != nil {
		t.Fatalf("read under ctx2 interrupted by ctx1: %v", err)
	}
	w.Release()
}

func TestUnchangedDeadlineIsNotSetAgain(t *testing.T) {
	c, _ := pair(t)
	var w Watcher
	w.Init(c, Both)
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for range 5 {
		if err := w.Arm(ctx, Read); err != nil {
			t.Fatal(err)
		}
		if err := w.Arm(ctx, Both); err != nil {
			t.Fatal(err)
		}
	}
	if r, wr, b := c.r.Load(), c.w.Load(), c.both.Load(); r != 1 || wr != 1 || b != 0 {
		t.Fatalf("deadline calls: read %d write %d both %d, want 1 1 0", r, wr, b)
	}
	// Clearing both deadlines is one call.
	if err := w.Arm(context.Background(), Both); err != nil {
		t.Fatal(err)
	}
	if b := c.both.Load(); b != 1 {
		t.Fatalf("clearing both deadlines: %d SetDeadline calls, want 1", b)
	}
	w.Forget()
	if err := w.Arm(context.Background(), Both); err != nil {
		t.Fatal(err)
	}
	if b := c.both.Load(); b != 2 {
		t.Fatalf("after Forget: %d SetDeadline calls, want 2", b)
	}
	w.Release()
}

func TestDisarmDropsRegistration(t *testing.T) {
	c, s := pair(t)
	var w Watcher
	w.Init(c, Both)
	ctx, cancel := context.WithCancel(context.Background())
	if err := w.Arm(ctx, Read); err != nil {
		t.Fatal(err)
	}
	w.Disarm()
	before := c.both.Load() + c.r.Load()
	cancel()
	time.Sleep(10 * time.Millisecond) // a callback, if one were left, would have run
	if err := w.Arm(context.Background(), Read); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := readErr(c); err != nil {
		t.Fatalf("read after Disarm: %v", err)
	}
	if b := c.both.Load() + c.r.Load() - before; b != 0 {
		t.Fatalf("%d deadline calls after a disarmed cancellation, want 0", b)
	}
}

// reusable is a context with its own AfterFunc method, as transport/vxi11
// keeps one per client for all its calls.
type reusable struct{ context.Context }

func (r reusable) AfterFunc(f func()) func() bool { return context.AfterFunc(r.Context, f) }

func TestDisarmKeepsReusableContext(t *testing.T) {
	c, _ := pair(t)
	var w Watcher
	w.Init(c, Read)
	base, cancel := context.WithCancel(context.Background())
	ctx := reusable{base}
	for range 3 {
		if err := w.Arm(ctx, Read); err != nil {
			t.Fatal(err)
		}
		w.Disarm()
	}
	cancel() // the kept registration turns this into a past read deadline
	res := make(chan error, 1)
	go func() { res <- readErr(c) }()
	select {
	case err := <-res:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read: %v, want deadline exceeded", err)
		}
	case <-time.After(5 * time.Second):
		c.Close()
		<-res
		t.Fatal("cancellation of a reusable context was lost after Disarm")
	}
	w.Release()
}
