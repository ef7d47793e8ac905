package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/ieee4882"
	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// okTimeout bounds reads that must succeed at once; it only expires when a
// test is failing.
const okTimeout = 2 * time.Second

func write(t testing.TB, d transport.Device, msg string) {
	t.Helper()
	require.NoError(t, d.Write(context.Background(), []byte(msg), true))
}

// readMsg reads one whole response message with buffers of size chunk.
func readMsg(t testing.TB, d transport.Device, chunk int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), okTimeout)
	defer cancel()
	var sb strings.Builder
	buf := make([]byte, chunk)
	for {
		n, end, err := d.Read(ctx, buf)
		require.NoError(t, err)
		sb.Write(buf[:n])
		if end {
			return sb.String()
		}
	}
}

func query(t testing.TB, d transport.Device, msg string) string {
	t.Helper()
	write(t, d, msg)
	return readMsg(t, d, 4096)
}

func stb(t testing.TB, d transport.Device) byte {
	t.Helper()
	b, err := d.ReadSTB(context.Background())
	require.NoError(t, err)
	return b
}

func TestIdentity(t *testing.T) {
	ti := NewTestInstrument()
	assert.Equal(t, "govisa,Test Instrument,0,"+Version+"\n", query(t, ti, "*IDN?"))
	assert.Equal(t, "govisa,Test Instrument,0,"+Version, ti.Identity())
	ti = NewTestInstrument(WithIdentity("ACME,X1,42,1.0"))
	assert.Equal(t, "ACME,X1,42,1.0\n", query(t, ti, "*idn?\n"))
	assert.Equal(t, "govisa,Instrument,0,"+Version+"\n", query(t, NewInstrument(), "*IDN?"))
}

func TestCommonCommands(t *testing.T) {
	ti := NewTestInstrument()
	assert.Equal(t, "0\n", query(t, ti, "*ESE?"))
	write(t, ti, "*ESE 36")
	assert.Equal(t, "36\n", query(t, ti, "*ESE?"))
	write(t, ti, "*ESE #H21")
	assert.Equal(t, "33\n", query(t, ti, "*ESE?"))
	write(t, ti, "*ESE 3.6") // NRf is rounded
	assert.Equal(t, "4\n", query(t, ti, "*ESE?"))

	write(t, ti, "*SRE 255") // bit 6 is ignored
	assert.Equal(t, "191\n", query(t, ti, "*SRE?"))
	write(t, ti, "*SRE 0")

	assert.Equal(t, "0\n", query(t, ti, "*ESR?"))
	write(t, ti, "*OPC")
	assert.Equal(t, "1\n", query(t, ti, "*ESR?"))
	assert.Equal(t, "0\n", query(t, ti, "*ESR?"), "*ESR? clears the register")

	assert.Equal(t, "1\n", query(t, ti, "*OPC?"))
	assert.Equal(t, "0\n", query(t, ti, "*TST?"))
	write(t, ti, "*WAI")
	assert.Equal(t, byte(0), stb(t, ti), "*WAI queues no response")

	write(t, ti, "*TRG;*TRG")
	require.NoError(t, ti.Trigger(context.Background()))
	assert.Equal(t, "3\n", query(t, ti, "TEST:TRIG:COUNT?"))
	assert.Equal(t, uint64(3), ti.TriggerCount())
	assert.Equal(t, "3\n", query(t, ti, "test:trigger:count?"))

	// *RST resets device settings, not the status registers.
	write(t, ti, "*ESE 8;*RST")
	assert.Equal(t, "0\n", query(t, ti, "TEST:TRIG:COUN?"))
	assert.Equal(t, "8\n", query(t, ti, "*ESE?"))
	assert.Equal(t, `0,"No error"`+"\n", query(t, ti, "SYST:ERR?"))
}

