package host

import (
	"fmt"

	"github.com/govisa/govisa/transport/usbtmc/usbfs"
)

// resourceName is the VISA name of one USBTMC interface, with hex ids as
// vendors print them.
func resourceName(vid, pid uint16, serial string, intf int) string {
	return fmt.Sprintf("USB0::0x%04X::0x%04X::%s::%d::INSTR", vid, pid, serial, intf)
}

// sysfsNames lists the USBTMC interfaces under a sysfs root.
func sysfsNames(root string) []string {
	devs, err := usbfs.Enumerate(root)
	if err != nil {
		return nil
	}
	var out []string
	for _, d := range devs {
		for _, in := range d.Interfaces {
			if in.TMC() && d.Serial != "" {
				out = append(out, resourceName(d.VendorID, d.ProductID, d.Serial, int(in.Number)))
			}
		}
	}
	return out
}
