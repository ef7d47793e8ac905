package usbtmc

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVendorCodecLayout(t *testing.T) {
	got := AppendVendorOut(nil, 7, []byte("abcde"))
	want := []byte{126, 7, 0xF8, 0, 5, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 'd', 'e', 0, 0, 0}
	assert.Equal(t, want, got)
	assert.Equal(t, []byte{127, 9, 0xF6, 0, 0x00, 0x01, 0, 0, 0, 0, 0, 0}, AppendRequestVendorIn(nil, 9, 256))

	h, err := ParseBulkOutHeader(got)
	require.NoError(t, err)
	assert.Equal(t, BulkOutHeader{MsgID: MsgVendorOut, Tag: 7, TransferSize: 5}, h)

	// VENDOR_SPECIFIC_IN has reserved bytes where DEV_DEP_MSG_IN keeps its
	// attributes: a set bit there is not EOM.
	in := []byte{127, 3, 0xFC, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0}
	bh, err := ParseBulkInHeader(in)
	require.NoError(t, err)
	assert.Equal(t, BulkInHeader{MsgID: MsgVendorIn, Tag: 3, TransferSize: 4}, bh)
}

func vendorRig(t *testing.T, o DeviceOptions, opts ...Option) *rig {
	t.Helper()
	if o.Vendor == nil {
		o.Vendor = &VendorEcho{}
	}
	r := newRig(t, o, opts...)
	require.NoError(t, r.conn.SetAttr(AttrIOProt, uint16(ProtUSBTMCVendor)))
	return r
}

func TestVendorRoundTrip(t *testing.T) {
	for _, mp := range []int{64, 512} {
		t.Run(fmt.Sprint("mp=", mp), func(t *testing.T) {
			r := vendorRig(t, DeviceOptions{MaxPacket: mp}, WithMaxTransfer(1024))
			ctx := ctxT(t, time.Second)
			// Lengths around packet and transfer boundaries.
			for _, n := range []int{1, 3, mp - 12, mp - 12 - 4, 2*mp - 12, 1000, 5000} {
				msg := bytes.Repeat([]byte{byte(n)}, n)
				w, err := r.conn.Write(ctx, msg, true)
				require.NoError(t, err)
				require.Equal(t, n, w)
				buf := make([]byte, n+100)
				got, why, err := r.conn.Read(ctx, buf, transport.ReadOptions{TermCharEnabled: true, TermChar: byte(n)})
				require.NoError(t, err)
				assert.Equal(t, msg, buf[:got], "n=%d", n)
				assert.Equal(t, transport.ReasonEND, why, "a short transfer ends the message; TermChar does not apply")
			}
			v, ok := r.conn.Attr(AttrIOProt)
			assert.True(t, ok)
			assert.Equal(t, uint16(ProtUSBTMCVendor), v)
		})
	}
}

