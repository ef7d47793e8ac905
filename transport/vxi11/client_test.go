package vxi11

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

func TestQueryThroughPortmapper(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	assert.Equal(t, "govisa,Test Instrument,0,"+sim.Version+"\n", query(t, c, "*IDN?"))
	assert.Equal(t, uint32(DefaultMaxRecvSize), c.MaxRecvSize())
	assert.NotZero(t, c.AbortPort())
	assert.NotZero(t, c.LinkID())
	// A second query on the same link.
	assert.Equal(t, "hello world\n", query(t, c, "TEST:ECHO? hello world"))
}

func TestCorePortWithoutPortmapper(t *testing.T) {
	srv := NewServer(ServerOptions{})
	require.NoError(t, srv.AddDevice("inst0", sim.NewTestInstrument()))
	require.NoError(t, srv.Start("127.0.0.1:0"))
	defer srv.Close()
	c, err := Dial(ctxT(t, 5*time.Second), "127.0.0.1", "", Options{CorePort: srvPort(srv)})
	require.NoError(t, err)
	defer c.Close()
	assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")
}

func TestEmbeddedPortmapper(t *testing.T) {
	srv := NewServer(ServerOptions{Portmapper: PortmapperEmbedded, PortmapperAddr: "127.0.0.1:0"})
	require.NoError(t, srv.AddDevice("inst0", sim.NewTestInstrument()))
	require.NoError(t, srv.Start("127.0.0.1:0"))
	defer srv.Close()
	addr := srv.PortmapperAddr()
	require.NotEmpty(t, addr)
	c, err := Dial(ctxT(t, 5*time.Second), "127.0.0.1", "inst0", Options{PortmapperPort: portOf(t, addr)})
	require.NoError(t, err)
	defer c.Close()
	assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")
}

func TestDialErrors(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	ctx := ctxT(t, 5*time.Second)
	_, err := Dial(ctx, "127.0.0.1", "inst9", h.options())
	assert.ErrorIs(t, err, transport.ErrNotFound)
	assert.ErrorIs(t, err, ErrDeviceNotAccessible)
	assert.Contains(t, err.Error(), "vxi11 error 3")

	_, err = Dial(ctx, "127.0.0.1", "gpib0,45", h.options())
	assert.ErrorIs(t, err, ErrInvalidAddress)

	// A portmapper without the core program.
	h.pm.Unset(ProgCore, ProgVersion)
	_, err = Dial(ctx, "127.0.0.1", "inst0", h.options())
	assert.ErrorIs(t, err, transport.ErrNotFound)

	// Nobody listening at the core port.
	_, err = Dial(ctx, "127.0.0.1", "inst0", Options{CorePort: freePort(t)})
	assert.ErrorIs(t, err, transport.ErrNotFound)
}

func TestDeviceNames(t *testing.T) {
	inst1 := sim.NewTestInstrument(sim.WithIdentity("acme,one,1,1"))
	gw5 := sim.NewTestInstrument(sim.WithIdentity("acme,gpib5,1,1"))
	gw53 := sim.NewTestInstrument(sim.WithIdentity("acme,gpib5-3,1,1"))
	h := newHarness(t, ServerOptions{}, map[string]transport.Device{"inst1": inst1, "gpib0,5": gw5, "gpib0,5,3": gw53})
	for name, want := range map[string]string{
		"inst0": "govisa,Test", "INST1": "acme,one", "gpib0,5": "acme,gpib5,", "GPIB0,05": "acme,gpib5,", "gpib0,5,3": "acme,gpib5-3",
	} {
		c := h.dial(name)
		assert.True(t, strings.HasPrefix(query(t, c, "*IDN?"), want), name)
	}
	assert.Error(t, h.srv.AddDevice("inst1", inst1), "duplicate")
	assert.Error(t, h.srv.AddDevice("gpib0,99", inst1))
}

func TestWriteChunking(t *testing.T) {
	dev := &recDevice{}
	h := newHarness(t, ServerOptions{MaxRecvSize: 1024}, map[string]transport.Device{"inst1": dev})
	c := h.dial("inst1")
	require.Equal(t, uint32(1024), c.MaxRecvSize())
	ctx := ctxT(t, 5*time.Second)
	n, err := c.Write(ctx, make([]byte, 3000), true)
	require.NoError(t, err)
	assert.Equal(t, 3000, n)
	n, err = c.Write(ctx, make([]byte, 2048), false)
	require.NoError(t, err)
	assert.Equal(t, 2048, n)
	n, err = c.Write(ctx, nil, true) // END alone
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, []recWrite{{1024, false}, {1024, false}, {952, true}, {1024, false}, {1024, false}, {0, true}}, dev.recorded())
}

