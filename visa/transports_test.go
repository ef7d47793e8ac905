package visa_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/asrl"
	"github.com/govisa/govisa/transport/gpib/prologix"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/govisa/govisa/transport/vxi11"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A served test instrument: the resource name(s) a client opens and what
// the protocol offers out of band.
type servedCase struct {
	name     string
	stb      bool // ReadSTB, AssertTrigger and SRQ events out of band
	clear    bool // a device clear that reaches the device
	lockable bool // device locks reach the server (other processes)
}

func serveVXI11(t *testing.T, dev transport.Device) string {
	srv := vxi11.NewServer(vxi11.ServerOptions{Portmapper: vxi11.PortmapperNone})
	require.NoError(t, srv.AddDevice("inst0", dev))
	require.NoError(t, srv.Start("127.0.0.1:0"))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	port := srv.CoreAddr().(*net.TCPAddr).Port
	return "TCPIP0::127.0.0.1," + strconv.Itoa(port) + "::inst0::INSTR"
}

func serveHiSLIP(t *testing.T, dev transport.Device) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := hislip.NewServer(map[string]transport.Device{"hislip0": dev})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	return "TCPIP0::127.0.0.1::hislip0," + strconv.Itoa(l.Addr().(*net.TCPAddr).Port) + "::INSTR"
}

func servePTY(t *testing.T, dev transport.Device) string {
	if runtime.GOOS != "linux" {
		t.Skip("pseudo-terminal serving is tested on Linux")
	}
	pty, err := asrl.OpenPTY()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = asrl.Serve(ctx, pty.Master, dev, asrl.DefaultServeOptions()) }()
	t.Cleanup(func() { cancel(); <-done; pty.Close() })
	return "ASRL" + pty.SlavePath + "::INSTR"
}

func servePrologix(t *testing.T, dev transport.Device) []string {
	srv := prologix.NewServer(nil)
	require.NoError(t, srv.Attach(prologix.Address{PAD: 5, SAD: -1}, dev))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close(); <-done })
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	return []string{"PRLGX-TCPIP0::127.0.0.1::" + port + "::INTFC", "GPIB0::5::INSTR"}
}

// TestTransportsThroughFrontend runs the same user-level checks over every
// protocol the native backend speaks, against the same test instrument.
func TestTransportsThroughFrontend(t *testing.T) {
	cases := []struct {
		servedCase
		serve func(t *testing.T, dev transport.Device) []string
	}{
		{servedCase{name: "SOCKET"}, func(t *testing.T, d transport.Device) []string {
			return []string{serveSocket(t, d, "127.0.0.1:0")}
		}},
		{servedCase{name: "VXI-11", stb: true, clear: true, lockable: true}, func(t *testing.T, d transport.Device) []string {
			return []string{serveVXI11(t, d)}
		}},
		{servedCase{name: "HiSLIP", stb: true, clear: true, lockable: true}, func(t *testing.T, d transport.Device) []string {
			return []string{serveHiSLIP(t, d)}
		}},
		{servedCase{name: "ASRL pty"}, func(t *testing.T, d transport.Device) []string {
			return []string{servePTY(t, d)}
		}},
		{servedCase{name: "Prologix", clear: true}, servePrologix},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dev := sim.NewTestInstrument()
			names := c.serve(t, dev)
			rm, err := visa.NewResourceManager("")
			require.NoError(t, err)
			defer rm.Close()
			var r *visa.Resource
			for _, n := range names {
				r, err = rm.OpenResource(bg, n, visa.WithTimeout(3*time.Second))
				require.NoError(t, err, n)
			}
			if c.name == "ASRL pty" || c.name == "Prologix" {
				require.NoError(t, r.SetReadTermination("\n"))
			}
			idn, err := r.Query(bg, "*IDN?")
			require.NoError(t, err)
			assert.Contains(t, idn, "govisa,Test Instrument")

			data, err := r.QueryBlock(bg, "TEST:BLOCK? 70000", visa.BlockOptions{})
			require.NoError(t, err)
			require.Len(t, data, 70000)
			for i, b := range data {
				if b != byte(i) {
					t.Fatalf("block byte %d = %d", i, b)
				}
			}
			echo, err := r.Query(bg, "TEST:ECHO? after")
			require.NoError(t, err)
			assert.Equal(t, "after", echo)

			if !c.stb {
				return
			}
			require.NoError(t, r.AssertTrigger(bg))
			n, err := r.Query(bg, "TEST:TRIG:COUNT?")
			require.NoError(t, err)
			assert.Equal(t, "1", n)

			// SRQ end to end: the device requests service, the session
			// gets VI_EVENT_SERVICE_REQ, a serial poll shows RQS.
			require.NoError(t, r.EnableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE))
			_, err = r.Write(bg, "*SRE 1;TEST:SRQ")
			require.NoError(t, err)
			ev, err := r.WaitOnEvent(bg, visa.VI_EVENT_SERVICE_REQ, 3*time.Second)
			require.NoError(t, err)
			assert.Equal(t, visa.VI_EVENT_SERVICE_REQ, ev.Type)
			stb, err := r.ReadSTB(bg)
			require.NoError(t, err)
			assert.Equal(t, byte(0x41), stb&0x41, "RQS and the TEST:SRQ bit")
			require.NoError(t, r.DisableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE))

			// Clear discards a pending response.
			_, err = r.Write(bg, "TEST:ECHO? stale")
			require.NoError(t, err)
			time.Sleep(20 * time.Millisecond)
			require.NoError(t, r.Clear(bg))
			fresh, err := r.Query(bg, "TEST:ECHO? fresh")
			require.NoError(t, err)
			assert.Equal(t, "fresh", fresh)

			// The device lock reaches the server: a session of another
			// resource manager (standing for another process) is refused.
			require.NoError(t, r.LockExclusive(bg, time.Second))
			lib2 := visa.NewConnLibrary(visa.NewNativeDialer(), nil)
			rm2, err := visa.NewResourceManagerFor(lib2)
			require.NoError(t, err)
			defer rm2.Close()
			other, err := rm2.OpenResource(bg, names[len(names)-1], visa.WithTimeout(500*time.Millisecond))
			require.NoError(t, err)
			err = other.LockExclusive(bg, 100*time.Millisecond)
			require.Error(t, err)
			assert.True(t, errors.Is(err, visa.ErrTimeout) || errors.Is(err, visa.ErrLocked), err)
			require.NoError(t, r.Unlock(bg))
			require.NoError(t, other.LockExclusive(bg, time.Second))
			require.NoError(t, other.Unlock(bg))
		})
	}
}
