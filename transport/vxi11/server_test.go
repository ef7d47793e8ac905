package vxi11

import (
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

func TestLockingAcrossClients(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	a, b := h.dial("inst0"), h.dial("inst0")
	ctx := ctxT(t, 5*time.Second)

	require.NoError(t, a.Lock(ctx, transport.LockExclusive, "", 0))
	// Asking again for the lock one holds.
	assert.ErrorIs(t, a.Lock(ctx, transport.LockExclusive, "", 0), transport.ErrInvalidArg)

	// I/O from the other link fails at once with error 11.
	_, err := b.Write(ctx, []byte("*IDN?\n"), true)
	assert.ErrorIs(t, err, transport.ErrLocked)
	assert.ErrorIs(t, err, ErrDeviceLocked)
	_, err = b.ReadSTB(ctx)
	assert.ErrorIs(t, err, transport.ErrLocked)

	// A lock request with a short timeout times out.
	err = b.Lock(ctx, transport.LockExclusive, "", 20*time.Millisecond)
	assert.ErrorIs(t, err, transport.ErrTimeout)
	assert.ErrorIs(t, err, transport.ErrLocked)

	// Opening with LockOnOpen fails while the lock is held.
	o := h.options()
	o.LockOnOpen, o.LockTimeout = true, 20*time.Millisecond
	_, err = Dial(ctx, "127.0.0.1", "inst0", o)
	assert.ErrorIs(t, err, transport.ErrLocked)

	// waitlock: b waits, a releases, b gets the lock.
	got := make(chan error, 1)
	go func() { got <- b.Lock(ctx, transport.LockExclusive, "", 5*time.Second) }()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, a.Unlock(ctx))
	require.NoError(t, <-got)
	_, err = a.Write(ctx, []byte("*IDN?\n"), true)
	assert.ErrorIs(t, err, transport.ErrLocked)
	assert.Contains(t, query(t, b, "*IDN?"), "Test Instrument")

	// Unlock without the lock: error 12.
	err = a.Unlock(ctx)
	assert.ErrorIs(t, err, transport.ErrNotLocked)
	assert.ErrorIs(t, err, ErrNoLockHeld)

	// Closing b's link releases its lock; a LockOnOpen client then gets it.
	require.NoError(t, b.Close())
	o.LockTimeout = 2 * time.Second
	c, err := Dial(ctx, "127.0.0.1", "inst0", o)
	require.NoError(t, err)
	defer c.Close()
	_, err = a.Write(ctx, []byte("*IDN?\n"), true)
	assert.ErrorIs(t, err, transport.ErrLocked)
	assert.ErrorIs(t, c.Lock(ctx, transport.LockExclusive, "", 0), transport.ErrInvalidArg, "held since open")
}

// TestConnectionDropReleasesLock: a client that vanishes without
// destroy_link loses its links and locks.
func TestConnectionDropReleasesLock(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	a, b := h.dial("inst0"), h.dial("inst0")
	ctx := ctxT(t, 5*time.Second)
	require.NoError(t, a.Lock(ctx, transport.LockExclusive, "", 0))
	a.rpc.Close() // the socket goes away; no destroy_link
	require.NoError(t, b.Lock(ctx, transport.LockExclusive, "", 2*time.Second))
	_, err := a.Write(ctx, []byte("x"), true)
	assert.ErrorIs(t, err, transport.ErrClosed)
}

func TestLockWaitAborted(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	a, b := h.dial("inst0"), h.dial("inst0")
	require.NoError(t, a.Lock(ctxT(t, time.Second), transport.LockExclusive, "", 0))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	err := b.Lock(ctx, transport.LockExclusive, "", -1)
	assert.ErrorIs(t, err, transport.ErrAborted)
	require.NoError(t, a.Unlock(ctxT(t, time.Second)))
	require.NoError(t, b.Lock(ctxT(t, time.Second), transport.LockExclusive, "", time.Second))
}

