package ffs

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDescriptorsLayout(t *testing.T) {
	d := Descriptors(USB488)
	assert.Equal(t, uint32(descriptorsMagicV2), binary.LittleEndian.Uint32(d))
	assert.Equal(t, uint32(len(d)), binary.LittleEndian.Uint32(d[4:]))
	assert.Equal(t, uint32(3), binary.LittleEndian.Uint32(d[8:]))
	assert.Equal(t, uint32(4), binary.LittleEndian.Uint32(d[12:]), "interface + 3 endpoints")
	fs := d[20:]
	assert.Equal(t, []byte{9, 4, 0, 0, 3, 0xFE, 3, 1, 1}, fs[:9])
	assert.Equal(t, []byte{7, 5, 0x82, 2, 64, 0, 0}, fs[16:23])
	hs := d[20+9+21:]
	assert.Equal(t, []byte{7, 5, 0x01, 2, 0, 2, 0}, hs[9:16], "512-byte packets at high speed")
	r := Descriptors(Raw)
	assert.Equal(t, uint32(3), binary.LittleEndian.Uint32(r[12:]))
	assert.Equal(t, byte(0xFF), r[20+5])
}

func TestStringsAndEvents(t *testing.T) {
	s := Strings("x")
	assert.Equal(t, []byte{2, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x09, 0x04, 'x', 0}, s)
	ev := ParseEvents([]byte{0xA1, 7, 0, 0, 0, 0, 24, 0, EventSetup, 0, 0, 0, 1, 2})
	assert.Equal(t, []Event{{Type: EventSetup, RequestType: 0xA1, Request: 7, Length: 24}}, ev)
	assert.Equal(t, int64(12+5+3), transferLen([]byte{1, 1, 0xFE, 0, 5, 0, 0, 0, 1, 0, 0, 0}))
	assert.Equal(t, int64(12), transferLen([]byte{2, 1, 0xFE, 0, 5, 0, 0, 0, 1, 0, 0, 0}))
	assert.Equal(t, int64(12+6+2), transferLen([]byte{126, 1, 0xFE, 0, 6, 0, 0, 0, 0, 0, 0, 0}), "VENDOR_SPECIFIC_OUT")
	assert.Equal(t, int64(12), transferLen([]byte{127, 1, 0xFE, 0, 6, 0, 0, 0, 0, 0, 0, 0}))
}
