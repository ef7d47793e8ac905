package visa_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport/vxi11"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gatewayDevice is a test instrument that also answers VXI-11.2
// device_docmd as a GPIB gateway would, recording what it was asked.
type gatewayDevice struct {
	*sim.TestInstrument
	mu   sync.Mutex
	cmds []int32
	data [][]byte
}

func (g *gatewayDevice) Docmd(_ context.Context, cmd int32, _ bool, _ int32, data []byte) ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cmds = append(g.cmds, cmd)
	g.data = append(g.data, append([]byte(nil), data...))
	return data, nil
}

// TestGPIBBusOperations: viGpibCommand, viGpibSendIFC, viGpibControlATN and
// viGpibPassControl reach a VXI-11 gateway through device_docmd, and
// resources without bus control answer VI_ERROR_NSUP_OPER.
func TestGPIBBusOperations(t *testing.T) {
	gw := &gatewayDevice{TestInstrument: sim.NewTestInstrument()}
	name := serveVXI11(t, gw)
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(bg, name, visa.WithTimeout(2*time.Second))
	require.NoError(t, err)
	lib, s := r.Library(), r.Session()

	n, err := lib.GpibCommand(bg, s, []byte{0x3F, 0x5F})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	require.NoError(t, lib.GpibSendIFC(bg, s))
	require.NoError(t, lib.GpibControlATN(bg, s, visa.VI_GPIB_ATN_ASSERT))
	require.NoError(t, lib.GpibPassControl(bg, s, 7, visa.VI_NO_SEC_ADDR))
	assert.Equal(t, visa.VI_ERROR_NSUP_OPER, visa.StatusOf(lib.GpibPassControl(bg, s, 7, 3)))
	assert.Equal(t, visa.VI_ERROR_INV_MODE, visa.StatusOf(lib.GpibControlATN(bg, s, 9)))
	gw.mu.Lock()
	assert.Equal(t, []int32{vxi11.DocmdSendCommand, vxi11.DocmdIFCControl, vxi11.DocmdATNControl, vxi11.DocmdPassControl}, gw.cmds)
	assert.Equal(t, []byte{0x3F, 0x5F}, gw.data[0])
	assert.Equal(t, []byte{0, 1}, gw.data[2])
	assert.Equal(t, []byte{0, 0, 0, 7}, gw.data[3])
	gw.mu.Unlock()

	// A plain VXI-11 instrument is no gateway: error 8 → NSUP_OPER.
	plain := serveVXI11(t, sim.NewTestInstrument())
	p, err := rm.OpenResource(bg, plain)
	require.NoError(t, err)
	assert.Equal(t, visa.VI_ERROR_NSUP_OPER, visa.StatusOf(p.Library().GpibSendIFC(bg, p.Session())))
	// A socket has no bus at all.
	sock, err := rm.OpenResource(bg, serveSocket(t, sim.NewTestInstrument(), "127.0.0.1:0"))
	require.NoError(t, err)
	_, err = sock.Library().GpibCommand(bg, sock.Session(), []byte{0x3F})
	assert.Equal(t, visa.VI_ERROR_NSUP_OPER, visa.StatusOf(err))
}

// TestIndefiniteBlockOverEND: an indefinite "#0" block ends at END; when
// the first read already returned the whole response, no further read is
// issued (it would time out).
func TestIndefiniteBlockOverEND(t *testing.T) {
	dev := newScriptDevice([]byte("#0abc\n"), []byte("#0"+strings.Repeat("z", 100000)+"\n"))
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(bg, serveHiSLIP(t, dev), visa.WithTimeout(time.Second))
	require.NoError(t, err)
	data, err := r.QueryBlock(bg, "B?", visa.BlockOptions{})
	require.NoError(t, err)
	assert.Equal(t, "abc", string(data))
	data, err = r.QueryBlock(bg, "B?", visa.BlockOptions{})
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("z", 100000), string(data))
}

// TestHiSLIPOverlapAttribute: VI_ATTR_TCPIP_HISLIP_OVERLAP_EN given at open
// switches the session to overlapped mode, where queries still pair up.
func TestHiSLIPOverlapAttribute(t *testing.T) {
	name := serveHiSLIP(t, sim.NewTestInstrument())
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(bg, name, visa.WithAttribute(visa.VI_ATTR_TCPIP_HISLIP_OVERLAP_EN, true))
	require.NoError(t, err)
	v, err := r.GetAttribute(visa.VI_ATTR_TCPIP_HISLIP_OVERLAP_EN)
	require.NoError(t, err)
	assert.Equal(t, true, v)
	for i := 0; i < 5; i++ {
		got, err := r.Query(bg, "TEST:ECHO? ovl")
		require.NoError(t, err)
		assert.Equal(t, "ovl", got)
	}
	require.NoError(t, r.SetAttribute(visa.VI_ATTR_TCPIP_HISLIP_OVERLAP_EN, false))
	got, err := r.Query(bg, "TEST:ECHO? sync")
	require.NoError(t, err)
	assert.Equal(t, "sync", got)
}
