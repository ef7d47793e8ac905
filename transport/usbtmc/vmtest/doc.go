// Package vmtest boots a QEMU virtual machine running Debian's kernel with
// dummy_hcd, a configfs gadget and FunctionFS, so that the USBTMC host side
// (usbfs and the usbtmc kernel driver) is tested against a real Linux USB
// stack without USB hardware. The guest program (./guest) is the VM's
// /init; it serves the simulated instrument on the gadget and prints
// marker lines the test checks.
//
// The test needs qemu-system-x86_64 and the kernel and modules extracted
// by testdata/usbvm/fetch-kernel.sh (into $GOVISA_USBVM_CACHE, default
// $HOME/.cache/govisa-usbvm). Without them it skips, unless
// GOVISA_REQUIRE_USBVM=1, which turns missing pieces into failures.
package vmtest
