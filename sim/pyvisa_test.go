package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

// loadTestdata loads testdata/pyvisa.yaml, a file in pyvisa-sim's format.
func loadTestdata(t testing.TB) *Definitions {
	t.Helper()
	defs, err := LoadFile("testdata/pyvisa.yaml")
	require.NoError(t, err)
	return defs
}

// newRes instantiates the device of one resource of defs.
func newRes(t testing.TB, defs *Definitions, name string) *Device {
	t.Helper()
	for _, r := range defs.Resources {
		if r.Name == name {
			d, err := r.NewDevice()
			require.NoError(t, err)
			t.Cleanup(func() { d.Close() })
			return d
		}
	}
	t.Fatalf("no resource %s", name)
	return nil
}

// silent asserts that the device has nothing to say.
func silent(t testing.TB, d transport.Device) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	n, _, err := d.Read(ctx, make([]byte, 64))
	assert.Zero(t, n)
	assert.True(t, errors.Is(err, transport.ErrTimeout), "want a timeout, got %v", err)
}

func TestPyVISAFileLoads(t *testing.T) {
	defs := loadTestdata(t)
	assert.Equal(t, "1.1", defs.Spec)
	var names []string
	for _, r := range defs.Resources {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"ASRL1::INSTR", "GPIB0::5::INSTR", "TCPIP0::localhost::inst0::INSTR",
		"TCPIP0::localhost::10001::SOCKET", "USB0::0x1111::0x2222::0x1234::INSTR", "USB0::0x1111::0x2222::0x1234::RAW",
		"GPIB0::6::INSTR", "TCPIP0::localhost::supply2::INSTR", "GPIB0::7::INSTR"}, names)
	assert.Len(t, defs.Devices, 3)
}

func TestPyVISADialogues(t *testing.T) {
	d := newRes(t, loadTestdata(t), "GPIB0::5::INSTR")
	assert.Equal(t, "ACME Generator #42\n", query(t, d, "?IDN\n"))
	// A dialogue without r answers nothing.
	write(t, d, "!BEEP\n")
	silent(t, d)
	// Matching is exact: pyvisa-sim has no case folding for dialogues.
	write(t, d, "?idn\n")
	assert.Equal(t, "ERROR\n", readMsg(t, d, 64))
}

func TestPyVISAEOMPerInterface(t *testing.T) {
	defs := loadTestdata(t)
	// ASRL: the query ends with CR LF.
	assert.Equal(t, "ACME Generator #42\n", query(t, newRes(t, defs, "ASRL1::INSTR"), "?IDN\r\n"))
	// SOCKET: the response ends with CR LF.
	assert.Equal(t, "ACME Generator #42\r\n", query(t, newRes(t, defs, "TCPIP0::localhost::10001::SOCKET"), "?IDN\n"))
	assert.Equal(t, "ACME Generator #42\n", query(t, newRes(t, defs, "USB0::0x1111::0x2222::0x1234::RAW"), "?IDN\n"))
	// A message also ends at END, without the terminator.
	d := newRes(t, defs, "TCPIP0::localhost::inst0::INSTR")
	require.NoError(t, d.Write(context.Background(), []byte("?ID"), false))
	require.NoError(t, d.Write(context.Background(), []byte("N"), true))
	assert.Equal(t, "ACME Generator #42\n", readMsg(t, d, 5))
	// A device without an eom for the interface falls back to LF.
	inc := newRes(t, defs, "GPIB0::7::INSTR")
	assert.Equal(t, EOM{Q: "\n", R: "\n"}, inc.EOM())
}

func TestPyVISAProperties(t *testing.T) {
	d := newRes(t, loadTestdata(t), "GPIB0::5::INSTR")
	assert.Equal(t, "100.00\n", query(t, d, "?FREQ\n"))
	assert.Equal(t, "OK\n", query(t, d, "!FREQ 12.50\n"))
	assert.Equal(t, "12.50\n", query(t, d, "?FREQ\n"))
	// Out of range: the setter's error response, and the value stays.
	assert.Equal(t, "FREQ_ERROR\n", query(t, d, "!FREQ 0.50\n"))
	assert.Equal(t, "12.50\n", query(t, d, "?FREQ\n"))
	// A valid-list string property.
	assert.Equal(t, "SINE\n", query(t, d, "?MODE\n"))
	assert.Equal(t, "OK\n", query(t, d, "!MODE SQUARE\n"))
	assert.Equal(t, "SQUARE\n", query(t, d, "?MODE\n"))
	// Not in valid and no e: like pyvisa-sim, the setter does not take it
	// and the message is an unknown command.
	assert.Equal(t, "ERROR\n", query(t, d, "!MODE TRIANGLE\n"))
	// An int property whose setter has no response.
	write(t, d, "!COUNT 7\n")
	silent(t, d)
	assert.Equal(t, "7\n", query(t, d, "?COUNT\n"))
	assert.Equal(t, "ERROR\n", query(t, d, "!COUNT 10\n")) // above max
	assert.Equal(t, "ERROR\n", query(t, d, "!COUNT x\n"))  // not an int
}

