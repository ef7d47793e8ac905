//go:build !(gousb && cgo && linux)

// Command gousbcheck is the gousb (libusb) check the USB test VM runs when
// the host test can build it with -tags gousb and cgo; built without them
// it only says so.
package main

import "fmt"

func main() {
	fmt.Println("GOVISA-USBVM SKIP gousb-idn: built without -tags gousb and cgo")
}
