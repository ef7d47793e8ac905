package simserve_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/sim/simserve"
	_ "github.com/govisa/govisa/sim/simvisa"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/visa"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

func start(t testing.TB, o simserve.Options, load simserve.Loader) *simserve.Server {
	t.Helper()
	srv, err := simserve.Start(o, load)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
	})
	return srv
}

// step is one exchange of the cross-protocol script.
type step struct {
	write string // sent without reading
	query string // sent, then one response read
	block string // sent, then an IEEE 488.2 block read
}

// script exercises pyvisa-sim dialogues, getters, setters and errors, the
// 488.2 status model, and govisa commands with captures and blocks.
var script = []step{
	{query: "*IDN?"},
	{query: "?FREQ"},
	{query: "!FREQ 12.50"},
	{query: "?FREQ"},
	{query: "!FREQ 0.10"},
	{query: "SYST:ERR?"},
	{write: "SOUR2:VOLT 2.5"},
	{query: "SOURCE2:VOLTAGE:LEVEL?"},
	{query: "sour1:volt?"},
	{query: "BOGUS?"},
	{query: "*ESR?"},
	{query: "SYST:ERR?"},
	{query: "SYST:ERR?"},
	{block: "DATA? 7"},
	{query: "*OPC?"},
}

func runScript(t *testing.T, r *visa.Resource) []string {
	t.Helper()
	var out []string
	for _, s := range script {
		switch {
		case s.write != "":
			_, err := r.Write(bg, s.write)
			require.NoError(t, err, s.write)
		case s.query != "":
			got, err := r.Query(bg, s.query)
			require.NoError(t, err, s.query)
			out = append(out, got)
		default:
			got, err := r.QueryBlock(bg, s.block, visa.BlockOptions{MaxBytes: 1024})
			require.NoError(t, err, s.block)
			out = append(out, fmt.Sprintf("%x", got))
		}
	}
	return out
}

// TestSameAnswersEverywhere: the same device, reached through @sim and
// through each served protocol, gives the same answers.
func TestSameAnswersEverywhere(t *testing.T) {
	const file = "testdata/served.yaml"
	rmSim, err := visa.NewResourceManager(file + "@sim")
	require.NoError(t, err)
	defer rmSim.Close()
	ref, err := rmSim.OpenResource(bg, "GPIB0::3::INSTR", visa.WithTimeout(2*time.Second), visa.WithReadTermination("\n"))
	require.NoError(t, err)
	want := runScript(t, ref)
	require.Equal(t, "ACME,Box,1,2.0", want[0])
	require.Equal(t, "2.500", want[6])
	require.Equal(t, `-113,"Undefined header"`, want[10])

	o := simserve.Options{Socket: "127.0.0.1:0", VXI11: "127.0.0.1:0", HiSLIP: "127.0.0.1:0", Prologix: "127.0.0.1:0", Serial: runtime.GOOS == "linux"}
	srv := start(t, o, simserve.FileLoader(file))
	// The resource each protocol is checked through.
	through := map[string]string{
		simserve.SOCKET:   "TCPIP0::localhost::5000::SOCKET",
		simserve.VXI11:    "TCPIP0::localhost::box::INSTR",
		simserve.HiSLIP:   "TCPIP0::localhost::hislip0::INSTR",
		simserve.Serial:   "ASRL1::INSTR",
		simserve.Prologix: "GPIB0::3::INSTR",
	}
	cases := []struct {
		proto string
		skip  bool
	}{
		{simserve.SOCKET, false}, {simserve.VXI11, false}, {simserve.HiSLIP, false},
		{simserve.Serial, runtime.GOOS != "linux"}, {simserve.Prologix, false},
	}
	for _, c := range cases {
		t.Run(c.proto, func(t *testing.T) {
			if c.skip {
				t.Skip("pseudo-terminals are Linux-only")
			}
			rm, err := visa.NewResourceManager("")
			require.NoError(t, err)
			defer rm.Close()
			var name string
			for _, sv := range srv.Served {
				if sv.Protocol != c.proto {
					continue
				}
				if sv.Index < 0 { // the Prologix adapter
					a, err := rm.OpenResource(bg, sv.Name, visa.WithTimeout(2*time.Second))
					require.NoError(t, err)
					defer a.Close()
					continue
				}
				if srv.Devices[sv.Index].Resource == through[c.proto] {
					name = sv.Name
				}
			}
			require.NotEmpty(t, name, "no %s name for %s", c.proto, through[c.proto])
			r, err := rm.OpenResource(bg, name, visa.WithTimeout(2*time.Second), visa.WithReadTermination("\n"))
			require.NoError(t, err, name)
			defer r.Close()
			assert.Equal(t, want, runScript(t, r), name)
		})
	}
}

