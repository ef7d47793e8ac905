package vxi11

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Device_Docmd command codes for IEEE 488.1 gateways (VXI-11.2, fact sheet
// §2.9).
const (
	DocmdSendCommand = 0x020000 // raw GPIB command bytes sent with ATN (datasize 1)
	DocmdBusStatus   = 0x020001 // 16-bit selector → 16-bit value
	DocmdATNControl  = 0x020002 // 16-bit, non-zero asserts ATN
	DocmdRENControl  = 0x020003 // 16-bit, non-zero asserts REN
	DocmdPassControl = 0x020004 // 32-bit GPIB address to pass control to
	DocmdBusAddress  = 0x02000A // 32-bit new bus address of the gateway
	DocmdIFCControl  = 0x020010 // pulse IFC, no data
)

// BUS_STATUS selectors for DocmdBusStatus.
const (
	BusStatusREN                = 1
	BusStatusSRQ                = 2
	BusStatusNDAC               = 3
	BusStatusSystemController   = 4
	BusStatusControllerInCharge = 5
	BusStatusTalker             = 6
	BusStatusListener           = 7
	BusStatusBusAddress         = 8
)

// errBadAddress marks a gateway name whose GPIB address is out of range
// (answered with VXI-11 error 21).
var errBadAddress = errors.New("GPIB address out of range")

// CanonicalDeviceName returns the form a server files a device name under:
// lower case, and for gateway names "gpibN,pad[,sad]" with plain decimal
// numbers (so "GPIB0,05" and "gpib0,5" are the same device). Primary
// addresses are 0-30 and secondary addresses 0-30, as in VISA resource
// strings; an address out of range fails with an error that servers answer
// with error 21 (invalid address). Other names (instN, vendor forms) are
// only lower-cased.
func CanonicalDeviceName(name string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(name))
	if s == "" {
		return "", errors.New("vxi11: empty device name")
	}
	if !strings.HasPrefix(s, "gpib") || !strings.Contains(s, ",") {
		return s, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 3 {
		return "", fmt.Errorf("vxi11: device name %q: %w", name, errBadAddress)
	}
	board := strings.TrimPrefix(parts[0], "gpib")
	bn, err := strconv.ParseUint(board, 10, 16)
	if err != nil {
		return s, nil // not a gateway name after all: keep it as a plain name
	}
	var b strings.Builder
	b.WriteString("gpib")
	b.WriteString(strconv.FormatUint(bn, 10))
	for _, p := range parts[1:] {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 8)
		if err != nil || v > 30 {
			return "", fmt.Errorf("vxi11: device name %q: %w", name, errBadAddress)
		}
		b.WriteByte(',')
		b.WriteString(strconv.FormatUint(v, 10))
	}
	return b.String(), nil
}
