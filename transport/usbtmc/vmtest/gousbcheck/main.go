//go:build gousb && cgo && linux

// Command gousbcheck runs inside the USB test VM when the host test could
// build it (cgo, libusb-1.0): a query through libusb (gousb) against the
// FunctionFS gadget, with the kernel's usbtmc driver detached by libusb.
// It prints the guest's marker lines itself.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
	"github.com/govisa/govisa/transport/usbtmc/gousb"
)

func main() {
	if err := run(); err != nil {
		fmt.Printf("GOVISA-USBVM FAIL gousb-idn: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("GOVISA-USBVM PASS gousb-idn")
}

func run() error {
	m := gousb.Match{VendorID: 0x1209, ProductID: 0x0001, Serial: "GOVISA-VM-1", Interface: -1}
	dev, err := gousb.Open(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := usbtmc.Open(ctx, dev, dev.Interface())
	if err != nil {
		dev.Close()
		return err
	}
	defer c.Close()
	if _, err := c.Write(ctx, []byte("*IDN?\n"), true); err != nil {
		return err
	}
	buf := make([]byte, 256)
	n, _, err := c.Read(ctx, buf, transport.ReadOptions{})
	if err != nil {
		return err
	}
	if !strings.Contains(string(buf[:n]), "Test Instrument") {
		return fmt.Errorf("answer %q", buf[:n])
	}
	return nil
}
