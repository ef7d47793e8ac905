package hislip

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

// TestResponsePaths mixes responses the server sends from its sync
// goroutine (a query answered at once), from the pump (a response to a
// command without '?', a delayed one, the rest of a block larger than one
// inline chunk) and checks that every response arrives whole and in order.
func TestResponsePaths(t *testing.T) {
	for _, ov := range []bool{false, true} {
		t.Run(fmt.Sprintf("overlapped=%v", ov), func(t *testing.T) {
			env := startServer(t, nil)
			c := dial(t, env.addr, "hislip0", WithOverlapped(ov))
			for i := range 20 {
				if got, want := query(t, c, fmt.Sprintf("ECHO? q%d", i)), fmt.Sprintf("q%d\n", i); got != want {
					t.Fatalf("query %d: %q, want %q", i, got, want)
				}
				if got, want := query(t, c, fmt.Sprintf("TALK t%d", i)), fmt.Sprintf("t%d\n", i); got != want {
					t.Fatalf("talk %d: %q, want %q", i, got, want)
				}
				if i%5 == 0 {
					ctx := ctxT(t, 5*time.Second)
					if _, err := c.Write(ctx, []byte("DELAY 5"), true); err != nil {
						t.Fatal(err)
					}
					if got := query(t, c, "ECHO? late"); got != "late\n" {
						t.Fatalf("delayed: %q", got)
					}
				}
				if i%7 == 0 {
					readBlock(t, c, 100_000+i)
				}
			}
		})
	}
}

// readBlock queries BLOCK? n and checks the pattern and END.
func readBlock(t *testing.T, c *Client, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Write(ctx, []byte(fmt.Sprintf("BLOCK? %d", n)), true); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7000)
	got := 0
	for {
		k, r, err := c.Read(ctx, buf, transport.ReadOptions{})
		if err != nil {
			t.Fatalf("block read after %d bytes: %v", got, err)
		}
		for j := range k {
			if buf[j] != byte(got+j) {
				t.Fatalf("byte %d = %d", got+j, buf[j])
			}
		}
		got += k
		if r.Has(transport.ReasonEND) {
			break
		}
	}
	if got != n {
		t.Fatalf("block of %d bytes, want %d", got, n)
	}
}

// handOffDev answers "Q?" with "A\n" and holds the response until its
// status byte has been read, 20 ms later; a loaded machine can stretch both
// moments. inDevice keeps it queued in the device (device MAV set, nothing
// for the server to read yet); otherwise the first Read takes it out of the
// device and then holds it, ignoring cancellation (device MAV clear, the
// server not yet told).
type handOffDev struct {
	inDevice bool

	mu      sync.Mutex
	out     []byte
	wake    chan struct{}
	held    chan struct{} // closed when the response left the device
	release chan struct{} // closed 20 ms after the status byte was read
	once    sync.Once
}

func (d *handOffDev) Write(_ context.Context, p []byte, end bool) error {
	if end && string(p) == "Q?" {
		d.mu.Lock()
		d.out = []byte("A\n")
		close(d.wake)
		d.wake = make(chan struct{})
		d.mu.Unlock()
		if d.inDevice {
			close(d.held)
		}
	}
	return nil
}

func (d *handOffDev) Read(ctx context.Context, p []byte) (int, bool, error) {
	if d.inDevice {
		select {
		case <-d.release:
		case <-ctx.Done():
			return 0, false, transport.NetError("read", ctx.Err())
		}
	}
	for {
		d.mu.Lock()
		if d.out != nil {
			n := copy(p, d.out)
			d.out = nil
			d.mu.Unlock()
			if !d.inDevice {
				close(d.held)
				<-d.release
			}
			return n, true, nil
		}
		w := d.wake
		d.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return 0, false, transport.NetError("read", ctx.Err())
		}
	}
}

func (d *handOffDev) ReadSTB(context.Context) (byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.once.Do(func() { time.AfterFunc(20*time.Millisecond, func() { close(d.release) }) })
	if d.out != nil {
		return 0x10, nil
	}
	return 0, nil
}

func (d *handOffDev) Clear(context.Context) error   { return nil }
func (d *handOffDev) Trigger(context.Context) error { return nil }

// TestStatusDuringHandOff: a status query that arrives while a response is
// on its way from the device to the client (still queued in the device, or
// read by the server and not yet sent) reports MAV.
func TestStatusDuringHandOff(t *testing.T) {
	for _, tc := range []struct{ ov, inDevice bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		ov := tc.ov
		t.Run(fmt.Sprintf("overlapped=%v/inDevice=%v", ov, tc.inDevice), func(t *testing.T) {
			dev := &handOffDev{inDevice: tc.inDevice, wake: make(chan struct{}), held: make(chan struct{}), release: make(chan struct{})}
			srv := NewServer(map[string]transport.Device{"hislip0": dev})
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- srv.Serve(l) }()
			t.Cleanup(func() {
				srv.Close()
				<-done
			})
			c := dial(t, l.Addr().String(), "hislip0", WithOverlapped(ov))
			ctx := ctxT(t, 5*time.Second)
			if _, err := c.Write(ctx, []byte("Q?"), true); err != nil {
				t.Fatal(err)
			}
			select {
			case <-dev.held:
			case <-ctx.Done():
				t.Fatal("the server never read the response")
			}
			stb, err := c.ReadSTB(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if stb&0x10 == 0 {
				t.Errorf("status byte 0x%02X while the response is between device and client, want MAV", stb)
			}
			buf := make([]byte, 16)
			n, _, err := c.Read(ctx, buf, transport.ReadOptions{})
			if err != nil || string(buf[:n]) != "A\n" {
				t.Fatalf("read %q, %v", buf[:n], err)
			}
		})
	}
}
