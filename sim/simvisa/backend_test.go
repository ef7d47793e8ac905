package simvisa_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/govisa/govisa/sim"
	_ "github.com/govisa/govisa/sim/simvisa"
	"github.com/govisa/govisa/visa"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

func openRM(t testing.TB, spec string) *visa.ResourceManager {
	t.Helper()
	rm, err := visa.NewResourceManager(spec)
	require.NoError(t, err)
	t.Cleanup(func() { rm.Close() })
	return rm
}

func open(t testing.TB, rm *visa.ResourceManager, name string, opts ...visa.OpenOption) *visa.Resource {
	t.Helper()
	r, err := rm.OpenResource(bg, name, append([]visa.OpenOption{visa.WithTimeout(2 * time.Second)}, opts...)...)
	require.NoError(t, err, name)
	t.Cleanup(func() { r.Close() })
	return r
}

func TestDefaultSetListsEveryType(t *testing.T) {
	rm := openRM(t, "@sim")
	all, err := rm.ListResources(bg, "?*")
	require.NoError(t, err)
	for _, want := range []string{
		"ASRL1::INSTR", "GPIB0::8::INSTR", "TCPIP0::localhost::inst0::INSTR", "TCPIP0::localhost::10001::SOCKET",
		"USB0::0x1111::0x2222::0x1234::0::INSTR", "USB0::0x1111::0x2222::0x4445::0::RAW", "GPIB0::INTFC",
		"TCPIP0::localhost::hislip0::INSTR", "TCPIP0::localhost::5025::SOCKET",
	} {
		assert.Contains(t, all, want)
	}
	instr, err := rm.ListResources(bg)
	require.NoError(t, err)
	assert.NotContains(t, instr, "TCPIP0::localhost::10001::SOCKET", "the default query is ?*::INSTR")
	gpib, err := rm.ListResources(bg, "GPIB?*INSTR")
	require.NoError(t, err)
	assert.Len(t, gpib, 6)
	_, err = rm.ListResources(bg, "VXI?*")
	assert.True(t, errors.Is(err, visa.VI_ERROR_RSRC_NFOUND), "%v", err)
}

func TestEveryResourceTypeAnswers(t *testing.T) {
	rm := openRM(t, "@sim")
	for _, c := range []struct{ name, q, want string }{
		{"ASRL1::INSTR", "?IDN", "LSG Serial #1234"},
		{"GPIB::8", "?IDN", "LSG Serial #1234"},
		{"TCPIP::localhost::INSTR", "?IDN", "LSG Serial #1234"},
		{"TCPIP::localhost::10001::SOCKET", "?IDN", "LSG Serial #1234"},
		{"USB::0x1111::0x2222::0x1234::INSTR", "?IDN", "LSG Serial #1234"},
		{"USB::0x1111::0x2222::0x4445::RAW", "?IDN", "LSG Serial #1234"},
		{"ASRL2::INSTR", "*IDN?", "SCPI,MOCK,VERSION_1.0"},
		{"TCPIP0::localhost::hislip0::INSTR", "*IDN?", "govisa,Test Instrument,0," + sim.Version},
		{"TCPIP0::localhost::dmm0::INSTR", "*IDN?", "govisa,Simulated DMM,0,1.0"},
	} {
		r := open(t, rm, c.name, visa.WithReadTermination("\n"))
		got, err := r.Query(bg, c.q)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, got, c.name)
	}
}

func TestFileBackend(t *testing.T) {
	rm := openRM(t, filepath.Join("..", "testdata", "pyvisa.yaml")+"@sim")
	names, err := rm.ListResources(bg, "?*")
	require.NoError(t, err)
	assert.Contains(t, names, "TCPIP0::localhost::supply2::INSTR")
	r := open(t, rm, "GPIB0::6::INSTR")
	_, err = r.Write(bg, "OUT2:VOLT 2.500")
	require.NoError(t, err)
	got, err := r.Query(bg, "OUT2:VOLT?")
	require.NoError(t, err)
	assert.Equal(t, "2.500", got)
	// A second session of the same resource manager sees the same device.
	r2 := open(t, rm, "GPIB0::6::INSTR")
	got, err = r2.Query(bg, "OUT2:VOLT?")
	require.NoError(t, err)
	assert.Equal(t, "2.500", got)
	// Another resource manager has its own instance.
	other := open(t, openRM(t, filepath.Join("..", "testdata", "pyvisa.yaml")+"@sim"), "GPIB0::6::INSTR")
	got, err = other.Query(bg, "OUT2:VOLT?")
	require.NoError(t, err)
	assert.Equal(t, "1.500", got)
}

func TestBadFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("spec: \"1.1\"\ndevices:\n  d:\n    dialogs: []\n"), 0o600))
	_, err := visa.NewResourceManager(bad + "@sim")
	require.Error(t, err)
	assert.True(t, errors.Is(err, sim.ErrDefinition), "%v", err)
	assert.Contains(t, err.Error(), "bad.yaml:4:")
	_, err = visa.NewResourceManager(filepath.Join(dir, "missing.yaml") + "@sim")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.yaml")
}

func TestUnknownResource(t *testing.T) {
	rm := openRM(t, "@sim")
	_, err := rm.OpenResource(bg, "GPIB0::30::INSTR")
	require.Error(t, err)
	var ve *visa.Error
	require.True(t, errors.As(err, &ve))
	assert.Equal(t, visa.VI_ERROR_RSRC_NFOUND, ve.Status)
}

func TestTimeoutWhenNoResponse(t *testing.T) {
	rm := openRM(t, "@sim")
	r := open(t, rm, "GPIB0::8::INSTR", visa.WithTimeout(30*time.Millisecond))
	_, err := r.Write(bg, "!OUT 1")
	require.NoError(t, err)
	got, err := r.Read(bg)
	require.NoError(t, err)
	assert.Equal(t, "OK", got)
	_, err = r.Read(bg) // nothing more to read
	var ve *visa.Error
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Equal(t, visa.VI_ERROR_TMO, ve.Status)
}

func TestReadTerminationRules(t *testing.T) {
	rm := openRM(t, "@sim")
	r := open(t, rm, "TCPIP0::localhost::hislip0::INSTR")
	_, err := r.Write(bg, "TEST:ECHO? abc")
	require.NoError(t, err)
	buf := make([]byte, 2)
	n, err := r.ReadBinary(bg, buf)
	require.NoError(t, err)
	assert.Equal(t, "ab", string(buf[:n]))
	rest, err := r.ReadRaw(bg)
	require.NoError(t, err)
	assert.Equal(t, "c\n", string(rest))
}

func TestSTBClearTriggerAndSRQ(t *testing.T) {
	rm := openRM(t, "@sim")
	r := open(t, rm, "GPIB0::1::INSTR")
	require.NoError(t, r.AssertTrigger(bg))
	n, err := r.Query(bg, "TEST:TRIG:COUNT?")
	require.NoError(t, err)
	assert.Equal(t, "1", n)

	require.NoError(t, r.EnableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE))
	_, err = r.Write(bg, "*SRE 1;TEST:SRQ")
	require.NoError(t, err)
	ev, err := r.WaitOnEvent(bg, visa.VI_EVENT_SERVICE_REQ, 2*time.Second)
	require.NoError(t, err)
	assert.Equal(t, visa.VI_EVENT_SERVICE_REQ, ev.Type)
	stb, err := r.ReadSTB(bg)
	require.NoError(t, err)
	assert.Equal(t, byte(0x41), stb)
	require.NoError(t, r.DisableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE))

	_, err = r.Write(bg, "TEST:ECHO? stale")
	require.NoError(t, err)
	require.NoError(t, r.Clear(bg))
	fresh, err := r.Query(bg, "TEST:ECHO? fresh")
	require.NoError(t, err)
	assert.Equal(t, "fresh", fresh)

	// A pyvisa-sim device gets the status model too.
	d2 := open(t, rm, "GPIB0::9::INSTR")
	_, err = d2.Write(bg, "*SRE 32;*ESE 32;BOGUS")
	require.NoError(t, err)
	stb, err = d2.ReadSTB(bg)
	require.NoError(t, err)
	assert.Equal(t, byte(0x60), stb&0x60, "ESB and RQS after a command error")
}

