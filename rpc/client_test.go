package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

func TestCallBasics(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		for _, network := range []string{"tcp", "udp"} {
			t.Run(network+"/"+host, func(t *testing.T) {
				if host == "::1" {
					l, err := net.Listen("tcp", "[::1]:0")
					if err != nil {
						t.Skip("no IPv6 loopback")
					}
					l.Close()
				}
				ts := newTestServer(t, host)
				addr := ts.tcp
				if network == "udp" {
					addr = ts.udp
				}
				c := dialT(t, network, addr)
				ctx := ctxT(t)
				require.NoError(t, c.Call(ctx, testProg, 1, 0, nil, nil), "NULL procedure")
				var sum uint32
				require.NoError(t, c.Call(ctx, testProg, 3, procAdd, u32s(40, 2), intoU32(&sum)))
				assert.Equal(t, uint32(42), sum)
				var echo []byte
				payload := bytes.Repeat([]byte("abc"), 1001)
				require.NoError(t, c.Call(ctx, testProg, 1, procEcho, opaque(payload), intoOpaque(&echo)))
				assert.Equal(t, payload, echo)
				assert.NotNil(t, c.LocalAddr())
				assert.Equal(t, addr, c.RemoteAddr().String())
			})
		}
	}
}

func TestCallErrors(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			addr := ts.tcp
			if network == "udp" {
				addr = ts.udp
			}
			c := dialT(t, network, addr)
			ctx := ctxT(t)

			err := c.Call(ctx, testProg+1, 1, 0, nil, nil)
			assert.ErrorIs(t, err, ProgUnavail)
			assert.ErrorIs(t, err, transport.ErrNotSupported)

			err = c.Call(ctx, testProg, 2, procAdd, u32s(1, 2), nil)
			var ae *AcceptError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, ProgMismatch, ae.Stat)
			assert.Equal(t, [2]uint32{1, 3}, [2]uint32{ae.Low, ae.High})

			assert.ErrorIs(t, c.Call(ctx, testProg, 1, 99, nil, nil), ProcUnavail)
			assert.ErrorIs(t, c.Call(ctx, testProg, 1, procAdd, u32(1), nil), GarbageArgs, "missing argument")
			assert.ErrorIs(t, c.Call(ctx, testProg, 1, procAdd, u32s(1, 2, 3), nil), GarbageArgs, "trailing argument")
			assert.ErrorIs(t, c.Call(ctx, testProg, 1, 0, u32(1), nil), GarbageArgs, "NULL with arguments")
			assert.ErrorIs(t, c.Call(ctx, testProg, 1, procPanic, nil, nil), SystemErr)
			assert.ErrorIs(t, c.Call(ctx, testProg, 1, procFail, nil, nil), SystemErr)

			// A result decoder that fails reports its error; one that panics
			// is caught.
			bad := DecoderFunc(func(d *Decoder) error { _, err := d.Uint64(); return err })
			assert.ErrorIs(t, c.Call(ctx, testProg, 1, procAdd, u32s(1, 2), bad), ErrShort)
			boom := DecoderFunc(func(d *Decoder) error { panic("decoder") })
			assert.ErrorIs(t, c.Call(ctx, testProg, 1, procAdd, u32s(1, 2), boom), transport.ErrProtocol)

			// The server survived all of that.
			var sum uint32
			require.NoError(t, c.Call(ctx, testProg, 1, procAdd, u32s(2, 3), intoU32(&sum)))
			assert.Equal(t, uint32(5), sum)
		})
	}
}

func TestAuthSysAccepted(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	p := AuthSysParms{Stamp: 1, MachineName: "host", UID: 1, GID: 1}
	c := dialT(t, "tcp", ts.tcp, WithAuth(p.Auth(), OpaqueAuth{}))
	require.NoError(t, c.Call(ctxT(t), testProg, 1, 0, nil, nil))

	c2 := dialT(t, "tcp", ts.tcp, WithAuth(OpaqueAuth{Flavor: AuthSys, Body: []byte{1, 2, 3, 4}}, OpaqueAuth{}))
	err := c2.Call(ctxT(t), testProg, 1, 0, nil, nil)
	var re *RejectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, AuthBadCred, re.Auth)

	c3 := dialT(t, "udp", ts.udp, WithAuth(OpaqueAuth{Flavor: AuthDH}, OpaqueAuth{}))
	err = c3.Call(ctxT(t), testProg, 1, 0, nil, nil)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, AuthRejectedCred, re.Auth)
}