func TestPyVISAResourcesHaveTheirOwnState(t *testing.T) {
	defs := loadTestdata(t)
	a := newRes(t, defs, "GPIB0::5::INSTR")
	b := newRes(t, defs, "ASRL1::INSTR")
	assert.Equal(t, "OK\n", query(t, a, "!FREQ 42.00\n"))
	assert.Equal(t, "42.00\n", query(t, a, "?FREQ\n"))
	assert.Equal(t, "100.00\n", query(t, b, "?FREQ\r\n"))
}

func TestPyVISAOutputAccumulates(t *testing.T) {
	// pyvisa-sim keeps unread responses: a write that answers "OK"
	// followed by a query gives both, in order.
	d := newRes(t, loadTestdata(t), "GPIB0::5::INSTR")
	write(t, d, "!FREQ 20.00\n")
	write(t, d, "?FREQ\n")
	assert.Equal(t, "OK\n20.00\n", readMsg(t, d, 3))
}

func TestPyVISAErrorForms(t *testing.T) {
	defs := loadTestdata(t)
	d := newRes(t, defs, "GPIB0::6::INSTR")
	assert.Equal(t, "0\n", query(t, d, "*ESR?\n"))
	assert.Equal(t, "BAD_COMMAND\n", query(t, d, "NOPE\n"))
	assert.Equal(t, "BAD_QUERY\n", query(t, d, "NOPE?\n"))
	// The register ORs both bits and clears on read.
	assert.Equal(t, "36\n", query(t, d, "*ESR?\n"))
	assert.Equal(t, "0\n", query(t, d, "*ESR?\n"))
	// The error queue returns entries in order, then its default.
	assert.Equal(t, "-100, Command error\n", query(t, d, ":SYST:ERR?\n"))
	assert.Equal(t, "-400, Query error\n", query(t, d, ":SYST:ERR?\n"))
	assert.Equal(t, "0, No Error\n", query(t, d, ":SYST:ERR?\n"))
}

func TestPyVISADelimiter(t *testing.T) {
	d := newRes(t, loadTestdata(t), "GPIB0::6::INSTR")
	// "|" separates the units; each response ends with the eom.
	assert.Equal(t, "ACME,Supply,7,1.0\n1.500\n", query(t, d, "*IDN?|OUT1:VOLT?\n"))
	// ';' is not a delimiter for this device.
	assert.Equal(t, "BAD_QUERY\n", query(t, d, "*IDN?;*IDN?\n")) // a query: query_error
}

func TestPyVISAChannels(t *testing.T) {
	defs := loadTestdata(t)
	d := newRes(t, defs, "GPIB0::6::INSTR")
	// Selectable channels: {ch_id} in the query picks the channel.
	write(t, d, "OUT2:VOLT 3.250\n")
	silent(t, d)
	assert.Equal(t, "3.250\n", query(t, d, "OUT2:VOLT?\n"))
	assert.Equal(t, "1.500\n", query(t, d, "OUT1:VOLT?\n"))
	assert.Equal(t, "1.500\n", query(t, d, "OUT3:VOLT?\n"))
	assert.Equal(t, "BAD_QUERY\n", query(t, d, "OUT4:VOLT?\n"))
	assert.Equal(t, "an output\n", query(t, d, "OUT3:NAME?\n"))
	assert.Equal(t, "BAD_QUERY\n", query(t, d, "OUT4:NAME?\n"))
	// Non-selectable channels follow the selected_channel property.
	assert.Equal(t, "sense channel\n", query(t, d, "SENS:NAME?\n"))
	write(t, d, "CURR 0.25\n")
	silent(t, d)
	assert.Equal(t, "0.25\n", query(t, d, "MEAS:CURR?\n"))
	write(t, d, "INST:SEL 2\n")
	silent(t, d)
	assert.Equal(t, "0.10\n", query(t, d, "MEAS:CURR?\n"))
	write(t, d, "INST:SEL 9\n") // no such sense channel
	silent(t, d)
	assert.Equal(t, "BAD_QUERY\n", query(t, d, "MEAS:CURR?\n"))

	// channel_ids of a resource restrict the ids.
	r := newRes(t, defs, "TCPIP0::localhost::supply2::INSTR")
	assert.Equal(t, "1.500\n", query(t, r, "OUT2:VOLT?\n"))
	assert.Equal(t, "BAD_QUERY\n", query(t, r, "OUT3:VOLT?\n"))
}

func TestPyVISARandomAndBytes(t *testing.T) {
	d := newRes(t, loadTestdata(t), "GPIB0::5::INSTR")
	// RANDOM(1, 1, 3) with {:.1f}: three values in [1, 1].
	assert.Equal(t, "1.0,1.0,1.0\n", query(t, d, "?NOISE\n"))
	// BYTES(...) in q and r: raw bytes, including LF inside the response.
	require.NoError(t, d.Write(context.Background(), []byte{0xaa, 0x55}, true))
	assert.Equal(t, "\x00\xff\n\n", readMsg(t, d, 64))
}

