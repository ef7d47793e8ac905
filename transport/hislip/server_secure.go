package hislip

import (
	"bufio"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"
)

// HiSLIP 2.0 secure connection, server side.
//
// Wire choices and their sources (the IVI-6.1 2.0 text itself was not
// available; see the fact sheet §3.15 and §10 item 1):
//   - InitializeResponse control bit 1 "encryption mandatory", bit 2
//     "initial encryption"; AsyncInitializeResponse bit 0 "secure connection
//     supported": MSL-Equipment hislip.py (citing IVI-6.1 2.0 §6.1 and
//     Table 3) and lxi-rs's security branch agree.
//   - The same two bits in the device-clear feature bitmaps: fact sheet §3.15.
//   - AsyncStartTLS: control = RMT-delivered, parameter = MessageID of the
//     last message the client sent, payload = 4-byte MessageID of the last
//     message it received: MSL-Equipment. A payload of another size is a
//     FatalError 1, as lxi-rs does.
//   - AsyncStartTLSResponse control 0 busy, 1 success, 3 error: MSL-Equipment.
//   - Order: the TLS handshake runs on the asynchronous channel right after
//     a successful AsyncStartTLSResponse, then the client sends StartTLS on
//     the synchronous channel and the handshake runs there right after it:
//     lxi-rs's security branch (commit 45fcb0a, server side) does exactly
//     this; MSL names the transaction "Establish Secure Connection" (§6.15).
//     lxi-rs answers busy when the MessageIDs of AsyncStartTLS do not match
//     the last ones exchanged; we also answer busy while a message is half
//     received or a response is outstanding.
//   - EndTLS mirrors this (AsyncEndTLS, close_notify on the async channel,
//     EndTLS, close_notify on the sync channel); lxi-rs refuses it with
//     FatalError 5 when encryption is mandatory, we answer
//     AsyncEndTLSResponse 3 (error) and keep the session.
//   - SASL messages travel on the synchronous channel (lxi-rs handles them
//     there); the mechanism list is space-separated (MSL splits it on white
//     space); AuthenticationStart carries the mechanism name and the client
//     sends its initial response in an AuthenticationExchange (our choice,
//     RFC 4422 framing); AuthenticationResult bit 0 failed / bit 1 success
//     with an error code in the parameter (MSL-Equipment).
//   - Clear-text data on a server that mandates encryption ends the session
//     with FatalError 5 "secure connection failed"; data or lock requests
//     before a required authentication get the non-fatal Error 5
//     "authentication failed" (the codes of fact sheet §3.14; which of them
//     the 2.0 text prescribes here is our reading).

// tlsHandshakeTimeout bounds each channel's TLS handshake.
const tlsHandshakeTimeout = 10 * time.Second

// secState is the HiSLIP 2.0 security state of a server session.
type secState struct {
	asyncTLS      bool
	syncTLS       bool
	authenticated bool
	mech          string // SASL mechanism of an authentication in progress
}

// secureCapable reports whether sessions of version ver are offered TLS.
func (s *Server) secureCapable(ver uint16) bool {
	return ver >= Version20 && s.TLSConfig != nil
}

// checkSecureConfig reports a configuration that cannot work.
func (s *Server) checkSecureConfig() error {
	if (s.RequireEncryption || s.InitialEncryption) && s.TLSConfig == nil {
		return fmt.Errorf("hislip: RequireEncryption and InitialEncryption need a TLSConfig")
	}
	if s.TLSConfig != nil && len(s.TLSConfig.Certificates) == 0 && s.TLSConfig.GetCertificate == nil && s.TLSConfig.GetConfigForClient == nil {
		return fmt.Errorf("hislip: TLSConfig has no certificate")
	}
	return nil
}

// initRefusal returns why a session of version ver cannot be served, or "".
func (s *Server) initRefusal(ver uint16) string {
	if ver >= Version20 {
		return ""
	}
	if s.RequireEncryption {
		return "encryption is mandatory: HiSLIP 2.0 with TLS required"
	}
	if s.RequireAuthentication {
		return "authentication is required: HiSLIP 2.0 with SASL required"
	}
	return ""
}

// secureFeatureBits returns the 2.0 bits (encryption mandatory, initial
// encryption) of InitializeResponse and of the device-clear bitmaps.
func (s *session) secureFeatureBits() uint8 {
	if !s.srv.secureCapable(s.version) {
		return 0
	}
	var b uint8
	if s.srv.RequireEncryption {
		b |= 2
	}
	if s.srv.InitialEncryption {
		b |= 4
	}
	return b
}

