// Package hislip implements HiSLIP (IVI-6.1, High-Speed LAN Instrument
// Protocol) 1.0 and 1.1, and the 2.0 version negotiation (the 2.0 TLS and
// SASL messages are not implemented yet): the message codec, a client that
// implements [transport.Conn] and its capability interfaces, and a server
// that hosts any [transport.Device] under one or more sub-addresses
// ("hislip0", "hislip1", ...).
//
// The codec ([Header], [ParseHeader], [AppendMessage], [ReadMessage]) is
// independent of sockets. [Dial] opens both channels of a session and
// negotiates version and maximum message size; [Server] accepts sessions.
package hislip
