//go:build linux

package socket

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitAvailable waits until at least n bytes are in the client's receive
// queue, without consuming them.
func waitAvailable(t *testing.T, c *Conn, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, n)
	for time.Now().Before(deadline) {
		got := 0
		require.NoError(t, c.rc.Control(func(fd uintptr) {
			m, _, _ := syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			got = m
		}))
		if got >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d bytes did not arrive", n)
}

// checkSockopts reads TCP_NODELAY, SO_KEEPALIVE and the keepalive timers
// back from the kernel.
func checkSockopts(t *testing.T, c *Conn, noDelay, keepAlive bool) {
	t.Helper()
	get := func(level, opt int) int {
		var v int
		var gerr error
		require.NoError(t, c.rc.Control(func(fd uintptr) {
			v, gerr = syscall.GetsockoptInt(int(fd), level, opt)
		}))
		require.NoError(t, gerr)
		return v
	}
	assert.Equal(t, noDelay, get(syscall.IPPROTO_TCP, syscall.TCP_NODELAY) != 0, "TCP_NODELAY")
	assert.Equal(t, keepAlive, get(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) != 0, "SO_KEEPALIVE")
	if keepAlive {
		assert.Equal(t, 60, get(syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE), "TCP_KEEPIDLE")
		assert.Equal(t, 60, get(syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL), "TCP_KEEPINTVL")
		assert.Equal(t, 5, get(syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT), "TCP_KEEPCNT")
	}
}
