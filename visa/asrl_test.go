package visa_test

import (
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSerialAttributes sets the VISA serial attributes on a session to a
// pseudo-terminal and reads them back: the session layer validates them and
// the serial transport applies them to the line.
func TestSerialAttributes(t *testing.T) {
	name := servePTY(t, sim.NewTestInstrument())
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(bg, name, visa.WithTimeout(2*time.Second), visa.WithReadTermination("\n"))
	require.NoError(t, err)

	v, err := r.GetAttribute(visa.VI_ATTR_ASRL_BAUD)
	require.NoError(t, err)
	assert.Equal(t, uint32(9600), v, "VISA default baud rate")
	sets := []struct {
		id visa.Attr
		v  any
	}{
		{visa.VI_ATTR_ASRL_BAUD, uint32(115200)},
		{visa.VI_ATTR_ASRL_DATA_BITS, uint16(8)},
		{visa.VI_ATTR_ASRL_PARITY, visa.VI_ASRL_PAR_NONE},
		{visa.VI_ATTR_ASRL_STOP_BITS, visa.VI_ASRL_STOP_TWO},
		{visa.VI_ATTR_ASRL_FLOW_CNTRL, visa.VI_ASRL_FLOW_NONE},
		{visa.VI_ATTR_ASRL_END_IN, visa.VI_ASRL_END_TERMCHAR},
	}
	for _, s := range sets {
		require.NoError(t, r.SetAttribute(s.id, s.v), s.id.String())
		got, err := r.GetAttribute(s.id)
		require.NoError(t, err)
		assert.Equal(t, s.v, got, s.id.String())
	}
	assert.Equal(t, visa.VI_ERROR_NSUP_ATTR_STATE, visa.StatusOf(r.SetAttribute(visa.VI_ATTR_ASRL_DATA_BITS, uint16(9))))
	assert.Equal(t, visa.VI_ERROR_NSUP_ATTR, visa.StatusOf(r.SetAttribute(visa.VI_ATTR_TCPIP_NODELAY, true)))

	idn, err := r.Query(bg, "*IDN?")
	require.NoError(t, err)
	assert.Contains(t, idn, "govisa")
	n, err := r.GetAttribute(visa.VI_ATTR_ASRL_AVAIL_NUM)
	require.NoError(t, err)
	assert.Equal(t, uint32(0), n)
}