func TestParameterErrors(t *testing.T) {
	ti := NewTestInstrument()
	for _, tc := range []struct {
		cmd  string
		code int
	}{
		{"*ESE 256", -222},
		{"*ESE -1", -222},
		{"*ESE abc", -104},
		{"*ESE #X12", -104},
		{"*ESE #Hzz", -104},
		{"*ESE", -109},
		{"*CLS 1", -108},
		{"*IDN? x", -108},
		{"TEST:BLOCK? -1", -222},
		{"TEST:DELAY NaN", -104},
		{"*IDN", -113},
		{"*CLS?", -113},
		{"BOGUS:CMD", -113},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			write(t, ti, tc.cmd)
			resp := query(t, ti, "SYSTem:ERRor?")
			assert.True(t, strings.HasPrefix(resp, fmt.Sprintf("%d,", tc.code)), "got %q", resp)
			assert.Equal(t, `0,"No error"`+"\n", query(t, ti, "SYST:ERR?"))
			query(t, ti, "*ESR?") // clear the error class bit
		})
	}
}

func TestSystemErrorForms(t *testing.T) {
	ti := NewTestInstrument()
	for _, h := range []string{"SYST:ERR?", "SYSTEM:ERROR?", "system:error?", ":Syst:Err?", "SYST:ERROR:NEXT?", "syst:err:next?"} {
		write(t, ti, "NOPE")
		assert.Equal(t, `-113,"Undefined header"`+"\n", query(t, ti, h), h)
	}
	write(t, ti, "SYS:ERR?") // neither short nor long form
	assert.Equal(t, `-113,"Undefined header"`+"\n", query(t, ti, "SYST:ERR?"))
}

func TestUnknownCommandSetsStatus(t *testing.T) {
	ti := NewTestInstrument()
	write(t, ti, "FOO")
	assert.Equal(t, ieee4882.STBEAV, stb(t, ti), "error queue not empty")
	assert.Equal(t, "32\n", query(t, ti, "*ESR?"), "CME")
	query(t, ti, "SYST:ERR?")
	assert.Equal(t, byte(0), stb(t, ti))
}

func TestErrorQueueOverflow(t *testing.T) {
	ti := NewTestInstrument()
	for i := range 40 {
		write(t, ti, fmt.Sprintf("BAD%d", i))
	}
	var got []string
	for range 33 {
		got = append(got, query(t, ti, "SYST:ERR?"))
	}
	for i := range 31 {
		assert.Equal(t, `-113,"Undefined header"`+"\n", got[i], i)
	}
	assert.Equal(t, `-350,"Queue overflow"`+"\n", got[31])
	assert.Equal(t, `0,"No error"`+"\n", got[32])

	small := NewTestInstrument(WithErrorQueueSize(2))
	write(t, small, "A;B;C")
	assert.Equal(t, `-113,"Undefined header"`+"\n", query(t, small, "SYST:ERR?"))
	assert.Equal(t, `-350,"Queue overflow"`+"\n", query(t, small, "SYST:ERR?"))
	assert.Equal(t, `0,"No error"`+"\n", query(t, small, "SYST:ERR?"))
}

func TestCLS(t *testing.T) {
	ti := NewTestInstrument()
	write(t, ti, "*ESE 1;*OPC;FOO;TEST:SRQ")
	assert.Equal(t, ieee4882.STBESB|ieee4882.STBEAV|STBTestSRQ, stb(t, ti))
	write(t, ti, "*CLS")
	assert.Equal(t, byte(0), stb(t, ti))
	assert.Equal(t, "1\n", query(t, ti, "*ESE?"), "*CLS keeps the enable registers")
	assert.Equal(t, `0,"No error"`+"\n", query(t, ti, "SYST:ERR?"))
}

func TestMultipleCommandsOneMessage(t *testing.T) {
	ti := NewTestInstrument()
	assert.Equal(t, "4;1;govisa,Test Instrument,0,"+Version+"\n", query(t, ti, "*ESE 4;*ESE?;*OPC?;;*IDN?"))
	// Errors in one unit do not stop the others.
	assert.Equal(t, "1\n", query(t, ti, "FOO;*OPC?"))
	assert.Equal(t, `-113,"Undefined header"`+"\n", query(t, ti, "SYST:ERR?"))
}

func TestEcho(t *testing.T) {
	ti := NewTestInstrument()
	assert.Equal(t, "hello world  twice\n", query(t, ti, "TEST:ECHO? hello world  twice"))
	assert.Equal(t, `"a;b";x`+"\n", query(t, ti, `TEST:ECHO? "a;b";TEST:ECHO? x`))
	assert.Equal(t, "\n", query(t, ti, "TEST:ECHO?"))
	assert.Equal(t, "crlf\n", query(t, ti, "TEST:ECHO? crlf\r\n"))
}

