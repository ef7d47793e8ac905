package usbfs

import (
	"encoding/binary"
	"fmt"

	"github.com/govisa/govisa/transport"
)

// Endpoint is one endpoint descriptor.
type Endpoint struct {
	Address   uint8 // bEndpointAddress (bit 7 = IN)
	Attr      uint8 // bmAttributes: bits 0-1 transfer type (2 bulk, 3 interrupt)
	MaxPacket uint16
	Interval  uint8
}

// Bulk reports whether the endpoint is a bulk endpoint.
func (e Endpoint) Bulk() bool { return e.Attr&3 == 2 }

// Interrupt reports whether the endpoint is an interrupt endpoint.
func (e Endpoint) Interrupt() bool { return e.Attr&3 == 3 }

// In reports whether the endpoint is device-to-host.
func (e Endpoint) In() bool { return e.Address&0x80 != 0 }

// AltSetting is one interface descriptor with its endpoints.
type AltSetting struct {
	Number, Alternate         uint8
	Class, SubClass, Protocol uint8
	Endpoints                 []Endpoint
}

// TMC reports whether the interface is USBTMC (class 0xFE, subclass 3).
func (a AltSetting) TMC() bool { return a.Class == 0xFE && a.SubClass == 3 }

// Config is one configuration descriptor.
type Config struct {
	Value      uint8
	Interfaces []AltSetting
}

// Descriptors is what reading a usbfs node (or sysfs `descriptors`)
// returns: the device descriptor and every configuration.
type Descriptors struct {
	VendorID, ProductID, BCDDevice uint16
	Class                          uint8
	Configs                        []Config
}

// maxDescriptorItems bounds what ParseDescriptors keeps from a device.
const maxDescriptorItems = 256

// ParseDescriptors decodes a device descriptor followed by configuration
// descriptors. Lengths come from the device, so every one is checked
// against the bytes present.
func ParseDescriptors(p []byte) (Descriptors, error) {
	bad := func(format string, a ...any) (Descriptors, error) {
		return Descriptors{}, transport.Errorf("descriptors", transport.ErrProtocol, fmt.Errorf("usbfs: "+format, a...))
	}
	if len(p) < 18 || p[0] < 18 || int(p[0]) > len(p) || p[1] != 1 {
		return bad("no device descriptor")
	}
	d := Descriptors{
		Class:     p[4],
		VendorID:  binary.LittleEndian.Uint16(p[8:]),
		ProductID: binary.LittleEndian.Uint16(p[10:]),
		BCDDevice: binary.LittleEndian.Uint16(p[12:]),
	}
	p = p[p[0]:]
	items := 0
	var cfg *Config
	var alt *AltSetting
	for len(p) > 0 {
		if len(p) < 2 || p[0] < 2 || int(p[0]) > len(p) {
			return bad("descriptor length %d with %d bytes left", p[0], len(p))
		}
		if items++; items > maxDescriptorItems {
			return bad("more than %d descriptors", maxDescriptorItems)
		}
		b := p[:p[0]]
		p = p[p[0]:]
		switch b[1] {
		case 2: // configuration
			if len(b) < 9 {
				return bad("short configuration descriptor")
			}
			d.Configs = append(d.Configs, Config{Value: b[5]})
			cfg, alt = &d.Configs[len(d.Configs)-1], nil
		case 4: // interface
			if len(b) < 9 || cfg == nil {
				return bad("interface descriptor outside a configuration")
			}
			cfg.Interfaces = append(cfg.Interfaces, AltSetting{Number: b[2], Alternate: b[3], Class: b[5], SubClass: b[6], Protocol: b[7]})
			alt = &cfg.Interfaces[len(cfg.Interfaces)-1]
		case 5: // endpoint
			if len(b) < 7 || alt == nil {
				return bad("endpoint descriptor outside an interface")
			}
			alt.Endpoints = append(alt.Endpoints, Endpoint{Address: b[2], Attr: b[3], MaxPacket: binary.LittleEndian.Uint16(b[4:]) & 0x7FF, Interval: b[6]})
		}
	}
	return d, nil
}

// Find returns the alternate setting 0 of interface number in the
// configuration with value cfg (0 = the first configuration).
func (d Descriptors) Find(cfg, number uint8) (AltSetting, bool) {
	for _, c := range d.Configs {
		if cfg != 0 && c.Value != cfg {
			continue
		}
		for _, a := range c.Interfaces {
			if a.Number == number && a.Alternate == 0 {
				return a, true
			}
		}
		if cfg == 0 {
			break
		}
	}
	return AltSetting{}, false
}
