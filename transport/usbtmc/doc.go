// Package usbtmc implements USBTMC and USB488 (the USB Test and Measurement
// Class) without libusb: a protocol engine that speaks to the device through
// the four kinds of USB transfer ([Transfers]: bulk out, bulk in, control,
// interrupt in), a client [Conn] that implements [transport.Conn] and its
// capability interfaces, a [RawConn] for `USB::...::RAW` resources, and a
// simulated device ([Device]) that answers the same transfers from any
// [transport.Device].
//
// How the bytes reach a real instrument lives in sub-packages: usbfs (Linux
// /dev/bus/usb through ioctls, pure Go, with sysfs enumeration), kdriver
// (the Linux usbtmc kernel driver, /dev/usbtmcN) and gousb (libusb through
// cgo, only in builds with -tags gousb, for macOS and Windows); package host
// picks one. The default build has no libusb. The engine itself has no
// operating-system code, so it is tested against [Device] in process.
//
// The codec ([AppendMsgOut], [AppendRequestIn], [ParseBulkInHeader],
// [ParseBulkOutHeader], [ParseCapabilities]) is separate from the engine and
// never sizes a buffer from a length the device sends.
package usbtmc
