package vxi11

import (
	"log/slog"
	"net"
	"time"
)

// Client defaults.
const (
	// DefaultLockTimeout is the lock_timeout of create_link with
	// Options.LockOnOpen and of I/O calls when Options.LockTimeout is zero.
	DefaultLockTimeout = 10 * time.Second
	// DefaultReadChunk is the largest requestSize a device_read asks for
	// when Options.MaxReadChunk is zero. It is a trade: each device_read
	// costs a round trip, but a reply that still sits in the CPU caches
	// when the server fills it, the kernel copies it and the client copies
	// it out is copied much faster. 512 KiB measured best on loopback
	// (64 MiB block reads: 256 KiB to 1 MiB all well above 4 MiB).
	DefaultReadChunk = 512 << 10
	// DefaultTimeoutGrace is how long the client waits past its deadline
	// for the server's own io_timeout answer (error 15, with the bytes
	// read so far) before it gives up on the call.
	DefaultTimeoutGrace = time.Second
)

// Options configure Dial. The zero value is usable: the core port comes
// from the portmapper on port 111 of the host.
type Options struct {
	// CorePort, when non-zero, is the core channel's TCP port, and the
	// portmapper is not asked (pyvisa-py's "TCPIP::host,port::INSTR").
	CorePort int
	// PortmapperPort is where the host's portmapper listens (default 111).
	PortmapperPort int
	// LockOnOpen asks create_link to take the device's exclusive lock,
	// waiting up to LockTimeout (VISA viOpen with VI_EXCLUSIVE_LOCK).
	LockOnOpen bool
	// LockTimeout is the lock_timeout sent with create_link and I/O calls
	// (default DefaultLockTimeout). I/O calls do not set waitlock, so a
	// device locked by another link fails them at once with ErrLocked.
	LockTimeout time.Duration
	// MaxReadChunk caps the requestSize of one device_read (default
	// DefaultReadChunk); Read loops until its buffer is full or the read
	// terminates. The RPC layer accepts replies of this size plus headers.
	MaxReadChunk int
	// ClientID is sent in create_link; servers must not act on it.
	ClientID int32
	// TimeoutGrace: see DefaultTimeoutGrace.
	TimeoutGrace time.Duration
	// Dialer dials the core, abort and portmapper connections (nil: a
	// zero net.Dialer).
	Dialer *net.Dialer
	// Logger receives debug traces; nil is silent.
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.PortmapperPort == 0 {
		o.PortmapperPort = 111
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.MaxReadChunk <= 0 {
		o.MaxReadChunk = DefaultReadChunk
	}
	if o.TimeoutGrace <= 0 {
		o.TimeoutGrace = DefaultTimeoutGrace
	}
	if o.Dialer == nil {
		o.Dialer = &net.Dialer{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// ms converts d to a VXI-11 millisecond field, rounding up so that a
// positive duration never becomes 0, and saturating below 0xFFFFFFFF
// (which means "forever").
func ms(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	v := (d + time.Millisecond - 1) / time.Millisecond
	if v >= 0xFFFFFFFF {
		return 0xFFFFFFFE
	}
	return uint32(v)
}
