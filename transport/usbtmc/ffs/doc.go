// Package ffs serves a simulated USBTMC device ([usbtmc.Device]) on a Linux
// USB gadget through FunctionFS: it writes the descriptors and strings to
// ep0, answers class control requests arriving as ep0 setup events, and
// moves bulk and interrupt data between the endpoint files and the
// device. With dummy_hcd it lets a VM test the host side against the real
// kernel USB stack; on a board with a USB device controller (a Raspberry
// Pi Zero, for instance) it turns the board into a USBTMC instrument.
//
// [Descriptors] and [Strings] build the FunctionFS blocks and are portable;
// [Serve], [Gadget] (Create, Bind), [FirstUDC] and [ConfigfsRoot] are
// Linux-only.
package ffs

import (
	"encoding/binary"
)

// FunctionFS magic numbers and flags (include/uapi/linux/usb/functionfs.h).
const (
	descriptorsMagicV2 = 3
	stringsMagic       = 2
	hasFSDesc          = 1
	hasHSDesc          = 2
)

// Kind selects the interface the function presents.
type Kind int

const (
	// USB488 is class 0xFE/3/1 with bulk-OUT, bulk-IN and interrupt-IN.
	USB488 Kind = iota
	// Raw is a vendor-specific interface (0xFF/0/0) with two bulk pipes,
	// for USB RAW resources.
	Raw
)

// Descriptors returns the FunctionFS v2 descriptor block for kind:
// full-speed (64-byte bulk packets) and high-speed (512) sets. The
// endpoint files appear as ep1 (bulk OUT), ep2 (bulk IN) and, for USB488,
// ep3 (interrupt IN).
func Descriptors(kind Kind) []byte {
	set := func(bulk uint16) []byte {
		class, sub, proto, neps := byte(0xFE), byte(3), byte(1), byte(3)
		if kind == Raw {
			class, sub, proto, neps = 0xFF, 0, 0, 2
		}
		b := []byte{9, 4, 0, 0, neps, class, sub, proto, 1}
		ep := func(addr, attr byte, mp uint16, interval byte) {
			b = append(b, 7, 5, addr, attr)
			b = binary.LittleEndian.AppendUint16(b, mp)
			b = append(b, interval)
		}
		ep(0x01, 2, bulk, 0)
		ep(0x82, 2, bulk, 0)
		if kind == USB488 {
			ep(0x83, 3, 8, 4)
		}
		return b
	}
	count := uint32(4)
	if kind == Raw {
		count = 3
	}
	fs, hs := set(64), set(512)
	out := make([]byte, 0, 20+len(fs)+len(hs))
	out = binary.LittleEndian.AppendUint32(out, descriptorsMagicV2)
	out = binary.LittleEndian.AppendUint32(out, uint32(20+len(fs)+len(hs)))
	out = binary.LittleEndian.AppendUint32(out, hasFSDesc|hasHSDesc)
	out = binary.LittleEndian.AppendUint32(out, count)
	out = binary.LittleEndian.AppendUint32(out, count)
	out = append(out, fs...)
	return append(out, hs...)
}

// Strings returns the FunctionFS strings block with one US-English string
// (the interface name, string index 1).
func Strings(name string) []byte {
	body := binary.LittleEndian.AppendUint16(nil, 0x0409)
	body = append(append(body, name...), 0)
	out := binary.LittleEndian.AppendUint32(nil, stringsMagic)
	out = binary.LittleEndian.AppendUint32(out, uint32(16+len(body)))
	out = binary.LittleEndian.AppendUint32(out, 1)
	out = binary.LittleEndian.AppendUint32(out, 1)
	return append(out, body...)
}

// Event is a FunctionFS ep0 event (struct usb_functionfs_event, 12 bytes).
type Event struct {
	Type                 uint8
	RequestType, Request uint8
	Value, Index, Length uint16
}

// Event types.
const (
	EventBind    = 0
	EventUnbind  = 1
	EventEnable  = 2
	EventDisable = 3
	EventSetup   = 4
	EventSuspend = 5
	EventResume  = 6
)

// ParseEvents decodes the events in p (whole 12-byte records only).
func ParseEvents(p []byte) []Event {
	var evs []Event
	for ; len(p) >= 12; p = p[12:] {
		evs = append(evs, Event{
			RequestType: p[0], Request: p[1],
			Value:  binary.LittleEndian.Uint16(p[2:]),
			Index:  binary.LittleEndian.Uint16(p[4:]),
			Length: binary.LittleEndian.Uint16(p[6:]),
			Type:   p[8],
		})
	}
	return evs
}

// transferLen is the length of the Bulk-OUT transfer whose first bytes
// are p: the header, and for DEV_DEP_MSG_OUT and VENDOR_SPECIFIC_OUT the
// data and alignment.
func transferLen(p []byte) int64 {
	if len(p) < 12 || (p[0] != 1 && p[0] != 126) {
		return int64(len(p))
	}
	n := int64(binary.LittleEndian.Uint32(p[4:]))
	return 12 + n + (4-n%4)%4
}
