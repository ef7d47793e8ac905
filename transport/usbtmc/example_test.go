package usbtmc_test

import (
	"context"
	"fmt"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
)

// A USBTMC session over the in-process simulated device. With real
// hardware the Transfers come from usbfs.OpenDevice (Linux) and the
// Interface from its descriptors; host.Open does both from a VISA
// resource's vendor id, product id and serial number.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	dev := usbtmc.NewDevice(sim.NewTestInstrument(sim.WithIdentity("ACME,Model 1,42,1.0")), usbtmc.DeviceOptions{})
	ifc := usbtmc.Interface{Protocol: 1, BulkOut: 0x02, BulkIn: 0x81, InterruptIn: 0x83, MaxPacket: 512, IntrPacket: 8}
	c, err := usbtmc.Open(ctx, dev, ifc)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if _, err := c.Write(ctx, []byte("*IDN?\n"), true); err != nil {
		fmt.Println(err)
		return
	}
	buf := make([]byte, 256)
	n, why, err := c.Read(ctx, buf, transport.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q END=%v\n", buf[:n], why.Has(transport.ReasonEND))
	stb, _ := c.ReadSTB(ctx)
	fmt.Printf("STB %#02x, trigger supported: %v\n", stb, c.Capabilities().Trigger)
	// Output:
	// "ACME,Model 1,42,1.0\n" END=true
	// STB 0x00, trigger supported: true
}

// Vendor-specific messages: what VISA sends when a session's
// VI_ATTR_IO_PROT is VI_PROT_USBTMC_VENDOR. The simulated device echoes
// them back (usbtmc.VendorEcho); a device without vendor support would
// stall the message instead.
func ExampleConn_SetAttr() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	dev := usbtmc.NewDevice(sim.NewTestInstrument(), usbtmc.DeviceOptions{Vendor: &usbtmc.VendorEcho{}})
	ifc := usbtmc.Interface{Protocol: 1, BulkOut: 0x02, BulkIn: 0x81, MaxPacket: 512}
	c, err := usbtmc.Open(ctx, dev, ifc)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.SetAttr(usbtmc.AttrIOProt, uint16(usbtmc.ProtUSBTMCVendor)); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := c.Write(ctx, []byte{0xCA, 0xFE}, true); err != nil {
		fmt.Println(err)
		return
	}
	buf := make([]byte, 16)
	n, why, err := c.Read(ctx, buf, transport.ReadOptions{})
	fmt.Printf("% x END=%v %v\n", buf[:n], why.Has(transport.ReasonEND), err)
	// Output:
	// ca fe END=true <nil>
}
