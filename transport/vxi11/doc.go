// Package vxi11 implements the VXI-11 TCP/IP Instrument Protocol (VXI-11
// rev 1.0 with the VXI-11.2 gateway and VXI-11.3 instrument profiles), both
// sides, on the ONC-RPC of package rpc:
//
//   - the codec: every VXI-11 structure with AppendXDR/DecodeXDR
//     (CreateLinkParms, DeviceWriteParms, DeviceReadResp, ...);
//   - the client: Dial opens a link (core port from the portmapper on port
//     111, or Options.CorePort) and returns a Client that implements
//     transport.Conn with device_write/device_read, plus device_clear,
//     device_readstb, device_trigger, device_remote/local, device_lock/
//     unlock, device_docmd, the abort channel (a cancelled ctx sends
//     device_abort so that a blocked read ends and the link stays usable)
//     and the interrupt channel (service requests arrive as
//     device_intr_srq calls on an RPC server the client runs);
//   - the server: NewServer hosts transport.Devices under device names
//     ("inst0", "gpib0,5", ...) on a core and an abort listener, with the
//     VXI-11 lock rules across links and clients, io_timeout, termChar,
//     requestSize and maxRecvSize, and the interrupt channel towards the
//     clients that enable SRQ. It registers its core port with a
//     portmapper, its own or the system's.
//
// # Deadlines
//
// A Client derives io_timeout (and the lock_timeout of Lock) from
// ctx.Deadline(), so the server's own timer ends a call and answers error
// 15 with the bytes read so far; the client waits Options.TimeoutGrace
// longer for that answer. A ctx that is cancelled sends device_abort.
//
// # Errors
//
// VXI-11 error codes become errors wrapping the transport sentinels with
// the code in the message and matchable with errors.Is (see
// ErrorCode.Sentinel): 11 → transport.ErrLocked, 15 → ErrTimeout, 17 →
// ErrIO, 23 → ErrAborted, 8 → ErrNotSupported, 3 → ErrNotFound, and 4
// (invalid link: the server no longer knows the link) → ErrConnLost. A
// broken connection is transport.ErrConnLost.
package vxi11