// refusal says whether the session may not use the device yet: fatal when
// encryption is mandatory and the channels are clear text, non-fatal when
// an authentication is required first. text is "" when it may.
func (s *session) refusal() (fatal bool, text string) {
	s.mu.Lock()
	sec := s.sec
	s.mu.Unlock()
	if s.srv.RequireEncryption && !sec.syncTLS {
		return true, "encryption is mandatory: start TLS before using the device"
	}
	if s.srv.RequireAuthentication && !sec.authenticated {
		return false, "authentication required"
	}
	return false, ""
}

// handleSecureSync handles a 2.0 message on the sync channel. It returns
// the reader to continue with (another one after StartTLS), or nil when the
// session ends.
func (s *session) handleSecureSync(br *bufio.Reader, h Header) *bufio.Reader {
	switch h.Type {
	case MsgStartTLS:
		if SkipPayload(br, h.Length) != nil {
			return nil
		}
		return s.startSyncTLS(br)
	case MsgEndTLS:
		if SkipPayload(br, h.Length) != nil {
			return nil
		}
		return s.endSyncTLS(br)
	case MsgGetSaslMechanismList, MsgAuthenticationStart, MsgAuthenticationExchange:
		if h.Length > maxSASLPayload {
			if SkipPayload(br, h.Length) != nil {
				return nil
			}
			if s.writeSync(AppendMessage(nil, MsgError, ErrCodeMessageTooLarge, 0, []byte("SASL payload too large"))) != nil {
				return nil
			}
			return br
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(br, p); err != nil {
			return nil
		}
		if s.sasl(h, p) != nil {
			return nil
		}
		return br
	}
	if h.Type == MsgGetDescriptors {
		if SkipPayload(br, h.Length) != nil {
			return nil
		}
		if s.writeSync(AppendMessage(nil, MsgGetDescriptorsResponse, 0, 0, s.descriptors())) != nil {
			return nil
		}
		return br
	}
	// Server-only types.
	if SkipPayload(br, h.Length) != nil {
		return nil
	}
	if s.writeSync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedType, 0, []byte(h.Type.String()+" not supported"))) != nil {
		return nil
	}
	return br
}

// startSyncTLS runs the server side of the sync channel's TLS handshake,
// which follows StartTLS.
func (s *session) startSyncTLS(br *bufio.Reader) *bufio.Reader {
	if s.srv.TLSConfig == nil {
		if s.writeSync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedType, 0, []byte("secure connection not offered"))) != nil {
			return nil
		}
		return br
	}
	ctx, cancel := context.WithTimeout(s.ctx, tlsHandshakeTimeout)
	defer cancel()
	sec := s.afterAsyncSwitch(ctx)
	if !sec.asyncTLS || sec.syncTLS {
		s.fatal(FatalSecureConnFailed, "StartTLS without a successful AsyncStartTLS")
		return nil
	}
	// syncW keeps the output pump from writing into the handshake.
	s.syncW.Lock()
	tc := tls.Server(&recordConn{Conn: s.syncConn, r: br}, s.srv.TLSConfig)
	err := tc.HandshakeContext(ctx)
	if err == nil {
		s.syncOut = tc
		s.rawSyncBr = br
	}
	s.syncW.Unlock()
	if err != nil {
		s.noteTLSError(err)
		s.debug("hislip: sync TLS handshake", "err", err)
		s.fatal(FatalSecureConnFailed, "TLS handshake failed on the synchronous channel")
		return nil
	}
	s.mu.Lock()
	s.sec.syncTLS = true
	s.mu.Unlock()
	s.debug("hislip: sync channel encrypted", "tls", tls.VersionName(tc.ConnectionState().Version))
	return bufio.NewReaderSize(tc, 64<<10)
}

