package hislip

import (
	"bufio"
	"encoding/binary"
	"net"
)

// tlsRecordHeader is the size of a TLS record header (type, version,
// length).
const tlsRecordHeader = 5

// recordConn is the transport under a crypto/tls connection on a HiSLIP
// channel. Reads come from the channel's existing bufio.Reader, which may
// already hold the first handshake bytes (they arrived right behind
// StartTLS), and never go past the end of the current TLS record: crypto/tls
// reads ahead into its own buffer otherwise, and bytes the peer sends in
// clear text after its close_notify (EndTLS) would be lost in it. Writes,
// deadlines and Close go to the TCP connection.
type recordConn struct {
	net.Conn
	r    *bufio.Reader
	left int // bytes of the current record (header included) not yet returned
}

func (c *recordConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.left == 0 {
		// Peek keeps partial progress in the bufio.Reader, so a deadline
		// expiring here loses nothing.
		h, err := c.r.Peek(tlsRecordHeader)
		if err != nil {
			return 0, err
		}
		c.left = tlsRecordHeader + int(binary.BigEndian.Uint16(h[3:5]))
	}
	n, err := c.r.Read(p[:min(len(p), c.left)])
	c.left -= n
	return n, err
}
