package usbfs

import (
	"testing"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tmcDescriptors is a device with one USB488 interface (as the VM gadget
// looks from the host).
var tmcDescriptors = []byte{
	18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x57, 0x09, 0x55, 0x17, 0x00, 0x01, 1, 2, 3, 1,
	9, 2, 39, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 3, 0xFE, 3, 1, 0,
	7, 5, 0x02, 2, 0x00, 0x02, 0,
	7, 5, 0x81, 2, 0x00, 0x02, 0,
	7, 5, 0x85, 3, 0x08, 0x00, 1,
}

func TestParseDescriptors(t *testing.T) {
	d, err := ParseDescriptors(tmcDescriptors)
	require.NoError(t, err)
	assert.Equal(t, uint16(0x0957), d.VendorID)
	assert.Equal(t, uint16(0x1755), d.ProductID)
	a, ok := d.Find(1, 0)
	require.True(t, ok)
	assert.True(t, a.TMC())
	assert.Equal(t, uint8(1), a.Protocol)
	require.Len(t, a.Endpoints, 3)
	assert.True(t, a.Endpoints[1].In() && a.Endpoints[1].Bulk())
	assert.True(t, a.Endpoints[2].Interrupt())
	assert.Equal(t, uint16(512), a.Endpoints[0].MaxPacket)
	_, ok = d.Find(1, 3)
	assert.False(t, ok)
}

func TestParseDescriptorsRejectsBadLengths(t *testing.T) {
	for name, p := range map[string][]byte{
		"empty":        nil,
		"not a device": append([]byte{18, 2}, tmcDescriptors[2:]...),
		"zero length":  append(append([]byte(nil), tmcDescriptors[:18]...), 0, 2),
		"past the end": append(append([]byte(nil), tmcDescriptors[:18]...), 40, 2, 0),
		"orphan ep":    append(append([]byte(nil), tmcDescriptors[:18]...), 7, 5, 1, 2, 0, 2, 0),
		"orphan iface": append(append([]byte(nil), tmcDescriptors[:18]...), 9, 4, 0, 0, 3, 0xFE, 3, 1, 0),
		"short config": append(append([]byte(nil), tmcDescriptors[:18]...), 4, 2, 0, 0),
	} {
		_, err := ParseDescriptors(p)
		assert.ErrorIs(t, err, transport.ErrProtocol, name)
	}
}

func FuzzParseDescriptors(f *testing.F) {
	f.Add(tmcDescriptors)
	f.Add(tmcDescriptors[:20])
	f.Fuzz(func(t *testing.T, p []byte) {
		d, err := ParseDescriptors(p)
		if err != nil {
			return
		}
		n := 0
		for _, c := range d.Configs {
			for _, a := range c.Interfaces {
				n += 1 + len(a.Endpoints)
			}
		}
		if n > maxDescriptorItems {
			t.Fatalf("%d items kept", n)
		}
	})
}
