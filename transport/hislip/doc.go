// Package hislip implements HiSLIP (IVI-6.1, High-Speed LAN Instrument
// Protocol) 1.0, 1.1 and 2.0: the message codec, a client that implements
// [transport.Conn] and its capability interfaces, and a server that hosts
// any [transport.Device] under one or more sub-addresses ("hislip0",
// "hislip1", ...).
//
// The codec ([Header], [ParseHeader], [AppendMessage], [ReadMessage]) is
// independent of sockets. [Dial] opens both channels of a session and
// negotiates version and maximum message size; [Server] accepts sessions.
//
// HiSLIP 2.0 secure connections: with [Server.TLSConfig] the server offers
// TLS on both channels (AsyncStartTLS/StartTLS, AsyncEndTLS/EndTLS), can
// mandate it ([Server.RequireEncryption]) or ask for it at once
// ([Server.InitialEncryption]), and can require a SASL authentication
// (SCRAM-SHA-256 and PLAIN with [Server.Password], PLAIN with
// [Server.Authenticate], ANONYMOUS with [Server.AllowAnonymous]). Clients use [WithTLS], [WithCredentials] and
// [WithAnonymous], or [Client.StartTLS] and [Client.EndTLS] later. The 2.0
// specification text was not available: each wire choice and its source
// (MSL-Equipment, lxi-rs, or our own where both are silent) is recorded in
// server_secure.go and descriptors.go ([Client.Descriptors]).
package hislip
