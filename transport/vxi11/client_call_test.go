package vxi11

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

// TestCancellationAcrossCalls: the reused call context and abort
// registration keep each call's cancellation to that call.
func TestCancellationAcrossCalls(t *testing.T) {
	h := newHarness(t, ServerOptions{}, nil)
	c := h.dial("inst0")

	// One long-lived cancellable context for several queries.
	session, endSession := context.WithCancel(context.Background())
	for i := range 5 {
		cmd := "TEST:ECHO? s" + itoa(i) + "\n"
		_, err := c.Write(session, []byte(cmd), true)
		require.NoError(t, err)
		buf := make([]byte, 64)
		n, _, err := c.Read(session, buf, transport.ReadOptions{})
		require.NoError(t, err)
		assert.Contains(t, string(buf[:n]), "s"+itoa(i))
	}
	// Cancelled between calls: the next call under it fails without being
	// sent, and does not disturb calls under other contexts.
	endSession()
	_, err := c.Write(session, []byte("*IDN?\n"), true)
	assert.ErrorIs(t, err, transport.ErrAborted)
	assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")

	// A cancellation during a blocked read, then per-query contexts that
	// are cancelled right after their query, many times over.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, _, err = c.Read(ctx, make([]byte, 10), transport.ReadOptions{})
	assert.ErrorIs(t, err, transport.ErrAborted)
	for range 20 {
		assert.Contains(t, query(t, c, "*IDN?"), "Test Instrument")
	}
}

// stuckDevice blocks its reads, ignoring ctx, until released: a server
// that cannot answer in time.
type stuckDevice struct {
	recDevice
	release chan struct{}
	once    sync.Once
}

func (d *stuckDevice) Read(ctx context.Context, p []byte) (int, bool, error) {
	<-d.release
	return 0, false, transport.NetError("read", context.Canceled)
}

func (d *stuckDevice) free() { d.once.Do(func() { close(d.release) }) }

// TestGiveUpOnSilentServer: when neither the io_timeout answer nor the
// answer to device_abort comes, the client gives the call up TimeoutGrace
// after the deadline, and the next call works once the server answers
// again (the late reply is dropped).
func TestGiveUpOnSilentServer(t *testing.T) {
	dev := &stuckDevice{release: make(chan struct{})}
	h := newHarness(t, ServerOptions{}, map[string]transport.Device{"inst1": dev})
	t.Cleanup(dev.free)
	o := h.options()
	o.TimeoutGrace = 30 * time.Millisecond
	c := h.dialWith("inst1", o)

	for _, deadline := range []bool{true, false} {
		var ctx context.Context
		var cancel context.CancelFunc
		if deadline {
			ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
		} else {
			ctx, cancel = context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
		}
		_, _, err := c.Read(ctx, make([]byte, 10), transport.ReadOptions{})
		cancel()
		if deadline {
			assert.ErrorIs(t, err, transport.ErrTimeout)
		} else {
			assert.ErrorIs(t, err, transport.ErrAborted)
		}
	}
	dev.free()
	_, err := c.Write(ctxT(t, 2*time.Second), []byte("x"), true)
	assert.NoError(t, err)
}
