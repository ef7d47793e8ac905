package socket

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

func write(t *testing.T, peer net.Conn, s string) {
	t.Helper()
	_, err := peer.Write([]byte(s))
	require.NoError(t, err)
}

func TestReadTermCharKeepsRest(t *testing.T) {
	loopbacks(t, func(t *testing.T, host string) {
		c, peer := rawPair(t, host)
		write(t, peer, "abc\ndef\n")
		p := make([]byte, 100)
		n, why, err := c.Read(ctxT(t, time.Second), p, termLF.on)
		require.NoError(t, err)
		assert.Equal(t, "abc\n", string(p[:n]))
		assert.Equal(t, transport.ReasonTermChar, why)
		assert.Equal(t, 4, c.Buffered())
		n, why, err = c.Read(ctxT(t, time.Second), p, termLF.on)
		require.NoError(t, err)
		assert.Equal(t, "def\n", string(p[:n]))
		assert.Equal(t, transport.ReasonTermChar, why)
		assert.Equal(t, 0, c.Buffered())
	})
}

func TestReadCount(t *testing.T) {
	c, peer := rawPair(t, "127.0.0.1")
	write(t, peer, "abcdef\nxy\n")
	p := make([]byte, 3)
	n, why, err := c.Read(ctxT(t, time.Second), p, termLF.on)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(p[:n]))
	assert.Equal(t, transport.ReasonCount, why)
	// The termination character as the last byte of a full buffer sets both.
	p = make([]byte, 4)
	n, why, err = c.Read(ctxT(t, time.Second), p, termLF.on)
	require.NoError(t, err)
	assert.Equal(t, "def\n", string(p[:n]))
	assert.Equal(t, transport.ReasonTermChar|transport.ReasonCount, why)
	// Termination disabled: only the count ends the read.
	p = make([]byte, 3)
	n, why, err = c.Read(ctxT(t, time.Second), p, termLF.off)
	require.NoError(t, err)
	assert.Equal(t, "xy\n", string(p[:n]))
	assert.Equal(t, transport.ReasonCount, why)
	// A zero-length read is complete at once.
	n, why, err = c.Read(ctxT(t, time.Second), nil, termLF.on)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	assert.Equal(t, transport.ReasonCount, why)
}

func TestReadTimeoutPartialThenUsable(t *testing.T) {
	for _, opt := range []readOpt{termLF.on, termLF.off} {
		c, peer := rawPair(t, "127.0.0.1")
		write(t, peer, "abc")
		p := make([]byte, 100)
		n, why, err := c.Read(ctxT(t, 30*time.Millisecond), p, opt)
		require.ErrorIs(t, err, transport.ErrTimeout)
		assert.Equal(t, "abc", string(p[:n]))
		assert.Zero(t, why)
		write(t, peer, "de\n")
		n, why, err = c.Read(ctxT(t, time.Second), p, termLF.on)
		require.NoError(t, err)
		assert.Equal(t, "de\n", string(p[:n]))
		assert.Equal(t, transport.ReasonTermChar, why)
	}
}

func TestReadExpiredContext(t *testing.T) {
	c, peer := rawPair(t, "127.0.0.1")
	write(t, peer, "x\ny")
	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	p := make([]byte, 10)
	// Buffered data needs no I/O, but the first read needs the socket.
	_, _, err := c.Read(ctx, p, termLF.on)
	require.ErrorIs(t, err, transport.ErrTimeout)
	_, err = c.Write(ctx, []byte("q\n"), true)
	require.ErrorIs(t, err, transport.ErrTimeout)
}

func TestReadEND(t *testing.T) {
	loopbacks(t, func(t *testing.T, host string) {
		c, peer := rawPair(t, host)
		write(t, peer, "abc")
		p := make([]byte, 100)
		// SuppressEND false: a dry receive buffer after one byte is END,
		// long before the deadline.
		n, why, err := c.Read(ctxT(t, 10*time.Second), p, termLF.offEND)
		require.NoError(t, err)
		assert.Equal(t, "abc", string(p[:n]))
		assert.Equal(t, transport.ReasonEND, why)

		// Termchar still wins when it comes first; what follows is END.
		write(t, peer, "a\nbc")
		waitAvailable(t, c, 4)
		n, why, err = c.Read(ctxT(t, 10*time.Second), p, termLF.onEND)
		require.NoError(t, err)
		assert.Equal(t, "a\n", string(p[:n]))
		assert.Equal(t, transport.ReasonTermChar, why)
		n, why, err = c.Read(ctxT(t, 10*time.Second), p, termLF.onEND)
		require.NoError(t, err)
		assert.Equal(t, "bc", string(p[:n]))
		assert.Equal(t, transport.ReasonEND, why)
	})
}