func TestServedNames(t *testing.T) {
	o := simserve.Options{Socket: "127.0.0.1:0", VXI11: "127.0.0.1:0", HiSLIP: "127.0.0.1:0", Prologix: "127.0.0.1:0"}
	srv := start(t, o, simserve.FileLoader(""))
	byProto := map[string][]string{}
	for _, sv := range srv.Served {
		byProto[sv.Protocol] = append(byProto[sv.Protocol], sv.Name)
		_, err := visa.ParseResourceName(sv.Name)
		assert.NoError(t, err, sv.Name)
	}
	n := len(srv.Devices)
	assert.Len(t, byProto[simserve.SOCKET], n, "a port per resource")
	assert.Len(t, byProto[simserve.VXI11], n)
	assert.Len(t, byProto[simserve.HiSLIP], n)
	assert.Len(t, byProto[simserve.Prologix], 1+6, "the adapter and the six GPIB resources")
	seen := map[string]bool{}
	for _, names := range byProto {
		for _, name := range names {
			assert.False(t, seen[name], "duplicate %s", name)
			seen[name] = true
		}
	}
	joined := strings.Join(byProto[simserve.VXI11], " ")
	assert.Contains(t, joined, "::inst0::INSTR", "a TCPIP INSTR resource keeps its LAN device name")
	assert.Contains(t, joined, "::gpib0,8::INSTR", "a GPIB resource gets the VXI-11 gateway name")
	assert.Contains(t, strings.Join(byProto[simserve.HiSLIP], " "), "::hislip0,")
	for _, sv := range srv.Served {
		assert.NotEmpty(t, srv.Describe(sv))
	}
}

func TestSharedLoaderAndLegacyNames(t *testing.T) {
	dev := sim.NewTestInstrument()
	srv := start(t, simserve.Options{Socket: "127.0.0.1:0", VXI11: "127.0.0.1:0", HiSLIP: "127.0.0.1:0"},
		simserve.SharedLoader("test instrument", func() transport.Device { return dev }))
	require.Len(t, srv.Served, 3)
	assert.True(t, strings.HasSuffix(srv.Served[1].Name, "::inst0::INSTR"), srv.Served[1].Name)
	assert.Contains(t, srv.Served[2].Name, "::hislip0,")
	// The network protocols share the instance.
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	for _, sv := range srv.Served {
		r, err := rm.OpenResource(bg, sv.Name, visa.WithTimeout(2*time.Second))
		require.NoError(t, err)
		_, err = r.Write(bg, "*TRG")
		require.NoError(t, err)
		_, err = r.Query(bg, "*OPC?")
		require.NoError(t, err)
		r.Close()
	}
	assert.Equal(t, uint64(3), dev.TriggerCount())
}

func TestStartErrors(t *testing.T) {
	_, err := simserve.Start(simserve.Options{}, simserve.FileLoader(""))
	assert.ErrorContains(t, err, "nothing to serve")
	_, err = simserve.Start(simserve.Options{Socket: "127.0.0.1:0"}, simserve.FileLoader("testdata/missing.yaml"))
	assert.ErrorIs(t, err, sim.ErrDefinition)
	_, err = simserve.Start(simserve.Options{Socket: "not an address"}, simserve.FileLoader(""))
	assert.Error(t, err)
	// Prologix alone with a file without GPIB resources serves nothing.
	srv := start(t, simserve.Options{Prologix: "127.0.0.1:0"},
		simserve.SharedLoader("x", func() transport.Device { return sim.NewTestInstrument() }))
	require.Len(t, srv.Served, 2, "the adapter, and the lone test instrument at GPIB address 5")
	assert.Equal(t, "GPIB0::5::INSTR", srv.Served[1].Name)
}

// TestManyClients: many clients at once, each on a resource of its own,
// over SOCKET and HiSLIP; every answer goes to the client that asked.
func TestManyClients(t *testing.T) {
	srv := start(t, simserve.Options{Socket: "127.0.0.1:0", HiSLIP: "127.0.0.1:0"}, simserve.FileLoader(""))
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	errs := make(chan error, len(srv.Served))
	n := 0
	for _, sv := range srv.Served {
		d := srv.Devices[sv.Index]
		if d.DeviceName != "test instrument" {
			continue
		}
		n++
		go func() {
			r, err := rm.OpenResource(bg, sv.Name, visa.WithTimeout(5*time.Second))
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			for i := 0; i < 30; i++ {
				want := fmt.Sprintf("%s n=%d", sv.Name, i)
				got, err := r.Query(bg, "TEST:ECHO? "+want)
				if err != nil {
					errs <- err
					return
				}
				if got != want {
					errs <- fmt.Errorf("%s: got %q, want %q", sv.Name, got, want)
					return
				}
			}
			errs <- nil
		}()
	}
	require.Equal(t, 10, n, "five test instrument resources over two protocols")
	for i := 0; i < n; i++ {
		assert.NoError(t, <-errs)
	}
}

// TestRawSocketAnswersCommands: over SOCKET a pyvisa-sim device answers
// commands without '?' too, and its output goes to the connection that
// wrote last.
func TestRawSocketAnswersCommands(t *testing.T) {
	srv := start(t, simserve.Options{Socket: "127.0.0.1:0"}, simserve.FileLoader("testdata/served.yaml"))
	var addr string
	for _, sv := range srv.Served {
		if srv.Devices[sv.Index].Resource == "ASRL1::INSTR" {
			rn, err := visa.ParseResourceName(sv.Name)
			require.NoError(t, err)
			addr = net.JoinHostPort(rn.Host, strconv.Itoa(rn.Port))
		}
	}
	require.NotEmpty(t, addr)
	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
		return c, bufio.NewReader(c)
	}
	a, ar := dial()
	b, br := dial()
	_, err := a.Write([]byte("!FREQ 12.50\n"))
	require.NoError(t, err)
	line, err := ar.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "OK\n", line)
	_, err = b.Write([]byte("?FREQ\n"))
	require.NoError(t, err)
	line, err = br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "12.50\n", line)
	// a gets nothing of b's answer.
	require.NoError(t, a.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err = ar.ReadByte()
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
}