func TestExtensionDeviceTriggersSRQ(t *testing.T) {
	rm := openRM(t, "@sim")
	r := open(t, rm, "TCPIP0::localhost::dmm0::INSTR", visa.WithTimeout(50*time.Millisecond))
	require.NoError(t, r.EnableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE))
	_, err := r.Write(bg, "*SRE 1")
	require.NoError(t, err)
	_, err = r.Query(bg, "READ?")
	assert.Error(t, err, "no reading before a trigger: the query has no answer")
	require.NoError(t, r.Clear(bg))
	require.NoError(t, r.AssertTrigger(bg))
	_, err = r.WaitOnEvent(bg, visa.VI_EVENT_SERVICE_REQ, 2*time.Second)
	require.NoError(t, err)
	v, err := r.QueryASCIIValues(bg, "READ?")
	require.NoError(t, err)
	require.Len(t, v, 1)
	assert.InDelta(t, 1.0, v[0], 0.002)
	data, err := r.QueryBlock(bg, "TRAC:POIN 5;:TRAC:DATA?", visa.BlockOptions{MaxBytes: 100})
	require.NoError(t, err)
	assert.Len(t, data, 20, "five float32 values")
}

func TestLocks(t *testing.T) {
	rm := openRM(t, "@sim")
	a := open(t, rm, "GPIB0::1::INSTR")
	b := open(t, rm, "GPIB0::1::INSTR", visa.WithTimeout(100*time.Millisecond))
	require.NoError(t, a.LockExclusive(bg, time.Second))
	_, err := b.Query(bg, "*IDN?")
	var ve *visa.Error
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Equal(t, visa.VI_ERROR_RSRC_LOCKED, ve.Status)
	require.NoError(t, a.Unlock(bg))
	_, err = b.Query(bg, "*IDN?")
	require.NoError(t, err)
}

func TestAttributesHaveTypeDefaults(t *testing.T) {
	rm := openRM(t, "@sim")
	asrl := open(t, rm, "ASRL1::INSTR")
	baud, err := asrl.GetAttribute(visa.VI_ATTR_ASRL_BAUD)
	require.NoError(t, err)
	assert.Equal(t, uint32(9600), baud)
	n, err := asrl.GetAttribute(visa.VI_ATTR_ASRL_AVAIL_NUM)
	assert.NoError(t, err, "pyvisa-sim#93: bytes_in_buffer fails there")
	assert.Equal(t, uint32(0), n, "nothing pending on a fresh port")
	gpib := open(t, rm, "GPIB0::8::INSTR")
	pad, err := gpib.GetAttribute(visa.VI_ATTR_GPIB_PRIMARY_ADDR)
	require.NoError(t, err)
	assert.Equal(t, uint16(8), pad)
	sock := open(t, rm, "TCPIP0::localhost::10001::SOCKET")
	port, err := sock.GetAttribute(visa.VI_ATTR_TCPIP_PORT)
	require.NoError(t, err)
	assert.Equal(t, uint16(10001), port)
	_, err = sock.GetAttribute(visa.VI_ATTR_GPIB_PRIMARY_ADDR)
	assert.Error(t, err, "a GPIB attribute does not apply to a socket")
}

func TestGPIBBoard(t *testing.T) {
	rm := openRM(t, "@sim")
	board := open(t, rm, "GPIB0::INTFC")
	inst := open(t, rm, "GPIB0::1::INSTR")
	lib := board.Library()
	// Listen address 1, then GET: the test instrument counts a trigger.
	_, err := lib.GpibCommand(bg, board.Session(), []byte{0x3F, 0x21, 0x08})
	require.NoError(t, err)
	n, err := inst.Query(bg, "TEST:TRIG:COUNT?")
	require.NoError(t, err)
	assert.Equal(t, "1", n)
	// SDC discards a pending response.
	_, err = inst.Write(bg, "TEST:ECHO? stale")
	require.NoError(t, err)
	_, err = lib.GpibCommand(bg, board.Session(), []byte{0x3F, 0x21, 0x04})
	require.NoError(t, err)
	fresh, err := inst.Query(bg, "TEST:ECHO? fresh")
	require.NoError(t, err)
	assert.Equal(t, "fresh", fresh)
	require.NoError(t, lib.GpibSendIFC(bg, board.Session()))
	_, err = board.Write(bg, "data")
	var ve *visa.Error
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Equal(t, visa.VI_ERROR_NSUP_OPER, ve.Status)
}
