//go:build windows

package socket

import (
	"syscall"
	"unsafe"
)

// fionread is FIONREAD from winsock2.h: _IOR('f', 127, u_long).
const fionread = 0x4004667f

// tryRead reads what is available without waiting; 0, nil when nothing
// is. Windows sockets use overlapped I/O, so it asks how many bytes wait
// (FIONREAD) and reads that many through the net.Conn, which then does not
// block.
func (c *Conn) tryRead(p []byte) (int, error) {
	c.tryN, c.tryErr = 0, nil
	if err := c.rc.Read(c.tryFn); err != nil {
		return 0, err
	}
	if c.tryErr != nil {
		err := c.tryErr
		c.tryErr = nil
		return 0, err
	}
	if c.tryN == 0 {
		return 0, nil
	}
	return c.nc.Read(p[:min(len(p), c.tryN)])
}

func (c *Conn) tryReadFD(fd uintptr) bool {
	var avail, ret uint32
	err := syscall.WSAIoctl(syscall.Handle(fd), fionread, nil, 0,
		(*byte)(unsafe.Pointer(&avail)), uint32(unsafe.Sizeof(avail)), &ret, nil, 0)
	if err != nil {
		c.tryErr = err
	} else {
		c.tryN = int(avail)
	}
	return true
}