func TestBundledResource(t *testing.T) {
	// bundled: true takes the device from the bundled default set.
	defs, err := Load("b.yaml", []byte("spec: \"1.1\"\nresources:\n  GPIB0::2::INSTR: {device: device 1, bundled: true}\n"))
	require.NoError(t, err)
	d := newRes(t, defs, "GPIB0::2::INSTR")
	assert.Equal(t, "LSG Serial #1234\n", query(t, d, "?IDN\n"))
}

func TestPyVISAFilenameInclude(t *testing.T) {
	d := newRes(t, loadTestdata(t), "GPIB0::7::INSTR")
	assert.Equal(t, "included,from,another,file\n", query(t, d, "*IDN?\n"))
	// The included device has no error response: nothing comes back.
	write(t, d, "BOGUS\n")
	silent(t, d)
}

// TestDefaultSetBehavesAsDocumented checks the bundled set against what
// pyvisa-sim documents for its default devices.
func TestDefaultSetBehavesAsDocumented(t *testing.T) {
	defs, err := LoadDefault()
	require.NoError(t, err)
	get := func(name string) *Device { return newRes(t, defs, name) }
	d1 := get("ASRL1::INSTR")
	assert.Equal(t, "LSG Serial #1234\n", query(t, d1, "?IDN\r\n"))
	assert.Equal(t, "OK\n", query(t, d1, "!CAL\r\n"))
	assert.Equal(t, "100.00\n", query(t, d1, "?FREQ\r\n"))
	assert.Equal(t, "FREQ_ERROR\n", query(t, d1, "!FREQ 0.00\r\n"))
	assert.Equal(t, "ERROR\n", query(t, d1, "?FOO\r\n"))
	d2 := get("GPIB0::9::INSTR")
	assert.Equal(t, "SCPI,MOCK,VERSION_1.0\n", query(t, d2, "*IDN?\n"))
	assert.Equal(t, "+1.00000000E+00\n", query(t, d2, ":VOLT:IMM:AMPL?\n"))
	write(t, d2, ":VOLT:IMM:AMPL 2.000\n")
	assert.Equal(t, "+2.00000000E+00\n", query(t, d2, ":VOLT:IMM:AMPL?\n"))
	write(t, d2, "BAD\n")
	silent(t, d2)
	assert.Equal(t, "32\n", query(t, d2, "*ESR?\n"))
	assert.Equal(t, "INVALID_COMMAND\n", query(t, get("GPIB0::10::INSTR"), "BAD\n"))
	d4 := get("GPIB0::4::INSTR")
	write(t, d4, "BAD\n")
	assert.Equal(t, "1, Command error\n", query(t, d4, ":SYST:ERR?\n"))
	assert.Equal(t, "0, No Error\n", query(t, d4, ":SYST:ERR?\n"))
	ti := get("TCPIP0::localhost::hislip0::INSTR")
	assert.Equal(t, "govisa,Test Instrument,0,"+Version+"\n", query(t, ti, "*IDN?\n"))
	assert.Equal(t, "hello\n", query(t, ti, "TEST:ECHO? hello\n"))
}

func TestBasesInheritance(t *testing.T) {
	defs, err := Load("bases.yaml", []byte(`spec: "1.1"
devices:
  base:
    eom: {GPIB INSTR: {q: "\n", r: "\n"}}
    error: BASE_ERROR
    dialogues:
      - {q: "*IDN?", r: "base"}
      - {q: "PING", r: "PONG"}
    properties:
      level:
        default: 1
        getter: {q: "LEV?", r: "{:d}"}
        setter: {q: "LEV {:d}"}
        specs: {type: int}
  child:
    bases: [base]
    dialogues:
      - {q: "*IDN?", r: "child"}
  grandchild:
    bases: [{device: child}]
resources:
  GPIB0::1::INSTR: {device: grandchild}
`))
	require.NoError(t, err)
	d := newRes(t, defs, "GPIB0::1::INSTR")
	assert.Equal(t, "child\n", query(t, d, "*IDN?\n"), "a device's own dialogue wins over its base's")
	assert.Equal(t, "PONG\n", query(t, d, "PING\n"))
	write(t, d, "LEV 5\n")
	assert.Equal(t, "5\n", query(t, d, "LEV?\n"))
	assert.Equal(t, "BASE_ERROR\n", query(t, d, "NOPE\n"))
}

func TestStatusModelOnPyVISADevice(t *testing.T) {
	// Every device has the 488.2 status model: an unknown command of a
	// pyvisa-sim device also queues -113 and sets CME in the ESR.
	d := newRes(t, loadTestdata(t), "GPIB0::5::INSTR")
	assert.Equal(t, "ERROR\n", query(t, d, "BOGUS\n"))
	assert.Equal(t, "32\n", query(t, d, "*ESR?\n"))
	assert.True(t, strings.HasPrefix(query(t, d, "SYST:ERR?\n"), `-113,"Undefined header"`))
	write(t, d, "*SRE 16\n")
	assert.Equal(t, "1\n", query(t, d, "*OPC?\n"))
	assert.Equal(t, byte(0), stb(t, d)&0x40, "MAV went away with the read")
}
