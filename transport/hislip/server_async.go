package hislip

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/govisa/govisa/transport"
)

// pyvisaPyVendor is the vendor id pyvisa-py sends in Initialize ("xx").
const pyvisaPyVendor = uint16('x')<<8 | uint16('x')

// serverAsyncMax bounds async payloads: IVI-6.1 caps async messages at
// 272 bytes (a 256-character lock string plus the header); 2.0 messages
// are small too.
const serverAsyncMax = 1024

// serveAsync reads the asynchronous channel until it closes.
func (s *session) serveAsync(br *bufio.Reader) {
	defer s.close()
	defer s.waitLock()
	buf := make([]byte, 0, 512)
	s.abr = br // replaced by its TLS layer after AsyncStartTLS
	for {
		m, err := ReadMessage(s.abr, serverAsyncMax, buf)
		if err != nil {
			var tl *TooLargeError
			if errors.As(err, &tl) {
				if SkipPayload(s.abr, tl.Header.Length) != nil {
					return
				}
				if s.writeAsync(AppendMessage(nil, MsgError, ErrCodeMessageTooLarge, 0, nil)) != nil {
					return
				}
				continue
			}
			if errors.Is(err, transport.ErrProtocol) {
				s.fatal(FatalBadHeader, "poorly formed message header")
			}
			return
		}
		if err := s.handleAsync(m); err != nil {
			return
		}
	}
}

func (s *session) waitLock() {
	s.mu.Lock()
	cancel, done := s.lockCancel, s.lockDone
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// errSessionEnded ends the async loop after the session was closed.
var errSessionEnded = errors.New("hislip: session ended")

func (s *session) handleAsync(m Message) error {
	switch m.Type {
	case MsgAsyncLock, MsgAsyncRemoteLocalControl:
		if fatal, why := s.refusal(); why != "" {
			if fatal {
				s.fatal(FatalSecureConnFailed, why)
				return errSessionEnded
			}
			return s.writeAsync(AppendMessage(nil, MsgError, ErrCodeAuthenticationErr, 0, []byte(why)))
		}
	}
	switch m.Type {
	case MsgAsyncLock:
		return s.asyncLock(m)
	case MsgAsyncLockInfo:
		excl, n := s.dev.locks.Info()
		ctrl := uint8(0)
		if excl {
			ctrl = 1
		}
		return s.writeAsync(AppendMessage(nil, MsgAsyncLockInfoResponse, ctrl, uint32(n), nil))
	case MsgAsyncRemoteLocalControl:
		if !s.dev.remoteLocal(s.ctx, m.Control) {
			return s.writeAsync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedCtrl, 0, []byte("unknown remote/local request")))
		}
		return s.writeAsync(AppendMessage(nil, MsgAsyncRemoteLocalResponse, 0, 0, nil))
	case MsgAsyncMaximumMessageSize:
		if len(m.Payload) != 8 {
			return s.writeAsync(AppendMessage(nil, MsgError, ErrCodeUnidentified, 0, []byte("maximum message size payload must be 8 bytes")))
		}
		s.clientMax.Store(binary.BigEndian.Uint64(m.Payload))
		var pl [8]byte
		binary.BigEndian.PutUint64(pl[:], s.srv.maxMessage())
		return s.writeAsync(AppendMessage(nil, MsgAsyncMaximumMessageSizeResponse, 0, 0, pl[:]))
	case MsgAsyncDeviceClear:
		s.dev.touchRemote()
		s.startClear()
		pref := uint8(0)
		if s.srv.Overlapped {
			pref = 1
		}
		pref |= s.secureFeatureBits()
		return s.writeAsync(AppendMessage(nil, MsgAsyncDeviceClearAcknowledge, pref, 0, nil))
	case MsgAsyncStatusQuery:
		return s.statusQuery(m)
	case MsgFatalError:
		return errors.New("client sent FatalError")
	case MsgError:
		return nil
	case MsgGetDescriptors:
		if s.version >= Version20 {
			// lxi-rs answers it on both channels.
			return s.writeAsync(AppendMessage(nil, MsgGetDescriptorsResponse, 0, 0, s.descriptors()))
		}
	case MsgAsyncStartTLS, MsgAsyncEndTLS:
		if s.version >= Version20 {
			return s.handleSecureAsync(m)
		}
	}
	if m.Type.VendorSpecific() {
		return s.writeAsync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedVend, 0, nil))
	}
	return s.writeAsync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedType, 0, []byte(m.Type.String()+" not expected on the asynchronous channel")))
}

