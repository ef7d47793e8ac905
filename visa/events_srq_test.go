package visa_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/require"
)

// waitingNotifier delivers service requests from a goroutine of its own
// and, like linux-gpib's and Prologix's SRQ watchers, waits in OnSRQ(nil)
// for that goroutine to finish the callback it is running.
type waitingNotifier struct {
	calls atomic.Int64
	mu    sync.Mutex
	stop  chan struct{}
	done  chan struct{}
}

func (w *waitingNotifier) Write(context.Context, []byte, bool) (int, error) {
	return 0, transport.ErrNotSupported
}

func (w *waitingNotifier) Read(context.Context, []byte, transport.ReadOptions) (int, transport.Reason, error) {
	return 0, 0, transport.ErrNotSupported
}

func (w *waitingNotifier) Close() error { w.OnSRQ(nil); return nil }

func (w *waitingNotifier) OnSRQ(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stop != nil {
		close(w.stop)
		<-w.done
		w.stop, w.done = nil, nil
	}
	if f == nil {
		return
	}
	w.stop, w.done = make(chan struct{}), make(chan struct{})
	go func(stop, done chan struct{}) {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				f() // a service request, as fast as the session takes them
				w.calls.Add(1)
			}
		}
	}(w.stop, w.done)
}

type notifierDialer struct{ c *waitingNotifier }

func (d notifierDialer) Dial(context.Context, visa.ResourceName, *visa.AttrStore) (transport.Conn, error) {
	return d.c, nil
}
func (notifierDialer) List(context.Context) ([]string, error) { return nil, nil }
func (notifierDialer) Info() visa.BackendInfo                 { return visa.BackendInfo{Name: "notifier"} }

// Disabling service-request events while the transport is delivering one
// must not deadlock: the session calls OnSRQ(nil) without holding the lock
// the delivery needs.
func TestDisableSRQWhileDelivering(t *testing.T) {
	n := &waitingNotifier{}
	rm, err := visa.NewResourceManagerFor(visa.NewConnLibrary(notifierDialer{n}, nil))
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(context.Background(), "GPIB0::5::INSTR")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		for range 200 {
			if err := r.EnableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE); err != nil {
				done <- err
				return
			}
			// Disable while deliveries are under way.
			for c := n.calls.Load(); n.calls.Load() < c+2; {
				runtime.Gosched()
			}
			if err := r.DisableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE); err != nil {
				done <- err
				return
			}
		}
		done <- r.Close()
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("enable/disable of service-request events deadlocked against a delivery")
	}
}
