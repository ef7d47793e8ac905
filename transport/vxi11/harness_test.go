package vxi11

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/rpc/portmap"
	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

// harness is an in-process portmapper and VXI-11 server on loopback,
// serving a test instrument as inst0 (and whatever else a test adds).
type harness struct {
	t    *testing.T
	pm   *portmap.Server
	srv  *Server
	inst *sim.TestInstrument
}

func newHarness(t *testing.T, opts ServerOptions, extra map[string]transport.Device) *harness {
	t.Helper()
	pm := portmap.NewServer()
	require.NoError(t, pm.Start("127.0.0.1:0"))
	t.Cleanup(func() { pm.Close() })
	opts.Portmapper = PortmapperRegister
	opts.PortmapperAddr = pm.TCPAddr().String()
	srv := NewServer(opts)
	inst := sim.NewTestInstrument()
	require.NoError(t, srv.AddDevice("inst0", inst))
	for name, dev := range extra {
		require.NoError(t, srv.AddDevice(name, dev))
	}
	require.NoError(t, srv.Start("127.0.0.1:0"))
	t.Cleanup(func() { srv.Close() })
	return &harness{t: t, pm: pm, srv: srv, inst: inst}
}

// options returns client options that find the server through the
// harness's portmapper.
func (h *harness) options() Options {
	return Options{PortmapperPort: h.pm.TCPAddr().(*net.TCPAddr).Port, TimeoutGrace: 500 * time.Millisecond}
}

func (h *harness) corePort() int { return h.srv.CoreAddr().(*net.TCPAddr).Port }

func (h *harness) dial(device string) *Client {
	h.t.Helper()
	return h.dialWith(device, h.options())
}

func (h *harness) dialWith(device string, o Options) *Client {
	h.t.Helper()
	c, err := Dial(ctxT(h.t, 5*time.Second), "127.0.0.1", device, o)
	require.NoError(h.t, err)
	h.t.Cleanup(func() { c.Close() })
	return c
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// query writes cmd with END and reads the whole response.
func query(t testing.TB, c *Client, cmd string) string {
	t.Helper()
	ctx := ctxT(t, 5*time.Second)
	_, err := c.Write(ctx, []byte(cmd+"\n"), true)
	require.NoError(t, err)
	buf := make([]byte, 4096)
	n, r, err := c.Read(ctx, buf, transport.ReadOptions{})
	require.NoError(t, err)
	require.True(t, r.Has(transport.ReasonEND), "reason %v", r)
	return string(buf[:n])
}

// recDevice is a test Device that records writes and serves reads from a
// script; a read with nothing scripted blocks until ctx ends.
type recDevice struct {
	mu     sync.Mutex
	writes []recWrite
	out    [][]byte // each Read returns the next element; end on the last of a message
	ends   []bool
	docmd  func(cmd int32, order bool, size int32, data []byte) ([]byte, error)
}

type recWrite struct {
	n   int
	end bool
}

func (d *recDevice) Write(ctx context.Context, p []byte, end bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writes = append(d.writes, recWrite{len(p), end})
	return nil
}

func (d *recDevice) script(parts []string, ends []bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, p := range parts {
		d.out = append(d.out, []byte(p))
		d.ends = append(d.ends, ends[i])
	}
}

func (d *recDevice) Read(ctx context.Context, p []byte) (int, bool, error) {
	d.mu.Lock()
	if len(d.out) > 0 {
		n := copy(p, d.out[0])
		end := false
		if n == len(d.out[0]) {
			end = d.ends[0]
			d.out, d.ends = d.out[1:], d.ends[1:]
		} else {
			d.out[0] = d.out[0][n:]
		}
		d.mu.Unlock()
		return n, end, nil
	}
	d.mu.Unlock()
	<-ctx.Done()
	return 0, false, transport.NetError("read", ctx.Err())
}

func (d *recDevice) ReadSTB(ctx context.Context) (byte, error) { return 0, transport.ErrNotSupported }
func (d *recDevice) Clear(ctx context.Context) error           { return nil }
func (d *recDevice) Trigger(ctx context.Context) error {
	return transport.Errorf("trigger", transport.ErrIO, nil)
}

func (d *recDevice) Docmd(ctx context.Context, cmd int32, order bool, size int32, data []byte) ([]byte, error) {
	if d.docmd == nil {
		return nil, transport.ErrNotSupported
	}
	return d.docmd(cmd, order, size, data)
}

func (d *recDevice) recorded() []recWrite {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]recWrite(nil), d.writes...)
}

func itoa(n int) string { return strconv.Itoa(n) }

func srvPort(s *Server) int { return s.CoreAddr().(*net.TCPAddr).Port }

func portOf(t testing.TB, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(p)
	require.NoError(t, err)
	return n
}

// freePort returns a loopback port nobody listens on (just closed).
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return p
}
