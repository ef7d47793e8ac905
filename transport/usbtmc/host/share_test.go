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
