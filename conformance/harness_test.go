package conformance_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/govisa/govisa/transport/socket"
	"github.com/govisa/govisa/transport/vxi11"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/require"
)

// proxy forwards TCP connections to a server and can drop them all, which
// is how the tests simulate a lost connection (a cable pulled, a server
// restarted) without stopping the server.
type proxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{l: l, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = l.Close()
		_ = p.DropAll()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) port() int { return p.l.Addr().(*net.TCPAddr).Port }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

func (p *proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// DropAll closes every forwarded connection; new ones are still accepted.
func (p *proxy) DropAll() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	return nil
}

// served is one in-process server hosting a device.
type served struct {
	name  string
	proxy *proxy
}

func serveSocket(t testing.TB, dev transport.Device) served {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := socket.NewServer(dev)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	p := newProxy(t, l.Addr().String())
	return served{name: "TCPIP0::127.0.0.1::" + strconv.Itoa(p.port()) + "::SOCKET", proxy: p}
}

func serveVXI11(t testing.TB, dev transport.Device) served {
	t.Helper()
	srv := vxi11.NewServer(vxi11.ServerOptions{Portmapper: vxi11.PortmapperNone})
	require.NoError(t, srv.AddDevice("inst0", dev))
	require.NoError(t, srv.Start("127.0.0.1:0"))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	p := newProxy(t, srv.CoreAddr().String())
	// pyvisa-py's "host,port" form: the core port, no portmapper.
	return served{name: "TCPIP0::127.0.0.1," + strconv.Itoa(p.port()) + "::inst0::INSTR", proxy: p}
}

func serveHiSLIP(t testing.TB, dev transport.Device) served {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := hislip.NewServer(map[string]transport.Device{"hislip0": dev})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	p := newProxy(t, l.Addr().String())
	return served{name: "TCPIP0::127.0.0.1::hislip0," + strconv.Itoa(p.port()) + "::INSTR", proxy: p}
}

// testDialer reaches the in-process servers with the transports' own
// clients, so the suite runs over VXI-11 and HiSLIP (in either HiSLIP
// mode) whatever the native backend supports yet.
type testDialer struct {
	overlapped bool
	tls        *tls.Config // HiSLIP 2.0 with TLS when set
}

func (d testDialer) Dial(ctx context.Context, rn visa.ResourceName, attrs *visa.AttrStore) (transport.Conn, error) {
	switch {
	case rn.Class == visa.ClassSOCKET:
		return socket.Dial(ctx, net.JoinHostPort(rn.Host, strconv.Itoa(rn.Port)), socket.DefaultOptions())
	case rn.HiSLIP:
		opts := []hislip.Option{hislip.WithOverlapped(d.overlapped)}
		if d.tls != nil {
			opts = append(opts, hislip.WithTLS(d.tls))
		}
		return hislip.Dial(ctx, net.JoinHostPort(rn.Host, strconv.Itoa(rn.Port)), rn.LANDevice, opts...)
	default:
		return vxi11.Dial(ctx, rn.Host, rn.LANDevice, vxi11.Options{CorePort: rn.Port})
	}
}

func (testDialer) List(context.Context) ([]string, error) { return nil, nil }

func (testDialer) Info() visa.BackendInfo { return visa.BackendInfo{Name: "conformance-test"} }

// newRMFunc returns a function opening independent resource managers over
// a fresh library each time (as separate processes would have).
func newRMFunc(d visa.Dialer) func() (*visa.ResourceManager, error) {
	return func() (*visa.ResourceManager, error) {
		return visa.NewResourceManagerFor(visa.NewConnLibrary(d, nil))
	}
}