func TestReadLargeDirect(t *testing.T) {
	c, peer := rawPair(t, "127.0.0.1")
	const size = 1 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i%255 + 1) // never 0
	}
	data[size/2] = 0 // a stop byte in the middle
	go peer.Write(data)
	// Termination disabled: the whole MiB arrives by count.
	p := make([]byte, size)
	n, why, err := c.Read(ctxT(t, 5*time.Second), p, readOpt{SuppressEND: true})
	require.NoError(t, err)
	assert.Equal(t, size, n)
	assert.Equal(t, transport.ReasonCount, why)
	assert.True(t, bytes.Equal(data, p))

	// Termination on byte 0 with a large buffer: the read stops there and
	// the rest stays buffered.
	go peer.Write(data)
	n, why, err = c.Read(ctxT(t, 5*time.Second), p, readOpt{TermChar: 0, TermCharEnabled: true, SuppressEND: true})
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonTermChar, why)
	assert.Equal(t, size/2+1, n)
	assert.True(t, bytes.Equal(data[:n], p[:n]))
	rest := make([]byte, size/2-1)
	n, why, err = c.Read(ctxT(t, 5*time.Second), rest, readOpt{SuppressEND: true})
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonCount, why)
	assert.True(t, bytes.Equal(data[size/2+1:], rest[:n]))
}

func TestReadCancelUnblocks(t *testing.T) {
	c, peer := rawPair(t, "127.0.0.1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx, make([]byte, 10), termLF.on)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the Read block (not asserted)
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, transport.ErrAborted)
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not unblock Read")
	}
	// The session is still usable, with a new context and with none.
	write(t, peer, "ok\n")
	p := make([]byte, 10)
	n, _, err := c.Read(context.Background(), p, termLF.on)
	require.NoError(t, err)
	assert.Equal(t, "ok\n", string(p[:n]))
}

func TestStaleCancelDoesNotLeak(t *testing.T) {
	// A context used for one read and cancelled afterwards must not
	// interrupt a later read that uses another context.
	c, peer := rawPair(t, "127.0.0.1")
	ctx1, cancel1 := context.WithCancel(context.Background())
	write(t, peer, "a\n")
	p := make([]byte, 10)
	_, _, err := c.Read(ctx1, p, termLF.on)
	require.NoError(t, err)
	cancel1()
	go func() {
		time.Sleep(20 * time.Millisecond)
		peer.Write([]byte("b\n"))
	}()
	n, _, err := c.Read(ctxT(t, 5*time.Second), p, termLF.on)
	require.NoError(t, err)
	assert.Equal(t, "b\n", string(p[:n]))
}

func TestPeerCloseMidBlock(t *testing.T) {
	c, peer := rawPair(t, "127.0.0.1")
	write(t, peer, "#41000"+string(make([]byte, 600)))
	peer.Close()
	p := make([]byte, 4096)
	n, _, err := c.Read(ctxT(t, 5*time.Second), p, termLF.off)
	require.ErrorIs(t, err, transport.ErrConnLost)
	assert.Equal(t, 606, n)
	// It stays lost.
	_, _, err = c.Read(ctxT(t, 5*time.Second), p, termLF.off)
	require.ErrorIs(t, err, transport.ErrConnLost)
}

func TestClearDiscardsInput(t *testing.T) {
	c, peer := rawPair(t, "127.0.0.1")
	write(t, peer, "junk\nmore")
	p := make([]byte, 100)
	_, _, err := c.Read(ctxT(t, time.Second), p[:2], termLF.on)
	require.NoError(t, err)
	require.Positive(t, c.Buffered())
	write(t, peer, "stale\n")
	waitAvailable(t, c, len("stale\n"))
	require.NoError(t, c.Clear(ctxT(t, time.Second)))
	assert.Zero(t, c.Buffered())
	write(t, peer, "fresh\n")
	n, _, err := c.Read(ctxT(t, time.Second), p, termLF.on)
	require.NoError(t, err)
	assert.Equal(t, "fresh\n", string(p[:n]))
}

