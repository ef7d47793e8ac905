// Package host opens USB instruments by VISA resource fields, choosing how
// the bytes reach the device: on Linux usbfs (pure Go) by default, and the
// usbtmc kernel driver (/dev/usbtmcN) when the driver owns the interface
// and the usbfs node is not writable. On other systems USB needs libusb
// through the gousb build tag, which this module does not ship yet: Open
// returns an error wrapping transport.ErrNotSupported that says so.
package host

import "github.com/govisa/govisa/transport/usbtmc/usbfs"

// Match selects an instrument; see [usbfs.Match]. Interface -1 means the
// lowest-numbered USBTMC interface.
type Match = usbfs.Match
