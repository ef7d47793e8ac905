package transport

import (
	"context"
	"time"
)

// Reason says why a Read returned. More than one bit may be set (a read that
// fills the buffer with a termination character as its last byte).
type Reason uint8

const (
	// ReasonEND: the last byte returned carried END (EOI, EOM, DataEnd,
	// the VXI-11 end flag).
	ReasonEND Reason = 1 << iota
	// ReasonTermChar: the last byte returned is the termination character
	// and termination on it was enabled.
	ReasonTermChar
	// ReasonCount: the buffer was filled.
	ReasonCount
)

// Has reports whether all bits of x are set in r.
func (r Reason) Has(x Reason) bool { return r&x == x }

// ReadOptions controls how a message read terminates, following VPP-4.3
// rule 6.1: a read ends on END, on TermChar when TermCharEnabled, or when the
// buffer is full.
type ReadOptions struct {
	TermChar        byte
	TermCharEnabled bool
	// SuppressEND asks transports without a real END indicator (raw sockets,
	// serial) not to treat "no more data right now" as END.
	SuppressEND bool
}

// Conn is a client session to one message-based instrument. Implementations
// need not be safe for concurrent use: the caller serialises operations on
// one Conn. Close may be called concurrently with a blocked operation and
// must unblock it.
type Conn interface {
	// Write sends p. When end is true the last byte carries END (where the
	// protocol has END). It returns the count of bytes the peer accepted.
	Write(ctx context.Context, p []byte, end bool) (int, error)
	// Read reads into p and returns how many bytes it stored and why it
	// stopped. On ErrTimeout the bytes already read are returned with it.
	// Bytes past a termination character stay buffered for the next Read.
	Read(ctx context.Context, p []byte, opt ReadOptions) (int, Reason, error)
	// Close releases the session.
	Close() error
}

// Clearer is implemented by Conns whose protocol has a device clear
// (VXI-11 device_clear, HiSLIP device clear, USBTMC INITIATE_CLEAR, GPIB SDC).
// A Conn without it is cleared by discarding buffered input.
type Clearer interface {
	Clear(ctx context.Context) error
}

// STBReader is implemented by Conns that can read the status byte out of
// band (serial poll, device_readstb, AsyncStatusQuery, READ_STATUS_BYTE).
type STBReader interface {
	ReadSTB(ctx context.Context) (byte, error)
}

// Triggerer is implemented by Conns that can send a trigger (GET,
// device_trigger, HiSLIP Trigger, USB488 TRIGGER).
type Triggerer interface {
	Trigger(ctx context.Context) error
}

// LockType is the kind of lock a session asks for.
type LockType uint8

const (
	LockExclusive LockType = 1 // VI_EXCLUSIVE_LOCK
	LockShared    LockType = 2 // VI_SHARED_LOCK
)

// Locker is implemented by Conns whose protocol carries locks to the device
// (VXI-11 device_lock, HiSLIP AsyncLock). timeout is how long to wait for a
// lock held by another session. For shared locks key is the access key.
type Locker interface {
	Lock(ctx context.Context, typ LockType, key string, timeout time.Duration) error
	Unlock(ctx context.Context) error
}

// RemoteLocal is a VISA remote/local mode (VI_GPIB_REN_*).
type RemoteLocal uint8

const (
	RENDeassert      RemoteLocal = 0 // VI_GPIB_REN_DEASSERT
	RENAssert        RemoteLocal = 1 // VI_GPIB_REN_ASSERT
	RENDeassertGTL   RemoteLocal = 2 // VI_GPIB_REN_DEASSERT_GTL
	RENAssertAddress RemoteLocal = 3 // VI_GPIB_REN_ASSERT_ADDRESS
	RENAssertLLO     RemoteLocal = 4 // VI_GPIB_REN_ASSERT_LLO
	RENAssertAddrLLO RemoteLocal = 5 // VI_GPIB_REN_ASSERT_ADDRESS_LLO
	RENAddressGTL    RemoteLocal = 6 // VI_GPIB_REN_ADDRESS_GTL
)

// RemoteLocalController is implemented by Conns that can change the remote
// state of the device.
type RemoteLocalController interface {
	RemoteLocal(ctx context.Context, mode RemoteLocal) error
}

// SRQNotifier is implemented by Conns that learn of service requests without
// polling. The function is called from a transport goroutine each time the
// device requests service; it must not block. A nil function stops delivery.
type SRQNotifier interface {
	OnSRQ(func())
}
