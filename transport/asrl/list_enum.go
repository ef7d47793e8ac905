//go:build windows || (darwin && cgo)

package asrl

import (
	"strconv"

	"go.bug.st/serial/enumerator"
)

// List returns the serial ports of the machine with USB details, from
// go.bug.st/serial's enumerator (which needs cgo on macOS).
func List() ([]PortInfo, error) {
	ports, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, err
	}
	out := make([]PortInfo, 0, len(ports))
	for _, p := range ports {
		info := PortInfo{Name: p.Name, IsUSB: p.IsUSB, SerialNumber: p.SerialNumber, Manufacturer: p.Manufacturer, Product: p.Product, Interface: -1}
		if v, err := strconv.ParseUint(p.VID, 16, 16); err == nil {
			info.VID = uint16(v)
		}
		if v, err := strconv.ParseUint(p.PID, 16, 16); err == nil {
			info.PID = uint16(v)
		}
		out = append(out, info)
	}
	return out, nil
}
