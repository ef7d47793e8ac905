// Package hislip implements HiSLIP (IVI-6.1, High-Speed LAN Instrument
// Protocol) versions 1.0, 1.1 and 2.0: the message codec, a client that
// implements [transport.Conn] and its capability interfaces, and a server
// that hosts any [transport.Device] under one or more sub-addresses
// ("hislip0", "hislip1", ...).
//
// The codec ([Header], [ParseHeader], [AppendMessage], [ReadMessage]) is
// independent of sockets. [Dial] opens both channels of a session and
// negotiates version and maximum message size; [Server] accepts sessions.
package hislip
