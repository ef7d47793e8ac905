package sim

import (
	"context"
	"encoding/binary"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/ieee4882"
)

// extFile is a device written with the govisa keys.
const extFile = `spec: "1.1"
devices:
  psu:
    eom:
      TCPIP INSTR: {q: "\n", r: "\n"}
      GPIB INSTR: {q: "\n", r: "\n"}
    properties:
      limit:
        default: 5
        specs: {type: float, min: 0, max: 10}
    govisa:
      version: 1
      identity: "ACME,PSU,1,2.0"
      framing: ieee488.2
      state: {volt1: "0", volt2: "0", output: "0", mode: idle, count: "4"}
      commands:
        - q: "SOURce<ch>:VOLTage[:LEVel][:IMMediate][:AMPLitude] {v:float}"
          set: {"volt[ch]": "{v}"}
        - q: "SOURce<ch>:VOLTage[:LEVel][:IMMediate][:AMPLitude]?"
          r: "{volt[ch]:.3f},{ch}"
        - q: "OUTPut# {on:bool}"
          set: {output: "{on}"}
        - q: "OUTPut#?"
          r: "{output:d}"
        - q: "LIMit {v:float}"
          set: {limit: "{v}"}
        - q: "LIMit?"
          r: "{limit:.1f}"
        - q: "ARM"
          when: {mode: idle}
          set: {mode: armed}
        - q: "ARM"
          error: "-221,Settings conflict"
        - q: "STATe?"
          r: "{mode}"
        - q: "ECHO? {a:str},{b:int}"
          r: "{b:03d}:{a}"
        - q: "DATA? {n:int}"
          block: {type: int16, values: "{RANDOM(7, 7, n):.0f}", endian: little}
        - q: "RAW?"
          block: {data: "BYTES(\x01\x02\x0a)"}
        - q: "WAVE?"
          block: {type: float32, values: "0.5,-1.25,2"}
        - q: "SLOW?"
          r: "done"
          delay: 30ms
        - q: "FAIL"
          error: "-200,Execution error"
      on_trigger:
        - set: {mode: measuring}
        - after: 10ms
          set: {mode: done}
          stb: 0x01
      on_clear:
        - set: {mode: idle}
          stb_clear: 0x01
resources:
  TCPIP0::localhost::psu::INSTR: {device: psu}
`

func extDevice(t *testing.T) *Device {
	t.Helper()
	defs, err := Load("ext.yaml", []byte(extFile))
	require.NoError(t, err)
	return newRes(t, defs, "TCPIP0::localhost::psu::INSTR")
}

func TestExtSCPIHeaderForms(t *testing.T) {
	d := extDevice(t)
	for _, form := range []string{
		"SOUR1:VOLT 1.5", "SOURCE1:VOLTAGE:LEVEL:IMMEDIATE:AMPLITUDE 1.5", "sour:volt:lev 1.5",
		":Source1:Volt:Imm 1.5", "SOUR:VOLT:AMPL 1.5",
	} {
		write(t, d, form+"\n")
		assert.Equal(t, "1.500,1\n", query(t, d, "SOUR:VOLT?\n"), form)
		assert.Equal(t, `0,"No error"`+"\n", query(t, d, "SYST:ERR?\n"), form)
	}
	// Numeric suffixes are captured: channel 2 has its own state.
	assert.Equal(t, "0.000,2\n", query(t, d, "SOURCE2:VOLTAGE?\n"))
	write(t, d, "SOUR2:VOLT 2.25\n")
	assert.Equal(t, "2.250,2\n", query(t, d, "SOURCE2:VOLTAGE?\n"))
	assert.Equal(t, "1.500,1\n", query(t, d, "SOURCE1:VOLTAGE?\n"))
	// A channel without state is out of range.
	write(t, d, "SOUR3:VOLT 1\n")
	assert.Equal(t, `-222,"Data out of range"`+"\n", query(t, d, "SYST:ERR?\n"))
	// Wrong forms are undefined headers.
	for _, bad := range []string{"SOU:VOLT?", "SOURC:VOLT?", "SOUR:VOLT:LEV:LEV?", "SOURX:VOLT?"} {
		write(t, d, bad+"\n")
		assert.Equal(t, `-113,"Undefined header"`+"\n", query(t, d, "SYST:ERR?\n"), bad)
	}
}

