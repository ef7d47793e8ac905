// Package gousb reaches USBTMC instruments through libusb-1.0 with
// github.com/google/gousb, for systems without usbfs (macOS, Windows). It
// needs cgo and is compiled only with the gousb build tag
// (go build -tags gousb); without the tag this package is empty and the
// default CGO_ENABLED=0 build does not link libusb.
//
// A [Device] implements [usbtmc.Transfers] and [usbtmc.Halter], so the
// USBTMC engine runs over it unchanged, exactly as it runs over usbfs;
// [Find] enumerates USBTMC interfaces for ListResources.
//
// [usbtmc.Transfers]: https://pkg.go.dev/github.com/govisa/govisa/transport/usbtmc#Transfers
// [usbtmc.Halter]: https://pkg.go.dev/github.com/govisa/govisa/transport/usbtmc#Halter
package gousb
