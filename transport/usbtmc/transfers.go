package usbtmc

import "context"

// Transfers is the lowest layer: the four USB transfer kinds the engine
// needs, on endpoint addresses the caller read from the descriptors. Each
// call honours ctx.Deadline() and ctx.Done() and returns errors wrapping the
// transport sentinels (ErrTimeout on expiry, ErrConnLost when the device is
// gone, ErrIO for a stall).
//
// A BulkIn call ends at a short packet or when p is full, like one
// USBDEVFS_BULK ioctl; len(p) is a multiple of the endpoint's
// wMaxPacketSize. Control is always an IN request here (every USBTMC class
// request has a device-to-host data stage): data receives the response and
// wLength is len(data).
type Transfers interface {
	BulkOut(ctx context.Context, ep uint8, p []byte) (int, error)
	BulkIn(ctx context.Context, ep uint8, p []byte) (int, error)
	Control(ctx context.Context, reqType, req uint8, value, index uint16, data []byte) (int, error)
	InterruptIn(ctx context.Context, ep uint8, p []byte) (int, error)
}

// Halter is implemented by Transfers that can clear an endpoint halt
// (CLEAR_FEATURE(ENDPOINT_HALT)), which the clear and abort sequences end
// with. Without it those steps are skipped.
type Halter interface {
	ClearHalt(ctx context.Context, ep uint8) error
}

// Interface describes the USBTMC interface a Conn talks to, as read from the
// device's descriptors.
type Interface struct {
	Number      uint8  // bInterfaceNumber (wIndex of interface requests)
	Protocol    uint8  // bInterfaceProtocol: 0 USBTMC, 1 USB488
	BulkOut     uint8  // Bulk-OUT endpoint address
	BulkIn      uint8  // Bulk-IN endpoint address (bit 7 set)
	InterruptIn uint8  // Interrupt-IN endpoint address, 0 when absent
	MaxPacket   uint16 // wMaxPacketSize of the Bulk-IN endpoint
	IntrPacket  uint16 // wMaxPacketSize of the Interrupt-IN endpoint
	VendorID    uint16
	ProductID   uint16
	Serial      string
}
