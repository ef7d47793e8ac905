//go:build linux

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/govisa/govisa/conformance"
	"github.com/govisa/govisa/visa"
)

// resource is the VISA name of the gadget's USBTMC interface.
var resource = fmt.Sprintf("USB0::0x%04X::0x%04X::%s::INSTR", vendorID, productID, serial)

// runConformance runs the VISA conformance suite on the USB INSTR
// resource through the public API and prints one CONF line per check.
func runConformance() {
	rm, err := visa.NewResourceManager("")
	if err != nil {
		fail("conformance", "resource manager: %v", err)
		return
	}
	defer rm.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep := conformance.Run(ctx, conformance.Config{RM: rm, Resource: resource})
	if rep.Error != "" {
		// The native backend opens USB resources: an error here is a failure.
		fail("conformance", "%s", rep.Error)
		return
	}
	for _, r := range rep.Results {
		fmt.Printf("GOVISA-USBVM CONF %s %s %s\n", r.Check, r.Outcome, r.Reason)
	}
	// The host-side test judges the CONF lines (it knows which failures
	// are known issues outside the USB transport).
	p, f, na := rep.Counts()
	fmt.Printf("GOVISA-USBVM CONF-SUMMARY pass=%d fail=%d n/a=%d\n", p, f, na)
}