// handleSecureAsync handles AsyncStartTLS and AsyncEndTLS.
func (s *session) handleSecureAsync(m Message) error {
	if s.srv.TLSConfig == nil {
		return s.writeAsync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedType, 0, []byte("secure connection not offered")))
	}
	if len(m.Payload) != 4 {
		s.fatal(FatalBadHeader, fmt.Sprintf("%v payload must be 4 bytes", m.Type))
		return errSessionEnded
	}
	if m.Type == MsgAsyncEndTLS {
		return s.endAsyncTLS(m)
	}
	s.mu.Lock()
	already := s.sec.asyncTLS
	busy := s.msgOpen || s.queries > 0 || s.respInProgress || m.Param != s.lastClientID
	s.mu.Unlock()
	switch {
	case already:
		return s.writeAsync(AppendMessage(nil, MsgAsyncStartTLSResponse, 3, 0, nil))
	case busy:
		return s.writeAsync(AppendMessage(nil, MsgAsyncStartTLSResponse, 0, 0, nil))
	}
	ctx, cancel := context.WithTimeout(s.ctx, tlsHandshakeTimeout)
	defer cancel()
	hs := make(chan struct{})
	defer close(hs)
	s.mu.Lock()
	s.asyncHS = hs
	s.mu.Unlock()
	// asyncW keeps service requests and lock answers out of the handshake.
	s.asyncW.Lock()
	_, err := s.asyncOut.Write(AppendMessage(nil, MsgAsyncStartTLSResponse, 1, 0, nil))
	var tc *tls.Conn
	if err == nil {
		tc = tls.Server(&recordConn{Conn: s.asyncConn, r: s.abr}, s.srv.TLSConfig)
		if err = tc.HandshakeContext(ctx); err == nil {
			s.asyncOut = tc
			s.rawAbr = s.abr
		}
	}
	s.asyncW.Unlock()
	if err != nil {
		s.noteTLSError(err)
		s.debug("hislip: async TLS handshake", "err", err)
		s.fatal(FatalSecureConnFailed, "TLS handshake failed on the asynchronous channel")
		return errSessionEnded
	}
	s.abr = bufio.NewReaderSize(tc, 4096)
	s.mu.Lock()
	s.sec.asyncTLS = true
	// Set here, not after the sync handshake: the server's side of that
	// may still run when the client, done with its side, already asks
	// for descriptors on this channel.
	s.tlsInfo = tls.VersionName(tc.ConnectionState().Version)
	s.mu.Unlock()
	return nil // hs closes now, after asyncTLS is set
}

// mechanisms lists the SASL mechanisms offered now. PLAIN sends the
// password itself, so it is offered on an encrypted channel only.
func (s *session) mechanisms(syncTLS bool) []string {
	var m []string
	if s.srv.Password != nil {
		m = append(m, MechSCRAMSHA256)
	}
	if (s.srv.Authenticate != nil || s.srv.Password != nil) && syncTLS {
		m = append(m, MechPlain)
	}
	if s.srv.AllowAnonymous {
		m = append(m, MechAnonymous)
	}
	return m
}

// sasl handles GetSaslMechanismList, AuthenticationStart and
// AuthenticationExchange. Credentials are never logged.
func (s *session) sasl(h Header, p []byte) error {
	s.mu.Lock()
	sec := s.sec
	s.mu.Unlock()
	mechs := s.mechanisms(sec.syncTLS)
	switch h.Type {
	case MsgGetSaslMechanismList:
		return s.writeSync(AppendMessage(nil, MsgGetSaslMechanismListResponse, 0, 0, []byte(strings.Join(mechs, " "))))
	case MsgAuthenticationStart:
		mech := strings.ToUpper(strings.TrimRight(string(p), "\x00"))
		if !slices.Contains(mechs, mech) {
			code := AuthCodeUnknownMech
			if mech == MechPlain && (s.srv.Authenticate != nil || s.srv.Password != nil) {
				code = AuthCodeNeedsEncryption
			}
			return s.authResult(false, code)
		}
		s.mu.Lock()
		s.sec.mech = mech
		s.mu.Unlock()
		s.scram = nil
		if mech == MechSCRAMSHA256 {
			s.scram = &scramServer{lookup: s.srv.Password}
		}
		return nil
	}
	// AuthenticationExchange.
	switch sec.mech {
	case MechPlain:
		_, user, pw, ok := parsePlain(p)
		if !ok {
			return s.authResult(false, AuthCodeMalformed)
		}
		return s.authResult(s.checkPlain(user, pw), AuthCodeBadCredentials)
	case MechSCRAMSHA256:
		sc := s.scram
		if sc == nil {
			return s.authResult(false, AuthCodeMalformed)
		}
		if sc.first == "" {
			first, err := sc.start(p)
			if err != nil {
				return s.authResult(false, AuthCodeMalformed)
			}
			return s.writeSync(AppendMessage(nil, MsgAuthenticationExchange, 0, 0, first))
		}
		s.scram = nil
		final, ok := sc.finish(p)
		return s.authResultData(ok, AuthCodeBadCredentials, final)
	case MechAnonymous:
		// RFC 4505 trace information is optional and ignored.
		return s.authResult(true, 0)
	}
	return s.authResult(false, AuthCodeMalformed)
}

// authResult ends an authentication: a failure also revokes an earlier
// success, so a session is never left authenticated by mistake.
func (s *session) authResult(ok bool, code uint32) error {
	return s.authResultData(ok, code, nil)
}

// checkPlain checks PLAIN credentials with Authenticate, else Password.
func (s *session) checkPlain(user, password string) bool {
	if s.srv.Authenticate != nil {
		return s.srv.Authenticate(user, password)
	}
	want, ok := s.srv.Password(user)
	return subtle.ConstantTimeCompare([]byte(want), []byte(password)) == 1 && ok
}

