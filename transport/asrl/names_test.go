package asrl

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/govisa/govisa/transport"
)

func TestResolvePort(t *testing.T) {
	list := func() ([]PortInfo, error) {
		return []PortInfo{{Name: "/dev/cu.usbserial-1"}, {Name: "/dev/cu.usbserial-2"}}, nil
	}
	cases := []struct{ goos, in, want string }{
		{"linux", "1", "/dev/ttyS0"},
		{"linux", "4", "/dev/ttyS3"},
		{"linux", "COM2", "/dev/ttyS1"},
		{"linux", "/dev/ttyUSB0", "/dev/ttyUSB0"},
		{"linux", "ttyACM1", "/dev/ttyACM1"},
		{"windows", "1", "COM1"},
		{"windows", "com12", "COM12"},
		{"windows", `\\.\COM3`, `\\.\COM3`},
		{"darwin", "2", "/dev/cu.usbserial-2"},
		{"darwin", "/dev/cu.usbmodem1", "/dev/cu.usbmodem1"},
	}
	for _, c := range cases {
		got, err := resolvePort(c.goos, c.in, list)
		if err != nil || got != c.want {
			t.Errorf("%s %q: %q %v, want %q", c.goos, c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "0", "COM0", "../etc/passwd", "a/b", "x\x00"} {
		if _, err := resolvePort("linux", in, list); !errors.Is(err, transport.ErrInvalidArg) {
			t.Errorf("%q: %v", in, err)
		}
	}
	if _, err := resolvePort("darwin", "3", list); !errors.Is(err, transport.ErrNotFound) {
		t.Errorf("darwin 3: %v", err)
	}
}

func TestResourceName(t *testing.T) {
	for in, want := range map[string]string{"COM3": "ASRL3::INSTR", "/dev/ttyUSB0": "ASRL/dev/ttyUSB0::INSTR", "COMX": "ASRLCOMX::INSTR"} {
		if got := (PortInfo{Name: in}).ResourceName(); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

// TestListSysfs builds a small /sys tree: a USB-serial adapter, a CDC-ACM
// device, a real on-board port, a platform placeholder and a virtual tty.
func TestListSysfs(t *testing.T) {
	root := t.TempDir()
	mk := func(p string, files map[string]string) string {
		d := filepath.Join(root, p)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for k, v := range files {
			os.WriteFile(filepath.Join(d, k), []byte(v+"\n"), 0o644)
		}
		return d
	}
	link := func(target, name string) {
		os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
		if err := os.Symlink(filepath.Join(root, target), filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	mk("devices/usb1/1-1", map[string]string{"idVendor": "0403", "idProduct": "6001", "serial": "A12345", "manufacturer": "FTDI", "product": "FT232R USB UART"})
	mk("devices/usb1/1-1/1-1:1.0", map[string]string{"bInterfaceNumber": "00"})
	mk("devices/usb1/1-1/1-1:1.0/ttyUSB0", nil)
	mk("devices/usb1/1-2", map[string]string{"idVendor": "2a8d", "idProduct": "0x0b0b"}) // malformed pid
	mk("devices/usb1/1-3", map[string]string{"idVendor": "2341", "idProduct": "0043"})
	mk("devices/usb1/1-3/1-3:1.1", map[string]string{"bInterfaceNumber": "01"})
	mk("devices/pnp0/00:05", nil)
	mk("devices/platform/serial8250", nil)
	mk("bus/pnp", nil)
	mk("bus/platform", nil)
	link("bus/pnp", "devices/pnp0/00:05/subsystem")
	link("bus/platform", "devices/platform/serial8250/subsystem")
	link("devices/usb1/1-1/1-1:1.0/ttyUSB0", "class/tty/ttyUSB0/device")
	link("devices/usb1/1-3/1-3:1.1", "class/tty/ttyACM0/device")
	link("devices/pnp0/00:05", "class/tty/ttyS0/device")
	link("devices/platform/serial8250", "class/tty/ttyS1/device")
	mk("class/tty/tty1", nil)
	ports, err := listSysfs(root, "/dev")
	if err != nil {
		t.Fatal(err)
	}
	want := []PortInfo{
		{Name: "/dev/ttyACM0", IsUSB: true, VID: 0x2341, PID: 0x43, Interface: 1},
		{Name: "/dev/ttyS0", Interface: -1},
		{Name: "/dev/ttyUSB0", IsUSB: true, VID: 0x403, PID: 0x6001, SerialNumber: "A12345", Manufacturer: "FTDI", Product: "FT232R USB UART", Interface: 0},
	}
	if len(ports) != len(want) {
		t.Fatalf("ports %+v", ports)
	}
	for i := range want {
		if ports[i] != want[i] {
			t.Errorf("port %d: %+v, want %+v", i, ports[i], want[i])
		}
	}
	if ports, err := listSysfs(filepath.Join(root, "nothing"), "/dev"); err != nil || len(ports) != 0 {
		t.Fatalf("missing tree: %v %v", ports, err)
	}
	// The real machine's listing works (whatever it finds).
	if _, err := List(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidate(t *testing.T) {
	d := DefaultConfig()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, f := range []func(*Config){
		func(c *Config) { c.BaudRate = -1 },
		func(c *Config) { c.DataBits = 4 },
		func(c *Config) { c.Parity = 9 },
		func(c *Config) { c.StopBits = 0 },
		func(c *Config) { c.Flow = 16 },
		func(c *Config) { c.EndIn = EndBreak },
		func(c *Config) { c.EndOut = 9 },
		func(c *Config) { c.BreakLen = 0 },
		func(c *Config) { c.Protocol = 0 },
	} {
		c := DefaultConfig()
		f(&c)
		if err := c.Validate(); !errors.Is(err, transport.ErrInvalidArg) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	if ParityMark.String() != "mark" || Parity(7).String() != "parity(7)" {
		t.Fatal("parity names")
	}
}
