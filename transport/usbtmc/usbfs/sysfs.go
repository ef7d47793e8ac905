package usbfs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/govisa/govisa/transport"
)

// SysfsRoot is where Linux lists USB devices and interfaces.
const SysfsRoot = "/sys/bus/usb/devices"

// USBDevice is one device found in sysfs.
type USBDevice struct {
	Name         string // sysfs name, e.g. "1-1.4"
	Bus, Dev     int    // busnum, devnum: /dev/bus/usb/BBB/DDD
	VendorID     uint16
	ProductID    uint16
	Serial       string
	Manufacturer string
	Product      string
	Config       uint8 // bConfigurationValue (0 = unconfigured)
	Interfaces   []USBInterface
}

// USBInterface is one interface of the active configuration.
type USBInterface struct {
	Number, Alternate         uint8
	Class, SubClass, Protocol uint8
	Driver                    string // bound kernel driver ("usbtmc"), "" when none
	Misc                      string // "usbtmc0" when the usbtmc driver created /dev/usbtmc0
	Endpoints                 []Endpoint
}

// TMC reports whether the interface is USBTMC (class 0xFE, subclass 3).
func (i USBInterface) TMC() bool { return i.Class == 0xFE && i.SubClass == 3 }

// Node is the usbfs path of the device.
func (d USBDevice) Node() string { return fmt.Sprintf("/dev/bus/usb/%03d/%03d", d.Bus, d.Dev) }

func readAttr(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func hexAttr(dir, name string) uint64 {
	v, _ := strconv.ParseUint(readAttr(dir, name), 16, 16)
	return v
}

func decAttr(dir, name string) int {
	v, _ := strconv.Atoi(readAttr(dir, name))
	return v
}

// Enumerate lists the USB devices under root (normally [SysfsRoot]), in
// name order. Root hubs are skipped.
func Enumerate(root string) ([]USBDevice, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, transport.Errorf("enumerate", transport.ErrNotFound, err)
	}
	var devs []USBDevice
	byName := map[string]int{}
	for _, e := range ents {
		name := e.Name()
		if strings.Contains(name, ":") || strings.HasPrefix(name, "usb") {
			continue
		}
		dir := filepath.Join(root, name)
		d := USBDevice{
			Name:         name,
			Bus:          decAttr(dir, "busnum"),
			Dev:          decAttr(dir, "devnum"),
			VendorID:     uint16(hexAttr(dir, "idVendor")),
			ProductID:    uint16(hexAttr(dir, "idProduct")),
			Serial:       readAttr(dir, "serial"),
			Manufacturer: readAttr(dir, "manufacturer"),
			Product:      readAttr(dir, "product"),
			Config:       uint8(decAttr(dir, "bConfigurationValue")),
		}
		byName[name] = len(devs)
		devs = append(devs, d)
	}
	for _, e := range ents {
		dev, _, ok := strings.Cut(e.Name(), ":")
		i, known := byName[dev]
		if !ok || !known {
			continue
		}
		devs[i].Interfaces = append(devs[i].Interfaces, readInterface(filepath.Join(root, e.Name())))
	}
	for i := range devs {
		sort.Slice(devs[i].Interfaces, func(a, b int) bool { return devs[i].Interfaces[a].Number < devs[i].Interfaces[b].Number })
	}
	return devs, nil
}

func readInterface(dir string) USBInterface {
	it := USBInterface{
		Number:    uint8(hexAttr(dir, "bInterfaceNumber")),
		Alternate: uint8(decAttr(dir, "bAlternateSetting")),
		Class:     uint8(hexAttr(dir, "bInterfaceClass")),
		SubClass:  uint8(hexAttr(dir, "bInterfaceSubClass")),
		Protocol:  uint8(hexAttr(dir, "bInterfaceProtocol")),
	}
	if l, err := os.Readlink(filepath.Join(dir, "driver")); err == nil {
		it.Driver = filepath.Base(l)
	}
	if ms, _ := os.ReadDir(filepath.Join(dir, "usbmisc")); len(ms) > 0 {
		it.Misc = ms[0].Name()
	}
	eps, _ := filepath.Glob(filepath.Join(dir, "ep_*"))
	for _, ep := range eps {
		e := Endpoint{
			Address:   uint8(hexAttr(ep, "bEndpointAddress")),
			MaxPacket: uint16(hexAttr(ep, "wMaxPacketSize")),
		}
		switch readAttr(ep, "type") {
		case "Bulk":
			e.Attr = 2
		case "Interrupt":
			e.Attr = 3
		case "Isoc":
			e.Attr = 1
		}
		it.Endpoints = append(it.Endpoints, e)
	}
	return it
}

// Match selects instruments the way a VISA USB resource name does:
// `USB[board]::vid::pid::serial[::iface]::INSTR`.
type Match struct {
	VendorID, ProductID uint16
	Serial              string // "" matches any
	Interface           int    // -1 = the lowest-numbered USBTMC interface
	Raw                 bool   // RAW resource: any interface class
}

// Instrument is one interface that matched.
type Instrument struct {
	Device    USBDevice
	Interface USBInterface
}

// Find lists the interfaces under root that match m: for INSTR only
// USBTMC interfaces, the lowest-numbered one per device unless m names an
// interface.
func Find(root string, m Match) ([]Instrument, error) {
	devs, err := Enumerate(root)
	if err != nil {
		return nil, err
	}
	var out []Instrument
	for _, d := range devs {
		if d.VendorID != m.VendorID || d.ProductID != m.ProductID || (m.Serial != "" && d.Serial != m.Serial) {
			continue
		}
		for _, it := range d.Interfaces {
			if !m.Raw && !it.TMC() {
				continue
			}
			if m.Interface >= 0 && int(it.Number) != m.Interface {
				continue
			}
			out = append(out, Instrument{Device: d, Interface: it})
			break
		}
	}
	if len(out) == 0 {
		return nil, transport.Errorf("find", transport.ErrNotFound, fmt.Errorf("usbfs: no USB device %04x:%04x serial %q interface %d", m.VendorID, m.ProductID, m.Serial, m.Interface))
	}
	return out, nil
}

// UdevRule returns a udev rule that gives users access to the device's
// usbfs node (install as /etc/udev/rules.d/99-govisa-usbtmc.rules, then
// `udevadm control --reload && udevadm trigger`).
func UdevRule(vid, pid uint16) string {
	return fmt.Sprintf("SUBSYSTEM==\"usb\", ATTR{idVendor}==\"%04x\", ATTR{idProduct}==\"%04x\", MODE=\"0666\"\n", vid, pid)
}
