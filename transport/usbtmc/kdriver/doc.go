// Package kdriver talks to USBTMC instruments through the Linux usbtmc
// kernel driver (/dev/usbtmcN) instead of usbfs. The driver does the
// USBTMC framing; this package maps [transport.Conn] and its capability
// interfaces onto read, write and the driver's ioctls.
//
// It is the fallback when the driver owns the device and the user may open
// /dev/usbtmcN but not the usbfs node (the default on many distributions:
// the usbtmc node is group-accessible, /dev/bus/usb is root-only). Timeouts
// go to the driver (USBTMC_IOCTL_SET_TIMEOUT, minimum 100 ms) and the
// driver's auto-abort is switched on so a timed-out transfer is aborted
// and the instrument recovers. The driver gives no way to interrupt a
// blocked read() or write() (see [Conn.SetCancelSlice]); a cancellable
// context is honoured by waiting in the kernel in short slices.
package kdriver
