package visa_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/ieee4882"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

func TestSocketQueryIDN(t *testing.T) {
	r, _ := openTest(t)
	idn, err := r.Query(bg, "*IDN?")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(idn, "govisa,"), idn)
	assert.NotContains(t, idn, "\n")
	echo, err := r.Query(bg, "TEST:ECHO? hello world")
	require.NoError(t, err)
	assert.Equal(t, "hello world", echo)
}

func TestSocketIPv6(t *testing.T) {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback on this host:", err)
	}
	l.Close()
	dev := newScriptDevice([]byte("v6\n"))
	name := serveSocket(t, dev, "[::1]:0")
	require.Contains(t, name, "[::1]")
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(bg, name, visa.WithTimeout(time.Second))
	require.NoError(t, err)
	got, err := r.Query(bg, "X?")
	require.NoError(t, err)
	assert.Equal(t, "v6", got)
}

func TestReadStatusAndTermination(t *testing.T) {
	dev := newScriptDevice([]byte("abc\ndef\n"), []byte("0123456789\n"), []byte("xyz\n"))
	name := serveSocket(t, dev, "127.0.0.1:0")
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(bg, name, visa.WithTimeout(300*time.Millisecond))
	require.NoError(t, err)
	lib, s := r.Library(), r.Session()

	// SOCKET defaults: termchar \n enabled, suppress END.
	v, err := r.GetAttribute(visa.VI_ATTR_TERMCHAR_EN)
	require.NoError(t, err)
	assert.Equal(t, true, v)
	v, err = r.GetAttribute(visa.VI_ATTR_SUPPRESS_END_EN)
	require.NoError(t, err)
	assert.Equal(t, true, v)

	_, err = r.Write(bg, "Q1?")
	require.NoError(t, err)
	buf := make([]byte, 64)
	n, st, err := lib.Read(bg, s, buf)
	require.NoError(t, err)
	assert.Equal(t, "abc\n", string(buf[:n]))
	assert.Equal(t, visa.VI_SUCCESS_TERM_CHAR, st)
	// Bytes after the termination character are kept for the next read.
	n, st, err = lib.Read(bg, s, buf)
	require.NoError(t, err)
	assert.Equal(t, "def\n", string(buf[:n]))
	assert.Equal(t, visa.VI_SUCCESS_TERM_CHAR, st)

	// Count reached.
	_, err = r.Write(bg, "Q2?")
	require.NoError(t, err)
	n, st, err = lib.Read(bg, s, buf[:4])
	require.NoError(t, err)
	assert.Equal(t, "0123", string(buf[:n]))
	assert.Equal(t, visa.VI_SUCCESS_MAX_CNT, st)
	// ReadRaw loops on MAX_CNT until the termination character.
	r.SetChunkSize(3)
	raw, err := r.ReadRaw(bg)
	require.NoError(t, err)
	assert.Equal(t, "456789\n", string(raw))

	// Termchar disabled and suppress END: the read can only end on count
	// or timeout; a timeout keeps the partial data count.
	require.NoError(t, r.SetReadTermination(""))
	_, err = r.Write(bg, "Q3?")
	require.NoError(t, err)
	n, _, err = lib.Read(bg, s, buf)
	require.Error(t, err)
	assert.True(t, errors.Is(err, visa.ErrTimeout), err)
	assert.Equal(t, "xyz\n", string(buf[:n]))
}

func TestTimeoutThenUsable(t *testing.T) {
	r, _ := openTest(t, visa.WithTimeout(150*time.Millisecond))
	_, err := r.Write(bg, "TEST:DELAY 600")
	require.NoError(t, err)
	_, err = r.Query(bg, "*IDN?")
	require.Error(t, err)
	assert.True(t, errors.Is(err, visa.ErrTimeout), err)
	var ve *visa.Error
	require.True(t, errors.As(err, &ve))
	assert.Equal(t, visa.VI_ERROR_TMO, ve.Status)
	// The late answer arrives; clear it and the session works again.
	time.Sleep(700 * time.Millisecond)
	require.NoError(t, r.Clear(bg))
	require.NoError(t, r.SetTimeout(2*time.Second))
	got, err := r.Query(bg, "TEST:ECHO? again")
	require.NoError(t, err)
	assert.Equal(t, "again", got)
}

