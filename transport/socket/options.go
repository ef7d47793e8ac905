package socket

import (
	"log/slog"
	"net"
	"time"
)

// Keepalive parameters used when keepalive is enabled. They are the values
// pyvisa-py applies for VI_ATTR_TCPIP_KEEPALIVE: probe after 60 s idle,
// every 60 s, and give up after 5 unanswered probes.
const (
	KeepAliveIdle     = 60 * time.Second
	KeepAliveInterval = 60 * time.Second
	KeepAliveCount    = 5
)

// DefaultBufferSize is the size of the client's receive buffer. Reads into
// a caller buffer at least this large bypass it.
const DefaultBufferSize = 64 << 10

// Options configures a client [Conn].
//
// The zero Options is not the VISA default: NoDelay must be true to match
// VI_ATTR_TCPIP_NODELAY's default, so start from [DefaultOptions].
type Options struct {
	// NoDelay sets TCP_NODELAY (VI_ATTR_TCPIP_NODELAY, VISA default true):
	// small writes such as "*IDN?\n" leave at once instead of waiting for
	// Nagle's algorithm.
	NoDelay bool
	// KeepAlive enables TCP keepalive (VI_ATTR_TCPIP_KEEPALIVE, VISA default
	// false) with [KeepAliveIdle], [KeepAliveInterval] and [KeepAliveCount].
	KeepAlive bool
	// BufferSize is the receive buffer size; 0 means DefaultBufferSize.
	BufferSize int
	// Logger receives debug traces; nil is silent.
	Logger *slog.Logger
}

// DefaultOptions returns the VISA defaults for a SOCKET session: NoDelay
// on, keepalive off.
func DefaultOptions() Options {
	return Options{NoDelay: true, BufferSize: DefaultBufferSize}
}

// keepAliveConfig is the configuration applied for KeepAlive = on.
func keepAliveConfig(on bool) net.KeepAliveConfig {
	if !on {
		return net.KeepAliveConfig{Enable: false}
	}
	return net.KeepAliveConfig{
		Enable:   true,
		Idle:     KeepAliveIdle,
		Interval: KeepAliveInterval,
		Count:    KeepAliveCount,
	}
}

// discardLogger is used when no logger is configured, so that call sites
// need no nil checks; its handler drops every record before formatting.
var discardLogger = slog.New(slog.DiscardHandler)

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return discardLogger
	}
	return l
}
