//go:build linux

package main

import (
	"errors"
	"strings"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
	"github.com/govisa/govisa/transport/usbtmc/host"
)

// vendorChecks runs USBTMC vendor-specific messages through usbfs and the
// kernel's USB stack: a round trip with VI_ATTR_IO_PROT set on the
// session, then a message the gadget refuses, which halts Bulk-OUT for
// real (FunctionFS) so that the host sees a STALL, clears it, and goes on.
func vendorChecks(c *host.Session) {
	setProt := func(p uint16) error { return c.SetAttr(usbtmc.AttrIOProt, p) }
	if err := setProt(usbtmc.ProtUSBTMCVendor); err != nil {
		fail("usbfs-vendor", "set VI_PROT_USBTMC_VENDOR: %v", err)
		return
	}
	msg := strings.Repeat("vendor-bytes;", 1000) // several packets and an unaligned tail
	if _, err := c.Write(ctxFor(5*time.Second), []byte(msg), true); err != nil {
		fail("usbfs-vendor", "write: %v", err)
	} else if s, err := readAll(c, len(msg)+10); err != nil || s != msg {
		fail("usbfs-vendor", "echo of %d bytes: got %d %v", len(msg), len(s), err)
	} else {
		pass("usbfs-vendor")
	}
	// More than the echo keeps: the whole transfer arrives, the gadget
	// refuses it and halts Bulk-OUT, so the next vendor message stalls.
	if _, err := c.Write(ctxFor(5*time.Second), make([]byte, vendorMax+4096), true); err != nil {
		fail("usbfs-vendor-stall", "the refused transfer itself: %v", err)
	} else if _, err := c.Write(ctxFor(5*time.Second), []byte("x"), true); !errors.Is(err, transport.ErrIO) {
		fail("usbfs-vendor-stall", "message after the refused one: %v, want a stall (ErrIO)", err)
	} else if err := setProt(usbtmc.ProtNormal); err != nil {
		fail("usbfs-vendor-stall", "set VI_PROT_NORMAL: %v", err)
	} else if s, err := query(c, "*IDN?\n", 1000); err != nil || !strings.Contains(s, "Test Instrument") {
		fail("usbfs-vendor-stall", "after the stall was cleared: %q %v", s, err)
	} else {
		pass("usbfs-vendor-stall")
	}
	setProt(usbtmc.ProtNormal)
}