func TestExtArguments(t *testing.T) {
	d := extDevice(t)
	assert.Equal(t, "042:a,b\n", query(t, d, `ECHO? "a,b",42`+"\n"))
	write(t, d, "OUTP ON\n")
	assert.Equal(t, "1\n", query(t, d, "OUTP?\n"))
	write(t, d, "OUTP1 0\n")
	assert.Equal(t, "0\n", query(t, d, "OUTPUT1?\n"))
	for _, c := range []struct{ msg, err string }{
		{"OUTP MAYBE", `-104,"Data type error"`},
		{"SOUR:VOLT", `-109,"Missing parameter"`},
		{"SOUR:VOLT 1,2", `-108,"Parameter not allowed"`},
		{"SOUR:VOLT high", `-104,"Data type error"`},
		{"FAIL", `-200,"Execution error"`},
	} {
		write(t, d, c.msg+"\n")
		assert.Equal(t, c.err+"\n", query(t, d, "SYST:ERR?\n"), c.msg)
	}
}

func TestExtPropertiesAndSpecs(t *testing.T) {
	d := extDevice(t)
	assert.Equal(t, "5.0\n", query(t, d, "LIM?\n"))
	write(t, d, "LIM 7.5\n")
	assert.Equal(t, "7.5\n", query(t, d, "LIM?\n"))
	write(t, d, "LIM 70\n") // above the property's max
	assert.Equal(t, `-222,"Data out of range"`+"\n", query(t, d, "SYST:ERR?\n"))
	assert.Equal(t, "7.5\n", query(t, d, "LIM?\n"))
}

func TestExtStateMachine(t *testing.T) {
	d := extDevice(t)
	assert.Equal(t, "idle\n", query(t, d, "STAT?\n"))
	write(t, d, "ARM\n")
	assert.Equal(t, "armed\n", query(t, d, "STAT?\n"))
	write(t, d, "ARM\n") // not idle any more: the second definition answers
	assert.Equal(t, `-221,"Settings conflict"`+"\n", query(t, d, "SYST:ERR?\n"))
}

func TestExtBlocks(t *testing.T) {
	d := extDevice(t)
	resp := query(t, d, "DATA? 3\n")
	data, rest, err := ieee4882.DecodeBlock([]byte(resp), 100)
	require.NoError(t, err)
	assert.Equal(t, "\n", string(rest))
	assert.Equal(t, []byte{7, 0, 7, 0, 7, 0}, data)

	resp = query(t, d, "RAW?\n")
	assert.Equal(t, "#13\x01\x02\n\n", resp)

	resp = query(t, d, "WAVE?\n")
	data, _, err = ieee4882.DecodeBlock([]byte(resp), 100)
	require.NoError(t, err)
	require.Len(t, data, 12)
	var got []float32
	for i := 0; i < 12; i += 4 {
		got = append(got, math.Float32frombits(binary.BigEndian.Uint32(data[i:])))
	}
	assert.Equal(t, []float32{0.5, -1.25, 2}, got)
}

func TestExtDelay(t *testing.T) {
	d := extDevice(t)
	write(t, d, "SLOW?\n")
	// Not there yet: MAV is clear right after the message.
	assert.Zero(t, stb(t, d)&ieee4882.STBMAV)
	assert.Equal(t, "done\n", readMsg(t, d, 16))
}