func TestMessageAcrossWrites(t *testing.T) {
	ti := NewTestInstrument()
	ctx := context.Background()
	require.NoError(t, ti.Write(ctx, []byte("*ID"), false))
	require.NoError(t, ti.Write(ctx, []byte("N?"), false))
	assert.Equal(t, byte(0), stb(t, ti), "nothing executes before the terminator")
	require.NoError(t, ti.Write(ctx, []byte("\n"), false))
	assert.Equal(t, "govisa,Test Instrument,0,"+Version+"\n", readMsg(t, ti, 7))

	// Two messages in one write, and empty messages in between.
	require.NoError(t, ti.Write(ctx, []byte("*ESE 2\n\n \r\n*ESE?\n"), true))
	assert.Equal(t, "2\n", readMsg(t, ti, 64))
	assert.Equal(t, `0,"No error"`+"\n", query(t, ti, "SYST:ERR?"))
}

func TestQueryInterrupted(t *testing.T) {
	ti := NewTestInstrument()
	write(t, ti, "*IDN?")
	assert.Equal(t, ieee4882.STBMAV, stb(t, ti))
	write(t, ti, "*OPC?")
	assert.Equal(t, "1\n", readMsg(t, ti, 64), "the old response was discarded")
	assert.Equal(t, "4\n", query(t, ti, "*ESR?"), "QYE")
	assert.Equal(t, `-410,"Query INTERRUPTED"`+"\n", query(t, ti, "SYST:ERR?"))

	// A partly read response is discarded too; reads never mix messages.
	write(t, ti, "TEST:BLOCK? 1000")
	buf := make([]byte, 10)
	n, end, err := ti.Read(context.Background(), buf)
	require.NoError(t, err)
	assert.Equal(t, 10, n)
	assert.False(t, end)
	assert.Equal(t, "x\n", query(t, ti, "TEST:ECHO? x"))
	assert.Equal(t, `-410,"Query INTERRUPTED"`+"\n", query(t, ti, "SYST:ERR?"))
}

func TestMAV(t *testing.T) {
	ti := NewTestInstrument()
	assert.Zero(t, stb(t, ti)&ieee4882.STBMAV)
	write(t, ti, "*IDN?")
	assert.Equal(t, ieee4882.STBMAV, stb(t, ti))
	buf := make([]byte, 3)
	_, _, err := ti.Read(context.Background(), buf)
	require.NoError(t, err)
	assert.Equal(t, ieee4882.STBMAV, stb(t, ti), "MAV stays while bytes remain")
	readMsg(t, ti, 100)
	assert.Zero(t, stb(t, ti)&ieee4882.STBMAV)
	// *STB? sees MAV clear at execution, since no response was queued then.
	assert.Equal(t, "0\n", query(t, ti, "*STB?"))
}

func TestESBAndSRQ(t *testing.T) {
	ti := NewTestInstrument()
	var mu sync.Mutex
	calls := 0
	unsub := ti.SubscribeSRQ(func() { mu.Lock(); calls++; mu.Unlock() })
	defer unsub()
	count := func() int { mu.Lock(); defer mu.Unlock(); return calls }

	write(t, ti, "*ESE 1;*OPC")
	assert.Equal(t, ieee4882.STBESB, stb(t, ti), "ESB without SRE requests nothing")
	assert.Equal(t, 0, count())

	write(t, ti, "*SRE 32") // enabling a set summary bit requests service
	assert.Equal(t, 1, count())
	assert.Equal(t, ieee4882.STBESB|ieee4882.STBRQS, stb(t, ti), "serial poll shows RQS")
	assert.Equal(t, ieee4882.STBESB, stb(t, ti), "the poll cleared RQS")
	assert.Equal(t, "96\n", query(t, ti, "*STB?"), "MSS stays in *STB?")
	assert.Equal(t, "96\n", query(t, ti, "*STB?"), "*STB? clears nothing")

	write(t, ti, "*OPC") // no new edge while the summary is still true
	assert.Equal(t, 1, count())
	assert.Equal(t, "1\n", query(t, ti, "*ESR?"))
	assert.Zero(t, stb(t, ti)&ieee4882.STBESB)
	write(t, ti, "*OPC") // a new edge
	assert.Equal(t, 2, count())
}

