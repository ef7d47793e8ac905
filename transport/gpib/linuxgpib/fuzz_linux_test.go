//go:build linux

package linuxgpib

import (
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

// FuzzBusCommands sends arbitrary bus command bytes (viGpibCommand) to the
// simulated bus, whose decoder must take any byte sequence, and checks the
// board still talks to a device afterwards: every transfer addresses from
// scratch, whatever the bytes left behind.
func FuzzBusCommands(f *testing.F) {
	f.Add([]byte{cmdUNL, cmdUNT})
	f.Add([]byte{0x40, cmdUNL, 0x25, cmdSDC})
	f.Add([]byte{0x60, 0x7F, 0x3F, 0x5F, 0xFF, 0x00})
	f.Add([]byte{0x47, 0x63, cmdTCT, cmdDCL, cmdLLO, cmdGET, cmdGTL})
	f.Add([]byte{0x27, 0x6A, 0x2E, 0x61, 0x65})
	f.Fuzz(func(t *testing.T, cmd []byte) {
		if len(cmd) > 4096 {
			return
		}
		r := newRig(t)
		ctx := ctxT(t, time.Second)
		if err := r.b.Command(ctx, cmd); err != nil && len(cmd) > 0 {
			t.Fatalf("command % x: %v", cmd, err)
		}
		i5, _ := r.b.Instrument(5, -1)
		if got, _ := query(t, i5, "*IDN?\n", lineOpt); !strings.HasPrefix(got, "govisa,Test Instrument") {
			t.Fatalf("after % x: reply %q", cmd, got)
		}
	})
}

// FuzzSetAttr applies arbitrary attribute ids and values to an INSTR and
// an INTFC: no panic, and a value the driver took reads back.
func FuzzSetAttr(f *testing.F) {
	f.Add(attrPrimaryAddr, int64(3), uint8(0))
	f.Add(attrSecondaryAddr, int64(noSecAddr), uint8(1))
	f.Add(attrDevStatusByte, int64(0x41), uint8(2))
	f.Add(attrHS488CblLen, int64(-1), uint8(3))
	f.Add(attrReaddrEn, int64(0), uint8(4))
	f.Add(uint32(0x3FFF0018), int64(-5), uint8(5))
	f.Fuzz(func(t *testing.T, id uint32, x int64, kind uint8) {
		id = 0x3FFF0000 | id&0x1FF // stay near the VISA attribute ids
		var v any
		switch kind % 6 {
		case 0:
			v = uint16(x)
		case 1:
			v = int16(x)
		case 2:
			v = uint8(x)
		case 3:
			v = x != 0
		case 4:
			v = x
		case 5:
			v = "str"
		}
		r := newRig(t)
		i5, _ := r.b.Instrument(5, -1)
		for _, c := range []interface {
			Attr(uint32) (any, bool)
			SetAttr(uint32, any) error
		}{i5, r.b} {
			if err := c.SetAttr(id, v); err != nil {
				continue
			}
			got, ok := c.Attr(id)
			if !ok {
				continue
			}
			want, _ := transport.AttrInt(v)
			if g, _ := transport.AttrInt(got); g != want && id != attrSysCntrlState && id != attrReaddrEn && id != attrUnaddrEn {
				t.Fatalf("attribute %#x set to %v reads %v", id, v, got)
			}
		}
	})
}
