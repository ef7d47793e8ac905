package usbfs

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeSysfs materialises testdata/sysfs.txt in a temporary directory.
func fakeSysfs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	f, err := os.Open("testdata/sysfs.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if p, v, ok := strings.Cut(line, " = "); ok {
			require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(v+"\n"), 0o644))
		} else if p, v, ok := strings.Cut(line, " -> "); ok {
			require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
			require.NoError(t, os.Symlink(v, filepath.Join(root, p)))
		} else {
			require.NoError(t, os.MkdirAll(filepath.Join(root, line), 0o755))
		}
	}
	require.NoError(t, sc.Err())
	return root
}

func TestEnumerate(t *testing.T) {
	devs, err := Enumerate(fakeSysfs(t))
	require.NoError(t, err)
	require.Len(t, devs, 3, "root hub skipped")
	d := devs[0]
	assert.Equal(t, "1-1", d.Name)
	assert.Equal(t, uint16(0x0957), d.VendorID)
	assert.Equal(t, uint16(0x1755), d.ProductID)
	assert.Equal(t, "MY123", d.Serial)
	assert.Equal(t, "/dev/bus/usb/001/004", d.Node())
	require.Len(t, d.Interfaces, 1)
	it := d.Interfaces[0]
	assert.True(t, it.TMC())
	assert.Equal(t, uint8(1), it.Protocol)
	assert.Equal(t, "usbtmc", it.Driver)
	assert.Equal(t, "usbtmc0", it.Misc)
	assert.Len(t, it.Endpoints, 3)
	assert.Empty(t, devs[2].Serial, "device without a serial")
}

func TestFindMatchesSerialAndInterface(t *testing.T) {
	root := fakeSysfs(t)
	got, err := Find(root, Match{VendorID: 0x0957, ProductID: 0x1755, Serial: "MY456", Interface: -1})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "1-2", got[0].Device.Name)
	assert.Equal(t, uint8(1), got[0].Interface.Number, "lowest USBTMC interface, not interface 0")

	got, err = Find(root, Match{VendorID: 0x0957, ProductID: 0x1755, Interface: -1})
	require.NoError(t, err)
	assert.Len(t, got, 2, "no serial: every match, caller decides")

	_, err = Find(root, Match{VendorID: 0x0957, ProductID: 0x1755, Serial: "MY456", Interface: 0})
	assert.ErrorIs(t, err, transport.ErrNotFound, "interface 0 is not USBTMC")
	got, err = Find(root, Match{VendorID: 0x0957, ProductID: 0x1755, Serial: "MY456", Interface: 0, Raw: true})
	require.NoError(t, err)
	assert.Equal(t, uint8(0xff), got[0].Interface.Class)

	_, err = Find(root, Match{VendorID: 0x0957, ProductID: 0x1755, Serial: "nope", Interface: -1})
	assert.ErrorIs(t, err, transport.ErrNotFound)
	_, err = Find(filepath.Join(root, "missing"), Match{})
	assert.ErrorIs(t, err, transport.ErrNotFound)
}

func TestUdevRule(t *testing.T) {
	assert.Equal(t, "SUBSYSTEM==\"usb\", ATTR{idVendor}==\"0957\", ATTR{idProduct}==\"1755\", MODE=\"0666\"\n", UdevRule(0x957, 0x1755))
}
