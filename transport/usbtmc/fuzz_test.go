package usbtmc

import (
	"context"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

func FuzzParseBulkInHeader(f *testing.F) {
	f.Add(hdr(1, 5, 1))
	f.Add([]byte{2, 1, 0xFE})
	f.Add(append(hdr(9, 0xFFFFFFFF, 3), 1, 2, 3))
	f.Add([]byte{MsgVendorIn, 4, 0xFB, 0, 3, 0, 0, 0, 0xFF, 0, 0, 0, 'a', 'b', 'c', 0})
	f.Add([]byte{MsgVendorOut, 4, 0xFB, 0, 3, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := ParseBulkInHeader(p)
		if err != nil {
			return
		}
		if len(p) < HeaderSize || h.Tag != ^p[2] {
			t.Fatalf("accepted %x", p)
		}
		switch h.MsgID {
		case MsgDevDepIn:
		case MsgVendorIn:
			if h.EOM || h.TermChar {
				t.Fatalf("vendor-specific header with attributes: %x", p)
			}
		default:
			t.Fatalf("accepted MsgID %d", h.MsgID)
		}
	})
}

func FuzzParseBulkOutHeader(f *testing.F) {
	f.Add(AppendMsgOut(nil, 1, []byte("*IDN?\n"), true))
	f.Add(AppendRequestIn(nil, 2, 100, '\n', true))
	f.Add(AppendTrigger(nil, 3))
	f.Add(AppendVendorOut(nil, 4, []byte("vendor")))
	f.Add(AppendRequestVendorIn(nil, 5, 64))
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := ParseBulkOutHeader(p)
		if err == nil && (h.Tag == 0 || len(p) < HeaderSize) {
			t.Fatalf("accepted %x", p)
		}
		if err == nil && (h.MsgID == MsgVendorOut || h.MsgID == MsgRequestVendorIn) && (h.EOM || h.TermCharOn || h.TermChar != 0) {
			t.Fatalf("vendor-specific header with attributes: %x", p)
		}
	})
}

// FuzzDeviceBulkOut feeds arbitrary Bulk-OUT transfers to the simulated
// device's message parser, then checks it still answers a request.
func FuzzDeviceBulkOut(f *testing.F) {
	f.Add(AppendMsgOut(nil, 1, []byte("*IDN?\n"), true), 1, false)
	f.Add(AppendMsgOut(nil, 1, []byte("TEST:BLOCK? 10\n"), true), 3, false)
	f.Add(AppendRequestIn(nil, 2, 0xFFFFFFFF, 0, false), 0, false)
	f.Add([]byte{1, 1, 0xFE, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0}, 2, false)
	f.Add(append(AppendVendorOut(nil, 1, []byte("abc")), AppendRequestVendorIn(nil, 2, 100)...), 16, true)
	f.Add(AppendVendorOut(nil, 1, []byte("abc")), 14, false)
	f.Add([]byte{126, 1, 0xFE, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0, 1}, 0, true)
	f.Add(AppendRequestVendorIn(nil, 3, 0xFFFFFFFF), 0, true)
	f.Fuzz(func(t *testing.T, p []byte, split int, vendor bool) {
		o := DeviceOptions{MaxTransfer: 4096}
		if vendor {
			o.Vendor = &VendorEcho{Max: 8192}
		}
		d := NewDevice(newFuzzInstrument(), o)
		defer d.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		defer cancel()
		if split > 0 && split < len(p) {
			d.BulkOut(ctx, 2, p[:split])
			d.BulkOut(ctx, 2, p[split:])
		} else {
			d.BulkOut(ctx, 2, p)
		}
		buf := make([]byte, 8192)
		d.BulkIn(ctx, 0x81, buf)
		var b [24]byte
		if _, err := d.Control(ctx, ReqTypeInterface, ReqInitiateClear, 0, 0, b[:1]); err != nil {
			t.Fatal(err)
		}
		// After a clear and CLEAR_FEATURE(ENDPOINT_HALT) the device takes
		// a well-formed message again, whatever came before.
		d.ClearHalt(ctx, 2)
		if _, err := d.BulkOut(ctx, 2, AppendTrigger(nil, 9)); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzConnReadHostile lets the fuzzer be the device's Bulk-IN answer.
func FuzzConnReadHostile(f *testing.F) {
	f.Add(hdr(1, 3, 1), []byte("abc"), 100)
	f.Add(hdr(1, 600, 0), make([]byte, 500), 1000)
	f.Add(hdr(1, 0xFFFFFFFF, 1), []byte("x"), 7)
	f.Fuzz(func(t *testing.T, h, body []byte, n int) {
		if n <= 0 || n > 1<<16 {
			return
		}
		d := NewDevice(newFuzzInstrument(), DeviceOptions{NoInterrupt: true})
		var tag byte
		w := &wrap{Transfers: d}
		w.bulkOut = func(ctx context.Context, ep uint8, p []byte) (int, error) {
			if len(p) >= HeaderSize {
				tag = p[1]
			}
			return len(p), nil
		}
		calls := 0
		w.bulkIn = func(ctx context.Context, ep uint8, p []byte) (int, error) {
			calls++
			if calls > 4 {
				return 0, transport.Errorf("bulk_in", transport.ErrTimeout, nil)
			}
			x := append([]byte(nil), h...)
			if len(x) > 2 {
				x[1], x[2] = tag, ^tag // let the fuzzer reach past the tag check
			}
			return copy(p, append(x, body...)), nil
		}
		ifc := testIfc
		ifc.InterruptIn = 0
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		c, err := Open(ctx, w, ifc, WithAbortTimeout(10*time.Millisecond), WithMaxTransfer(4096))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		buf := make([]byte, n)
		got, _, _ := c.Read(ctx, buf, transport.ReadOptions{})
		if got > n {
			t.Fatalf("read %d into %d", got, n)
		}
	})
}