func TestExtTriggerClearAndSRQ(t *testing.T) {
	d := extDevice(t)
	var srqs atomic.Int32
	unsub := d.SubscribeSRQ(func() { srqs.Add(1) })
	defer unsub()
	write(t, d, "*SRE 1\n")
	require.NoError(t, d.Trigger(context.Background()))
	assert.Equal(t, "measuring\n", query(t, d, "STAT?\n"))
	// The delayed action sets STB bit 0, which *SRE 1 turns into SRQ.
	require.Eventually(t, func() bool { return srqs.Load() == 1 }, 2*time.Second, time.Millisecond)
	assert.Equal(t, "done\n", query(t, d, "STAT?\n"))
	assert.Equal(t, byte(0x41), stb(t, d), "RQS and bit 0")
	// *TRG runs the same actions.
	write(t, d, "*TRG\n")
	assert.Equal(t, "measuring\n", query(t, d, "STAT?\n"))
	// Device clear runs the clear actions: state back to idle, bit 0 off.
	require.NoError(t, d.Clear(context.Background()))
	assert.Equal(t, "idle\n", query(t, d, "STAT?\n"))
	assert.Zero(t, stb(t, d)&0x01)
	assert.Equal(t, "ACME,PSU,1,2.0\n", query(t, d, "*IDN?\n"))
}

func TestExtResetRestoresState(t *testing.T) {
	d := extDevice(t)
	write(t, d, "ARM;LIM 2;SOUR2:VOLT 3\n")
	assert.Equal(t, "armed;2.0;3.000,2\n", query(t, d, "STAT?;LIM?;SOUR2:VOLT?\n"))
	write(t, d, "*RST\n")
	assert.Equal(t, "idle;5.0;0.000,2\n", query(t, d, "STAT?;LIM?;SOUR2:VOLT?\n"))
}

func TestExtCloseStopsTimers(t *testing.T) {
	d := extDevice(t)
	require.NoError(t, d.Trigger(context.Background()))
	require.NoError(t, d.Close())
	time.Sleep(30 * time.Millisecond)
	assert.Equal(t, "measuring\n", query(t, d, "STAT?\n"), "the delayed action was cancelled")
}

func TestExtIEEE4882Framing(t *testing.T) {
	d := extDevice(t)
	// ieee488.2 framing: responses of one message joined with ';', and a
	// new message discards an unread response (-410).
	assert.Equal(t, "idle;5.0\n", query(t, d, "STAT?;LIM?\n"))
	write(t, d, "STAT?\n")
	write(t, d, "LIM?\n")
	assert.Equal(t, "5.0\n", readMsg(t, d, 64))
	assert.Equal(t, `-410,"Query INTERRUPTED"`+"\n", query(t, d, "SYST:ERR?\n"))
}

func TestExtOnPyVISADevice(t *testing.T) {
	// govisa commands and pyvisa-sim properties in one device: commands
	// read and write the properties.
	defs, err := Load("mixed.yaml", []byte(`spec: "1.1"
devices:
  gen:
    eom: {GPIB INSTR: {q: "\n", r: "\n"}}
    error: ERR
    properties:
      frequency:
        default: 100.0
        getter: {q: "?FREQ", r: "{:.2f}"}
        setter: {q: "!FREQ {:.2f}", r: OK}
        specs: {type: float, min: 1, max: 1000}
    govisa:
      version: 1
      commands:
        - q: "[SOURce]:FREQuency[:CW] {f:float}"
          set: {frequency: "{f}"}
        - q: "[SOURce]:FREQuency[:CW]?"
          r: "{frequency:.1f}"
resources:
  GPIB0::3::INSTR: {device: gen}
`))
	require.NoError(t, err)
	d := newRes(t, defs, "GPIB0::3::INSTR")
	write(t, d, "freq 250\n")
	assert.Equal(t, "250.00\n", query(t, d, "?FREQ\n"))
	assert.Equal(t, "OK\n", query(t, d, "!FREQ 12.00\n"))
	assert.Equal(t, "12.0\n", query(t, d, "SOURCE:FREQUENCY:CW?\n"))
	assert.Equal(t, "ERR\n", query(t, d, "FREQ:FOO?\n"))
}