func TestContextCancelUnblocksRead(t *testing.T) {
	r, _ := openTest(t, visa.WithTimeout(10*time.Second))
	ctx, cancel := context.WithCancel(bg)
	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(ctx) // nothing was asked: blocks
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		require.Error(t, err)
		assert.True(t, errors.Is(err, context.Canceled) || errors.Is(err, visa.ErrAborted), err)
	case <-time.After(3 * time.Second):
		t.Fatal("cancel did not unblock the read")
	}
	got, err := r.Query(bg, "TEST:ECHO? still here")
	require.NoError(t, err)
	assert.Equal(t, "still here", got)
}

func TestContextDeadlineEarlierThanTimeout(t *testing.T) {
	r, _ := openTest(t, visa.WithTimeout(10*time.Second))
	ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Read(ctx)
	require.Error(t, err)
	assert.True(t, errors.Is(err, visa.ErrTimeout), err)
	assert.Less(t, time.Since(start), 5*time.Second, "the context deadline must win over the 10 s timeout")
}

func TestBinaryBlocks(t *testing.T) {
	r, _ := openTest(t)
	for _, n := range []int{0, 1, 9, 10, 100, 4095, 65536, 1 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var calls int
			data, err := r.QueryBlock(bg, fmt.Sprintf("TEST:BLOCK? %d", n), visa.BlockOptions{Progress: func(done, total int64) {
				calls++
				assert.LessOrEqual(t, done, total)
			}})
			require.NoError(t, err)
			require.Len(t, data, n)
			for i, b := range data {
				if b != byte(i) {
					t.Fatalf("byte %d = %d", i, b)
				}
			}
			// The terminator was consumed: the next query is clean.
			got, err := r.Query(bg, "TEST:ECHO? next")
			require.NoError(t, err)
			assert.Equal(t, "next", got)
		})
	}
}

func TestBinaryValuesGeneric(t *testing.T) {
	r, _ := openTest(t)
	u16, err := visa.QueryBinaryValues[uint16](bg, r, "TEST:BLOCK? 8", visa.BlockOptions{})
	require.NoError(t, err)
	assert.Equal(t, []uint16{0x0100, 0x0302, 0x0504, 0x0706}, u16)
	be, err := visa.QueryBinaryValues[uint16](bg, r, "TEST:BLOCK? 4", visa.BlockOptions{BigEndian: true})
	require.NoError(t, err)
	assert.Equal(t, []uint16{0x0001, 0x0203}, be)
	_, err = visa.QueryBinaryValues[uint32](bg, r, "TEST:BLOCK? 6", visa.BlockOptions{})
	require.Error(t, err, "6 bytes are not a whole number of uint32")
}

func TestASCIIValues(t *testing.T) {
	r, _ := openTest(t)
	vals, err := r.QueryASCIIValues(bg, "TEST:ECHO? 1.5,2,-3e2")
	require.NoError(t, err)
	assert.Equal(t, []float64{1.5, 2, -300}, vals)
	ints, err := visa.QueryASCII[int](bg, r, "TEST:ECHO? 1:2:3", ":", ieee4882.ConvDec)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3}, ints)
	_, err = r.QueryASCIIValues(bg, "TEST:ECHO? 1,x")
	require.Error(t, err)
	assert.Equal(t, visa.VI_ERROR_IO, visa.StatusOf(err))
	require.NoError(t, visa.WriteASCIIValues(bg, r, "TEST:ECHO? ", []float64{0.5, -2}, ",", ieee4882.ConvFloat))
	back, err := visa.ReadASCII[float64](bg, r, ",", ieee4882.ConvFloat)
	require.NoError(t, err)
	assert.Equal(t, []float64{0.5, -2}, back)
}

