package usbtmc

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueryIDN(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	got, why := r.query(t, "*IDN?\n", 256)
	assert.True(t, strings.HasPrefix(got, "govisa,Test Instrument"), got)
	assert.True(t, why.Has(transport.ReasonEND))
	assert.Equal(t, FullCapabilities, r.conn.Capabilities())
}

// blockCheck verifies a TEST:BLOCK? answer: "#<d><len>" then i mod 256.
func blockCheck(t *testing.T, s string, n int) {
	t.Helper()
	hdr := fmt.Sprintf("#%d%d", len(fmt.Sprint(n)), n)
	require.True(t, strings.HasPrefix(s, hdr), s[:min(len(s), 20)])
	body := s[len(hdr):]
	require.GreaterOrEqual(t, len(body), n)
	for i := 0; i < n; i++ {
		if body[i] != byte(i) {
			t.Fatalf("byte %d = %d", i, body[i])
		}
	}
}

func TestBlockReadManyTransfers(t *testing.T) {
	for _, zlp := range []bool{false, true} {
		for _, mp := range []int{64, 512} {
			t.Run(fmt.Sprintf("zlp=%v/mp=%d", zlp, mp), func(t *testing.T) {
				r := newRig(t, DeviceOptions{ZLP: zlp, MaxPacket: mp}, WithMaxTransfer(4096))
				for _, n := range []int{0, 1, 500, 4096 - 12, 100000} {
					got, _ := r.query(t, fmt.Sprintf("TEST:BLOCK? %d\n", n), 3000)
					blockCheck(t, got, n)
				}
				// Lengths that put the transfer end exactly on a packet boundary.
				for _, k := range []int{mp - 12 - 7, 2*mp - 12 - 7} {
					got, why := r.query(t, fmt.Sprintf("TEST:ECHO? %s\n", strings.Repeat("x", k)), 5000)
					assert.Len(t, got, k+1)
					assert.True(t, why.Has(transport.ReasonEND))
				}
			})
		}
	}
}

func TestWriteSplitsTransfers(t *testing.T) {
	r := newRig(t, DeviceOptions{}, WithMaxTransfer(1024))
	long := strings.Repeat("y", 5000)
	got, _ := r.query(t, "TEST:ECHO? "+long+"\n", 64)
	assert.Equal(t, long+"\n", got)
	// A message written in parts: END only with the last.
	ctx := ctxT(t, time.Second)
	_, err := r.conn.Write(ctx, []byte("*ID"), false)
	require.NoError(t, err)
	_, err = r.conn.Write(ctx, []byte("N?\n"), true)
	require.NoError(t, err)
	got, _ = r.readAll(t, 100)
	assert.Contains(t, got, "Test Instrument")
	n, err := r.conn.Write(ctx, nil, true)
	assert.NoError(t, err)
	assert.Zero(t, n)
}

func TestReadCountAndTermChar(t *testing.T) {
	for _, devTerm := range []bool{true, false} {
		t.Run(fmt.Sprint("deviceTermChar=", devTerm), func(t *testing.T) {
			caps := FullCapabilities
			caps.TermChar = devTerm
			r := newRig(t, DeviceOptions{Caps: &caps})
			_, err := r.conn.Write(ctxT(t, time.Second), []byte("TEST:ECHO? 'ab;cd;ef'\n"), true)
			require.NoError(t, err)
			buf := make([]byte, 100)
			opt := transport.ReadOptions{TermChar: ';', TermCharEnabled: true}
			n, why, err := r.conn.Read(ctxT(t, time.Second), buf, opt)
			require.NoError(t, err)
			assert.Equal(t, "'ab;", string(buf[:n]))
			assert.Equal(t, transport.ReasonTermChar, why)
			assert.Equal(t, devTerm, r.dev.Stats().LastRequestIn.TermCharOn, "TermChar sent only when the device supports it")
			n, why, err = r.conn.Read(ctxT(t, time.Second), buf[:2], transport.ReadOptions{})
			require.NoError(t, err)
			assert.Equal(t, "cd", string(buf[:n]))
			assert.Equal(t, transport.ReasonCount, why)
			n, why, err = r.conn.Read(ctxT(t, time.Second), buf, transport.ReadOptions{})
			require.NoError(t, err)
			assert.Equal(t, ";ef'\n", string(buf[:n]))
			assert.Equal(t, transport.ReasonEND, why)
		})
	}
}