func TestConcurrentCalls(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			addr := ts.tcp
			if network == "udp" {
				addr = ts.udp
			}
			c := dialT(t, network, addr, WithRetransmit(50*time.Millisecond))
			ctx := ctxT(t)
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for i := range 64 {
				wg.Go(func() {
					var sum uint32
					if err := c.Call(ctx, testProg, 1, procAdd, u32s(uint32(i), 1000), intoU32(&sum)); err != nil {
						errs <- err
						return
					}
					if sum != uint32(i)+1000 {
						errs <- fmt.Errorf("call %d got %d", i, sum)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// rawServer accepts one TCP connection and runs fn on it.
func rawServer(t *testing.T, fn func(conn net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		fn(conn)
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

func replyU32(xid, v uint32) []byte {
	h := ReplyHeader{XID: xid}
	return AppendUint32(h.AppendXDR(nil), v)
}

func TestRepliesOutOfOrder(t *testing.T) {
	addr := rawServer(t, func(conn net.Conn) {
		rr := NewRecordReader(conn, 0)
		var calls []CallHeader
		var args []uint32
		for range 3 {
			rec, err := rr.ReadRecord()
			if err != nil {
				return
			}
			var h CallHeader
			d := NewDecoder(rec)
			if h.DecodeXDR(d) != nil {
				return
			}
			v, _ := d.Uint32()
			calls, args = append(calls, h), append(args, v)
		}
		w := NewRecordWriter(conn, 0)
		// An unknown xid and a CALL are dropped by the client.
		_ = w.WriteRecord(replyU32(calls[0].XID+1000, 0))
		_ = w.WriteRecord((&CallHeader{XID: calls[0].XID}).AppendXDR(nil))
		_ = w.WriteRecord([]byte{1})
		for i := 2; i >= 0; i-- {
			_ = w.WriteRecord(replyU32(calls[i].XID, args[i]*10))
		}
		_, _ = rr.ReadRecord() // wait for the client to go
	})
	c := dialT(t, "tcp", addr)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	got := make([]uint32, 3)
	errs := make([]error, 3)
	for i := range 3 {
		wg.Go(func() { errs[i] = c.Call(ctx, 1, 1, 1, u32(uint32(i+1)), intoU32(&got[i])) })
	}
	wg.Wait()
	for i := range 3 {
		require.NoError(t, errs[i])
		assert.Equal(t, uint32(i+1)*10, got[i])
	}
}

func TestCallCancelAndDeadline(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			addr := ts.tcp
			if network == "udp" {
				addr = ts.udp
			}
			c := dialT(t, network, addr)
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() { errc <- c.Call(ctx, testProg, 1, procSleep, u32(100), nil) }()
			time.Sleep(5 * time.Millisecond)
			cancel()
			err := <-errc
			assert.ErrorIs(t, err, transport.ErrAborted)
			assert.ErrorIs(t, err, context.Canceled)

			dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			err = c.Call(dctx, testProg, 1, procSleep, u32(100), nil)
			dcancel()
			assert.ErrorIs(t, err, transport.ErrTimeout)

			// Already-ended context: nothing is sent.
			assert.ErrorIs(t, c.Call(dctx, testProg, 1, 0, nil, nil), transport.ErrTimeout)
			assert.ErrorIs(t, c.Send(dctx, testProg, 1, 0, nil), transport.ErrTimeout)

			// The late replies are dropped and the client still works.
			var sum uint32
			require.NoError(t, c.Call(ctxT(t), testProg, 1, procAdd, u32s(1, 1), intoU32(&sum)))
			assert.Equal(t, uint32(2), sum)
		})
	}
}

func TestConnectionDrop(t *testing.T) {
	addr := rawServer(t, func(conn net.Conn) {
		rr := NewRecordReader(conn, 0)
		_, _ = rr.ReadRecord()
		_, _ = rr.ReadRecord()
		// Drop the connection with two calls pending.
	})
	c := dialT(t, "tcp", addr)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { errs[i] = c.Call(ctx, 1, 1, 1, nil, nil) })
	}
	wg.Wait()
	for _, err := range errs {
		assert.ErrorIs(t, err, transport.ErrConnLost)
	}
	assert.ErrorIs(t, c.Call(ctx, 1, 1, 1, nil, nil), transport.ErrConnLost, "later calls fail too")
	assert.ErrorIs(t, c.Send(ctx, 1, 1, 1, nil), transport.ErrConnLost)
}

func TestCloseUnblocks(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			addr := ts.tcp
			if network == "udp" {
				addr = ts.udp
			}
			c := dialT(t, network, addr)
			errc := make(chan error, 1)
			go func() { errc <- c.Call(context.Background(), testProg, 1, procSleep, u32(200), nil) }()
			time.Sleep(5 * time.Millisecond)
			require.NoError(t, c.Close())
			assert.ErrorIs(t, <-errc, transport.ErrClosed)
			assert.ErrorIs(t, c.Call(context.Background(), testProg, 1, 0, nil, nil), transport.ErrClosed)
			assert.NoError(t, c.Close(), "second Close is harmless")
		})
	}
}