func TestBlockBadInput(t *testing.T) {
	cases := []struct {
		name  string
		reply string
		opt   visa.BlockOptions
		want  visa.Status
	}{
		{"lying length over max", "#9999999999\n", visa.BlockOptions{MaxBytes: 1 << 20}, visa.VI_ERROR_INV_LENGTH},
		{"no header", "hello\n", visa.BlockOptions{}, visa.VI_ERROR_IO},
		{"bad digit", "#x123\n", visa.BlockOptions{}, visa.VI_ERROR_IO},
		{"short data then silence", "#210abc\n", visa.BlockOptions{}, visa.VI_ERROR_TMO},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dev := newScriptDevice([]byte(c.reply))
			name := serveSocket(t, dev, "127.0.0.1:0")
			rm, err := visa.NewResourceManager("")
			require.NoError(t, err)
			defer rm.Close()
			r, err := rm.OpenResource(bg, name, visa.WithTimeout(200*time.Millisecond))
			require.NoError(t, err)
			_, err = r.QueryBlock(bg, "B?", c.opt)
			require.Error(t, err)
			assert.Equal(t, c.want, visa.StatusOf(err), err)
		})
	}
}

func TestPeerClosesMidBlock(t *testing.T) {
	// A server that sends half a block and closes the connection.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := l.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 64)
		_, _ = c.Read(buf)
		_, _ = c.Write([]byte("#41000" + strings.Repeat("x", 300)))
		c.Close()
	}()
	defer wg.Wait()
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	port := l.Addr().(*net.TCPAddr).Port
	r, err := rm.OpenResource(bg, fmt.Sprintf("TCPIP::127.0.0.1::%d::SOCKET", port), visa.WithTimeout(2*time.Second))
	require.NoError(t, err)
	data, err := r.QueryBlock(bg, "B?", visa.BlockOptions{})
	require.Error(t, err)
	assert.True(t, errors.Is(err, visa.ErrConnLost), err)
	assert.Len(t, data, 300, "the bytes that did arrive are returned")
}

func TestOpenErrors(t *testing.T) {
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	_, err = rm.OpenResource(bg, "TCPIP::[::1::5025::SOCKET")
	assert.True(t, errors.Is(err, visa.ErrInvalidRsrcName), err)
	// Nothing listens on a port we just closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = rm.OpenResource(bg, fmt.Sprintf("TCPIP::127.0.0.1::%d::SOCKET", port))
	assert.True(t, errors.Is(err, visa.ErrResourceNFound), err)
	// A GPIB board that is not there is not found.
	_, err = rm.OpenResource(bg, "GPIB7::5::INSTR")
	assert.True(t, errors.Is(err, visa.ErrResourceNFound), err)
	// A USB instrument that is not plugged in is not found (on Linux; other
	// systems need the gousb build tag and say so).
	_, err = rm.OpenResource(bg, "USB0::0x1234::0x5678::NOSUCH::INSTR")
	if runtime.GOOS == "linux" {
		assert.True(t, errors.Is(err, visa.ErrResourceNFound), err)
	} else {
		assert.True(t, errors.Is(err, visa.ErrNotSupported), err)
	}
	// Interfaces without a transport say so clearly.
	_, err = rm.OpenResource(bg, "VXI0::1::INSTR")
	assert.True(t, errors.Is(err, visa.ErrNotSupported), err)
}

func TestUnsupportedOnSocket(t *testing.T) {
	r, _ := openTest(t)
	_, err := r.ReadSTB(bg)
	assert.True(t, errors.Is(err, visa.ErrNotSupported), err)
	assert.True(t, errors.Is(r.AssertTrigger(bg), visa.ErrNotSupported))
	assert.True(t, errors.Is(r.EnableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE), visa.VI_ERROR_INV_EVENT))
	_, err = r.Library().In(bg, r.Session(), 1, 0, 2)
	assert.True(t, errors.Is(err, visa.ErrNotSupported), err)
}