func TestSRQThroughInterruptChannel(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	ctx := ctxT(t, 5*time.Second)
	srq := make(chan struct{}, 4)
	require.NoError(t, c.EnableSRQ(ctx, func() { srq <- struct{}{} }))

	_, err := c.Write(ctx, []byte("*SRE 1;TEST:SRQ\n"), true)
	require.NoError(t, err)
	select {
	case <-srq:
	case <-ctx.Done():
		t.Fatal("no service request")
	}
	stb, err := c.ReadSTB(ctx)
	require.NoError(t, err)
	assert.Equal(t, byte(0x41), stb&0x41, "RQS and the test bit: %#x", stb)

	// Once more after *CLS, through OnSRQ this time.
	fired := make(chan struct{}, 4)
	c.OnSRQ(func() { fired <- struct{}{} })
	_, err = c.Write(ctx, []byte("*CLS;TEST:SRQ\n"), true)
	require.NoError(t, err)
	select {
	case <-fired:
	case <-ctx.Done():
		t.Fatal("no second service request")
	}

	// Disabled: no more callbacks.
	require.NoError(t, c.EnableSRQ(ctx, nil))
	_, err = c.Write(ctx, []byte("*CLS;TEST:SRQ\n"), true)
	require.NoError(t, err)
	// A round trip after the request, so that a stray device_intr_srq
	// would have arrived by now.
	query(t, c, "*STB?")
	select {
	case <-fired:
		t.Fatal("SRQ delivered while disabled")
	case <-srq:
		t.Fatal("SRQ delivered to the old function")
	default:
	}
}

func TestInterruptChannelRules(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	raw := rawClient(t, h)
	ctx := ctxT(t, 5*time.Second)
	var r DeviceError
	// No channel yet.
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcDestroyIntrChan, nil, &r))
	assert.Equal(t, ErrChannelNotEstablished, r.Error)
	// UDP family: not supported.
	p := DeviceRemoteFunc{HostAddr: 0x7F000001, HostPort: 1, ProgNum: ProgIntr, ProgVers: 1, ProgFamily: FamilyUDP}
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcCreateIntrChan, &p, &r))
	assert.Equal(t, ErrOperationNotSupported, r.Error)
	// Another host than the caller's: refused without connecting.
	p = DeviceRemoteFunc{HostAddr: 0x0A000001, HostPort: 1, ProgNum: ProgIntr, ProgVers: 1, ProgFamily: FamilyTCP}
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcCreateIntrChan, &p, &r))
	assert.Equal(t, ErrChannelNotEstablished, r.Error)
	// A real listener: established once, then 29.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	p.HostAddr, p.HostPort = 0x7F000001, uint32(l.Addr().(*net.TCPAddr).Port)
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcCreateIntrChan, &p, &r))
	assert.Equal(t, NoError, r.Error)
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcCreateIntrChan, &p, &r))
	assert.Equal(t, ErrChannelAlreadyEstablished, r.Error)
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcDestroyIntrChan, nil, &r))
	assert.Equal(t, NoError, r.Error)
}

