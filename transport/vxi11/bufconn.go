package vxi11

import (
	"bufio"
	"net"
)

// bufConn reads through a small buffer, so that the RPC layer's record
// mark and the short record behind it come in one system call instead of
// two; large reads bypass the buffer (bufio reads straight into a caller's
// buffer that is larger than its own). Everything else is the net.Conn.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

// bufSize holds a whole small reply (a query response) with its mark.
const bufSize = 4 << 10

func newBufConn(c net.Conn) net.Conn { return &bufConn{Conn: c, r: bufio.NewReaderSize(c, bufSize)} }

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// bufListener hands out bufConns.
type bufListener struct{ net.Listener }

func (l bufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newBufConn(c), nil
}