func TestAttributesOnSocket(t *testing.T) {
	r, _ := openTest(t)
	v, err := r.GetAttribute(visa.VI_ATTR_TCPIP_PORT)
	require.NoError(t, err)
	assert.NotZero(t, v)
	v, err = r.GetAttribute(visa.VI_ATTR_RSRC_CLASS)
	require.NoError(t, err)
	assert.Equal(t, "SOCKET", v)
	assert.Equal(t, visa.VI_ERROR_ATTR_READONLY, visa.StatusOf(r.SetAttribute(visa.VI_ATTR_TCPIP_PORT, uint16(1))))
	assert.Equal(t, visa.VI_ERROR_NSUP_ATTR, visa.StatusOf(r.SetAttribute(visa.VI_ATTR_ASRL_BAUD, uint32(9600))))
	_, err = r.GetAttribute(visa.VI_ATTR_GPIB_PRIMARY_ADDR)
	assert.Equal(t, visa.VI_ERROR_NSUP_ATTR, visa.StatusOf(err))
	assert.Equal(t, visa.VI_ERROR_NSUP_ATTR_STATE, visa.StatusOf(r.SetAttribute(visa.VI_ATTR_TCPIP_NODELAY, "yes")))
	require.NoError(t, r.SetAttribute(visa.VI_ATTR_TCPIP_NODELAY, false))
	require.NoError(t, r.SetAttribute(visa.VI_ATTR_TCPIP_KEEPALIVE, true))
	v, err = r.GetAttribute(visa.VI_ATTR_TCPIP_KEEPALIVE)
	require.NoError(t, err)
	assert.Equal(t, true, v)
	require.NoError(t, r.SetTimeout(1500*time.Millisecond))
	assert.Equal(t, 1500*time.Millisecond, r.Timeout())
	require.NoError(t, r.SetTimeout(-1))
	assert.Equal(t, time.Duration(-1), r.Timeout())
	// The session works after all those changes.
	got, err := r.Query(bg, "TEST:ECHO? ok")
	require.NoError(t, err)
	assert.Equal(t, "ok", got)
}

