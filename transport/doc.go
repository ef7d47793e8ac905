// Package transport holds the contracts shared by every govisa transport.
//
// A transport package (socket, vxi11, hislip, usbtmc, asrl, gpib) holds the
// client side of one protocol and, where govisa can emulate it, a server or
// simulator (linux-gpib has a simulated bus at the ioctl level; the usbtmc
// kernel-driver path is client-only). Both sides speak in bytes,
// END flags, status bytes and the sentinel errors defined here; none of them
// imports package visa. The native backend in package visa maps these errors
// to VISA status codes in one place.
//
// Client side: a transport's client implements [Conn], plus whichever of the
// optional capability interfaces ([Clearer], [STBReader], [Triggerer],
// [Locker], [RemoteLocalController], [SRQNotifier]) its protocol supports.
// The caller discovers capabilities by interface assertion, the way
// database/sql discovers optional driver features.
//
// Server side: a protocol server hosts any [Device]. A simulated instrument
// from package sim, or a real instrument reached through package visa, can
// be served over every protocol.
//
// Deadlines travel in the context, and a transport honours both signals:
// ctx.Deadline() (set socket deadlines or timers from it; VXI-11 derives its
// io_timeout from it) and ctx.Done() (cancellation). The VISA session layer
// folds its timeout attribute into ctx.Deadline() without allocating a timer
// on every call, so ctx.Done() alone may not fire when the deadline passes:
// a transport that waits on channels must arm its own timer from Deadline().
package transport
