// Package host opens USB instruments by VISA resource fields, choosing how
// the bytes reach the device: on Linux usbfs (pure Go) by default, and the
// usbtmc kernel driver (/dev/usbtmcN) when the driver owns the interface
// and the usbfs node is not writable. On other systems USB goes through
// libusb (github.com/google/gousb) in a build with -tags gousb, which needs
// cgo; without the tag Open returns an error wrapping
// transport.ErrNotSupported that names the tag. On Linux the tag changes
// nothing here (package gousb can still be used directly).
package host

import "github.com/govisa/govisa/transport/usbtmc/usbfs"

// Match selects an instrument; see [usbfs.Match]. Interface -1 means the
// lowest-numbered USBTMC interface.
type Match = usbfs.Match
