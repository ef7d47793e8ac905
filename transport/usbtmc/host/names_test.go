package host

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResourceNames(t *testing.T) {
	assert.Equal(t, "USB0::0x0957::0x1796::MY123::0::INSTR", resourceName(0x0957, 0x1796, "MY123", 0))
	// The fixture sysfs tree of the usbfs tests holds one USBTMC instrument.
	assert.Equal(t, sysfsNames("../usbfs/testdata/no-such-root"), []string(nil))
}
