// Package usbfs reaches USBTMC instruments on Linux through usbfs
// (/dev/bus/usb/BBB/DDD) in pure Go: ioctls through golang.org/x/sys/unix,
// asynchronous URBs so that every transfer honours its context, and
// enumeration from sysfs (/sys/bus/usb/devices). No libusb, no cgo.
//
// [Find] lists the USBTMC interfaces that match a VISA resource's vendor id,
// product id, serial number and interface number; [OpenDevice] opens one
// (detaching the usbtmc kernel driver when it holds the interface, and
// reattaching it on Close) and returns a [usbtmc.Transfers] for
// [usbtmc.Open]. The ioctl numbers are computed per architecture (the
// generic encoding on x86, ARM, ARM64, RISC-V, s390x; the MIPS and PowerPC
// one elsewhere) and the structures follow the native pointer size, so
// 32-bit processes work too.
//
// Permissions: opening the node needs write access, normally granted by a
// udev rule such as
//
//	SUBSYSTEM=="usb", ATTRS{bInterfaceClass}=="fe", ATTRS{bInterfaceSubClass}=="03", MODE="0666"
//
// or, for one instrument, SUBSYSTEM=="usb", ATTR{idVendor}=="0957", ATTR{idProduct}=="1755", MODE="0666".
// See [UdevRule].
package usbfs
