package prologix

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

// queryErr is a query that returns its error instead of failing the test.
func queryErr(ctx context.Context, in *Instr, msg string) (string, error) {
	if _, err := in.Write(ctx, []byte(msg), true); err != nil {
		return "", err
	}
	buf := make([]byte, 256)
	n, _, err := in.Read(ctx, buf, lineOpt)
	return string(buf[:n]), err
}

// syncBuf is a log sink safe for the poller and the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestReconnect(t *testing.T) {
	b := startServer(t)
	var logs syncBuf
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a := dial(t, b.addr, &Options{Logger: log})
	i5, i7 := instr(t, a, 5, -1), instr(t, a, 7, 3)
	query(t, i5, "*IDN?", lineOpt)
	b.srv.DropConnections()

	// The operation that meets the loss reports it.
	ctx := ctxT(t, 2*time.Second)
	_, err := queryErr(ctx, i5, "*IDN?")
	wantErr(t, err, transport.ErrConnLost)
	// The next one redials, sets the adapter up again and re-addresses.
	before := len(b.srv.Commands())
	if got, _ := query(t, i5, "*IDN?", lineOpt); !strings.HasPrefix(got, "govisa,Test Instrument") {
		t.Fatalf("after reconnect %q", got)
	}
	after := b.srv.Commands()[before:]
	for _, c := range []string{"savecfg 0", "mode 1", "auto 0", "eos 3", "eoi 1", "eot_enable 0", "read_tmo_ms 100", "ver", "addr 5"} {
		if countIn(after, c) != 1 {
			t.Fatalf("after reconnect %q, want one %q", after, c)
		}
	}
	// The other instrument on the adapter works too.
	if got, _ := query(t, i7, "*IDN?", lineOpt); !strings.HasPrefix(got, "govisa,Second") {
		t.Fatalf("7,3 after reconnect %q", got)
	}
	if s := logs.String(); !strings.Contains(s, "link to the adapter lost") || !strings.Contains(s, "reconnected") {
		t.Fatalf("log %q", s)
	}
	// A write-only operation meets a drop too: a trigger after the drop,
	// then a serial poll; one of them fails, and the adapter then recovers.
	b.srv.DropConnections()
	err = i5.Trigger(ctx)
	if err == nil {
		_, err = i5.ReadSTB(ctx)
	}
	wantErr(t, err, transport.ErrConnLost)
	if _, err := i5.ReadSTB(ctx); err != nil {
		t.Fatal(err)
	}
}

func countIn(list []string, s string) int {
	n := 0
	for _, c := range list {
		if c == s {
			n++
		}
	}
	return n
}

func TestReconnectNever(t *testing.T) {
	b := startServer(t)
	a := dial(t, b.addr, &Options{Reconnect: ReconnectNever})
	i5 := instr(t, a, 5, -1)
	b.srv.DropConnections()
	ctx := ctxT(t, 2*time.Second)
	_, err := queryErr(ctx, i5, "*IDN?")
	wantErr(t, err, transport.ErrConnLost)
	before := countCmd(b.srv, "ver")
	for range 3 {
		_, err := queryErr(ctx, i5, "*IDN?")
		wantErr(t, err, transport.ErrConnLost)
	}
	_, err = a.Version(ctx)
	wantErr(t, err, transport.ErrConnLost)
	if countCmd(b.srv, "ver") != before {
		t.Fatal("redialled with ReconnectNever")
	}
	// Close still works, and then the adapter reports closed.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = a.Version(ctx)
	wantErr(t, err, transport.ErrClosed)
}

// silentAfterFirst serves the first connection with srv and accepts later
// ones without ever answering: an adapter that comes back broken.
func silentAfterFirst(t *testing.T, srv *Server) (addr string, drop func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(context.Background())
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 0 {
					srv.ServeConn(ctx, c)
				} else {
					io.Copy(io.Discard, c)
				}
				c.Close()
			}()
		}
	}()
	drop = func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	t.Cleanup(func() {
		cancel()
		l.Close()
		drop()
		wg.Wait()
	})
	return l.Addr().String(), drop
}

func TestReconnectBounded(t *testing.T) {
	b := startServer(t)
	addr, drop := silentAfterFirst(t, b.srv)
	// The adapter's own read timeout is long, so only ctx bounds the
	// setup's ++ver on the silent peer.
	a := dial(t, addr, &Options{ReadTimeout: 3 * time.Second})
	i5 := instr(t, a, 5, -1)
	query(t, i5, "*IDN?", lineOpt)
	drop()
	_, err := queryErr(ctxT(t, time.Second), i5, "*IDN?")
	wantErr(t, err, transport.ErrConnLost)
	start := time.Now()
	_, err = queryErr(ctxT(t, 50*time.Millisecond), i5, "*IDN?")
	wantErr(t, err, transport.ErrConnLost)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("a redial bounded by a 50 ms deadline took %v", took)
	}
	// Nothing listening at all: the redial fails (refused) with the loss.
	a2 := dial(t, b.addr, nil)
	in := instr(t, a2, 5, -1)
	b.srv.Close()
	_, err = queryErr(ctxT(t, time.Second), in, "*IDN?")
	wantErr(t, err, transport.ErrConnLost)
	_, err = queryErr(ctxT(t, time.Second), in, "*IDN?")
	wantErr(t, err, transport.ErrConnLost)
	// Close during a redial's wait ends it.
	done := make(chan error, 1)
	go func() {
		_, err := queryErr(ctxT(t, 5*time.Second), i5, "*IDN?")
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	a.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("query on a closed adapter succeeded")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not end a redial")
	}
}