func TestReadTerminations(t *testing.T) {
	dev := &recDevice{}
	h := newHarness(t, ServerOptions{MaxReadSize: 1024}, map[string]transport.Device{"inst1": dev})
	c := h.dialWith("inst1", Options{CorePort: h.corePort(), MaxReadChunk: 700})
	ctx := ctxT(t, 5*time.Second)
	read := func(size int, opt transport.ReadOptions) (string, transport.Reason, error) {
		buf := make([]byte, size)
		n, r, err := c.Read(ctx, buf, opt)
		return string(buf[:n]), r, err
	}

	// termChar in the middle of a device chunk: the rest stays for the
	// next read, and END is reported on the byte that carried it.
	dev.script([]string{"a,b,c\n"}, []bool{true})
	tc := transport.ReadOptions{TermChar: ',', TermCharEnabled: true}
	s, r, err := read(100, tc)
	require.NoError(t, err)
	assert.Equal(t, "a,", s)
	assert.Equal(t, transport.ReasonTermChar, r)
	s, r, err = read(100, tc)
	require.NoError(t, err)
	assert.Equal(t, "b,", s)
	assert.Equal(t, transport.ReasonTermChar, r)
	s, r, err = read(100, tc)
	require.NoError(t, err)
	assert.Equal(t, "c\n", s)
	assert.Equal(t, transport.ReasonEND, r)

	// Without termchar enabled the ',' is data.
	dev.script([]string{"x,y\n"}, []bool{true})
	s, r, err = read(100, transport.ReadOptions{TermChar: ','})
	require.NoError(t, err)
	assert.Equal(t, "x,y\n", s)
	assert.Equal(t, transport.ReasonEND, r)

	// Buffer full: ReasonCount, the rest follows.
	dev.script([]string{"0123456789"}, []bool{true})
	s, r, err = read(4, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, "0123", s)
	assert.Equal(t, transport.ReasonCount, r)
	s, r, err = read(6, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, "456789", s)
	assert.Equal(t, transport.ReasonEND|transport.ReasonCount, r)

	// A message larger than the server's reply cap and the client's chunk:
	// several device_reads (reason 0 / REQCNT in between), one Read.
	big := strings.Repeat("z", 5000)
	dev.script([]string{big[:1500], big[1500:]}, []bool{false, true})
	s, r, err = read(8000, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, big, s)
	assert.Equal(t, transport.ReasonEND, r)

	// Zero-length buffer.
	n, r, err := c.Read(ctx, nil, transport.ReadOptions{})
	assert.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, transport.ReasonCount, r)
}

func TestReadTimeoutKeepsSessionUsable(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	n, _, err := c.Read(ctx, make([]byte, 100), transport.ReadOptions{})
	assert.Zero(t, n)
	assert.ErrorIs(t, err, transport.ErrTimeout)
	assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")

	// A deadline already past fails before anything is sent.
	past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	_, err = c.Write(past, []byte("*IDN?\n"), true)
	assert.ErrorIs(t, err, transport.ErrTimeout)
}

// TestIOTimeoutPartialData: the server's io_timeout answers error 15 with
// the bytes read so far, before the client's own deadline machinery.
func TestIOTimeoutPartialData(t *testing.T) {
	dev := &recDevice{}
	h := newHarness(t, ServerOptions{}, map[string]transport.Device{"inst1": dev})
	c := h.dial("inst1")
	dev.script([]string{"part"}, []bool{false})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Millisecond)
	defer cancel()
	buf := make([]byte, 100)
	n, _, err := c.Read(ctx, buf, transport.ReadOptions{})
	assert.ErrorIs(t, err, transport.ErrTimeout)
	assert.Equal(t, "part", string(buf[:n]))
}

func TestAbortBlockedRead(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, _, err := c.Read(ctx, make([]byte, 100), transport.ReadOptions{})
	require.Error(t, err)
	assert.ErrorIs(t, err, transport.ErrAborted)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, ErrAbort, "the server ended the call with error 23")
	// The link is still in step.
	assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")
	assert.Contains(t, query(t, c, "TEST:ECHO? again"), "again")
}

func TestAbortFromAnotherGoroutine(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background(), make([]byte, 10), transport.ReadOptions{})
		done <- err
	}()
	var err error
	for {
		require.NoError(t, c.Abort(ctxT(t, time.Second)))
		select {
		case err = <-done:
		case <-time.After(10 * time.Millisecond):
			continue
		}
		break
	}
	assert.ErrorIs(t, err, transport.ErrAborted)
	assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")
}

