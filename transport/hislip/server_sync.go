package hislip

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/govisa/govisa/transport"
)

// serveSync reads the synchronous channel until it closes.
func (s *session) serveSync(br *bufio.Reader) {
	defer s.close()
	var buf []byte
	maxPayload := s.srv.maxMessage()
	for {
		h, err := ReadHeader(br)
		if err != nil {
			if errors.Is(err, transport.ErrProtocol) {
				s.fatal(FatalBadHeader, "poorly formed message header")
			}
			return
		}
		switch {
		case h.Type == MsgData || h.Type == MsgDataEnd || h.Type == MsgTrigger:
			if !s.hasAsync() {
				s.fatal(FatalNoBothChannels, "data before the asynchronous channel was initialized")
				return
			}
			if h.Length > maxPayload {
				// Rejected before any allocation; the payload is streamed
				// to nowhere.
				if SkipPayload(br, h.Length) != nil {
					return
				}
				if s.writeSync(AppendMessage(nil, MsgError, ErrCodeMessageTooLarge, 0, []byte("message exceeds the maximum message size"))) != nil {
					return
				}
				continue
			}
			if fatal, why := s.refusal(); why != "" {
				if fatal {
					s.fatal(FatalSecureConnFailed, why)
					return
				}
				// Dropped unread: nothing of it reaches the device.
				if SkipPayload(br, h.Length) != nil {
					return
				}
				if s.writeSync(AppendMessage(nil, MsgError, ErrCodeAuthenticationErr, 0, []byte(why))) != nil {
					return
				}
				continue
			}
			if h.Type == MsgTrigger {
				if SkipPayload(br, h.Length) != nil {
					return
				}
				s.handleData(h, nil)
				continue
			}
			if uint64(cap(buf)) < h.Length {
				buf = make([]byte, h.Length)
			}
			p := buf[:h.Length]
			if _, err := io.ReadFull(br, p); err != nil {
				return
			}
			s.handleData(h, p)
		case h.Type == MsgDeviceClearComplete:
			if SkipPayload(br, h.Length) != nil {
				return
			}
			if s.clearComplete(h.Control) != nil {
				return
			}
		case h.Type == MsgFatalError:
			return
		case h.Type == MsgError:
			if SkipPayload(br, h.Length) != nil {
				return
			}
		case h.Type.Is20() && s.version >= Version20:
			if br = s.handleSecureSync(br, h); br == nil {
				return
			}
		case h.Type.VendorSpecific():
			if SkipPayload(br, h.Length) != nil {
				return
			}
			if s.writeSync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedVend, 0, nil)) != nil {
				return
			}
		default:
			// Async-only types on this channel, 2.0 types on a 1.x
			// session, reserved types: non-fatal Error 1.
			if SkipPayload(br, h.Length) != nil {
				return
			}
			if s.writeSync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedType, 0, []byte(h.Type.String()+" not expected on the synchronous channel"))) != nil {
				return
			}
		}
	}
}

// handleData applies the server rules of synchronized mode to one Data,
// DataEnd or Trigger and hands it to the device.
func (s *session) handleData(h Header, p []byte) {
	end := h.Type != MsgData
	s.dev.touchRemote()
	s.mu.Lock()
	if s.clearing {
		s.mu.Unlock()
		return // dropped until DeviceClearComplete
	}
	interrupt := false
	var readDone <-chan struct{}
	if !s.overlapped {
		rmt := h.Control&1 != 0
		if rmt {
			s.mavPending = false
		}
		// RMT-expected either matches (normal) or the client abandoned a
		// response; in both cases it is cleared, and a mismatch needs no
		// message to the client.
		s.rmtExpected = false
		// A new message while a query is unanswered or its response half
		// sent: IEEE 488.2 "query interrupted".
		if !s.msgOpen && (s.queries > 0 || s.respInProgress) {
			interrupt = true
			readDone = s.bumpGen()
			s.queries, s.respInProgress, s.mavPending = 0, false, false
		}
	}
	if h.Type != MsgTrigger && bytes.IndexByte(p, '?') >= 0 {
		s.msgQuery = true
	}
	s.lastClientID = h.Param
	s.msgOpen = !end
	if end {
		if s.msgQuery {
			s.queries++
			s.querySince = time.Now()
		}
		s.msgQuery = false
	}
	ctx := s.opCtx
	s.mu.Unlock()
	waitRead(ctx, readDone)

	if interrupt {
		ie := []byte(nil)
		_ = s.writeSync(AppendMessage(ie, MsgInterrupted, 0, h.Param, nil))
		_ = s.writeAsync(AppendMessage(ie, MsgAsyncInterrupted, 0, h.Param, nil))
	}
	// Non-holders of a lock wait here; their input stays queued in TCP.
	if err := s.dev.locks.WaitAccess(ctx, s); err != nil {
		return
	}
	if err := s.dev.acquire(ctx, s); err != nil {
		return
	}
	if interrupt {
		// Drop the unread response inside the device.
		_ = s.dev.dev.Clear(ctx)
	}
	var err error
	if h.Type == MsgTrigger {
		err = s.dev.dev.Trigger(ctx)
	} else {
		err = s.dev.dev.Write(ctx, p, end)
	}
	if err != nil && ctx.Err() == nil {
		s.debug("hislip: device write", "err", err)
	}
	if end {
		s.dev.released()
		s.mu.Lock()
		query := s.queries > 0 && err == nil
		if !query {
			// Output may still come (a device answering a command
			// without '?'): the pump watches for it.
			s.wantOutput()
		}
		s.mu.Unlock()
		if query {
			s.respondInline()
		}
	}
}

// clearComplete finishes a device clear (DeviceClearComplete) with the
// features the client asked for; both modes are supported.
func (s *session) clearComplete(features uint8) error {
	s.mu.Lock()
	s.overlapped = features&1 != 0
	s.clearing = false
	readDone := s.bumpGen()
	s.lastClientID = firstMessageID - 2
	s.srvNextID, s.srvSent = firstMessageID, false
	s.rmtExpected, s.mavPending, s.respInProgress = false, false, false
	s.queries, s.msgOpen, s.msgQuery = 0, false, false
	s.mu.Unlock()
	// The client's next message may only follow the acknowledgement, so
	// the cancelled read is over before the device can answer it.
	waitRead(s.ctx, readDone)
	ack := features & 1
	ack |= s.secureFeatureBits()
	return s.writeSync(AppendMessage(nil, MsgDeviceClearAcknowledge, ack, 0, nil))
}

// startClear is the server half of AsyncDeviceClear up to the
// acknowledgement.
func (s *session) startClear() {
	s.mu.Lock()
	s.clearing = true
	readDone := s.bumpGen()
	s.opCancel()
	s.opCtx, s.opCancel = context.WithCancel(s.ctx)
	s.rmtExpected, s.mavPending, s.respInProgress = false, false, false
	s.queries, s.msgOpen, s.msgQuery = 0, false, false
	lockCancel, lockDone := s.lockCancel, s.lockDone
	s.mu.Unlock()
	waitRead(s.ctx, readDone)
	// Pending lock requests complete (as failures) before the
	// acknowledgement, without waiting for their timeouts.
	if lockCancel != nil {
		lockCancel()
		<-lockDone
	}
	if s.dev.holderIs(s) {
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		_ = s.dev.dev.Clear(ctx)
		cancel()
	}
	s.dev.released()
}

// waitRead waits for a cancelled device read to return (see bumpGen).
func waitRead(ctx context.Context, done <-chan struct{}) {
	if done == nil {
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
}