func (s *session) authResultData(ok bool, code uint32, data []byte) error {
	s.scram = nil
	s.mu.Lock()
	mech := s.sec.mech
	s.sec.mech = ""
	s.sec.authenticated = ok
	s.mu.Unlock()
	s.debug("hislip: authentication", "mechanism", mech, "ok", ok, "code", code)
	if ok {
		return s.writeSync(AppendMessage(nil, MsgAuthenticationResult, authResultSuccess, 0, data))
	}
	return s.writeSync(AppendMessage(nil, MsgAuthenticationResult, authResultFailed, code, nil))
}

// afterAsyncSwitch waits until a TLS start or end on the async channel has
// finished on the server's side (the client finishes its side first and
// may already send StartTLS or EndTLS), then returns the security state.
func (s *session) afterAsyncSwitch(ctx context.Context) secState {
	s.mu.Lock()
	hs := s.asyncHS
	s.mu.Unlock()
	if hs != nil {
		select {
		case <-hs:
		case <-ctx.Done():
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sec
}

// closeTLS ends TLS on one channel: close_notify, then everything up to
// the peer's close_notify is read and dropped. The record-exact transport
// (recordConn) leaves the clear-text bytes after it in the raw reader.
// The caller holds the channel's write lock.
func closeTLS(raw net.Conn, tc *tls.Conn, r io.Reader) error {
	err := tc.CloseWrite()
	// crypto/tls leaves a past write deadline behind after close_notify.
	_ = raw.SetWriteDeadline(time.Time{})
	if err != nil {
		return err
	}
	_ = raw.SetReadDeadline(time.Now().Add(tlsHandshakeTimeout))
	defer raw.SetReadDeadline(time.Time{})
	_, err = io.Copy(io.Discard, r)
	return err
}

// endAsyncTLS answers AsyncEndTLS: refused (3) when encryption is
// mandatory or the channel is clear text, busy (0) while sync traffic is
// pending, else the async channel returns to clear text.
func (s *session) endAsyncTLS(m Message) error {
	s.mu.Lock()
	refuse := !s.sec.asyncTLS || s.sec.syncTLS != s.sec.asyncTLS || s.srv.RequireEncryption
	busy := s.msgOpen || s.queries > 0 || s.respInProgress || m.Param != s.lastClientID
	s.mu.Unlock()
	switch {
	case refuse:
		return s.writeAsync(AppendMessage(nil, MsgAsyncEndTLSResponse, 3, 0, nil))
	case busy:
		return s.writeAsync(AppendMessage(nil, MsgAsyncEndTLSResponse, 0, 0, nil))
	}
	hs := make(chan struct{})
	defer close(hs)
	s.mu.Lock()
	s.asyncHS = hs
	s.mu.Unlock()
	s.asyncW.Lock()
	tc, _ := s.asyncOut.(*tls.Conn)
	_, err := s.asyncOut.Write(AppendMessage(nil, MsgAsyncEndTLSResponse, 1, 0, nil))
	if err == nil && tc != nil {
		err = closeTLS(s.asyncConn, tc, s.abr)
	}
	if err == nil {
		s.asyncOut = s.asyncConn
	}
	s.asyncW.Unlock()
	if err != nil {
		s.debug("hislip: async TLS end", "err", err)
		s.fatal(FatalSecureConnFailed, "ending TLS failed on the asynchronous channel")
		return errSessionEnded
	}
	s.abr = s.rawAbr
	s.mu.Lock()
	s.sec.asyncTLS = false
	s.tlsInfo = ""
	s.mu.Unlock()
	return nil
}

// endSyncTLS returns the sync channel to clear text after EndTLS.
func (s *session) endSyncTLS(br *bufio.Reader) *bufio.Reader {
	ctx, cancel := context.WithTimeout(s.ctx, tlsHandshakeTimeout)
	defer cancel()
	sec := s.afterAsyncSwitch(ctx)
	if !sec.syncTLS || sec.asyncTLS {
		s.fatal(FatalSecureConnFailed, "EndTLS without a successful AsyncEndTLS")
		return nil
	}
	s.syncW.Lock()
	tc, _ := s.syncOut.(*tls.Conn)
	var err error
	if tc != nil {
		err = closeTLS(s.syncConn, tc, br)
	}
	if err == nil {
		s.syncOut = s.syncConn
	}
	s.syncW.Unlock()
	if err != nil {
		s.debug("hislip: sync TLS end", "err", err)
		s.fatal(FatalSecureConnFailed, "ending TLS failed on the synchronous channel")
		return nil
	}
	s.mu.Lock()
	s.sec.syncTLS = false
	s.mu.Unlock()
	s.debug("hislip: session back to clear text")
	return s.rawSyncBr
}

func (s *session) noteTLSError(err error) {
	s.mu.Lock()
	s.tlsLastErr = err.Error()
	s.mu.Unlock()
}
