package socket

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

func dialT(t *testing.T, addr string) *Conn {
	t.Helper()
	c, err := Dial(ctxT(t, time.Second), addr, DefaultOptions())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// query writes cmd+LF and reads one LF-terminated response.
func query(t *testing.T, c *Conn, cmd string) string {
	t.Helper()
	ctx := ctxT(t, 5*time.Second)
	_, err := c.Write(ctx, []byte(cmd+"\n"), true)
	require.NoError(t, err)
	p := make([]byte, 4096)
	n, why, err := c.Read(ctx, p, termLF.on)
	require.NoError(t, err, "query %q", cmd)
	require.Equal(t, transport.ReasonTermChar, why)
	return string(p[:n])
}

// readBlock reads an IEEE 488.2 definite block and its LF.
func readBlock(t *testing.T, c *Conn, ctx context.Context) []byte {
	t.Helper()
	hdr := make([]byte, 2)
	_, _, err := c.Read(ctx, hdr, termLF.off)
	require.NoError(t, err)
	require.Equal(t, byte('#'), hdr[0])
	digits := make([]byte, hdr[1]-'0')
	_, _, err = c.Read(ctx, digits, termLF.off)
	require.NoError(t, err)
	n, err := strconv.Atoi(string(digits))
	require.NoError(t, err)
	body := make([]byte, n+1)
	got, why, err := c.Read(ctx, body, termLF.off)
	require.NoError(t, err)
	require.Equal(t, n+1, got)
	require.Equal(t, transport.ReasonCount, why)
	require.Equal(t, byte('\n'), body[n])
	return body[:n]
}

func TestServerQueryAndBlock(t *testing.T) {
	loopbacks(t, func(t *testing.T, host string) {
		_, addr := startServer(t, host, newTestDevice())
		c := dialT(t, addr)
		assert.Equal(t, testIDN+"\n", query(t, c, "*IDN?"))
		_, err := c.Write(ctxT(t, time.Second), []byte("BLOCK? 1000000\n"), true)
		require.NoError(t, err)
		body := readBlock(t, c, ctxT(t, 10*time.Second))
		for i, b := range body {
			if b != byte(i) {
				t.Fatalf("block byte %d = %d", i, b)
			}
		}
		assert.Equal(t, "after\n", query(t, c, "ECHO? after"))
	})
}

func TestServerManyClients(t *testing.T) {
	_, addr := startServer(t, "127.0.0.1", newTestDevice())
	// Idle clients must not take anyone's responses.
	for range 3 {
		dialT(t, addr)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		c := dialT(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := make([]byte, 256)
			for i := range 40 {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				want := fmt.Sprintf("client %d query %d", g, i)
				_, err := c.Write(ctx, []byte("ECHO? "+want+"\n"), true)
				if err == nil {
					var n int
					n, _, err = c.Read(ctx, p, termLF.on)
					if err == nil && string(p[:n]) != want+"\n" {
						err = fmt.Errorf("client %d got %q, want %q", g, p[:n], want)
					}
				}
				cancel()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestServerHalfClose(t *testing.T) {
	_, addr := startServer(t, "127.0.0.1", newTestDevice())
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer nc.Close()
	_, err = nc.Write([]byte("*IDN?\n"))
	require.NoError(t, err)
	require.NoError(t, nc.(*net.TCPConn).CloseWrite())
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(nc)
	require.NoError(t, err)
	assert.Equal(t, testIDN+"\n", string(got))
}

func TestServerUnansweredQueryReleasesDevice(t *testing.T) {
	dev := newTestDevice()
	_, addr := startServer(t, "127.0.0.1", dev, WithResponseTimeout(30*time.Millisecond))
	a, b := dialT(t, addr), dialT(t, addr)
	_, err := a.Write(ctxT(t, time.Second), []byte("SILENT?\n"), true)
	require.NoError(t, err)
	assert.Equal(t, "b\n", query(t, b, "ECHO? b"))
	assert.Equal(t, "a\n", query(t, a, "ECHO? a"))
}

func TestServerBlockUploadInParts(t *testing.T) {
	dev := newTestDevice()
	_, addr := startServer(t, "127.0.0.1", dev, WithMaxMessage(1024))
	c := dialT(t, addr)
	body := make([]byte, 10000)
	for i := range body {
		body[i] = byte(i) // includes LF bytes
	}
	msg := append([]byte("DATA #510000"), body...)
	msg = append(msg, '\n')
	_, err := c.Write(ctxT(t, time.Second), msg, true)
	require.NoError(t, err)
	assert.Equal(t, "x\n", query(t, c, "ECHO? x"))
	dev.mu.Lock()
	defer dev.mu.Unlock()
	assert.True(t, bytes.Equal(msg, dev.big), "device got the whole block message")
	assert.Positive(t, dev.parts)
	assert.LessOrEqual(t, dev.maxPart, 1024)
}

func TestServerGarbageFlood(t *testing.T) {
	dev := newTestDevice()
	const max = 64 << 10
	_, addr := startServer(t, "127.0.0.1", dev, WithMaxMessage(max), WithResponseTimeout(20*time.Millisecond))
	good := dialT(t, addr)
	assert.Equal(t, testIDN+"\n", query(t, good, "*IDN?"))

	junk := make([]byte, 1<<20)
	_, _ = rand.Read(junk)
	line := bytes.Repeat([]byte{'A'}, 1<<20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	// Random bytes hold many '?' (unanswered "queries" that the server
	// waits out), the endless line none; both run until the good client
	// is done.
	stop := make(chan struct{})
	var sent [2]int64
	flood := func(chunk []byte, times int, sent *int64) {
		nc, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer nc.Close()
		go io.Copy(io.Discard, nc)
		for range times {
			select {
			case <-stop:
				return
			default:
			}
			nc.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			n, err := nc.Write(chunk)
			*sent += int64(n)
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("flood write: %v", err)
				return
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); flood(junk, 8, &sent[0]) }()
	go func() { defer wg.Done(); flood(line, 32, &sent[1]) }() // 32 MiB, no LF
	for i := range 20 {
		want := fmt.Sprintf("still here %d", i)
		assert.Equal(t, want+"\n", query(t, good, "ECHO? "+want))
	}
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&after)
	// Megabytes went through the server; it allocated a small fraction.
	t.Logf("flooded %d random and %d line bytes; allocated %d", sent[0], sent[1], after.TotalAlloc-before.TotalAlloc)
	total := uint64(sent[0] + sent[1])
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, 4<<20+total/8, "server allocation is bounded")
	dev.mu.Lock()
	assert.LessOrEqual(t, dev.maxPart, max)
	for _, m := range dev.msgs {
		assert.NotContains(t, m, "AAAAAAAAAAAAAAAA", "the endless line reached the device")
	}
	dev.mu.Unlock()
	// New clients are served after the flood.
	assert.Equal(t, testIDN+"\n", query(t, dialT(t, addr), "*IDN?"))
}

func TestServerShutdownWithClients(t *testing.T) {
	dev := newTestDevice()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := NewServer(dev)
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	require.Eventually(t, func() bool { return s.Addr() != nil }, time.Second, time.Millisecond)
	addr := s.Addr().String()

	idle := dialT(t, addr)
	busy := dialT(t, addr)
	assert.Equal(t, testIDN+"\n", query(t, busy, "*IDN?"))
	_, err = busy.Write(ctxT(t, time.Second), []byte("DELAY 10000\n*IDN?\n"), true)
	require.NoError(t, err)
	reading := make(chan error, 1)
	go func() {
		_, _, err := busy.Read(ctxT(t, 10*time.Second), make([]byte, 100), termLF.on)
		reading <- err
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	require.ErrorIs(t, <-served, ErrServerClosed)
	require.ErrorIs(t, <-reading, transport.ErrConnLost)
	_, _, err = idle.Read(ctxT(t, time.Second), make([]byte, 1), termLF.on)
	require.ErrorIs(t, err, transport.ErrConnLost)
	// A closed server refuses to serve again.
	require.ErrorIs(t, s.ListenAndServe("127.0.0.1:0"), ErrServerClosed)
	require.NoError(t, s.Close())
}
