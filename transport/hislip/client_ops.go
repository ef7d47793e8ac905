package hislip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/govisa/govisa/transport"
)

// beforeSend applies the synchronized-mode rules that precede every Data,
// DataEnd or Trigger: buffered response data is discarded (rule 3), and
// after an Interrupted the client waits for the matching AsyncInterrupted
// (rule 4). The wait is bounded: the MessageID check alone already keeps
// stale data out, the wait only avoids a pointless race.
func (c *Client) beforeSend(ctx context.Context) {
	if c.overlapped {
		return
	}
	c.rd.discardCurrent()
	if c.syncInt <= c.asyncInt.Load() {
		return
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	for c.syncInt > c.asyncInt.Load() {
		select {
		case <-c.intCh:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		case <-c.asyncDone:
			return
		}
	}
}

// rmtBit returns the RMT-delivered control bit and clears the flag: it is
// reported once, on the first message after a response was delivered.
func (c *Client) rmtBit() uint8 {
	if c.rmtDelivered {
		c.rmtDelivered = false
		return 1
	}
	return 0
}

// sendSync sends one Data, DataEnd or Trigger and consumes a MessageID.
// written reports whether any byte reached the socket.
func (c *Client) sendSync(typ MsgType, payload []byte) (written bool, err error) {
	id := c.nextID
	h := Header{Type: typ, Control: c.rmtBit(), Param: id, Length: uint64(len(payload))}
	c.lastSentID = id
	c.nextID += 2
	if len(payload) <= 32<<10 {
		c.wbuf = append(h.Append(c.wbuf[:0]), payload...)
		n, err := c.syncOut.Write(c.wbuf)
		return n > 0, err
	}
	var hb [HeaderSize]byte
	h.Put(hb[:])
	bufs := net.Buffers{hb[:], payload}
	n, err := bufs.WriteTo(c.syncOut)
	return n > 0, err
}

func (c *Client) prepareSync(ctx context.Context, op string) error {
	if err := c.checkUsable(op); err != nil {
		return err
	}
	if c.needClear {
		if err := c.clear(ctx, c.overlapped); err != nil {
			return err
		}
	}
	c.beforeSend(ctx)
	return nil
}

// writeFailed classifies a failed send. A message cut in the middle leaves
// the stream unframed, so the session is closed as broken.
func (c *Client) writeFailed(ctx context.Context, op string, written bool, err error) error {
	if written {
		return c.setFatal(FatalUnidentified, []byte(op+" interrupted in the middle of a message: "+err.Error()), false)
	}
	return c.ctxErr(ctx, op, err)
}

// Write implements [transport.Conn]. p is split into Data messages that
// fit the server's maximum message size (header included, the conservative
// reading of IVI-6.1 §3.5); with end the last one is a DataEnd.
func (c *Client) Write(ctx context.Context, p []byte, end bool) (int, error) {
	if err := c.prepareSync(ctx, "write"); err != nil {
		return 0, err
	}
	if len(p) == 0 && !end {
		return 0, nil
	}
	maxPayload := 1
	if c.serverMax > HeaderSize+1 {
		maxPayload = int(min(c.serverMax-HeaderSize, 1<<30))
	}
	if err := c.armSync(ctx); err != nil {
		return 0, c.ctxErr(ctx, "write", err)
	}
	sent := 0
	for first := true; first || sent < len(p); first = false {
		chunk := min(len(p)-sent, maxPayload)
		typ := MsgData
		if end && sent+chunk == len(p) {
			typ = MsgDataEnd
		}
		written, err := c.sendSync(typ, p[sent:sent+chunk])
		if err != nil {
			return sent, c.writeFailed(ctx, "write", written, err)
		}
		sent += chunk
	}
	c.openMsg = !end
	return sent, nil
}

// Trigger implements [transport.Triggerer] with the Trigger message, which
// consumes a MessageID like a DataEnd.
func (c *Client) Trigger(ctx context.Context) error {
	if err := c.prepareSync(ctx, "trigger"); err != nil {
		return err
	}
	if err := c.armSync(ctx); err != nil {
		return c.ctxErr(ctx, "trigger", err)
	}
	if written, err := c.sendSync(MsgTrigger, nil); err != nil {
		return c.writeFailed(ctx, "trigger", written, err)
	}
	return nil
}

// Clear implements [transport.Clearer] with the full device-clear
// transaction of IVI-6.1 §6.12, keeping the current mode.
func (c *Client) Clear(ctx context.Context) error { return c.clear(ctx, c.overlapped) }

// SetOverlapped switches between overlapped and synchronized mode with a
// device clear requesting that feature. It reports an error wrapping
// [transport.ErrNotSupported] when the server does not offer the mode.
func (c *Client) SetOverlapped(ctx context.Context, on bool) error {
	if err := c.clear(ctx, on); err != nil {
		return err
	}
	if c.overlapped != on {
		return transport.Errorf("set overlapped", transport.ErrNotSupported, errors.New("server kept the other mode"))
	}
	return nil
}

func (c *Client) clear(ctx context.Context, overlapped bool) error {
	if err := c.checkUsable("clear"); err != nil {
		return err
	}
	c.asyncMu.Lock()
	defer c.asyncMu.Unlock()
	// Until the transaction finishes, the session needs another clear.
	c.needClear = true
	ack, err := c.asyncCallLocked(ctx, "clear", AppendMessage(nil, MsgAsyncDeviceClear, 0, 0, nil), MsgAsyncDeviceClearAcknowledge)
	if err != nil {
		return err
	}
	// The server completes pending async transactions before the
	// acknowledgement, so nothing is owed any more.
	clear(c.abandoned)
	features := ack.Control &^ 1
	if overlapped {
		features |= 1
	}
	if err := c.armSync(ctx); err != nil {
		return c.ctxErr(ctx, "clear", err)
	}
	c.rd.reset()
	c.wbuf = AppendMessage(c.wbuf[:0], MsgDeviceClearComplete, features, 0, nil)
	if _, err := c.syncOut.Write(c.wbuf); err != nil {
		return c.ctxErr(ctx, "clear", err)
	}
	for {
		if err := c.rd.doSkip(); err != nil {
			return c.ctxErr(ctx, "clear", err)
		}
		h, err := c.rd.readHeader()
		if err != nil {
			if _, ok := err.(*transport.Error); ok {
				return c.setFatal(FatalBadHeader, nil, false)
			}
			return c.ctxErr(ctx, "clear", err)
		}
		if h.Type == MsgFatalError {
			text, _ := c.rd.readSmall(h.Length)
			return c.setFatal(h.Control, text, true)
		}
		c.rd.skip = h.Length
		if h.Type == MsgDeviceClearAcknowledge {
			if err := c.rd.doSkip(); err != nil {
				return c.ctxErr(ctx, "clear", err)
			}
			c.overlapped = h.Control&1 != 0
			break
		}
	}
	c.resetIDs()
	select {
	case <-c.intCh:
	default:
	}
	c.needClear, c.openMsg = false, false
	return nil
}

// ReadSTB implements [transport.STBReader] with AsyncStatusQuery.
func (c *Client) ReadSTB(ctx context.Context) (byte, error) {
	param := c.lastSentID
	if c.overlapped {
		param = c.lastServerID
	}
	ctrl := uint8(0)
	if c.rmtDelivered {
		ctrl = 1
	}
	m, err := c.asyncCall(ctx, "read stb", AppendMessage(nil, MsgAsyncStatusQuery, ctrl, param, nil), MsgAsyncStatusResponse)
	if err != nil {
		return 0, err
	}
	if ctrl == 1 {
		c.rmtDelivered = false
	}
	return m.Control, nil
}

// RemoteLocal implements [transport.RemoteLocalController] with
// AsyncRemoteLocalControl; the seven VISA modes map one to one onto the
// HiSLIP request codes 0-6.
func (c *Client) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	if mode > transport.RENAddressGTL {
		return transport.Errorf("remote/local", transport.ErrInvalidArg, fmt.Errorf("mode %d", mode))
	}
	_, err := c.asyncCall(ctx, "remote/local", AppendMessage(nil, MsgAsyncRemoteLocalControl, uint8(mode), c.lastSentID, nil), MsgAsyncRemoteLocalResponse)
	return err
}

