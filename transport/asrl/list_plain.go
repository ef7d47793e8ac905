//go:build !linux && !windows && !(darwin && cgo)

package asrl

import "go.bug.st/serial"

// List returns the serial ports of the machine by name only: the detailed
// enumerator of go.bug.st/serial needs cgo on macOS, so a CGO_ENABLED=0
// build falls back to the plain port list.
func List() ([]PortInfo, error) {
	names, err := serial.GetPortsList()
	if err != nil {
		return nil, err
	}
	out := make([]PortInfo, 0, len(names))
	for _, n := range names {
		out = append(out, PortInfo{Name: n, Interface: -1})
	}
	return out, nil
}
