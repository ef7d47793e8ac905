// Package rpc implements ONC-RPC version 2 (RFC 5531) with its XDR data
// representation (RFC 4506): a bounds-checked XDR codec, RPC call and reply
// messages, TCP record marking and UDP datagrams, a client that multiplexes
// concurrent calls over one connection, and a server that dispatches calls
// to registered programs. Package rpc/portmap adds the portmapper
// (program 100000, version 2).
//
// The package is the base of the VXI-11 transport and never imports package
// visa: failures are reported with the sentinels of package transport
// (transport.ErrProtocol, transport.ErrTooLarge, transport.ErrConnLost,
// transport.ErrTimeout, ...) wrapped with %w, so errors.Is matches them.
//
// # XDR
//
// Encoding is append-style and never allocates beyond growing the caller's
// slice:
//
//	buf = rpc.AppendUint32(buf, lid)
//	buf = rpc.AppendOpaque(buf, data)
//
// Decoding reads from a byte slice through a [Decoder]. Every variable length
// is checked against a maximum given by the caller and against the bytes
// actually present before anything is allocated, so a peer cannot make the
// decoder allocate more than it sent. [Decoder.Opaque] returns a sub-slice of
// the input without copying; such slices are only valid as long as the
// input buffer is (see [Client.Call] and [Handler] for how long that is).
//
// A structure is encoded by an [Appender] (a method AppendXDR) and decoded
// by a [Decodable] (a method DecodeXDR); [AppenderFunc] and [DecoderFunc]
// adapt plain functions. Optional data (T *x) is a bool followed by the
// value when true, and a discriminated union is an int32 discriminant
// followed by the arm it selects: both are written with the primitives.
//
// # Client and server
//
// [Dial] or [NewClient] give a [Client] over TCP (record marking) or UDP
// (one datagram per message, retransmitted until the context ends). Calls
// may be issued concurrently; replies are matched by xid. Over TCP the
// callers read the connection themselves, one at a time, so that a lone
// call reads its own reply without a goroutine hand-off; the
// [RecordReader] reads ahead, so that a short reply costs one read.
//
// [NewServer] gives a [Server]; [Server.Register] binds a program and
// version to a [Handler]. [Server.Serve] accepts TCP connections (one
// goroutine per connection, calls on one connection handled in order) and
// [Server.ServePacket] answers UDP datagrams. Unknown programs, versions and
// procedures, undecodable arguments and handler panics are answered with the
// matching RPC error; the server never crashes on peer input.
package rpc
