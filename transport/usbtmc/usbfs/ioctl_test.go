package usbfs

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The values from the fact sheet §5.9 (uapi header compiled on x86-64 and
// i386).
func TestNumbersGeneric(t *testing.T) {
	n64 := numbersFor(genericIOC, 8)
	n32 := numbersFor(genericIOC, 4)
	for _, c := range []struct {
		name     string
		got, w64 uint32
		got32    uint32
		w32      uint32
	}{
		{"CONTROL", n64.Control, 0xC0185500, n32.Control, 0xC0105500},
		{"BULK", n64.Bulk, 0xC0185502, n32.Bulk, 0xC0105502},
		{"RESETEP", n64.ResetEP, 0x80045503, n32.ResetEP, 0x80045503},
		{"SETINTERFACE", n64.SetInterface, 0x80085504, n32.SetInterface, 0x80085504},
		{"SETCONFIGURATION", n64.SetConfiguration, 0x80045505, n32.SetConfiguration, 0x80045505},
		{"GETDRIVER", n64.GetDriver, 0x41045508, n32.GetDriver, 0x41045508},
		{"SUBMITURB", n64.SubmitURB, 0x8038550A, n32.SubmitURB, 0x802C550A},
		{"DISCARDURB", n64.DiscardURB, 0x0000550B, n32.DiscardURB, 0x0000550B},
		{"REAPURB", n64.ReapURB, 0x4008550C, n32.ReapURB, 0x4004550C},
		{"REAPURBNDELAY", n64.ReapURBNDelay, 0x4008550D, n32.ReapURBNDelay, 0x4004550D},
		{"CLAIMINTERFACE", n64.ClaimInterface, 0x8004550F, n32.ClaimInterface, 0x8004550F},
		{"RELEASEINTERFACE", n64.ReleaseInterface, 0x80045510, n32.ReleaseInterface, 0x80045510},
		{"CONNECTINFO", n64.ConnectInfo, 0x40085511, n32.ConnectInfo, 0x40085511},
		{"IOCTL", n64.IOCTL, 0xC0105512, n32.IOCTL, 0xC00C5512},
		{"RESET", n64.Reset, 0x00005514, n32.Reset, 0x00005514},
		{"CLEAR_HALT", n64.ClearHalt, 0x80045515, n32.ClearHalt, 0x80045515},
		{"DISCONNECT", n64.Disconnect, 0x00005516, n32.Disconnect, 0x00005516},
		{"CONNECT", n64.Connect, 0x00005517, n32.Connect, 0x00005517},
		{"GET_CAPABILITIES", n64.GetCapabilities, 0x8004551A, n32.GetCapabilities, 0x8004551A},
		{"DISCONNECT_CLAIM", n64.DisconnectClaim, 0x8108551B, n32.DisconnectClaim, 0x8108551B},
		{"GET_SPEED", n64.GetSpeed, 0x0000551F, n32.GetSpeed, 0x0000551F},
	} {
		assert.Equal(t, c.w64, c.got, "%s 64-bit: %#x", c.name, c.got)
		assert.Equal(t, c.w32, c.got32, "%s 32-bit: %#x", c.name, c.got32)
	}
}

// MIPS/PowerPC: _IOWR = 6<<29, _IOR = 2<<29, _IOW = 4<<29, _IO = 1<<29.
func TestNumbersMIPS(t *testing.T) {
	n := numbersFor(mipsIOC, 4)
	assert.Equal(t, uint32(0xC0105500), n.Control) // (2|4)<<29 | 16<<16
	assert.Equal(t, uint32(0x4004550F), n.ClaimInterface)
	assert.Equal(t, uint32(0x8004550C), n.ReapURB)
	assert.Equal(t, uint32(0x20005514), n.Reset)
	assert.Equal(t, uint32(0x402C550A), n.SubmitURB)
}
