//go:build !linux

package socket

import "testing"

func waitAvailable(t *testing.T, c *Conn, n int) {
	t.Skip("waiting for received bytes without reading them is implemented for Linux only")
}

func checkSockopts(t *testing.T, c *Conn, noDelay, keepAlive bool) {
	t.Log("socket options are read back from the kernel on Linux only")
}
