//go:build linux

package visa_test

import (
	"context"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport/gpib/linuxgpib"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// simGPIB makes board n a simulated linux-gpib bus with test instruments
// at 5 and 7,3, for the rest of the test.
func simGPIB(t *testing.T, n int) *linuxgpib.SimBus {
	t.Helper()
	bus := linuxgpib.NewSimBus()
	bus.Attach(5, -1, sim.NewTestInstrument())
	bus.Attach(7, 3, sim.NewTestInstrument(sim.WithIdentity("govisa,Second,1,0")))
	undo := linuxgpib.Simulate(n, bus)
	t.Cleanup(func() { undo(); bus.Close() })
	return bus
}

type attrCase struct {
	id   visa.Attr
	set  any         // nil: get only
	want any         // value read afterwards (or the value read, for get only)
	st   visa.Status // status of the set (VI_SUCCESS: accepted)
}

func checkAttrs(t *testing.T, r *visa.Resource, cases []attrCase) {
	t.Helper()
	for _, c := range cases {
		name := c.id.String()
		if c.set != nil {
			assert.Equal(t, c.st, visa.StatusOf(r.SetAttribute(c.id, c.set)), "set %s = %v", name, c.set)
		}
		if c.want == nil {
			continue
		}
		v, err := r.GetAttribute(c.id)
		if assert.NoError(t, err, name) {
			assert.Equal(t, c.want, v, name)
		}
	}
}

// TestGPIBInstrAttributes opens GPIB0::5::INSTR on the native backend
// against a simulated linux-gpib board: the session layer validates, the
// transport answers from the driver.
func TestGPIBInstrAttributes(t *testing.T) {
	simGPIB(t, 0)
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(bg, "GPIB0::5::INSTR", visa.WithTimeout(2*time.Second), visa.WithReadTermination("\n"))
	require.NoError(t, err)
	idn, err := r.Query(bg, "*IDN?")
	require.NoError(t, err)
	assert.Contains(t, idn, "Test Instrument")

	ok := visa.VI_SUCCESS
	checkAttrs(t, r, []attrCase{
		{id: visa.VI_ATTR_GPIB_PRIMARY_ADDR, want: uint16(5)},
		// Read-only on an INSTR session (VISA): any value, even the same.
		{id: visa.VI_ATTR_GPIB_PRIMARY_ADDR, set: uint16(5), want: uint16(5), st: visa.VI_ERROR_ATTR_READONLY},
		{id: visa.VI_ATTR_GPIB_PRIMARY_ADDR, set: uint16(6), want: uint16(5), st: visa.VI_ERROR_ATTR_READONLY},
		{id: visa.VI_ATTR_GPIB_PRIMARY_ADDR, set: uint16(31), want: uint16(5), st: visa.VI_ERROR_ATTR_READONLY},
		{id: visa.VI_ATTR_GPIB_SECONDARY_ADDR, want: visa.VI_NO_SEC_ADDR},
		{id: visa.VI_ATTR_GPIB_SECONDARY_ADDR, set: uint16(3), want: visa.VI_NO_SEC_ADDR, st: visa.VI_ERROR_ATTR_READONLY},
		{id: visa.VI_ATTR_GPIB_READDR_EN, want: true},
		{id: visa.VI_ATTR_GPIB_READDR_EN, set: false, want: false, st: ok},
		{id: visa.VI_ATTR_GPIB_UNADDR_EN, want: false},
		{id: visa.VI_ATTR_GPIB_UNADDR_EN, set: true, want: true, st: ok},
		{id: visa.VI_ATTR_GPIB_REN_STATE, want: visa.VI_STATE_UNASSERTED},
		{id: visa.VI_ATTR_GPIB_REN_STATE, set: visa.VI_STATE_ASSERTED, st: visa.VI_ERROR_ATTR_READONLY},
		{id: visa.VI_ATTR_IO_PROT, want: visa.VI_PROT_NORMAL},
		{id: visa.VI_ATTR_IO_PROT, set: visa.VI_PROT_HS488, want: visa.VI_PROT_NORMAL, st: visa.VI_ERROR_NSUP_ATTR_STATE},
		{id: visa.VI_ATTR_IO_PROT, set: uint16(9), want: visa.VI_PROT_NORMAL, st: visa.VI_ERROR_NSUP_ATTR_STATE},
		{id: visa.VI_ATTR_GPIB_ATN_STATE, set: visa.VI_STATE_ASSERTED, st: visa.VI_ERROR_NSUP_ATTR},
		{id: visa.VI_ATTR_DEV_STATUS_BYTE, set: uint8(0x40), st: visa.VI_ERROR_NSUP_ATTR},
	})
	_, err = r.GetAttribute(visa.VI_ATTR_GPIB_ATN_STATE)
	assert.Equal(t, visa.VI_ERROR_NSUP_ATTR, visa.StatusOf(err))

	// I/O still works with re-addressing off and unaddressing on, and the
	// termination character reaches the driver as EOS.
	require.NoError(t, r.SetAttribute(visa.VI_ATTR_TERMCHAR_EN, true))
	for range 2 {
		idn, err = r.Query(bg, "*IDN?")
		require.NoError(t, err)
		assert.Contains(t, idn, "Test Instrument")
	}
	require.NoError(t, r.ControlREN(bg, visa.VI_GPIB_REN_ASSERT))
	v, err := r.GetAttribute(visa.VI_ATTR_GPIB_REN_STATE)
	require.NoError(t, err)
	assert.Equal(t, visa.VI_STATE_ASSERTED, v)

	// A secondary address from the resource name.
	r7, err := rm.OpenResource(bg, "GPIB0::7::3::INSTR", visa.WithTimeout(2*time.Second), visa.WithReadTermination("\n"))
	require.NoError(t, err)
	checkAttrs(t, r7, []attrCase{
		{id: visa.VI_ATTR_GPIB_PRIMARY_ADDR, want: uint16(7)},
		{id: visa.VI_ATTR_GPIB_SECONDARY_ADDR, want: uint16(3)},
	})
	idn, err = r7.Query(bg, "*IDN?")
	require.NoError(t, err)
	assert.Contains(t, idn, "Second")
}

// TestGPIBIntfcAttributes opens GPIB0::INTFC against the simulated board.
func TestGPIBIntfcAttributes(t *testing.T) {
	simGPIB(t, 0)
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	b, err := rm.OpenResource(bg, "GPIB0::INTFC", visa.WithTimeout(2*time.Second))
	require.NoError(t, err)

	ok := visa.VI_SUCCESS
	checkAttrs(t, b, []attrCase{
		{id: visa.VI_ATTR_GPIB_PRIMARY_ADDR, want: uint16(0)},
		{id: visa.VI_ATTR_GPIB_SECONDARY_ADDR, want: visa.VI_NO_SEC_ADDR},
		{id: visa.VI_ATTR_GPIB_REN_STATE, want: visa.VI_STATE_UNASSERTED},
		{id: visa.VI_ATTR_GPIB_ATN_STATE, want: visa.VI_STATE_UNASSERTED},
		{id: visa.VI_ATTR_GPIB_NDAC_STATE, want: visa.VI_STATE_UNASSERTED},
		{id: visa.VI_ATTR_GPIB_SRQ_STATE, want: visa.VI_STATE_UNASSERTED},
		{id: visa.VI_ATTR_GPIB_CIC_STATE, want: true},
		{id: visa.VI_ATTR_GPIB_CIC_STATE, set: false, st: visa.VI_ERROR_ATTR_READONLY},
		{id: visa.VI_ATTR_GPIB_ADDR_STATE, want: visa.VI_GPIB_UNADDRESSED},
		{id: visa.VI_ATTR_GPIB_NDAC_STATE, set: visa.VI_STATE_ASSERTED, st: visa.VI_ERROR_ATTR_READONLY},
		{id: visa.VI_ATTR_GPIB_HS488_CBL_LEN, want: visa.VI_GPIB_HS488_NIMPL},
		{id: visa.VI_ATTR_GPIB_HS488_CBL_LEN, set: int16(5), want: visa.VI_GPIB_HS488_NIMPL, st: visa.VI_ERROR_NSUP_ATTR_STATE},
		{id: visa.VI_ATTR_GPIB_HS488_CBL_LEN, set: int16(16), want: visa.VI_GPIB_HS488_NIMPL, st: visa.VI_ERROR_NSUP_ATTR_STATE},
		{id: visa.VI_ATTR_DEV_STATUS_BYTE, want: uint8(0)},
		{id: visa.VI_ATTR_DEV_STATUS_BYTE, set: uint8(0x41), want: uint8(0x41), st: ok},
		{id: visa.VI_ATTR_DEV_STATUS_BYTE, set: true, want: uint8(0x41), st: visa.VI_ERROR_NSUP_ATTR_STATE},
		{id: visa.VI_ATTR_GPIB_PRIMARY_ADDR, set: uint16(2), want: uint16(2), st: ok},
		{id: visa.VI_ATTR_GPIB_PRIMARY_ADDR, set: uint16(31), want: uint16(2), st: visa.VI_ERROR_NSUP_ATTR_STATE},
		{id: visa.VI_ATTR_GPIB_SECONDARY_ADDR, set: uint16(1), want: uint16(1), st: ok},
		{id: visa.VI_ATTR_GPIB_SECONDARY_ADDR, set: uint16(96), want: uint16(1), st: visa.VI_ERROR_NSUP_ATTR_STATE},
		{id: visa.VI_ATTR_GPIB_SECONDARY_ADDR, set: visa.VI_NO_SEC_ADDR, want: visa.VI_NO_SEC_ADDR, st: ok},
		{id: visa.VI_ATTR_GPIB_SYS_CNTRL_STATE, want: true},
		{id: visa.VI_ATTR_GPIB_SYS_CNTRL_STATE, set: false, want: false, st: ok},
		{id: visa.VI_ATTR_GPIB_SYS_CNTRL_STATE, set: true, want: true, st: ok},
		{id: visa.VI_ATTR_GPIB_READDR_EN, set: true, st: visa.VI_ERROR_NSUP_ATTR},
	})

	// An instrument session addresses devices from the board's new
	// address, and the board's line and address states follow the bus.
	r, err := rm.OpenResource(bg, "GPIB0::5::INSTR", visa.WithTimeout(2*time.Second), visa.WithReadTermination("\n"))
	require.NoError(t, err)
	_, err = r.Write(bg, "*SRE 1;TEST:SRQ")
	require.NoError(t, err)
	checkAttrs(t, b, []attrCase{
		{id: visa.VI_ATTR_GPIB_ADDR_STATE, want: visa.VI_GPIB_TALKER},
		{id: visa.VI_ATTR_GPIB_SRQ_STATE, want: visa.VI_STATE_ASSERTED},
		{id: visa.VI_ATTR_GPIB_NDAC_STATE, want: visa.VI_STATE_ASSERTED},
	})
	stb, err := r.ReadSTB(bg)
	require.NoError(t, err)
	assert.Equal(t, byte(0x41), stb)
	checkAttrs(t, b, []attrCase{
		{id: visa.VI_ATTR_GPIB_ADDR_STATE, want: visa.VI_GPIB_LISTENER},
		{id: visa.VI_ATTR_GPIB_SRQ_STATE, want: visa.VI_STATE_UNASSERTED},
	})
}

// TestGPIBListResources: ListResources on the native backend lists each
// simulated board's INTFC and exactly the instruments on its bus, and a
// board whose driver hangs does not hold the listing past ctx's deadline.
func TestGPIBListResources(t *testing.T) {
	simGPIB(t, 0)
	other := linuxgpib.NewSimBus()
	other.Attach(12, -1, sim.NewTestInstrument())
	undo := linuxgpib.Simulate(1, other)
	defer func() { undo(); other.Close() }()

	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	names, err := rm.ListResources(bg, "GPIB?*INSTR")
	require.NoError(t, err)
	assert.Equal(t, []string{"GPIB0::5::INSTR", "GPIB0::7::3::INSTR", "GPIB1::12::INSTR"}, names)
	intfc, err := rm.ListResources(bg, "GPIB?*INTFC")
	require.NoError(t, err)
	assert.Equal(t, []string{"GPIB0::INTFC", "GPIB1::INTFC"}, intfc)

	// Every listed instrument opens and answers.
	for _, n := range names {
		r, err := rm.OpenResource(bg, n, visa.WithTimeout(2*time.Second), visa.WithReadTermination("\n"))
		require.NoError(t, err, n)
		_, err = r.Query(bg, "*IDN?")
		require.NoError(t, err, n)
		require.NoError(t, r.Close())
	}

	// Board 1 wedges: the listing returns at the deadline with board 0's
	// resources.
	release := other.Hang()
	defer release()
	ctx, cancel := context.WithTimeout(bg, time.Second)
	defer cancel()
	type listed struct {
		names []string
		err   error
	}
	got := make(chan listed, 1)
	go func() {
		n, err := rm.ListResources(ctx, "GPIB?*")
		got <- listed{n, err}
	}()
	var l listed
	select {
	case l = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("ListResources blocked on a hung board past its deadline")
	}
	require.NoError(t, l.err)
	assert.Subset(t, l.names, []string{"GPIB0::INTFC", "GPIB0::5::INSTR", "GPIB0::7::3::INSTR"})
	assert.NotContains(t, l.names, "GPIB1::12::INSTR")
	release()
}