// rawClient is a bare RPC client on the core port, for calls the Client
// never makes.
func rawClient(t *testing.T, h *harness) *rpc.Client {
	t.Helper()
	c, err := rpc.Dial(ctxT(t, time.Second), "tcp", h.srv.CoreAddr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func rawLink(t *testing.T, c *rpc.Client, device string) CreateLinkResp {
	t.Helper()
	var r CreateLinkResp
	require.NoError(t, c.Call(ctxT(t, time.Second), ProgCore, ProgVersion, ProcCreateLink, &CreateLinkParms{Device: device}, &r))
	require.Equal(t, NoError, r.Error)
	return r
}

func TestServerProtocolErrors(t *testing.T) {
	h := newHarness(t, ServerOptions{MaxRecvSize: 1024, MaxLinks: 3}, nil)
	raw, other := rawClient(t, h), rawClient(t, h)
	ctx := ctxT(t, 5*time.Second)
	lk := rawLink(t, raw, "inst0")
	assert.Equal(t, uint32(1024), lk.MaxRecvSize)

	// Unknown procedure, wrong version, garbage arguments.
	assert.ErrorIs(t, raw.Call(ctx, ProgCore, ProgVersion, 21, nil, nil), rpc.ProcUnavail)
	assert.ErrorIs(t, raw.Call(ctx, ProgCore, 2, ProcCreateLink, nil, nil), rpc.ProgMismatch)
	assert.ErrorIs(t, raw.Call(ctx, ProgCore, ProgVersion, ProcDeviceWrite, rpc.AppenderFunc(func(b []byte) []byte {
		return append(b, 1, 2, 3)
	}), nil), rpc.GarbageArgs)
	assert.ErrorIs(t, raw.Call(ctx, ProgAsync, ProgVersion, 1, nil, nil), rpc.ProgUnavail, "abort program is on its own port")

	// Data longer than maxRecvSize: error 5, nothing written.
	var wr DeviceWriteResp
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcDeviceWrite,
		&DeviceWriteParms{LID: lk.LID, IOTimeout: 1000, Data: make([]byte, 1025)}, &wr))
	assert.Equal(t, DeviceWriteResp{Error: ErrParameter}, wr)

	// requestSize 0: REQCNT at once.
	var rr DeviceReadResp
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcDeviceRead,
		&DeviceReadParms{LID: lk.LID, IOTimeout: 1000}, rpc.DecoderFunc(func(d *rpc.Decoder) error {
			if err := rr.DecodeXDR(d); err != nil {
				return err
			}
			rr.Data = append([]byte{}, rr.Data...)
			return nil
		})))
	assert.Equal(t, ReasonReqCnt, rr.Reason)
	assert.Empty(t, rr.Data)

	// A link of another connection is not usable here: error 4.
	var de DeviceError
	require.NoError(t, other.Call(ctx, ProgCore, ProgVersion, ProcDeviceTrigger, &DeviceGenericParms{LID: lk.LID}, &de))
	assert.Equal(t, ErrInvalidLink, de.Error)
	require.NoError(t, other.Call(ctx, ProgCore, ProgVersion, ProcDestroyLink, &DeviceLink{LID: lk.LID}, &de))
	assert.Equal(t, ErrInvalidLink, de.Error)
	// Unknown link on the abort channel.
	ab, err := rpc.Dial(ctx, "tcp", h.srv.AbortAddr().String())
	require.NoError(t, err)
	defer ab.Close()
	require.NoError(t, ab.Call(ctx, ProgAsync, ProgVersion, ProcDeviceAbort, &DeviceLink{LID: 999}, &de))
	assert.Equal(t, ErrInvalidLink, de.Error)
	require.NoError(t, ab.Call(ctx, ProgAsync, ProgVersion, ProcDeviceAbort, &DeviceLink{LID: lk.LID}, &de))
	assert.Equal(t, NoError, de.Error, "abort with nothing in progress is harmless")

	// Out of links: error 9.
	rawLink(t, raw, "inst0")
	rawLink(t, other, "inst0")
	var cr CreateLinkResp
	require.NoError(t, other.Call(ctx, ProgCore, ProgVersion, ProcCreateLink, &CreateLinkParms{Device: "inst0"}, &cr))
	assert.Equal(t, ErrOutOfResources, cr.Error)

	// destroy_link twice.
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcDestroyLink, &DeviceLink{LID: lk.LID}, &de))
	assert.Equal(t, NoError, de.Error)
	require.NoError(t, raw.Call(ctx, ProgCore, ProgVersion, ProcDestroyLink, &DeviceLink{LID: lk.LID}, &de))
	assert.Equal(t, ErrInvalidLink, de.Error)
}

// TestBadClientsDoNotDisturbOthers: garbage and a huge fragment length
// close only the offending connection.
func TestBadClientsDoNotDisturbOthers(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	good := h.dial("inst0")
	for _, junk := range [][]byte{
		{0x7f, 0xff, 0xff, 0xff, 1, 2, 3},                       // 2 GiB fragment announced
		{0x80, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0},                 // a call cut short
		[]byte("GET / HTTP/1.0\r\n\r\n"),                        // not RPC at all
		binary.BigEndian.AppendUint32([]byte{0x80, 0, 0, 4}, 5), // xid only
	} {
		conn, err := net.Dial("tcp", h.srv.CoreAddr().String())
		require.NoError(t, err)
		_, _ = conn.Write(junk)
		_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		_, _ = conn.Read(make([]byte, 64))
		conn.Close()
		assert.Contains(t, query(t, good, "*IDN?"), "Test Instrument")
	}
}

