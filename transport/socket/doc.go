// Package socket implements the VISA TCPIP SOCKET transport
// (TCPIP::host::port::SOCKET): a client [Conn] that satisfies
// [transport.Conn] and [transport.Clearer], and a [Server] that hosts any
// [transport.Device] on a raw TCP port, the way an instrument serves SCPI on
// port 5025.
//
// A raw socket has no framing: a program message ends with a newline (LF),
// and there is no END indicator, device clear, status byte or service
// request. The client therefore follows VPP-4.3 rule 6.1 with the VISA
// socket defaults (termination character LF, SuppressEND true): a read ends
// on the termination character when enabled, when the caller's buffer is
// full, or, with SuppressEND false, when the receive buffer runs dry after at
// least one byte ("END").
//
// The server splits the byte stream into program messages with [Splitter],
// a pure codec that knows IEEE 488.2 definite-length blocks so that LF bytes
// inside binary block data do not end a message.
package socket
