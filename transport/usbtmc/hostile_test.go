package usbtmc

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostile is a device whose Bulk-IN answers are scripted by the test; its
// control requests go to a well-behaved Device so aborts can run.
type hostile struct {
	*wrap
	tag     byte
	answer  func(tag byte, p []byte) (int, error)
	aborted int
}

func newHostile(t *testing.T, answer func(tag byte, p []byte) (int, error)) (*Conn, *hostile) {
	t.Helper()
	r := newRig(t, DeviceOptions{NoInterrupt: true})
	h := &hostile{wrap: &wrap{Transfers: r.dev}, answer: answer}
	h.bulkOut = func(ctx context.Context, ep uint8, p []byte) (int, error) {
		if len(p) >= HeaderSize && (p[0] == MsgRequestDevDepIn || p[0] == MsgRequestVendorIn) {
			h.tag = p[1]
			return len(p), nil
		}
		return r.dev.BulkOut(ctx, ep, p)
	}
	h.bulkIn = func(ctx context.Context, ep uint8, p []byte) (int, error) {
		return h.answer(h.tag, p)
	}
	h.control = func(ctx context.Context, rt, req uint8, v, i uint16, d []byte) (int, error) {
		if req == ReqInitiateAbortBulkIn {
			h.aborted++
			return copy(d, []byte{StatusFailed, byte(v)}), nil
		}
		return r.dev.Control(ctx, rt, req, v, i, d)
	}
	ifc := testIfc
	ifc.InterruptIn = 0
	c, err := Open(ctxT(t, time.Second), h, ifc)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, h
}

func hdr(tag byte, size uint32, attr byte) []byte {
	b := make([]byte, HeaderSize)
	b[0], b[1], b[2] = MsgDevDepIn, tag, ^tag
	binary.LittleEndian.PutUint32(b[4:], size)
	b[8] = attr
	return b
}

func TestHostileBulkIn(t *testing.T) {
	cases := map[string]func(tag byte, p []byte) (int, error){
		"empty":       func(tag byte, p []byte) (int, error) { return 0, nil },
		"short":       func(tag byte, p []byte) (int, error) { return copy(p, hdr(tag, 1, 1)[:7]), nil },
		"wrong msgid": func(tag byte, p []byte) (int, error) { h := hdr(tag, 1, 1); h[0] = 1; return copy(p, h), nil },
		"bad inverse": func(tag byte, p []byte) (int, error) { h := hdr(tag, 1, 1); h[2] = 0; return copy(p, h), nil },
		"wrong tag":   func(tag byte, p []byte) (int, error) { return copy(p, append(hdr(tag+1, 1, 1), 'x', 0, 0, 0)), nil },
		"huge size": func(tag byte, p []byte) (int, error) {
			return copy(p, append(hdr(tag, 0xFFFFFFFF, 1), 'x', 0, 0, 0)), nil
		},
		"size beyond data with short packet": func(tag byte, p []byte) (int, error) {
			return copy(p, append(hdr(tag, 40, 1), 'x', 0, 0, 0)), nil
		},
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			c, h := newHostile(t, answer)
			buf := make([]byte, 100)
			start := time.Now()
			_, _, err := c.Read(ctxT(t, time.Second), buf, transport.ReadOptions{})
			assert.ErrorIs(t, err, transport.ErrProtocol)
			assert.Less(t, time.Since(start), 900*time.Millisecond, "no hang until the deadline")
			assert.Equal(t, 1, h.aborted, "the failed transfer is aborted")
		})
	}
}

func TestHostileNoAllocationFromTransferSize(t *testing.T) {
	c, _ := newHostile(t, func(tag byte, p []byte) (int, error) {
		return copy(p, append(hdr(tag, 0x7FFFFFFF, 1), 'x', 0, 0, 0)), nil
	})
	buf := make([]byte, 100)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(20, func() {
		c.Read(ctx, buf, transport.ReadOptions{})
	})
	// A handful of small allocations (contexts, error values); one sized
	// by the 2 GiB TransferSize would fail the test by running out of memory
	// long before this count matters.
	assert.Less(t, allocs, 40.0)
}

func TestHostileDataPastTransferSizeIgnored(t *testing.T) {
	c, _ := newHostile(t, func(tag byte, p []byte) (int, error) {
		return copy(p, append(hdr(tag, 2, 1), 'o', 'k', 'J', 'U', 'N', 'K', 0, 0)), nil
	})
	buf := make([]byte, 100)
	n, why, err := c.Read(ctxT(t, time.Second), buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, "ok", string(buf[:n]))
	assert.Equal(t, transport.ReasonEND, why)
}
