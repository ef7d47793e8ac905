//go:build unix

package socket

import (
	"io"
	"syscall"
)

// tryRead reads what is available without waiting. It returns 0, nil when
// nothing is, and io.EOF when the peer has closed. The descriptor of a
// net.Conn is non-blocking on Unix, so one read(2) inside RawConn.Read
// does it; RawConn.Read still honours the read deadline.
func (c *Conn) tryRead(p []byte) (int, error) {
	c.tryP, c.tryN, c.tryErr = p, 0, nil
	err := c.rc.Read(c.tryFn)
	n, rerr := c.tryN, c.tryErr
	c.tryP, c.tryErr = nil, nil
	if err != nil {
		return 0, err
	}
	return n, rerr
}

// tryReadFD runs inside RawConn.Read. It always returns true so that
// RawConn.Read never waits for readiness.
func (c *Conn) tryReadFD(fd uintptr) bool {
	for {
		n, err := syscall.Read(int(fd), c.tryP)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
			// nothing available
		case err != nil:
			c.tryErr = err
		case n == 0 && len(c.tryP) > 0:
			c.tryErr = io.EOF
		default:
			c.tryN = n
		}
		return true
	}
}
