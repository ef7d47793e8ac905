package rpc

import (
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/govisa/govisa/transport"
)

// Reading replies on a stream: the reader token.
//
// There is no reader goroutine. Of the callers waiting for a reply, one
// holds the reader token (c.reading) and reads records from the
// connection; a reply to another call is decoded for that caller and sent
// to it, and when the holder's own reply comes it gives the token up and
// returns. With one call at a time, which is how instruments are driven,
// the caller thus reads its own reply: no goroutine hand-off, no channel.
//
// Hand-over: whoever frees the token (its holder, or a caller leaving with
// a hand-over it will not use) wakes one pending call through its wake
// channel; that caller then takes the token if it is still free. Every
// pending call is a live caller that will look at the token before
// blocking, so a reply never goes unread while someone waits for it.
//
// Escort: a large message may take long to write when the server does not
// read, and a server may stop reading while it writes a reply that nobody
// reads: the reply to a call that was abandoned, or to one whose caller is
// still writing. Both sides would then wait for each other. So while a
// message larger than escortSize is being written and no caller waits to
// take the token, an escort goroutine holds it and reads, handing replies
// to their callers, until no large write is left.
//
// A holder whose context ends stops reading at once (its deadline is the
// connection's read deadline; a cancellation sets a past one); the record
// reader keeps a record that was interrupted half-way, and the next holder
// carries on with it.

// waitStream waits for the reply to xid (pending as p), reading the
// connection when nobody else does.
func (c *Client) waitStream(ctx context.Context, xid uint32, p *pendingCall) error {
	for {
		c.mu.Lock()
		if c.err == nil && !c.reading {
			c.reading = true
			p.waiting = false
			c.mu.Unlock()
			return c.readReplies(ctx, xid, p)
		}
		p.waiting = true
		c.mu.Unlock()
		select {
		case err := <-p.done:
			c.release(p)
			return err
		case <-p.wake:
		case <-ctx.Done():
			return c.abandon(xid, p, transport.NetError("rpc call", ctxEnded(ctx)))
		}
	}
}

// escortSize is the message size from which a write is escorted: smaller
// ones fit in the socket buffers of both ends.
const escortSize = 64 << 10

// wakeOneLocked offers the free reader token to one waiting call. Calls
// that are not waiting yet look at the token when they come to wait. With
// nobody waiting and a large write in progress, it starts the escort.
func (c *Client) wakeOneLocked() {
	if c.reading || c.err != nil {
		return
	}
	for _, q := range c.pending {
		if q.waiting {
			select {
			case q.wake <- struct{}{}:
			default:
			}
			return
		}
	}
	if c.bigWriters > 0 {
		c.reading = true
		go c.escort()
	}
}

// escort holds the reader token while large writes are in progress and
// no caller waits to read (see the comment at the top of this file). It leaves
// after the first reply that comes once they are over, or when the
// connection fails.
func (c *Client) escort() {
	for {
		err := c.armRead(context.Background())
		var rec []byte
		if err == nil {
			rec, err = c.rr.ReadRecord()
		}
		if err != nil {
			if isTimeout(err) && c.terminalErr() == nil {
				continue // a late callback of a holder's context
			}
			c.fail(readErr(err))
			c.mu.Lock()
			c.reading = false
			c.mu.Unlock()
			return
		}
		c.route(rec, nil)
		c.mu.Lock()
		if c.bigWriters == 0 {
			c.reading = false
			c.wakeOneLocked()
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}

// readReplies reads as the token holder until the reply to xid comes, the
// call's context ends or the connection fails.
func (c *Client) readReplies(ctx context.Context, xid uint32, p *pendingCall) error {
	for {
		err := c.armRead(ctx)
		var rec []byte
		if err == nil {
			rec, err = c.rr.ReadRecord()
		} else {
			err = transport.NetError("rpc call", err)
		}
		if err != nil {
			if cerr := ctxEnded(ctx); cerr != nil && (isTimeout(err) || errors.Is(err, transport.ErrTimeout) || errors.Is(err, transport.ErrAborted)) {
				// This call is over; the stream is intact (the record
				// reader resumes where it stopped) for the next holder.
				c.rwatch.Disarm()
				c.mu.Lock()
				_, mine := c.pending[xid]
				delete(c.pending, xid)
				c.reading = false
				c.wakeOneLocked()
				c.mu.Unlock()
				if mine {
					c.release(p)
					return transport.NetError("rpc call", cerr)
				}
				// Close or a failure took the call meanwhile.
				return c.abandon(xid, p, nil)
			}
			if isTimeout(err) && c.terminalErr() == nil {
				// A late cancellation callback of an earlier context:
				// not for this call.
				continue
			}
			c.fail(readErr(err))
			c.rwatch.Disarm()
			c.mu.Lock()
			c.reading = false
			c.mu.Unlock()
			return c.abandon(xid, p, nil)
		}
		if done, err := c.route(rec, p); done {
			return err
		}
	}
}

// route decodes one reply read by the token holder (whose call is pending
// as p; nil for the escort). A reply to another call is handed to its
// caller; the holder's own ends its wait: route then frees the token and
// returns done.
func (c *Client) route(rec []byte, p *pendingCall) (done bool, err error) {
	d := &c.d
	d.Reset(rec)
	rx, t, err := DecodeMessageHead(d)
	if err != nil || t != Reply {
		c.logger().Debug("rpc client: dropped a message that is not a reply", "len", len(rec))
		return false, nil
	}
	c.mu.Lock()
	q := c.pending[rx]
	delete(c.pending, rx)
	c.mu.Unlock()
	if q == nil {
		c.logger().Debug("rpc client: dropped a reply nobody waits for", "xid", rx)
		return false, nil
	}
	// Decoded before the token is given up: rec is the record reader's
	// buffer, which the next holder reuses.
	res := decodeReply(d, q.res)
	if q != p {
		q.done <- res
		return false, nil
	}
	c.rwatch.Disarm()
	c.mu.Lock()
	c.reading = false
	c.wakeOneLocked()
	c.mu.Unlock()
	c.release(p)
	return true, res
}

// readLoop is the reader goroutine of a datagram client.
func (c *Client) readLoop() {
	defer close(c.done)
	buf := make([]byte, min(c.cfg.maxRecord, 65535))
	d := new(Decoder)
	for {
		n, err := c.conn.Read(buf)
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) {
				// ICMP port unreachable: nobody listens there now. The
				// socket stays usable; the calls in flight fail.
				c.failPending(transport.Errorf("rpc call", transport.ErrConnLost, err))
				continue
			}
			c.fail(readErr(err))
			return
		}
		c.dispatch(d, buf[:n])
	}
}

func readErr(err error) error {
	if errors.Is(err, transport.ErrTooLarge) {
		return err
	}
	if errors.Is(err, net.ErrClosed) {
		return transport.Errorf("rpc", transport.ErrClosed, err)
	}
	return transport.Errorf("rpc", transport.ErrConnLost, err)
}

// dispatch hands one datagram reply to its caller.
// d is the reader goroutine's own decoder, reused for every reply.
func (c *Client) dispatch(d *Decoder, msg []byte) {
	d.Reset(msg)
	xid, t, err := DecodeMessageHead(d)
	if err != nil || t != Reply {
		c.logger().Debug("rpc client: dropped a message that is not a reply", "len", len(msg))
		return
	}
	c.mu.Lock()
	p := c.pending[xid]
	delete(c.pending, xid)
	c.mu.Unlock()
	if p == nil {
		c.logger().Debug("rpc client: dropped a reply nobody waits for", "xid", xid)
		return
	}
	p.done <- decodeReply(d, p.res)
}
