package host

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openSim(t *testing.T) (func() (transport.Conn, error), *atomic.Int32) {
	var opens atomic.Int32
	return func() (transport.Conn, error) {
		opens.Add(1)
		dev := usbtmc.NewDevice(sim.NewTestInstrument(), usbtmc.DeviceOptions{})
		ifc := usbtmc.Interface{Protocol: 1, BulkOut: 2, BulkIn: 0x81, InterruptIn: 0x83, MaxPacket: 512, IntrPacket: 8}
		return usbtmc.Open(context.Background(), dev, ifc)
	}, &opens
}

func TestSessionsShareOneConnection(t *testing.T) {
	open, opens := openSim(t)
	a, err := join("k", open)
	require.NoError(t, err)
	b, err := join("k", open)
	require.NoError(t, err)
	assert.Equal(t, int32(1), opens.Load())
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = a.Write(ctx, []byte("*IDN?\n"), true)
	require.NoError(t, err)
	buf := make([]byte, 100)
	n, why, err := b.Read(ctx, buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Contains(t, string(buf[:n]), "Test Instrument")
	assert.True(t, why.Has(transport.ReasonEND))

	// Close unblocks the session's own blocked read only.
	errc := make(chan error, 1)
	go func() {
		_, _, err := a.Read(context.Background(), buf, transport.ReadOptions{})
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, a.Close())
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, transport.ErrClosed)
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock the read")
	}
	_, err = b.Write(ctx, []byte("TEST:ECHO? still\n"), true)
	require.NoError(t, err)
	n, _, err = b.Read(ctx, buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, "still\n", string(buf[:n]))
	require.NoError(t, b.Close())
	registry.Lock()
	assert.Empty(t, registry.m, "the last Close releases the connection")
	registry.Unlock()
	c, err := join("k", open)
	require.NoError(t, err)
	assert.Equal(t, int32(2), opens.Load())
	require.NoError(t, c.Close())
}

func TestSessionWaitsForTheOtherWithDeadline(t *testing.T) {
	open, _ := openSim(t)
	a, err := join("w", open)
	require.NoError(t, err)
	defer a.Close()
	b, err := join("w", open)
	require.NoError(t, err)
	defer b.Close()
	go a.Read(context.Background(), make([]byte, 10), transport.ReadOptions{}) // holds the device
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = b.Write(ctx, []byte("*IDN?\n"), true)
	assert.ErrorIs(t, err, transport.ErrTimeout)
}

// VI_ATTR_IO_PROT is per session: one session talks vendor-specific
// messages while another on the same instrument keeps the normal ones.
func TestSessionVendorProtocolPerSession(t *testing.T) {
	open := func() (transport.Conn, error) {
		dev := usbtmc.NewDevice(sim.NewTestInstrument(), usbtmc.DeviceOptions{Vendor: &usbtmc.VendorEcho{}})
		ifc := usbtmc.Interface{Protocol: 1, BulkOut: 2, BulkIn: 0x81, InterruptIn: 0x83, MaxPacket: 512, IntrPacket: 8}
		return usbtmc.Open(context.Background(), dev, ifc)
	}
	a, err := join("v", open)
	require.NoError(t, err)
	defer a.Close()
	b, err := join("v", open)
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, a.SetAttr(usbtmc.AttrIOProt, uint16(usbtmc.ProtUSBTMCVendor)))
	v, ok := a.Attr(usbtmc.AttrIOProt)
	assert.True(t, ok)
	assert.Equal(t, uint16(usbtmc.ProtUSBTMCVendor), v)
	v, _ = b.Attr(usbtmc.AttrIOProt)
	assert.Equal(t, uint16(usbtmc.ProtNormal), v)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = a.Write(ctx, []byte("raw vendor bytes"), true)
	require.NoError(t, err)
	_, err = b.Write(ctx, []byte("*IDN?\n"), true)
	require.NoError(t, err)
	buf := make([]byte, 100)
	n, why, err := a.Read(ctx, buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, "raw vendor bytes", string(buf[:n]))
	assert.True(t, why.Has(transport.ReasonEND))
	n, _, err = b.Read(ctx, buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Contains(t, string(buf[:n]), "Test Instrument")
	assert.ErrorIs(t, a.SetAttr(usbtmc.AttrIOProt, uint16(2)), transport.ErrInvalidArg)
	assert.ErrorIs(t, a.SetAttr(0x3FFF001A, uint16(1)), transport.ErrNotSupported)
}

// A connection without vendor-specific messages (the kernel driver path)
// refuses VI_PROT_USBTMC_VENDOR instead of silently sending normal ones.
func TestSessionVendorProtocolUnavailable(t *testing.T) {
	a, err := join("nv", func() (transport.Conn, error) { return plainConn{}, nil })
	require.NoError(t, err)
	defer a.Close()
	assert.ErrorIs(t, a.SetAttr(usbtmc.AttrIOProt, uint16(usbtmc.ProtUSBTMCVendor)), transport.ErrInvalidArg)
	assert.NoError(t, a.SetAttr(usbtmc.AttrIOProt, uint16(usbtmc.ProtNormal)))
}

type plainConn struct{}

func (plainConn) Write(context.Context, []byte, bool) (int, error) { return 0, nil }
func (plainConn) Read(context.Context, []byte, transport.ReadOptions) (int, transport.Reason, error) {
	return 0, transport.ReasonEND, nil
}
func (plainConn) Close() error { return nil }
