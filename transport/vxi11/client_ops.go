package vxi11

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

// Interface checks.
var (
	_ transport.Conn                  = (*Client)(nil)
	_ transport.Clearer               = (*Client)(nil)
	_ transport.STBReader             = (*Client)(nil)
	_ transport.Triggerer             = (*Client)(nil)
	_ transport.Locker                = (*Client)(nil)
	_ transport.RemoteLocalController = (*Client)(nil)
	_ transport.SRQNotifier           = (*Client)(nil)
)

// generic makes one of the calls that take Device_GenericParms.
func (c *Client) generic(ctx context.Context, op string, proc uint32) (byte, error) {
	io, err := ioTimeout(ctx, op)
	if err != nil {
		return 0, err
	}
	p := DeviceGenericParms{LID: c.lid, LockTimeout: ms(c.opts.LockTimeout), IOTimeout: io}
	if proc == ProcDeviceReadSTB {
		var r DeviceReadSTBResp
		if err := c.do(ctx, op, proc, &p, &r); err != nil {
			return 0, err
		}
		return r.STB, c.result(ctx, op, r.Error)
	}
	var r DeviceError
	if err := c.do(ctx, op, proc, &p, &r); err != nil {
		return 0, err
	}
	return 0, c.result(ctx, op, r.Error)
}

// Clear sends device_clear (a device clear: SDC on a GPIB gateway).
func (c *Client) Clear(ctx context.Context) error {
	_, err := c.generic(ctx, "device_clear", ProcDeviceClear)
	return err
}

// ReadSTB reads the status byte with device_readstb (a serial poll on a
// GPIB gateway).
func (c *Client) ReadSTB(ctx context.Context) (byte, error) {
	return c.generic(ctx, "device_readstb", ProcDeviceReadSTB)
}

// Trigger sends device_trigger (GET).
func (c *Client) Trigger(ctx context.Context) error {
	_, err := c.generic(ctx, "device_trigger", ProcDeviceTrigger)
	return err
}

// RemoteLocal maps the VISA REN modes onto the two calls VXI-11 has:
// device_local for RENDeassert, RENDeassertGTL and RENAddressGTL;
// device_remote for RENAssert, RENAssertAddress and the lockout modes
// (VXI-11's remote state already disables the device's local controls).
func (c *Client) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	switch mode {
	case transport.RENDeassert, transport.RENDeassertGTL, transport.RENAddressGTL:
		_, err := c.generic(ctx, "device_local", ProcDeviceLocal)
		return err
	case transport.RENAssert, transport.RENAssertAddress, transport.RENAssertLLO, transport.RENAssertAddrLLO:
		_, err := c.generic(ctx, "device_remote", ProcDeviceRemote)
		return err
	}
	return transport.Errorf("remote_local", transport.ErrInvalidArg, fmt.Errorf("mode %d", mode))
}

// Lock takes the device's exclusive lock with device_lock, waiting up to
// timeout for another link to release it (0: only if free now; negative:
// as long as ctx allows). VXI-11 has no shared locks: LockShared fails with
// transport.ErrNotSupported. A lock not granted in time gives an error
// wrapping transport.ErrTimeout and transport.ErrLocked; asking again for
// the lock this link holds gives transport.ErrInvalidArg.
func (c *Client) Lock(ctx context.Context, typ transport.LockType, key string, timeout time.Duration) error {
	switch typ {
	case transport.LockExclusive:
	case transport.LockShared:
		return transport.Errorf("device_lock", transport.ErrNotSupported, errors.New("VXI-11 has no shared locks"))
	default:
		return transport.Errorf("device_lock", transport.ErrInvalidArg, fmt.Errorf("lock type %d", typ))
	}
	c.lockMu.Lock()
	held := c.locked
	c.lockMu.Unlock()
	if held {
		return transport.Errorf("device_lock", transport.ErrInvalidArg, transport.ErrLockRedundant)
	}
	p := DeviceLockParms{LID: c.lid}
	if dl, ok := ctx.Deadline(); ok && (timeout < 0 || time.Until(dl) < timeout) {
		timeout = time.Until(dl)
		if timeout <= 0 {
			return transport.Errorf("device_lock", transport.ErrTimeout, context.DeadlineExceeded)
		}
	}
	switch {
	case timeout < 0:
		p.Flags, p.LockTimeout = FlagWaitLock, 0xFFFFFFFE
	case timeout > 0:
		p.Flags, p.LockTimeout = FlagWaitLock, ms(timeout)
	}
	// The server answers within lock_timeout; the call itself is bounded
	// by ctx (and aborted on cancellation like any other).
	var r DeviceError
	if err := c.do(ctx, "device_lock", ProcDeviceLock, &p, &r); err != nil {
		return err
	}
	if r.Error == ErrDeviceLocked {
		return transport.Errorf("device_lock", transport.ErrTimeout, fmt.Errorf("%w: %w", transport.ErrLocked, r.Error))
	}
	if err := c.result(ctx, "device_lock", r.Error); err != nil {
		return err
	}
	c.lockMu.Lock()
	c.locked = true
	c.lockMu.Unlock()
	return nil
}

// Unlock releases the exclusive lock with device_unlock; without it the
// error wraps transport.ErrNotLocked (VXI-11 error 12).
func (c *Client) Unlock(ctx context.Context) error {
	p := DeviceLink{LID: c.lid}
	var r DeviceError
	if err := c.do(ctx, "device_unlock", ProcDeviceUnlock, &p, &r); err != nil {
		return err
	}
	c.lockMu.Lock()
	// Error 12 means the server has no lock for us either way.
	if r.Error == NoError || r.Error == ErrNoLockHeld {
		c.locked = false
	}
	c.lockMu.Unlock()
	return c.result(ctx, "device_unlock", r.Error)
}

// Docmd sends device_docmd, the escape for gateway and interface
// commands (VXI-11.2; see the Docmd* and BusStatus* constants): cmd with
// data of dataSize-byte elements, big-endian when networkOrder. It
// returns data_out. A server or link without the command answers error 8
// (transport.ErrNotSupported), as does a server without the procedure.
func (c *Client) Docmd(ctx context.Context, cmd int32, networkOrder bool, dataSize int32, data []byte) ([]byte, error) {
	io, err := ioTimeout(ctx, "device_docmd")
	if err != nil {
		return nil, err
	}
	p := DeviceDocmdParms{LID: c.lid, IOTimeout: io, LockTimeout: ms(c.opts.LockTimeout),
		Cmd: cmd, NetworkOrder: networkOrder, DataSize: dataSize, DataIn: data}
	var r docmdResult
	if err := c.do(ctx, "device_docmd", ProcDeviceDocmd, &p, &r); err != nil {
		return nil, err
	}
	if err := c.result(ctx, "device_docmd", r.Error); err != nil {
		return nil, err
	}
	return r.DataOut, nil
}

// docmdResult copies data_out, which the RPC layer's buffer only holds
// while decoding.
type docmdResult struct{ DeviceDocmdResp }

func (r *docmdResult) DecodeXDR(d *rpc.Decoder) error {
	if err := r.DeviceDocmdResp.DecodeXDR(d); err != nil {
		return err
	}
	r.DataOut = append([]byte{}, r.DataOut...)
	return nil
}
