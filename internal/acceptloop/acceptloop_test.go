package acceptloop

import (
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// scripted is a listener whose Accept answers from a script, then blocks
// until Close.
type scripted struct {
	net.Listener
	errs   []error
	calls  atomic.Int32
	closed chan struct{}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "accept: too many open files (temporary)" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func (s *scripted) Accept() (net.Conn, error) {
	i := int(s.calls.Add(1)) - 1
	if i < len(s.errs) {
		if s.errs[i] == nil {
			a, b := net.Pipe()
			b.Close()
			return a, nil
		}
		return nil, s.errs[i]
	}
	<-s.closed
	return nil, net.ErrClosed
}

func TestServe(t *testing.T) {
	fatal := errors.New("accept: listener broken")
	for _, tc := range []struct {
		name     string
		errs     []error
		closing  bool
		stopAt   int // handle returns false at this connection (1-based); 0 never
		want     error
		handled  int
		accepted int32
	}{
		{"temporary errors are retried", []error{timeoutErr{}, timeoutErr{}, nil, fatal}, false, 0, fatal, 1, 4},
		{"a fatal error ends the loop", []error{fatal}, false, 0, fatal, 0, 1},
		{"an error while closing is the normal end", []error{fatal}, true, 0, nil, 0, 1},
		{"handle refuses: the server is closing", []error{nil, nil, fatal}, false, 2, nil, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &scripted{errs: tc.errs, closed: make(chan struct{})}
			defer close(l.closed)
			handled := 0
			err := Serve(l, func() bool { return tc.closing }, func(c net.Conn) bool {
				c.Close()
				handled++
				return handled != tc.stopAt
			})
			if err != tc.want {
				t.Fatalf("Serve = %v, want %v", err, tc.want)
			}
			if handled != tc.handled || l.calls.Load() != tc.accepted {
				t.Fatalf("handled %d, accepted %d; want %d, %d", handled, l.calls.Load(), tc.handled, tc.accepted)
			}
		})
	}
}

// A real listener: Close from another goroutine ends the loop with nil.
func TestServeEndsOnClose(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var closing atomic.Bool
	done := make(chan error, 1)
	got := make(chan struct{}, 1)
	go func() {
		done <- Serve(l, closing.Load, func(c net.Conn) bool { c.Close(); got <- struct{}{}; return true })
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	<-got
	closing.Store(true)
	l.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after Close = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
}
