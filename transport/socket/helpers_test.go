package socket

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

// loopbacks lists the loopback addresses to test on; IPv6 is skipped, with
// the reason, when the host has no ::1.
func loopbacks(t *testing.T, f func(t *testing.T, host string)) {
	for _, h := range []string{"127.0.0.1", "::1"} {
		t.Run(h, func(t *testing.T) {
			l, err := net.Listen("tcp", net.JoinHostPort(h, "0"))
			if err != nil {
				t.Skipf("no %s loopback on this host: %v", h, err)
			}
			l.Close()
			f(t, h)
		})
	}
}

// rawPair returns a client Conn and the server side of the same TCP
// connection as a plain net.Conn the test scripts byte by byte.
func rawPair(t *testing.T, host string) (*Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	require.NoError(t, err)
	defer l.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(acc)
			return
		}
		acc <- c
	}()
	c, err := Dial(ctxT(t, time.Second), l.Addr().String(), DefaultOptions())
	require.NoError(t, err)
	peer, ok := <-acc
	require.True(t, ok)
	t.Cleanup(func() { c.Close(); peer.Close() })
	return c, peer
}

// ctxT returns a context with a timeout, cancelled at the end of the test.
func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// startServer serves dev on host:0 and shuts it down at the end of the test.
func startServer(t *testing.T, host string, dev *testDevice, opts ...ServerOption) (*Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	require.NoError(t, err)
	s := NewServer(dev, opts...)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx))
		require.ErrorIs(t, <-done, ErrServerClosed)
	})
	return s, l.Addr().String()
}

var termLF = struct {
	on, onEND, off, offEND readOpt
}{
	on:     readOpt{TermChar: '\n', TermCharEnabled: true, SuppressEND: true},
	onEND:  readOpt{TermChar: '\n', TermCharEnabled: true},
	off:    readOpt{TermChar: '\n', SuppressEND: true},
	offEND: readOpt{TermChar: '\n'},
}

type readOpt = transport.ReadOptions

func ioReadFull(r io.Reader, b []byte) (int, error) { return io.ReadFull(r, b) }