func TestReadTimeoutAbortsAndRecovers(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	buf := make([]byte, 64)
	_, _, err := r.conn.Read(ctxT(t, 20*time.Millisecond), buf, transport.ReadOptions{})
	require.ErrorIs(t, err, transport.ErrTimeout)
	assert.Equal(t, 1, r.dev.Stats().AbortsIn, "INITIATE_ABORT_BULK_IN after the timeout")
	got, _ := r.query(t, "*IDN?\n", 256)
	assert.Contains(t, got, "Test Instrument")
	// A cancelled context aborts too, with ErrAborted.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	_, _, err = r.conn.Read(ctx, buf, transport.ReadOptions{})
	require.ErrorIs(t, err, transport.ErrAborted)
	assert.Equal(t, 2, r.dev.Stats().AbortsIn)
	got, _ = r.query(t, "*IDN?\n", 256)
	assert.Contains(t, got, "Test Instrument")
}

func TestWriteTimeoutAbortsBulkOut(t *testing.T) {
	inst := newRig(t, DeviceOptions{})
	w := &wrap{Transfers: inst.dev}
	var calls atomic.Int32
	w.bulkOut = func(ctx context.Context, ep uint8, p []byte) (int, error) {
		if calls.Add(1) == 1 {
			// The device takes the first half, then NAKs until the deadline.
			inst.dev.BulkOut(ctx, ep, p[:HeaderSize+10])
			<-ctx.Done()
			return 0, transport.NetError("bulk_out", ctx.Err())
		}
		return inst.dev.BulkOut(ctx, ep, p)
	}
	c, err := Open(ctxT(t, time.Second), w, testIfc)
	require.NoError(t, err)
	defer c.Close()
	n, err := c.Write(ctxT(t, 20*time.Millisecond), []byte("TEST:ECHO? 'abcdefghijklmnop'\n"), true)
	require.ErrorIs(t, err, transport.ErrTimeout)
	assert.Equal(t, 10, n, "count = NBYTES_RXD from CHECK_ABORT_BULK_OUT_STATUS")
	assert.Equal(t, 1, inst.dev.Stats().AbortsOut)
	assert.Equal(t, 1, inst.dev.Stats().ClearHalts)
	require.NoError(t, c.Clear(ctxT(t, time.Second)))
	_, err = c.Write(ctxT(t, time.Second), []byte("*IDN?\n"), true)
	require.NoError(t, err)
	buf := make([]byte, 200)
	k, _, err := c.Read(ctxT(t, time.Second), buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Contains(t, string(buf[:k]), "Test Instrument")
}

func TestClearDiscardsResponse(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	_, err := r.conn.Write(ctxT(t, time.Second), []byte("TEST:ECHO? 'stale'\n"), true)
	require.NoError(t, err)
	require.NoError(t, r.conn.Clear(ctxT(t, time.Second)))
	assert.Equal(t, 1, r.dev.Stats().Clears)
	assert.Equal(t, 1, r.dev.Stats().ClearHalts, "CLEAR_FEATURE(HALT) on Bulk-OUT after SUCCESS")
	got, _ := r.query(t, "TEST:ECHO? fresh\n", 64)
	assert.Equal(t, "fresh\n", got)
}

func TestClearDrainsQueuedBulkIn(t *testing.T) {
	r := newRig(t, DeviceOptions{}, WithQuirks(QuirkSingleHeader))
	// With the single-header quirk the rest of a transfer stays in the
	// device's FIFO between Reads: the clear must drain it.
	_, err := r.conn.Write(ctxT(t, time.Second), []byte("TEST:BLOCK? 5000\n"), true)
	require.NoError(t, err)
	r.dev.o.SingleHeader = true
	buf := make([]byte, 100)
	_, _, err = r.conn.Read(ctxT(t, time.Second), buf, transport.ReadOptions{})
	require.NoError(t, err)
	require.NoError(t, r.conn.Clear(ctxT(t, time.Second)))
	r.dev.o.SingleHeader = false
	got, _ := r.query(t, "TEST:ECHO? after\n", 64)
	assert.Equal(t, "after\n", got)
}

func TestRigolSingleHeaderQuirk(t *testing.T) {
	r := newRig(t, DeviceOptions{SingleHeader: true}, WithQuirks(QuirkSingleHeader))
	got, _ := r.query(t, "TEST:BLOCK? 20000\n", 1000)
	blockCheck(t, got, 20000)
	assert.Equal(t, 0, r.dev.Stats().AbortsIn)
	// Without the quirk the oversized TransferSize is a protocol error.
	r2 := newRig(t, DeviceOptions{SingleHeader: true}, WithQuirks(0))
	_, err := r2.conn.Write(ctxT(t, time.Second), []byte("TEST:BLOCK? 20000\n"), true)
	require.NoError(t, err)
	_, _, err = r2.conn.Read(ctxT(t, time.Second), make([]byte, 1000), transport.ReadOptions{})
	assert.ErrorIs(t, err, transport.ErrProtocol)
	assert.Equal(t, 1, r2.dev.Stats().AbortsIn)
}

func TestSmallReadsQuirk(t *testing.T) {
	r := newRig(t, DeviceOptions{MaxPacket: 64}, WithQuirks(QuirkSmallReads))
	got, _ := r.query(t, "TEST:BLOCK? 300\n", 1000)
	blockCheck(t, got, 300)
	assert.LessOrEqual(t, r.dev.Stats().LastRequestIn.TransferSize, uint32(48))
}

func TestSTBInterruptPathAndSRQ(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	srq := make(chan struct{}, 4)
	r.conn.OnSRQ(func() { srq <- struct{}{} })
	stb, err := r.conn.ReadSTB(ctxT(t, time.Second))
	require.NoError(t, err)
	assert.Zero(t, stb&0x41)
	_, err = r.conn.Write(ctxT(t, time.Second), []byte("*SRE 1;TEST:SRQ\n"), true)
	require.NoError(t, err)
	select {
	case <-srq:
	case <-time.After(2 * time.Second):
		t.Fatal("no SRQ delivered")
	}
	stb, err = r.conn.ReadSTB(ctxT(t, time.Second))
	require.NoError(t, err)
	assert.Equal(t, byte(0x41), stb&0x41, "RQS and the test bit")
	for i := 0; i < 200; i++ { // bTag 2..127 wraps
		_, err = r.conn.ReadSTB(ctxT(t, time.Second))
		require.NoError(t, err)
	}
	r.conn.OnSRQ(nil)
}

func TestSTBControlPath(t *testing.T) {
	r := newRig(t, DeviceOptions{NoInterrupt: true})
	_, err := r.conn.Write(ctxT(t, time.Second), []byte("*SRE 1;TEST:SRQ\n"), true)
	require.NoError(t, err)
	stb, err := r.conn.ReadSTB(ctxT(t, time.Second))
	require.NoError(t, err)
	assert.Equal(t, byte(0x41), stb&0x41)
}

func TestSTBTimeoutWhenNotificationMissing(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	w := &wrap{Transfers: r.dev}
	w.control = func(ctx context.Context, rt, req uint8, v, i uint16, d []byte) (int, error) {
		if req == ReqReadStatusByte { // answer, but never notify
			return copy(d, []byte{StatusSuccess, byte(v), 0}), nil
		}
		return r.dev.Control(ctx, rt, req, v, i, d)
	}
	c, err := Open(ctxT(t, time.Second), w, testIfc)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.ReadSTB(ctxT(t, 20*time.Millisecond))
	assert.ErrorIs(t, err, transport.ErrTimeout)
}

func TestTriggerRemoteLocalIndicator(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	require.NoError(t, r.conn.Trigger(ctxT(t, time.Second)))
	got, _ := r.query(t, "TEST:TRIG:COUN?\n", 64)
	assert.Equal(t, "1\n", got)
	remote, _ := r.inst.RemoteState()
	assert.True(t, remote, "REN asserted at open")
	require.NoError(t, r.conn.RemoteLocal(ctxT(t, time.Second), transport.RENAssertAddrLLO))
	remote, lockout := r.inst.RemoteState()
	assert.True(t, remote && lockout)
	require.NoError(t, r.conn.RemoteLocal(ctxT(t, time.Second), transport.RENDeassertGTL))
	remote, _ = r.inst.RemoteState()
	assert.False(t, remote)
	assert.ErrorIs(t, r.conn.RemoteLocal(ctxT(t, time.Second), 99), transport.ErrInvalidArg)
	require.NoError(t, r.conn.IndicatorPulse(ctxT(t, time.Second)))
	assert.Equal(t, 1, r.dev.Stats().IndicatorPulses)
}

func TestCapabilitiesHonoured(t *testing.T) {
	caps := Capabilities{BCDUSBTMC: 0x0100, BCDUSB488: 0x0100, IEEE4882: true} // no trigger, no REN, no pulse
	r := newRig(t, DeviceOptions{Caps: &caps})
	assert.ErrorIs(t, r.conn.Trigger(ctxT(t, time.Second)), transport.ErrNotSupported)
	assert.ErrorIs(t, r.conn.RemoteLocal(ctxT(t, time.Second), transport.RENAssert), transport.ErrNotSupported)
	assert.ErrorIs(t, r.conn.IndicatorPulse(ctxT(t, time.Second)), transport.ErrNotSupported)
	remote, _ := r.inst.RemoteState()
	assert.False(t, remote, "no REN_CONTROL at open")
	assert.Zero(t, r.dev.Stats().Triggers)

	plain := Capabilities{BCDUSBTMC: 0x0100}
	p := newRig(t, DeviceOptions{Caps: &plain, NoInterrupt: true})
	_, err := p.conn.ReadSTB(ctxT(t, time.Second))
	assert.ErrorIs(t, err, transport.ErrNotSupported)
	got, _ := p.query(t, "*IDN?\n", 100)
	assert.Contains(t, got, "Test Instrument")
}

func TestCapabilitiesStall(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	w := &wrap{Transfers: r.dev}
	w.control = func(ctx context.Context, rt, req uint8, v, i uint16, d []byte) (int, error) {
		return 0, stall(req)
	}
	c, err := Open(ctxT(t, time.Second), w, testIfc)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, Capabilities{}, c.Capabilities())
	assert.ErrorIs(t, c.Trigger(ctxT(t, time.Second)), transport.ErrNotSupported)
}