func TestVendorReadCountAndWireFormat(t *testing.T) {
	dev := NewDevice(newFuzzInstrument(), DeviceOptions{Vendor: &VendorEcho{}})
	var outs [][]byte
	w := &wrap{Transfers: dev}
	w.bulkOut = func(ctx context.Context, ep uint8, p []byte) (int, error) {
		outs = append(outs, append([]byte(nil), p...))
		return dev.BulkOut(ctx, ep, p)
	}
	c, err := Open(ctxT(t, time.Second), w, testIfc)
	require.NoError(t, err)
	defer c.Close()
	r := &rig{dev: dev, conn: c}
	ctx := ctxT(t, time.Second)
	_, err = r.conn.VendorWrite(ctx, []byte("0123456789"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	n, why, err := r.conn.VendorRead(ctx, buf)
	require.NoError(t, err)
	assert.Equal(t, "0123", string(buf[:n]))
	assert.Equal(t, transport.ReasonCount, why, "a full buffer may be followed by more")
	n, why, err = r.conn.VendorRead(ctx, make([]byte, 100))
	require.NoError(t, err)
	assert.Equal(t, 6, n)
	assert.Equal(t, transport.ReasonEND, why)

	require.Len(t, outs, 3)
	assert.Equal(t, byte(MsgVendorOut), outs[0][0])
	assert.Equal(t, byte(0), outs[0][8], "no EOM in VENDOR_SPECIFIC_OUT")
	assert.Len(t, outs[0], 24, "header, 10 bytes, 2 alignment bytes")
	assert.Equal(t, AppendRequestVendorIn(nil, outs[1][1], 4), outs[1])
	assert.Equal(t, AppendRequestVendorIn(nil, outs[2][1], 100), outs[2])
	assert.Equal(t, MsgRequestVendorIn, int(r.dev.Stats().LastRequestIn.MsgID))
}

func TestVendorSwitchBackToNormal(t *testing.T) {
	r := vendorRig(t, DeviceOptions{})
	ctx := ctxT(t, time.Second)
	_, err := r.conn.Write(ctx, []byte("*IDN?\n"), true)
	require.NoError(t, err)
	buf := make([]byte, 100)
	n, _, err := r.conn.Read(ctx, buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, "*IDN?\n", string(buf[:n]), "the vendor handler, not the instrument, answered")
	require.NoError(t, r.conn.SetAttr(AttrIOProt, uint32(ProtNormal)))
	got, _ := r.query(t, "*IDN?\n", 100)
	assert.Contains(t, got, "Test Instrument")
	v, _ := r.conn.Attr(AttrIOProt)
	assert.Equal(t, uint16(ProtNormal), v)
}

func TestVendorSetAttrErrors(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	assert.ErrorIs(t, r.conn.SetAttr(AttrIOProt, uint16(4)), transport.ErrInvalidArg)
	assert.ErrorIs(t, r.conn.SetAttr(AttrIOProt, "vendor"), transport.ErrInvalidArg)
	assert.ErrorIs(t, r.conn.SetAttr(0x3FFF001A, uint16(1)), transport.ErrNotSupported)
	_, ok := r.conn.Attr(0x3FFF001A)
	assert.False(t, ok)
	for _, v := range []any{int(5), int64(5), uint32(5), uint8(5), uint(5), uint64(5), int32(5), int16(5)} {
		vendor, err := VendorProtocol(v)
		assert.NoError(t, err)
		assert.True(t, vendor, "%T", v)
	}
}

// A device without vendor support halts Bulk-OUT; the Conn reports the
// stall and clears the halt, so normal messages keep working.
func TestVendorUnsupportedStalls(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	ctx := ctxT(t, time.Second)
	_, err := r.conn.VendorWrite(ctx, []byte("hello"))
	assert.ErrorIs(t, err, transport.ErrIO)
	assert.Contains(t, err.Error(), "stalled")
	halts := r.dev.Stats().ClearHalts
	assert.Positive(t, halts, "the Conn cleared the Bulk-OUT halt")
	got, _ := r.query(t, "*IDN?\n", 100)
	assert.Contains(t, got, "Test Instrument")

	_, _, err = r.conn.VendorRead(ctx, make([]byte, 10))
	assert.ErrorIs(t, err, transport.ErrIO)
	got, _ = r.query(t, "TEST:ECHO? ok\n", 100)
	assert.Equal(t, "ok\n", got)
}

// A halted Bulk-OUT stays halted until CLEAR_FEATURE(ENDPOINT_HALT).
func TestDeviceHaltPersists(t *testing.T) {
	d := NewDevice(nil, DeviceOptions{})
	defer d.Close()
	ctx := ctxT(t, time.Second)
	_, err := d.BulkOut(ctx, 2, AppendVendorOut(nil, 1, []byte("x")))
	require.ErrorIs(t, err, transport.ErrIO)
	_, err = d.BulkOut(ctx, 2, AppendTrigger(nil, 2))
	require.ErrorIs(t, err, transport.ErrIO, "still halted")
	require.NoError(t, d.ClearHalt(ctx, 0x81))
	_, err = d.BulkOut(ctx, 2, AppendRequestIn(nil, 3, 10, 0, false))
	require.ErrorIs(t, err, transport.ErrIO, "clearing an IN endpoint does not help")
	require.NoError(t, d.ClearHalt(ctx, 0x02))
	_, err = d.BulkOut(ctx, 2, AppendRequestIn(nil, 3, 10, 0, false))
	require.NoError(t, err)
}

func TestVendorTooLargeForDeviceStalls(t *testing.T) {
	r := vendorRig(t, DeviceOptions{MaxTransfer: 2048}, WithMaxTransfer(1<<16))
	ctx := ctxT(t, time.Second)
	_, err := r.conn.VendorWrite(ctx, make([]byte, 4096))
	assert.ErrorIs(t, err, transport.ErrIO)
	_, err = r.conn.VendorWrite(ctx, []byte("fits"))
	require.NoError(t, err)
	buf := make([]byte, 10)
	n, _, err := r.conn.VendorRead(ctx, buf)
	require.NoError(t, err)
	assert.Equal(t, "fits", string(buf[:n]))
}

// A vendor read with nothing to answer times out, the Bulk-IN transfer is
// aborted, and the next exchange works.
func TestVendorReadTimeoutRecovers(t *testing.T) {
	r := vendorRig(t, DeviceOptions{}, WithAbortTimeout(200*time.Millisecond))
	_, _, err := r.conn.Read(ctxT(t, 30*time.Millisecond), make([]byte, 10), transport.ReadOptions{})
	require.ErrorIs(t, err, transport.ErrTimeout)
	assert.Equal(t, 1, r.dev.Stats().AbortsIn)
	ctx := ctxT(t, time.Second)
	_, err = r.conn.Write(ctx, []byte("again"), true)
	require.NoError(t, err)
	buf := make([]byte, 10)
	n, _, err := r.conn.Read(ctx, buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, "again", string(buf[:n]))
}

func TestVendorHostileAnswers(t *testing.T) {
	vin := func(tag byte, size uint32) []byte {
		h := hdr(tag, size, 0)
		h[0] = MsgVendorIn
		return h
	}
	cases := map[string]func(tag byte, p []byte) (int, error){
		"dev-dep answer": func(tag byte, p []byte) (int, error) { return copy(p, append(hdr(tag, 1, 1), 'x', 0, 0, 0)), nil },
		"huge size":      func(tag byte, p []byte) (int, error) { return copy(p, append(vin(tag, 0xFFFFFFF0), 'x', 0, 0, 0)), nil },
		"wrong tag":      func(tag byte, p []byte) (int, error) { return copy(p, append(vin(tag+1, 1), 'x', 0, 0, 0)), nil },
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			c, h := newHostile(t, answer)
			require.NoError(t, c.SetAttr(AttrIOProt, 5))
			_, _, err := c.Read(ctxT(t, time.Second), make([]byte, 100), transport.ReadOptions{})
			assert.ErrorIs(t, err, transport.ErrProtocol)
			assert.Equal(t, 1, h.aborted)
		})
	}
	// And a DEV_DEP read answered with VENDOR_SPECIFIC_IN is refused too.
	c, _ := newHostile(t, func(tag byte, p []byte) (int, error) { return copy(p, append(vin(tag, 1), 'x', 0, 0, 0)), nil })
	_, _, err := c.Read(ctxT(t, time.Second), make([]byte, 100), transport.ReadOptions{})
	assert.ErrorIs(t, err, transport.ErrProtocol)
}

// The instrument itself may serve vendor messages.
type vendorInst struct {
	transport.Device
	got []string
}

func (v *vendorInst) VendorOut(ctx context.Context, p []byte) error {
	v.got = append(v.got, string(p))
	return nil
}

func (v *vendorInst) VendorIn(ctx context.Context, p []byte) (int, error) {
	return copy(p, strings.ToUpper(v.got[len(v.got)-1])), nil
}

func TestVendorHandlerFromInstrument(t *testing.T) {
	r := newRig(t, DeviceOptions{})
	inst := &vendorInst{Device: r.inst}
	d := NewDevice(inst, DeviceOptions{})
	c, err := Open(ctxT(t, time.Second), d, testIfc)
	require.NoError(t, err)
	defer c.Close()
	ctx := ctxT(t, time.Second)
	_, err = c.VendorWrite(ctx, []byte("abc"))
	require.NoError(t, err)
	buf := make([]byte, 10)
	n, why, err := c.VendorRead(ctx, buf)
	require.NoError(t, err)
	assert.Equal(t, "ABC", string(buf[:n]))
	assert.Equal(t, transport.ReasonEND, why)
}