func (s *session) statusQuery(m Message) error {
	s.dev.touchRemote()
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	stb, err := s.dev.dev.ReadSTB(ctx)
	cancel()
	if err != nil {
		s.debug("hislip: device stb", "err", err)
	}
	s.mu.Lock()
	if !s.overlapped && m.Control&1 != 0 {
		s.mavPending, s.rmtExpected = false, false
	}
	mav := s.mavLocked(m.Param, stb)
	if !mav && s.queries > 0 && s.readInFlight() {
		// A response is owed but neither the device nor the server
		// shows it: the reader may hold it between the device's Read and
		// deliver. Cut its read short (a blocked read restarts) and wait
		// until what it read is accounted for.
		cancel, done := s.readCancel, s.readDone
		s.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		// A device that ignores cancellation must not stall the
		// asynchronous channel.
		wctx, wcancel := context.WithTimeout(s.ctx, time.Second)
		waitRead(wctx, done)
		wcancel()
		s.mu.Lock()
		mav = s.mavLocked(m.Param, stb)
	}
	s.mu.Unlock()
	if s.srqUnpolled.Swap(false) {
		stb |= 0x40 // RQS: this client was sent a service request it has not polled yet
	}
	stb &^= 0x10
	if mav {
		stb |= 0x10
	}
	return s.writeAsync(AppendMessage(nil, MsgAsyncStatusResponse, stb, 0, nil))
}

// mavLocked reports the MAV bit for a status query carrying MessageID id,
// given the device's status byte; s.mu must be held.
func (s *session) mavLocked(id uint32, stb byte) bool {
	if s.overlapped {
		// A response still inside the device (not yet pulled by the
		// output goroutine) is available too.
		return s.respInProgress || (s.srvSent && id != s.srvLastSent) || stb&0x10 != 0
	}
	// A query that overtook the last data message (the two channels can
	// reorder) reports MAV false.
	if s.clientVendor == pyvisaPyVendor && id == s.lastClientID+2 {
		// pyvisa-py (through at least 0.8, commit e64efa0) sends the
		// MessageID of its next message, not of its last one: read that
		// as "nothing overtaken", or its viReadSTB never sees MAV.
		id = s.lastClientID
	}
	// A response the device holds for an unanswered query counts as
	// available although the server has not sent it yet: a device raises
	// its MAV service request when it queues the response, and the
	// client's status query may overtake the server's hand-off.
	owed := s.queries > 0 && stb&0x10 != 0
	return (s.mavPending || s.respInProgress || owed) && id == s.lastClientID
}

// readInFlight reports whether a device read started and has not been
// accounted for; s.mu must be held.
func (s *session) readInFlight() bool {
	if s.readDone == nil {
		return false
	}
	select {
	case <-s.readDone:
		return false
	default:
		return true
	}
}

// asyncLock handles AsyncLock: requests wait in their own goroutine so the
// async channel keeps serving status queries and clears meanwhile.
func (s *session) asyncLock(m Message) error {
	switch m.Control {
	case 0:
		typ, err := s.dev.locks.Unlock(s)
		code := uint8(3)
		if err == nil {
			code = uint8(typ) // 1 exclusive, 2 shared released
		}
		return s.writeAsync(AppendMessage(nil, MsgAsyncLockResponse, code, 0, nil))
	case 1:
	default:
		return s.writeAsync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedCtrl, 0, []byte("AsyncLock control must be 0 or 1")))
	}
	s.dev.touchRemote()
	// NI clients were seen appending a NUL to lock strings (lxi-rs strips it).
	key := strings.TrimRight(string(m.Payload), "\x00")
	typ := transport.LockExclusive
	if key != "" {
		typ = transport.LockShared
	}
	timeout := time.Duration(m.Param) * time.Millisecond
	if m.Param == 0xFFFFFFFF {
		timeout = -1
	}
	s.mu.Lock()
	if s.lockDone != nil {
		s.mu.Unlock()
		// A second request while one is pending is an error.
		return s.writeAsync(AppendMessage(nil, MsgAsyncLockResponse, 3, 0, nil))
	}
	ctx, cancel := context.WithCancel(s.ctx)
	done := make(chan struct{})
	s.lockCancel, s.lockDone = cancel, done
	s.mu.Unlock()
	s.srv.wg.Add(1)
	go func() {
		defer s.srv.wg.Done()
		defer close(done)
		err := s.dev.locks.Lock(ctx, s, typ, key, timeout)
		code := uint8(1)
		switch {
		case err == nil:
		case errors.Is(err, transport.ErrInvalidArg):
			code = 3
		default:
			code = 0
		}
		cancel()
		// Clear the pending state and answer under the async write lock,
		// so a device clear cannot acknowledge before this answer and a
		// follow-up request cannot find the request still pending.
		s.asyncW.Lock()
		s.mu.Lock()
		s.lockCancel, s.lockDone = nil, nil
		s.mu.Unlock()
		_, _ = s.asyncOut.Write(AppendMessage(nil, MsgAsyncLockResponse, code, 0, nil))
		s.asyncW.Unlock()
	}()
	return nil
}