func TestConcurrentQueriesOneResource(t *testing.T) {
	r, _ := openTest(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				want := fmt.Sprintf("g%d-i%d", g, i)
				got, err := r.Query(bg, "TEST:ECHO? "+want)
				if err != nil {
					errs <- err
					return
				}
				if got != want {
					errs <- fmt.Errorf("got %q want %q: a Query was not atomic", got, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestResourceManagersIndependent(t *testing.T) {
	dev := newScriptDevice()
	name := serveSocket(t, dev, "127.0.0.1:0")
	rm1, err := visa.NewResourceManager("")
	require.NoError(t, err)
	rm2, err := visa.NewResourceManager("@go")
	require.NoError(t, err)
	defer rm2.Close()
	r1, err := rm1.OpenResource(bg, name)
	require.NoError(t, err)
	r2, err := rm2.OpenResource(bg, name)
	require.NoError(t, err)
	assert.Len(t, rm1.ListOpenedResources(), 1)
	require.NoError(t, rm1.Close())
	_, err = r1.Write(bg, "x")
	assert.True(t, errors.Is(err, visa.ErrInvalidSession), err)
	_, err = r2.Write(bg, "still open")
	assert.NoError(t, err)
	_, err = rm1.OpenResource(bg, name)
	assert.True(t, errors.Is(err, visa.ErrClosed), err)
}

func TestExclusiveAndSharedLocks(t *testing.T) {
	dev := newScriptDevice()
	name := serveSocket(t, dev, "127.0.0.1:0")
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	a, err := rm.OpenResource(bg, name)
	require.NoError(t, err)
	b, err := rm.OpenResource(bg, name)
	require.NoError(t, err)

	require.NoError(t, a.LockExclusive(bg, time.Second))
	assert.Equal(t, visa.VI_EXCLUSIVE_LOCK, a.LockState())
	_, err = b.Write(bg, "blocked")
	assert.True(t, errors.Is(err, visa.ErrLocked), err)
	err = b.LockExclusive(bg, 50*time.Millisecond)
	assert.True(t, errors.Is(err, visa.ErrTimeout), err)
	_, err = a.Write(bg, "owner writes")
	require.NoError(t, err)
	require.NoError(t, a.Unlock(bg))
	assert.Equal(t, visa.VI_ERROR_SESN_NLOCKED, visa.StatusOf(a.Unlock(bg)))

	key, err := a.Lock(bg, time.Second, "")
	require.NoError(t, err)
	require.NotEmpty(t, key)
	_, err = b.Write(bg, "no key")
	assert.True(t, errors.Is(err, visa.ErrLocked), err)
	_, err = b.Lock(bg, 50*time.Millisecond, "wrong")
	assert.True(t, errors.Is(err, visa.ErrTimeout), err)
	key2, err := b.Lock(bg, time.Second, key)
	require.NoError(t, err)
	assert.Equal(t, key, key2)
	_, err = b.Write(bg, "shared")
	require.NoError(t, err)

	// A waiting lock is granted when the holder closes.
	c, err := rm.OpenResource(bg, name)
	require.NoError(t, err)
	got := make(chan error, 1)
	go func() { got <- c.LockExclusive(bg, 2*time.Second) }()
	time.Sleep(30 * time.Millisecond)
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	require.NoError(t, <-got)
}

func TestLockOnOpen(t *testing.T) {
	dev := newScriptDevice()
	name := serveSocket(t, dev, "127.0.0.1:0")
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	a, err := rm.OpenResource(bg, name, visa.WithAccessMode(visa.VI_EXCLUSIVE_LOCK))
	require.NoError(t, err)
	_, err = rm.OpenResource(bg, name, visa.WithAccessMode(visa.VI_EXCLUSIVE_LOCK), visa.WithOpenTimeout(50*time.Millisecond))
	assert.True(t, errors.Is(err, visa.ErrTimeout), err)
	require.NoError(t, a.Close())
}

func TestAsyncReadAndIOCompletion(t *testing.T) {
	r, _ := openTest(t)
	require.NoError(t, r.EnableEvent(visa.VI_EVENT_IO_COMPLETION, visa.VI_QUEUE))
	_, err := r.Write(bg, "TEST:ECHO? async")
	require.NoError(t, err)
	buf := make([]byte, 100)
	job, err := r.Library().ReadAsync(bg, r.Session(), buf)
	require.NoError(t, err)
	ev, err := r.WaitOnEvent(bg, visa.VI_EVENT_IO_COMPLETION, 2*time.Second)
	require.NoError(t, err)
	assert.Equal(t, uint32(job), ev.Attrs[visa.VI_ATTR_JOB_ID])
	assert.Equal(t, "async\n", string(ev.Attrs[visa.VI_ATTR_BUFFER].([]byte)))
	assert.Equal(t, int32(visa.VI_SUCCESS_TERM_CHAR), ev.Attrs[visa.VI_ATTR_STATUS])

	// Terminate aborts a pending read; its completion reports the abort.
	job, err = r.Library().ReadAsync(bg, r.Session(), buf)
	require.NoError(t, err)
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, r.Library().Terminate(r.Session(), 0, job))
	ev, err = r.WaitOnEvent(bg, visa.VI_EVENT_IO_COMPLETION, 2*time.Second)
	require.NoError(t, err)
	assert.Equal(t, int32(visa.VI_ERROR_ABORT), ev.Attrs[visa.VI_ATTR_STATUS])
	_, err = r.WaitOnEvent(bg, visa.VI_EVENT_IO_COMPLETION, 20*time.Millisecond)
	assert.True(t, errors.Is(err, visa.ErrTimeout))
	assert.Equal(t, visa.VI_ERROR_INV_JOB_ID, visa.StatusOf(r.Library().Terminate(r.Session(), 0, 9999)))
}

func TestIOCompletionHandler(t *testing.T) {
	r, _ := openTest(t)
	got := make(chan visa.Event, 1)
	id, err := r.InstallHandler(visa.VI_EVENT_IO_COMPLETION, func(_ *visa.Resource, ev visa.Event) { got <- ev })
	require.NoError(t, err)
	require.NoError(t, r.EnableEvent(visa.VI_EVENT_IO_COMPLETION, visa.VI_HNDLR))
	_, err = r.Library().WriteAsync(bg, r.Session(), []byte("TEST:ECHO? h\n"))
	require.NoError(t, err)
	select {
	case ev := <-got:
		assert.Equal(t, uint32(13), ev.Attrs[visa.VI_ATTR_RET_COUNT_32])
	case <-time.After(2 * time.Second):
		t.Fatal("handler not called")
	}
	require.NoError(t, r.UninstallHandler(visa.VI_EVENT_IO_COMPLETION, id))
	assert.Equal(t, visa.VI_ERROR_INV_HNDLR_REF, visa.StatusOf(r.UninstallHandler(visa.VI_EVENT_IO_COMPLETION, id)))
	got2, err := r.Read(bg)
	require.NoError(t, err)
	assert.Equal(t, "h", got2)
}

func TestFileAndBufferedIO(t *testing.T) {
	r, _ := openTest(t)
	lib, s := r.Library(), r.Session()
	dir := t.TempDir()
	in := filepath.Join(dir, "cmd.txt")
	require.NoError(t, os.WriteFile(in, []byte("TEST:ECHO? from file\n"), 0o644))
	n, _, err := lib.WriteFromFile(bg, s, in, -1)
	require.NoError(t, err)
	assert.Equal(t, 21, n)
	out := filepath.Join(dir, "resp.txt")
	n, st, err := lib.ReadToFile(bg, s, out, 1000)
	require.NoError(t, err)
	assert.Equal(t, visa.VI_SUCCESS_TERM_CHAR, st)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "from file\n", string(b))
	assert.Equal(t, len(b), n)

	_, _, err = lib.BufWrite(bg, s, []byte("TEST:ECHO? "))
	require.NoError(t, err)
	_, _, err = lib.BufWrite(bg, s, []byte("buffered\n"))
	require.NoError(t, err)
	require.NoError(t, lib.Flush(bg, s, visa.VI_WRITE_BUF))
	small := make([]byte, 3)
	n, st, err = lib.BufRead(bg, s, small)
	require.NoError(t, err)
	assert.Equal(t, "buf", string(small[:n]))
	assert.Equal(t, visa.VI_SUCCESS_MAX_CNT, st)
	rest := make([]byte, 20)
	n, _, err = lib.BufRead(bg, s, rest)
	require.NoError(t, err)
	assert.Equal(t, "fered\n", string(rest[:n]))
}

func TestReaderWriterAdapters(t *testing.T) {
	r, _ := openTest(t)
	w := r.Writer(bg)
	_, err := fmt.Fprintf(w, "TEST:ECHO? %s\n", "via io.Writer")
	require.NoError(t, err)
	buf := make([]byte, 100)
	n, err := r.Reader(bg).Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "via io.Writer\n", string(buf[:n]))
}

// iviTransport is the method set of github.com/gotmc/ivi's Transport
// interface, copied here so the check needs no dependency: instrument
// drivers written for gotmc/ivi accept a *visa.Resource.
type iviTransport interface {
	Command(ctx context.Context, cmd string, a ...any) error
	Query(ctx context.Context, cmd string) (value string, err error)
	ReadBinary(ctx context.Context, p []byte) (n int, err error)
	WriteBinary(ctx context.Context, p []byte) (n int, err error)
	Close() error
}

var _ iviTransport = (*visa.Resource)(nil)

func TestIVITransport(t *testing.T) {
	r, _ := openTest(t)
	var tr iviTransport = r
	require.NoError(t, tr.Command(bg, "TEST:ECHO? %d-%s", 42, "x"))
	buf := make([]byte, 16)
	n, err := tr.ReadBinary(bg, buf)
	require.NoError(t, err)
	assert.Equal(t, "42-x\n", string(buf[:n]))
	require.NoError(t, tr.Close())
}

func TestRegistry(t *testing.T) {
	_, err := visa.NewResourceManager("@nosuch")
	assert.Equal(t, visa.VI_ERROR_LIBRARY_NFOUND, visa.StatusOf(err))
	t.Setenv(visa.LibraryEnv, "@nosuch2")
	_, err = visa.NewResourceManager("")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nosuch2")
	t.Setenv(visa.LibraryEnv, "")
	path, name := visa.SplitLibrarySpec("instruments.yaml@sim")
	assert.Equal(t, "instruments.yaml", path)
	assert.Equal(t, "sim", name)
	found := false
	for _, b := range visa.Backends() {
		if b.Name == "go" {
			found = true
			assert.NotEmpty(t, b.Capabilities)
		}
	}
	assert.True(t, found)
}

func TestListResourcesAndParse(t *testing.T) {
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	info, err := rm.ResourceInfo("tcpip::10.0.0.1::5025::socket")
	require.NoError(t, err)
	assert.Equal(t, visa.VI_INTF_TCPIP, info.InterfaceType)
	assert.Equal(t, visa.ClassSOCKET, info.ResourceClass)
	assert.Equal(t, "TCPIP0::10.0.0.1::5025::SOCKET", info.ResourceName)
	_, err = rm.ListResources(bg, "?*(")
	assert.Equal(t, visa.VI_ERROR_INV_EXPR, visa.StatusOf(err))
}
