package rpc

import (
	"encoding/hex"
	"strings"
)

// Test vectors from the protocol fact sheet (§1.6 and §2.11).

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// vecGetPort is the 56-byte GETPORT discovery datagram (no record mark).
var vecGetPort = unhex(`
00 00 03 e8  00 00 00 00  00 00 00 02  00 01 86 a0
00 00 00 02  00 00 00 03  00 00 00 00  00 00 00 00
00 00 00 00  00 00 00 00  00 06 07 af  00 00 00 01
00 00 00 06  00 00 00 00`)

// vecCreateLinkCall is create_link(0x12345678, false, 10000, "inst0"), xid 1,
// record mark included.
var vecCreateLinkCall = unhex(`
80 00 00 40
00 00 00 01  00 00 00 00  00 00 00 02
00 06 07 af  00 00 00 01  00 00 00 0a
00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
12 34 56 78  00 00 00 00  00 00 27 10
00 00 00 05  69 6e 73 74 30 00 00 00`)

// vecCreateLinkReply: error 0, lid 7, abortPort 0x1234, maxRecvSize 1024.
var vecCreateLinkReply = unhex(`80 00 00 28  00 00 00 01  00 00 00 01  00 00 00 00
00 00 00 00 00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 07  00 00 12 34  00 00 04 00`)

// vecWriteArgs and vecReadArgs are the argument parts of the device_write
// (xid 2) and device_read (xid 3) vectors.
var (
	vecWriteArgs = unhex(`00 00 00 07 00 00 07 d0 00 00 27 10 00 00 00 08 00 00 00 06 2a 49 44 4e 3f 0a 00 00`)
	vecReadArgs  = unhex(`00 00 00 07 00 00 04 00 00 00 07 d0 00 00 27 10 00 00 00 00 00 00 00 00`)
)