func TestCloseUnblocksAndIsFinal(t *testing.T) {
	c, _ := rawPair(t, "127.0.0.1")
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background(), make([]byte, 10), termLF.on)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, c.Close())
	require.ErrorIs(t, <-done, transport.ErrClosed)
	require.NoError(t, c.Close())
	_, err := c.Write(context.Background(), []byte("x"), true)
	require.ErrorIs(t, err, transport.ErrClosed)
	_, _, err = c.Read(context.Background(), make([]byte, 1), termLF.on)
	require.ErrorIs(t, err, transport.ErrClosed)
	require.ErrorIs(t, c.Clear(context.Background()), transport.ErrClosed)
	require.ErrorIs(t, c.SetNoDelay(true), transport.ErrClosed)
	require.ErrorIs(t, c.SetKeepAlive(true), transport.ErrClosed)
}

func TestSetNoDelayKeepAlive(t *testing.T) {
	c, _ := rawPair(t, "127.0.0.1")
	assert.True(t, c.NoDelay())
	assert.False(t, c.KeepAlive())
	checkSockopts(t, c, true, false)
	require.NoError(t, c.SetNoDelay(false))
	require.NoError(t, c.SetKeepAlive(true))
	assert.False(t, c.NoDelay())
	assert.True(t, c.KeepAlive())
	checkSockopts(t, c, false, true)
	require.NoError(t, c.SetNoDelay(true))
	require.NoError(t, c.SetKeepAlive(false))
	checkSockopts(t, c, true, false)
}

func TestDialErrors(t *testing.T) {
	_, err := Dial(ctxT(t, time.Second), "127.0.0.1", DefaultOptions())
	require.ErrorIs(t, err, transport.ErrInvalidArg)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	_, err = Dial(ctxT(t, time.Second), addr, DefaultOptions())
	require.ErrorIs(t, err, transport.ErrNotFound)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Dial(ctx, addr, DefaultOptions())
	require.ErrorIs(t, err, transport.ErrAborted)
}

func TestDialKeepAliveOption(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			defer c.Close()
			c.Read(make([]byte, 1))
		}
	}()
	c, err := Dial(ctxT(t, time.Second), l.Addr().String(), Options{KeepAlive: true})
	require.NoError(t, err)
	defer c.Close()
	assert.True(t, c.KeepAlive())
	assert.False(t, c.NoDelay())
	checkSockopts(t, c, false, true)
}

func TestWriteAll(t *testing.T) {
	c, peer := rawPair(t, "127.0.0.1")
	data := bytes.Repeat([]byte("0123456789"), 200000) // larger than socket buffers
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, len(data))
		_, err := ioReadFull(peer, b)
		if err != nil {
			b = nil
		}
		got <- b
	}()
	n, err := c.Write(ctxT(t, 5*time.Second), data, true)
	require.NoError(t, err)
	assert.Equal(t, len(data), n)
	assert.True(t, bytes.Equal(data, <-got))
}

func TestWriteTimeoutWhenPeerStalls(t *testing.T) {
	c, _ := rawPair(t, "127.0.0.1")
	data := make([]byte, 64<<20) // the peer never reads: buffers fill
	n, err := c.Write(ctxT(t, 50*time.Millisecond), data, true)
	require.ErrorIs(t, err, transport.ErrTimeout)
	assert.Less(t, n, len(data))
	assert.False(t, errors.Is(err, transport.ErrConnLost))
}

func TestReusedContextStillCancels(t *testing.T) {
	// One context for many operations keeps one registration; cancelling
	// it must still unblock a Read, and the next Read with it fails at once.
	c, peer := rawPair(t, "127.0.0.1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := make([]byte, 10)
	for i := range 3 {
		write(t, peer, "r\n")
		n, _, err := c.Read(ctx, p, termLF.on)
		require.NoError(t, err, "read %d", i)
		assert.Equal(t, "r\n", string(p[:n]))
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx, p, termLF.on)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, transport.ErrAborted)
	_, _, err := c.Read(ctx, p, termLF.on)
	require.ErrorIs(t, err, transport.ErrAborted)
	write(t, peer, "s\n")
	n, _, err := c.Read(ctxT(t, time.Second), p, termLF.on)
	require.NoError(t, err)
	assert.Equal(t, "s\n", string(p[:n]))
}