// maxLockString is the VISA access-key limit (VI_FIND_BUFLEN).
const maxLockString = 256

// Lock implements [transport.Locker] with AsyncLock. timeout is sent to the
// server (in ms, 0 = only if free now, negative = as long as ctx allows);
// the caller's ctx also bounds the wait. A lock not granted in time gives an
// error wrapping [transport.ErrTimeout] and [transport.ErrLocked]; asking
// again for a lock the session holds gives [transport.ErrInvalidArg].
func (c *Client) Lock(ctx context.Context, typ transport.LockType, key string, timeout time.Duration) error {
	var payload []byte
	switch typ {
	case transport.LockExclusive:
	case transport.LockShared:
		if key == "" {
			return transport.Errorf("lock", transport.ErrInvalidArg, errors.New("a shared lock needs a non-empty access key"))
		}
		if len(key) > maxLockString {
			return transport.Errorf("lock", transport.ErrInvalidArg, errors.New("access key longer than 256 characters"))
		}
		payload = []byte(key)
	default:
		return transport.Errorf("lock", transport.ErrInvalidArg, fmt.Errorf("lock type %d", typ))
	}
	ms := uint32(0xFFFFFFFF)
	if timeout >= 0 {
		ms = uint32(min(timeout.Milliseconds(), 0xFFFFFFFE))
	}
	m, err := c.asyncCall(ctx, "lock", AppendMessage(nil, MsgAsyncLock, 1, ms, payload), MsgAsyncLockResponse)
	if err != nil {
		return err
	}
	switch m.Control {
	case 1:
		if typ == transport.LockExclusive || c.lockHeld == 0 {
			c.lockHeld = typ
		}
		return nil
	case 0:
		return transport.Errorf("lock", transport.ErrTimeout, fmt.Errorf("%w by another session", transport.ErrLocked))
	default:
		return transport.Errorf("lock", transport.ErrInvalidArg, errors.New("server refused the request (lock already held by this session?)"))
	}
}

// Unlock implements [transport.Locker]: it releases the exclusive lock if
// the session holds one, else its shared lock.
func (c *Client) Unlock(ctx context.Context) error {
	m, err := c.asyncCall(ctx, "unlock", AppendMessage(nil, MsgAsyncLock, 0, c.lastSentID, nil), MsgAsyncLockResponse)
	if err != nil {
		return err
	}
	switch m.Control {
	case 1, 2:
		c.lockHeld = 0
		return nil
	default:
		return transport.Errorf("unlock", transport.ErrNotLocked, nil)
	}
}

// LockInfo asks the server (AsyncLockInfo) whether an exclusive lock is
// granted and how many clients hold a lock.
func (c *Client) LockInfo(ctx context.Context) (exclusive bool, holders uint32, err error) {
	m, err := c.asyncCall(ctx, "lock info", AppendMessage(nil, MsgAsyncLockInfo, 0, 0, nil), MsgAsyncLockInfoResponse)
	if err != nil {
		return false, 0, err
	}
	return m.Control == 1, m.Param, nil
}