func TestSRQOnMAVAndSubscribers(t *testing.T) {
	ti := NewTestInstrument()
	a, b := make(chan struct{}, 10), make(chan struct{}, 10)
	unA := ti.SubscribeSRQ(func() { a <- struct{}{} })
	unB := ti.SubscribeSRQ(func() { b <- struct{}{} })
	write(t, ti, "*SRE 16")
	write(t, ti, "*IDN?")
	assert.Len(t, a, 1)
	assert.Len(t, b, 1)
	assert.Equal(t, ieee4882.STBMAV|ieee4882.STBRQS, stb(t, ti))
	readMsg(t, ti, 100)

	unA()
	unA() // idempotent
	write(t, ti, "*OPC?")
	assert.Len(t, a, 1)
	assert.Len(t, b, 2)
	readMsg(t, ti, 100)
	unB()
}

func TestSubscriberMayCallBack(t *testing.T) {
	ti := NewTestInstrument()
	got := make(chan byte, 1)
	defer ti.SubscribeSRQ(func() {
		b, _ := ti.ReadSTB(context.Background())
		got <- b
	})()
	write(t, ti, "*SRE 1;TEST:SRQ")
	assert.Equal(t, STBTestSRQ|ieee4882.STBRQS, <-got)
}

func TestTestSRQ(t *testing.T) {
	ti := NewTestInstrument()
	n := make(chan struct{}, 10)
	defer ti.SubscribeSRQ(func() { n <- struct{}{} })()
	write(t, ti, "TEST:SRQ")
	assert.Equal(t, STBTestSRQ, stb(t, ti))
	assert.Empty(t, n, "not enabled")
	write(t, ti, "*SRE 1")
	assert.Len(t, n, 1)
	write(t, ti, "TEST:SRQ")
	assert.Len(t, n, 1, "bit already set: no new edge")
	write(t, ti, "*CLS")
	assert.Equal(t, byte(0), stb(t, ti), "*CLS clears the bit and withdraws RQS")
	write(t, ti, "TEST:SRQ")
	assert.Len(t, n, 2)
}

func TestUpdate(t *testing.T) {
	ti := NewTestInstrument()
	n := make(chan struct{}, 1)
	defer ti.SubscribeSRQ(func() { n <- struct{}{} })()
	ti.Update(func(st *State) {
		st.SetSRE(0x80)
		st.SetDeviceBits(0x80 | ieee4882.STBMAV) // MAV is computed, not settable
	})
	assert.Len(t, n, 1)
	assert.Equal(t, byte(0xC0), stb(t, ti))
	ti.Update(func(st *State) { st.ClearDeviceBits(0x80) })
	assert.Equal(t, byte(0), stb(t, ti))
	ti.Update(func(st *State) {
		st.PushError(Error{42, "device thing"})
		assert.Equal(t, 1, st.ErrorCount())
		assert.Equal(t, ieee4882.ESRDDE, st.ESR())
	})
	assert.Equal(t, `42,"device thing"`+"\n", query(t, ti, "SYST:ERR?"))
}

