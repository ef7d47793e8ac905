package usbtmc

import (
	"context"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/require"
)

// testIfc is the interface a simulated device presents (addresses as the
// host saw them in the VM run).
var testIfc = Interface{Number: 0, Protocol: 1, BulkOut: 0x02, BulkIn: 0x81, InterruptIn: 0x85, MaxPacket: 512, IntrPacket: 8}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

type rig struct {
	inst *sim.TestInstrument
	dev  *Device
	conn *Conn
}

// newRig opens a Conn on a simulated device. The Conn owns the Device.
func newRig(t *testing.T, o DeviceOptions, opts ...Option) *rig {
	t.Helper()
	inst := sim.NewTestInstrument()
	dev := NewDevice(inst, o)
	ifc := testIfc
	if o.NoInterrupt {
		ifc.InterruptIn = 0
	}
	if o.MaxPacket != 0 {
		ifc.MaxPacket = uint16(o.MaxPacket)
	}
	if o.Caps != nil && o.Caps.BCDUSB488 == 0 {
		ifc.Protocol = 0
	}
	c, err := Open(ctxT(t, time.Second), dev, ifc, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &rig{inst: inst, dev: dev, conn: c}
}

func (r *rig) query(t *testing.T, cmd string, n int) (string, transport.Reason) {
	t.Helper()
	_, err := r.conn.Write(ctxT(t, time.Second), []byte(cmd), true)
	require.NoError(t, err)
	return r.readAll(t, n)
}

// readAll reads until END with a buffer of n bytes per Read.
func (r *rig) readAll(t *testing.T, n int) (string, transport.Reason) {
	t.Helper()
	var out []byte
	buf := make([]byte, n)
	for {
		k, why, err := r.conn.Read(ctxT(t, 2*time.Second), buf, transport.ReadOptions{})
		require.NoError(t, err)
		out = append(out, buf[:k]...)
		if why.Has(transport.ReasonEND) {
			return string(out), why
		}
	}
}

// wrap lets a test intercept single transfer kinds of an inner Transfers.
type wrap struct {
	Transfers
	bulkOut func(ctx context.Context, ep uint8, p []byte) (int, error)
	bulkIn  func(ctx context.Context, ep uint8, p []byte) (int, error)
	control func(ctx context.Context, rt, req uint8, v, i uint16, d []byte) (int, error)
}

func (w *wrap) BulkOut(ctx context.Context, ep uint8, p []byte) (int, error) {
	if w.bulkOut != nil {
		return w.bulkOut(ctx, ep, p)
	}
	return w.Transfers.BulkOut(ctx, ep, p)
}

func (w *wrap) BulkIn(ctx context.Context, ep uint8, p []byte) (int, error) {
	if w.bulkIn != nil {
		return w.bulkIn(ctx, ep, p)
	}
	return w.Transfers.BulkIn(ctx, ep, p)
}

func (w *wrap) Control(ctx context.Context, rt, req uint8, v, i uint16, d []byte) (int, error) {
	if w.control != nil {
		return w.control(ctx, rt, req, v, i, d)
	}
	return w.Transfers.Control(ctx, rt, req, v, i, d)
}

func (w *wrap) Close() error {
	if c, ok := w.Transfers.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

func (w *wrap) ClearHalt(ctx context.Context, ep uint8) error {
	if h, ok := w.Transfers.(Halter); ok {
		return h.ClearHalt(ctx, ep)
	}
	return nil
}

func newFuzzInstrument() transport.Device { return sim.NewTestInstrument() }