// TestServerRestart: the server goes away mid-session; calls fail with
// ErrConnLost, a blocked read included, and nothing hangs.
func TestServerRestart(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	blocked := h.dial("inst0")
	assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")
	done := make(chan error, 1)
	go func() {
		_, _, err := blocked.Read(context.Background(), make([]byte, 10), transport.ReadOptions{})
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	addr := h.srv.CoreAddr().String()
	require.NoError(t, h.srv.Close())

	select {
	case err := <-done:
		assert.ErrorIs(t, err, transport.ErrConnLost)
	case <-time.After(5 * time.Second):
		t.Fatal("blocked read hangs after the server went away")
	}
	ctx := ctxT(t, 5*time.Second)
	_, err := c.Write(ctx, []byte("*IDN?\n"), true)
	assert.ErrorIs(t, err, transport.ErrConnLost)

	// A new server on the same port: the old client stays broken (its link
	// is gone), a new one works.
	srv2 := NewServer(ServerOptions{})
	require.NoError(t, srv2.AddDevice("inst0", sim.NewTestInstrument()))
	require.NoError(t, srv2.Start(addr))
	defer srv2.Close()
	_, _, err = c.Read(ctx, make([]byte, 10), transport.ReadOptions{})
	assert.ErrorIs(t, err, transport.ErrConnLost)
	c2, err := Dial(ctx, "127.0.0.1", "inst0", Options{CorePort: srvPort(srv2)})
	require.NoError(t, err)
	defer c2.Close()
	assert.Contains(t, query(t, c2, "*IDN?"), "Test Instrument")
}

// TestInvalidLinkIsConnLost: a link the server forgot (error 4) is a lost
// session.
func TestInvalidLinkIsConnLost(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	ctx := ctxT(t, time.Second)
	var de DeviceError
	require.NoError(t, c.rpc.Call(ctx, ProgCore, ProgVersion, ProcDestroyLink, &DeviceLink{LID: c.lid}, &de))
	err := c.Trigger(ctx)
	assert.ErrorIs(t, err, transport.ErrConnLost)
	assert.ErrorIs(t, err, ErrInvalidLink)
}

func TestCloseDuringRead(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background(), make([]byte, 10), transport.ReadOptions{})
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, c.Close())
	assert.ErrorIs(t, <-done, transport.ErrClosed)
	_, err := c.Write(context.Background(), []byte("x"), true)
	assert.ErrorIs(t, err, transport.ErrClosed)
	assert.NoError(t, c.Close(), "second Close")
	// The server dropped the link with the connection: a new client can
	// lock the device at once.
	c2 := h.dial("inst0")
	require.NoError(t, c2.Lock(ctxT(t, time.Second), transport.LockExclusive, "", 0))
}

func TestGracefulShutdown(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")
	require.NoError(t, h.srv.Shutdown(ctxT(t, 2*time.Second)))
	assert.Zero(t, h.pm.GetPort(ProgCore, ProgVersion, 6), "unregistered")
	_, err := c.Write(ctxT(t, time.Second), []byte("*IDN?\n"), true)
	assert.Error(t, err)
	assert.Error(t, h.srv.Start("127.0.0.1:0"), "cannot restart a closed server")
	assert.ErrorIs(t, h.srv.AddDevice("inst5", sim.NewTestInstrument()), transport.ErrClosed)
}

func TestIPv6(t *testing.T) {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback")
	}
	l.Close()
	srv := NewServer(ServerOptions{})
	require.NoError(t, srv.AddDevice("inst0", sim.NewTestInstrument()))
	require.NoError(t, srv.Start("[::1]:0"))
	defer srv.Close()
	c, err := Dial(ctxT(t, 5*time.Second), "::1", "inst0", Options{CorePort: srvPort(srv)})
	require.NoError(t, err)
	defer c.Close()
	assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")
	// Abort works over IPv6 too.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	_, _, err = c.Read(ctx, make([]byte, 10), transport.ReadOptions{})
	assert.ErrorIs(t, err, transport.ErrAborted)
	// The interrupt channel carries IPv4 addresses only.
	assert.ErrorIs(t, c.EnableSRQ(ctxT(t, time.Second), func() {}), transport.ErrNotSupported)
}