func TestReadDeadlineAndCancel(t *testing.T) {
	ti := NewTestInstrument()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	n, end, err := ti.Read(ctx, make([]byte, 10))
	assert.Zero(t, n)
	assert.False(t, end)
	assert.ErrorIs(t, err, transport.ErrTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, _, err = ti.Read(ctx, make([]byte, 10))
	assert.ErrorIs(t, err, transport.ErrAborted)
	assert.ErrorIs(t, err, context.Canceled)

	// Available data is returned even with an expired context.
	write(t, ti, "*OPC?")
	n, end, err = ti.Read(ctx, make([]byte, 10))
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.True(t, end)

	n, end, err = ti.Read(ctx, nil)
	assert.Zero(t, n)
	assert.False(t, end)
	assert.NoError(t, err)
}

func TestClearAbortsBlockedRead(t *testing.T) {
	ti := NewTestInstrument()
	ctx, cancel := context.WithTimeout(context.Background(), okTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := ti.Read(ctx, make([]byte, 10))
		done <- err
	}()
	// Clear until the reader, once blocked, is aborted; a Clear before the
	// Read starts waiting does not concern it.
	for {
		require.NoError(t, ti.Clear(context.Background()))
		select {
		case err := <-done:
			assert.ErrorIs(t, err, transport.ErrAborted)
			assert.NotErrorIs(t, err, transport.ErrTimeout)
			return
		case <-time.After(time.Millisecond):
		}
	}
}

func TestClearEmptiesBuffers(t *testing.T) {
	ti := NewTestInstrument()
	ctx := context.Background()
	write(t, ti, "*IDN?")
	require.NoError(t, ti.Write(ctx, []byte("*ES"), false))
	require.NoError(t, ti.Clear(ctx))
	assert.Equal(t, byte(0), stb(t, ti), "output queue emptied")
	require.NoError(t, ti.Write(ctx, []byte("E?"), true)) // "E?" alone: the "*ES" was dropped
	assert.Equal(t, `-113,"Undefined header"`+"\n", query(t, ti, "SYST:ERR?"))
	assert.Equal(t, `0,"No error"`+"\n", query(t, ti, "SYST:ERR?"), "no query interrupted after a clear")
}

func TestResponseDelay(t *testing.T) {
	ti := NewTestInstrument()
	srq := make(chan struct{}, 1)
	defer ti.SubscribeSRQ(func() { srq <- struct{}{} })()
	write(t, ti, "*SRE 16;TEST:DELAY 50")
	write(t, ti, "*IDN?")
	assert.Zero(t, stb(t, ti)&ieee4882.STBMAV, "not available yet")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	_, _, err := ti.Read(ctx, make([]byte, 10))
	assert.ErrorIs(t, err, transport.ErrTimeout)
	// The response becomes available later and requests service (MAV).
	select {
	case <-srq:
	case <-time.After(okTimeout):
		t.Fatal("no SRQ when the delayed response became available")
	}
	assert.Equal(t, "govisa,Test Instrument,0,"+Version+"\n", readMsg(t, ti, 100))
	// The delay applied once.
	write(t, ti, "*OPC?")
	assert.Equal(t, ieee4882.STBMAV, stb(t, ti)&ieee4882.STBMAV)
	readMsg(t, ti, 10)
}

func TestDelayedResponseBlocksRead(t *testing.T) {
	ti := NewTestInstrument()
	write(t, ti, "TEST:DELAY 10;*OPC?")
	assert.Equal(t, "1\n", readMsg(t, ti, 10), "a blocked Read wakes when the response is released")
	write(t, ti, "TEST:DELAY 1000;*OPC?")
	require.NoError(t, ti.Clear(context.Background())) // drops the pending response and its timer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	_, _, err := ti.Read(ctx, make([]byte, 10))
	assert.ErrorIs(t, err, transport.ErrTimeout)
}

func TestInputLimit(t *testing.T) {
	ti := NewTestInstrument(WithMaxInput(16))
	ctx := context.Background()
	require.NoError(t, ti.Write(ctx, []byte("TEST:ECHO? 0123456789"), false))
	require.NoError(t, ti.Write(ctx, []byte("more;*OPC?"), true))
	assert.Equal(t, byte(ieee4882.STBEAV), stb(t, ti), "the long message was discarded whole")
	assert.Equal(t, `-223,"Too much data"`+"\n", query(t, ti, "SYST:ERR?"))
	assert.Equal(t, "1\n", query(t, ti, "*OPC?"))
}

func TestRemoteLocal(t *testing.T) {
	ti := NewTestInstrument()
	ctx := context.Background()
	steps := []struct {
		mode            transport.RemoteLocal
		remote, lockout bool
	}{
		{transport.RENAssertAddress, true, false},
		{transport.RENAssertLLO, true, true},
		{transport.RENAddressGTL, false, true},
		{transport.RENAssertAddrLLO, true, true},
		{transport.RENDeassertGTL, false, true},
		{transport.RENAssert, true, true},
		{transport.RENDeassert, false, false},
	}
	for _, s := range steps {
		require.NoError(t, ti.RemoteLocal(ctx, s.mode))
		r, l := ti.RemoteState()
		assert.Equal(t, s.remote, r, "mode %d", s.mode)
		assert.Equal(t, s.lockout, l, "mode %d", s.mode)
	}
	assert.ErrorIs(t, ti.RemoteLocal(ctx, transport.RemoteLocal(99)), transport.ErrInvalidArg)
}

// lyingResponse announces more bytes than it delivers.
type lyingResponse struct{}

func (lyingResponse) Size() int64 { return 10 }
func (lyingResponse) ReadAt(p []byte, off int64) (int, error) {
	if off > 0 {
		return 0, io.EOF
	}
	return copy(p, "abc"), io.EOF
}

func TestCustomHandlers(t *testing.T) {
	in := NewInstrument()
	in.Handle("MEASure:VOLTage?", func(st *State, cmd Command) (Response, error) {
		return Text("1.5"), nil
	})
	in.Handle("FAIL", func(*State, Command) (Response, error) { return nil, errors.New("broken") })
	in.Handle("LIE?", func(*State, Command) (Response, error) { return lyingResponse{}, nil })
	assert.Equal(t, "1.5;1.5\n", query(t, in, "MEAS:VOLT?;measure:voltage?"))
	write(t, in, "FAIL")
	assert.Equal(t, `-300,"Device-specific error;broken"`+"\n", query(t, in, "SYST:ERR?"))
	write(t, in, "TEST:ECHO? x") // the plain engine has no test commands
	assert.Equal(t, `-113,"Undefined header"`+"\n", query(t, in, "SYST:ERR?"))

	write(t, in, "LIE?")
	ctx, cancel := context.WithTimeout(context.Background(), okTimeout)
	defer cancel()
	buf := make([]byte, 100)
	n, end, err := in.Read(ctx, buf)
	assert.ErrorIs(t, err, transport.ErrIO)
	assert.Equal(t, "abc", string(buf[:n]))
	assert.False(t, end)
	assert.Zero(t, stb(t, in)&ieee4882.STBMAV, "the broken response was dropped")
}

func TestExpandPattern(t *testing.T) {
	assert.ElementsMatch(t, []string{"SYST:ERR?", "SYST:ERROR?", "SYSTEM:ERR?", "SYSTEM:ERROR?"}, expandPattern("SYSTem:ERRor?"))
	assert.Equal(t, []string{"*IDN?"}, expandPattern("*IDN?"))
	assert.Equal(t, []string{"TEST:SRQ"}, expandPattern(":TEST:SRQ"))
	assert.ElementsMatch(t, []string{"VOLT", "VOLTAGE"}, expandPattern("VOLTage"))
}

func TestConcurrentUse(t *testing.T) {
	ti := NewTestInstrument()
	ctx := context.Background()
	defer ti.SubscribeSRQ(func() {})()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				switch (i + j) % 4 {
				case 0:
					_ = ti.Write(ctx, []byte("*SRE 32;*ESE 1;*OPC"), true)
				case 1:
					_, _ = ti.ReadSTB(ctx)
				case 2:
					_ = ti.Trigger(ctx)
				case 3:
					_ = ti.Write(ctx, []byte("*CLS"), true)
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, uint64(100), ti.TriggerCount())
}

func TestRQSWithdrawnWhenReasonGoes(t *testing.T) {
	ti := NewTestInstrument()
	write(t, ti, "*SRE 16")
	write(t, ti, "*OPC?")
	readMsg(t, ti, 10)
	assert.Equal(t, byte(0), stb(t, ti), "reading the response withdrew the MAV service request")
}

func TestLogger(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	h := slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug})
	ti := NewTestInstrument(WithLogger(slog.New(h)), WithMaxInput(0))
	defer ti.SubscribeSRQ(func() {})()
	write(t, ti, "*SRE 4;FOO")
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, buf.String(), "*SRE 4;FOO")
	assert.Contains(t, buf.String(), "Undefined header")
	assert.Contains(t, buf.String(), "service request")
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
