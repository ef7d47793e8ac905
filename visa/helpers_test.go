package visa_test

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/socket"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/require"
)

// serveSocket serves dev over TCPIP SOCKET on network/addr ("tcp",
// "127.0.0.1:0") and returns the VISA resource name.
func serveSocket(t testing.TB, dev transport.Device, addr string) string {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	srv := socket.NewServer(dev)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	ta := l.Addr().(*net.TCPAddr)
	host := ta.IP.String()
	if ta.IP.To4() == nil {
		host = "[" + host + "]"
	}
	return "TCPIP0::" + host + "::" + strconv.Itoa(ta.Port) + "::SOCKET"
}

// openTest serves a fresh test instrument and opens it.
func openTest(t testing.TB, opts ...visa.OpenOption) (*visa.Resource, *sim.TestInstrument) {
	t.Helper()
	dev := sim.NewTestInstrument()
	name := serveSocket(t, dev, "127.0.0.1:0")
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	t.Cleanup(func() { rm.Close() })
	opts = append([]visa.OpenOption{visa.WithTimeout(2 * time.Second)}, opts...)
	r, err := rm.OpenResource(context.Background(), name, opts...)
	require.NoError(t, err)
	return r, dev
}

// scriptDevice is a test instrument whose responses are given raw: each
// program message pops the next response from the script (nil: no reply).
// It lets tests send what a broken or hostile instrument would.
type scriptDevice struct {
	mu      sync.Mutex
	replies [][]byte
	out     chan []byte
	cur     []byte
}

func newScriptDevice(replies ...[]byte) *scriptDevice {
	return &scriptDevice{replies: replies, out: make(chan []byte, 16)}
}

func (d *scriptDevice) Write(_ context.Context, p []byte, end bool) error {
	if !end {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.replies) == 0 {
		return nil
	}
	r := d.replies[0]
	d.replies = d.replies[1:]
	if r != nil {
		d.out <- r
	}
	return nil
}

func (d *scriptDevice) Read(ctx context.Context, p []byte) (int, bool, error) {
	d.mu.Lock()
	cur := d.cur
	d.mu.Unlock()
	if len(cur) == 0 {
		var t <-chan time.Time
		if dl, ok := ctx.Deadline(); ok {
			tm := time.NewTimer(time.Until(dl))
			defer tm.Stop()
			t = tm.C
		}
		select {
		case cur = <-d.out:
		case <-ctx.Done():
			return 0, false, transport.Errorf("read", transport.ErrTimeout, ctx.Err())
		case <-t:
			return 0, false, transport.Errorf("read", transport.ErrTimeout, nil)
		}
	}
	n := copy(p, cur)
	d.mu.Lock()
	d.cur = cur[n:]
	end := len(d.cur) == 0
	d.mu.Unlock()
	return n, end, nil
}

func (d *scriptDevice) ReadSTB(context.Context) (byte, error) { return 0, nil }
func (d *scriptDevice) Clear(context.Context) error           { return nil }
func (d *scriptDevice) Trigger(context.Context) error         { return nil }
