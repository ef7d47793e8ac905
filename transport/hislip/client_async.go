package hislip

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govisa/govisa/transport"
)

// asyncMaxPayload bounds payloads accepted on the async channel; IVI-6.1
// bounds async messages at 272 bytes, some margin is kept for 2.0 messages.
const asyncMaxPayload = 64 << 10

// asyncLoop reads the asynchronous channel: service requests and
// interrupts are handled here, responses go to the waiting request.
func (c *Client) asyncLoop() {
	defer close(c.asyncDone)
	buf := make([]byte, 0, 512)
	for {
		m, err := ReadMessage(c.abr, asyncMaxPayload, buf) // c.abr changes after TLS
		if err != nil {
			var tl *TooLargeError
			if errors.As(err, &tl) {
				if SkipPayload(c.abr, tl.Header.Length) == nil {
					c.asyncWrite(AppendMessage(nil, MsgError, ErrCodeMessageTooLarge, 0, nil))
					continue
				}
			}
			if errors.Is(err, transport.ErrProtocol) {
				c.setFatal(FatalBadHeader, nil, false)
			}
			return
		}
		switch {
		case m.Type == MsgAsyncServiceRequest:
			c.debug("hislip srq", "stb", m.Control)
			if f := c.srq.Load(); f != nil {
				(*f)()
			}
		case m.Type == MsgAsyncInterrupted:
			c.asyncInt.Add(1)
			select {
			case c.intCh <- struct{}{}:
			default:
			}
		case m.Type == MsgFatalError:
			c.setFatal(m.Control, m.Payload, true)
			return
		case m.Type == MsgAsyncStartTLSResponse && m.Control == 1:
			// The server's handshake follows at once: run it before
			// reading anything else from this stream.
			if err := c.upgradeAsync(); err != nil {
				err = c.tlsFailed("async", err)
				c.asyncTLSErr.Store(&err)
				return
			}
			c.deliverAsync(m)
		case m.Type == MsgAsyncEndTLSResponse && m.Control == 1:
			if err := c.downgradeAsync(); err != nil {
				c.setFatal(FatalSecureConnFailed, []byte("ending TLS on the async channel: "+err.Error()), false)
				return
			}
			c.deliverAsync(m)
		case m.Type.VendorSpecific():
			c.asyncWrite(AppendMessage(nil, MsgError, ErrCodeUnrecognizedVend, 0, nil))
		default:
			c.deliverAsync(m)
		}
	}
}

// deliverAsync queues a response for the waiting request.
func (c *Client) deliverAsync(m Message) {
	m.Payload = append([]byte(nil), m.Payload...)
	select {
	case c.respCh <- m:
	default:
		// Nobody is waiting and the queue is full: these can only be
		// answers to abandoned requests.
		select {
		case <-c.respCh:
		default:
		}
		c.respCh <- m
	}
}

func (c *Client) asyncWrite(b []byte) error {
	c.asyncWMu.Lock()
	defer c.asyncWMu.Unlock()
	_, err := c.aw.Write(b)
	return err
}

// asyncCall sends req on the async channel and waits for a response of type
// want (or an Error). Responses owed to requests abandoned earlier are
// skipped by type.
func (c *Client) asyncCall(ctx context.Context, op string, req []byte, want MsgType) (Message, error) {
	c.asyncMu.Lock()
	defer c.asyncMu.Unlock()
	return c.asyncCallLocked(ctx, op, req, want)
}

func (c *Client) asyncCallLocked(ctx context.Context, op string, req []byte, want MsgType) (Message, error) {
	if err := c.checkUsable(op); err != nil {
		return Message{}, err
	}
	if d, ok := ctx.Deadline(); ok {
		_ = c.asyncConn.SetWriteDeadline(d)
	} else {
		_ = c.asyncConn.SetWriteDeadline(time.Time{})
	}
	if err := c.asyncWrite(req); err != nil {
		return Message{}, c.ctxErr(ctx, op, err)
	}
	return c.awaitAsync(ctx, op, want)
}

func (c *Client) awaitAsync(ctx context.Context, op string, want MsgType) (Message, error) {
	for {
		select {
		case m := <-c.respCh:
			if m.Type == MsgError {
				if c.abandoned[want] > 0 {
					c.abandoned[want]--
					continue
				}
				kind := transport.ErrIO
				switch m.Control {
				case ErrCodeUnrecognizedType, ErrCodeUnrecognizedCtrl:
					kind = transport.ErrNotSupported
				case ErrCodeMessageTooLarge:
					kind = transport.ErrTooLarge
				}
				return m, transport.Errorf(op, kind, fmt.Errorf("server Error %d (%s): %q", m.Control, ErrorCodeText(m.Control), m.Payload))
			}
			if m.Type != want {
				continue // stale answer to an abandoned request of another kind
			}
			if c.abandoned[want] > 0 {
				c.abandoned[want]--
				continue
			}
			return m, nil
		case <-ctx.Done():
			c.abandoned[want]++
			return Message{}, transport.NetError(op, ctx.Err())
		case <-c.asyncDone:
			return Message{}, c.ctxErr(ctx, op, errors.New("async channel closed"))
		}
	}
}
