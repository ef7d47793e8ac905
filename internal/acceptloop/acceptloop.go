// Package acceptloop is the accept loop the servers of govisa share (rpc,
// SOCKET, HiSLIP, the simulator's raw sockets, the Prologix emulator): one
// place decides which Accept errors are worth retrying and how fast.
package acceptloop

import (
	"errors"
	"net"
	"time"
)

// Backoff bounds of the retry after a temporary Accept failure (for example
// the process ran out of file descriptors): doubling from Min to Max, so a
// persistent failure cannot spin a core and a passing one costs little.
const (
	Min = 5 * time.Millisecond
	Max = time.Second
)

// Serve accepts connections on l and hands each to handle until Accept
// fails for good or handle returns false (the server began to close after
// the connection was accepted; handle closes it). closing reports whether
// the server is shutting down, which turns an Accept error into the normal
// end of the loop.
//
// Serve returns nil when the loop ended because the server is closing, and
// the Accept error otherwise. It does not close l.
func Serve(l net.Listener, closing func() bool, handle func(net.Conn) bool) error {
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if closing() {
				return nil
			}
			// Timeouts are the only Accept errors worth retrying portably.
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, Min), Max)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if !handle(c) {
			return nil
		}
	}
}