func TestSendOneWay(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			addr := ts.tcp
			if network == "udp" {
				addr = ts.udp
			}
			c := dialT(t, network, addr)
			require.NoError(t, c.Send(ctxT(t), testProg, 1, procOneWay, u32(77)))
			select {
			case v := <-ts.oneway:
				assert.Equal(t, uint32(77), v)
			case <-time.After(2 * time.Second):
				t.Fatal("one-way call not delivered")
			}
			// No reply came back for it: a regular call still matches its own.
			var sum uint32
			require.NoError(t, c.Call(ctxT(t), testProg, 1, procAdd, u32s(3, 4), intoU32(&sum)))
			assert.Equal(t, uint32(7), sum)
		})
	}
}

func TestUDPRetransmitAndDuplicates(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		seen := 0
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			seen++
			if seen == 1 {
				continue // lose the first datagram
			}
			var h CallHeader
			if h.DecodeXDR(NewDecoder(buf[:n])) != nil {
				continue
			}
			r := replyU32(h.XID, uint32(seen))
			_, _ = pc.WriteTo(r, from)
			_, _ = pc.WriteTo(r, from) // duplicate
		}
	}()
	defer func() { pc.Close(); <-done }()
	c := dialT(t, "udp", pc.LocalAddr().String(), WithRetransmit(5*time.Millisecond))
	var v uint32
	require.NoError(t, c.Call(ctxT(t), 1, 1, 1, nil, intoU32(&v)))
	assert.GreaterOrEqual(t, v, uint32(2), "answered the retransmission")
	require.NoError(t, c.Call(ctxT(t), 1, 1, 1, nil, intoU32(&v)))
}

func TestUDPNoServer(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := pc.LocalAddr().String()
	pc.Close()
	c := dialT(t, "udp", addr, WithRetransmit(5*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = c.Call(ctx, 1, 1, 1, nil, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, transport.ErrConnLost) || errors.Is(err, transport.ErrTimeout), "%v", err)
}

func TestClientMaxRecord(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	c := dialT(t, "tcp", ts.tcp, WithMaxRecord(1024), WithLogger(nil))
	err := c.Call(ctxT(t), testProg, 1, procEcho, opaque(make([]byte, 2000)), nil)
	assert.ErrorIs(t, err, transport.ErrTooLarge)
	assert.ErrorIs(t, c.Call(ctxT(t), testProg, 1, 0, nil, nil), transport.ErrTooLarge, "the connection is broken for good")
}

func TestDialErrors(t *testing.T) {
	_, err := Dial(context.Background(), "unix", "/x")
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	_, err = Dial(ctxT(t), "tcp", addr)
	assert.ErrorIs(t, err, transport.ErrConnLost)
}

func TestUDPMessageTooLarge(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	c := dialT(t, "udp", ts.udp)
	assert.ErrorIs(t, c.Call(ctxT(t), testProg, 1, procEcho, opaque(make([]byte, 70000)), nil), transport.ErrTooLarge)
}

// A peer that stops reading: a write blocked on the full socket buffer
// ends with the context, other callers waiting to write leave on theirs,
// and the half-written record breaks the connection for good.
func TestBlockedWrite(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	addr := rawServer(t, func(conn net.Conn) {
		var b [1]byte
		_, _ = conn.Read(b[:])
		close(started) // the record is on its way; read no more
		<-release
	})
	defer close(release)
	c := dialT(t, "tcp", addr)
	big := opaque(make([]byte, 32<<20))

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Send(ctx, 1, 1, 1, big) }()
	<-started

	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	err := c.Call(wctx, 1, 1, 1, nil, nil)
	wcancel()
	assert.ErrorIs(t, err, transport.ErrTimeout, "waiting for the write lock ends with the context")

	cancel()
	err = <-errc
	assert.ErrorIs(t, err, transport.ErrAborted)
	assert.ErrorIs(t, c.Call(ctxT(t), 1, 1, 1, nil, nil), transport.ErrConnLost)

	// Same with a deadline on a fresh connection. The deadline leaves time
	// to encode the 32 MiB before it, so that it strikes mid-write.
	addr2 := rawServer(t, func(conn net.Conn) { <-release })
	c2 := dialT(t, "tcp", addr2)
	dctx, dcancel := context.WithTimeout(context.Background(), time.Second)
	defer dcancel()
	assert.ErrorIs(t, c2.Call(dctx, 1, 1, 1, big, nil), transport.ErrTimeout)
	assert.ErrorIs(t, c2.Call(ctxT(t), 1, 1, 1, nil, nil), transport.ErrConnLost)
}
