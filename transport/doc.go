// Package transport holds the contracts shared by every govisa transport.
//
// A transport package (socket, vxi11, hislip, usbtmc, asrl, gpib) holds the
// client and the server side of one protocol. Both sides speak in bytes,
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
// Deadlines travel in the context: the caller folds its VISA timeout into
// ctx with context.WithDeadline, and a transport that must tell its peer a
// timeout (VXI-11 io_timeout, for example) derives it from ctx.Deadline().
package transport