func TestCloseUnblocksRead(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	errc := make(chan error, 1)
	go func() {
		_, _, err := r.conn.Read(context.Background(), make([]byte, 10), transport.ReadOptions{})
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, r.conn.Close())
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, transport.ErrClosed)
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
	_, err := r.conn.Write(context.Background(), []byte("x"), true)
	assert.ErrorIs(t, err, transport.ErrClosed)
	assert.NoError(t, r.conn.Close())
}

func TestOpenRejectsBadEndpoints(t *testing.T) {
	ifc := testIfc
	ifc.BulkIn = 0x01
	_, err := Open(context.Background(), NewDevice(nil, DeviceOptions{}), ifc)
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
}

func TestRaw(t *testing.T) {
	inst := newRig(t, DeviceOptions{}) // only for its instrument
	dev := NewDevice(inst.inst, DeviceOptions{Raw: true})
	rc := OpenRaw(dev, testIfc, WithMaxTransfer(4096))
	defer rc.Close()
	_, err := rc.Write(ctxT(t, time.Second), []byte("*IDN?\n"), true)
	require.NoError(t, err)
	buf := make([]byte, 256)
	n, why, err := rc.Read(ctxT(t, time.Second), buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Contains(t, string(buf[:n]), "Test Instrument")
	assert.True(t, why.Has(transport.ReasonEND))
	_, _, err = rc.Read(ctxT(t, 20*time.Millisecond), buf, transport.ReadOptions{})
	assert.ErrorIs(t, err, transport.ErrTimeout)
	_, err = dev.Control(ctxT(t, time.Second), ReqTypeInterface, ReqGetCapabilities, 0, 0, buf[:24])
	assert.ErrorIs(t, err, transport.ErrIO, "a RAW device has no USBTMC class requests")
	require.NoError(t, rc.Close())
	_, err = rc.Write(ctxT(t, time.Second), []byte("x"), true)
	assert.ErrorIs(t, err, transport.ErrClosed)
}

func TestSuppressEND(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	_, err := r.conn.Write(ctxT(t, time.Second), []byte("*IDN?\n"), true)
	require.NoError(t, err)
	buf := make([]byte, 200)
	n, _, err := r.conn.Read(ctxT(t, 50*time.Millisecond), buf, transport.ReadOptions{SuppressEND: true})
	require.ErrorIs(t, err, transport.ErrTimeout, "EOM must not end the read")
	assert.Contains(t, string(buf[:n]), "Test Instrument", "bytes read before the timeout are returned")
	_, err = r.conn.Write(ctxT(t, time.Second), []byte("*IDN?\n"), true)
	require.NoError(t, err)
	n, why, err := r.conn.Read(ctxT(t, time.Second), buf, transport.ReadOptions{SuppressEND: true, TermChar: '\n', TermCharEnabled: true})
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonTermChar, why)
	assert.Contains(t, string(buf[:n]), "Test Instrument")
}