func TestGenericCalls(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")
	ctx := ctxT(t, 5*time.Second)

	require.NoError(t, c.Trigger(ctx))
	require.NoError(t, c.Trigger(ctx))
	assert.Equal(t, uint64(2), h.inst.TriggerCount())

	require.NoError(t, c.RemoteLocal(ctx, transport.RENAssertAddress))
	remote, _ := h.inst.RemoteState()
	assert.True(t, remote)
	require.NoError(t, c.RemoteLocal(ctx, transport.RENAddressGTL))
	remote, _ = h.inst.RemoteState()
	assert.False(t, remote)
	assert.ErrorIs(t, c.RemoteLocal(ctx, transport.RemoteLocal(9)), transport.ErrInvalidArg)

	// A pending response is dropped by device_clear.
	_, err := c.Write(ctx, []byte("*IDN?\n"), true)
	require.NoError(t, err)
	stb, err := c.ReadSTB(ctx)
	require.NoError(t, err)
	assert.NotZero(t, stb&0x10, "MAV set: %#x", stb)
	require.NoError(t, c.Clear(ctx))
	stb, err = c.ReadSTB(ctx)
	require.NoError(t, err)
	assert.Zero(t, stb&0x10, "MAV clear: %#x", stb)
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err = c.Read(short, make([]byte, 10), transport.ReadOptions{})
	assert.ErrorIs(t, err, transport.ErrTimeout)
}

func TestUnsupportedAndFailingDeviceCalls(t *testing.T) {
	dev := &recDevice{}
	h := newHarness(t, ServerOptions{}, map[string]transport.Device{"inst1": dev})
	c := h.dial("inst1")
	ctx := ctxT(t, 5*time.Second)
	_, err := c.ReadSTB(ctx)
	assert.ErrorIs(t, err, transport.ErrNotSupported)
	assert.ErrorIs(t, err, ErrOperationNotSupported)
	err = c.Trigger(ctx)
	assert.ErrorIs(t, err, transport.ErrIO)
	assert.ErrorIs(t, err, ErrIOError)
	// recDevice has no remote/local.
	assert.ErrorIs(t, c.RemoteLocal(ctx, transport.RENAssert), transport.ErrNotSupported)
	assert.ErrorIs(t, c.Lock(ctx, transport.LockShared, "key", time.Second), transport.ErrNotSupported)
}

func TestDocmd(t *testing.T) {
	dev := &recDevice{docmd: func(cmd int32, order bool, size int32, data []byte) ([]byte, error) {
		if cmd != DocmdBusStatus || !order || size != 2 {
			return nil, transport.ErrNotSupported
		}
		return []byte{0, data[1] + 1}, nil
	}}
	h := newHarness(t, ServerOptions{}, map[string]transport.Device{"gpib0": dev})
	ctx := ctxT(t, 5*time.Second)
	gw := h.dial("gpib0")
	out, err := gw.Docmd(ctx, DocmdBusStatus, true, 2, []byte{0, BusStatusNDAC})
	require.NoError(t, err)
	assert.Equal(t, []byte{0, BusStatusNDAC + 1}, out)
	_, err = gw.Docmd(ctx, DocmdIFCControl, true, 1, nil)
	assert.ErrorIs(t, err, ErrOperationNotSupported)

	inst := h.dial("inst0")
	_, err = inst.Docmd(ctx, DocmdSendCommand, true, 1, []byte{0x3f})
	assert.ErrorIs(t, err, transport.ErrNotSupported)
	assert.ErrorIs(t, err, ErrOperationNotSupported)
}

func TestConcurrentClients(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Dial(context.Background(), "127.0.0.1", "inst0", h.options())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for j := range 20 {
				msg := "c" + itoa(i) + "-" + itoa(j)
				// One program message per query: the instrument is shared,
				// so write and read must not interleave with other clients;
				// each client locks around its query.
				if err := c.Lock(ctx, transport.LockExclusive, "", 5*time.Second); err != nil {
					errs <- err
					return
				}
				buf := make([]byte, 64)
				_, err := c.Write(ctx, []byte("TEST:ECHO? "+msg+"\n"), true)
				var n int
				if err == nil {
					n, _, err = c.Read(ctx, buf, transport.ReadOptions{})
				}
				if err == nil && string(buf[:n]) != msg+"\n" {
					err = errors.New("got " + string(buf[:n]) + " want " + msg)
				}
				if uerr := c.Unlock(ctx); err == nil {
					err = uerr
				}
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

func TestBlockRead(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dialWith("inst0", Options{CorePort: h.corePort(), MaxReadChunk: 64 << 10})
	ctx := ctxT(t, 10*time.Second)
	_, err := c.Write(ctx, []byte("TEST:BLOCK? 300000\n"), true)
	require.NoError(t, err)
	buf := make([]byte, 400000)
	n, r, err := c.Read(ctx, buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonEND, r)
	hdr := "#6300000"
	require.Equal(t, len(hdr)+300000+1, n)
	assert.Equal(t, hdr, string(buf[:len(hdr)]))
	for i := range 300000 {
		if buf[len(hdr)+i] != byte(i) {
			t.Fatalf("byte %d = %d", i, buf[len(hdr)+i])
		}
	}
	assert.True(t, bytes.HasSuffix(buf[:n], []byte{'\n'}))
}
