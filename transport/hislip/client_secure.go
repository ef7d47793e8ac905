package hislip

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/govisa/govisa/transport"
)

// HiSLIP 2.0 secure connection, client side. The wire choices and their
// sources are listed in server_secure.go.

// serverError turns a non-fatal Error from the server into a Go error;
// code 5 also wraps ErrAuthentication.
func serverError(op string, code uint8, text []byte) error {
	cause := fmt.Errorf("server Error %d (%s): %q", code, ErrorCodeText(code), text)
	if code == ErrCodeAuthenticationErr {
		return transport.Errorf(op, transport.ErrAuthentication, cause)
	}
	return transport.Errorf(op, transport.ErrIO, cause)
}

// secureAfterInit runs the 2.0 secure-connection steps the options and the
// server ask for: TLS, then SASL.
func (c *Client) secureAfterInit(ctx context.Context) error {
	if c.cfg.useTLS || c.encMandatory || c.initialEnc {
		if !c.secureCap {
			return transport.Errorf("start tls", transport.ErrNotSupported,
				fmt.Errorf("server does not offer HiSLIP 2.0 secure connections (negotiated version %#04x)", c.version))
		}
		if err := c.startTLS(ctx); err != nil {
			return err
		}
	}
	if c.cfg.user != "" || c.cfg.anonymous {
		if err := c.authenticate(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) clientTLSConfig() *tls.Config {
	var cfg *tls.Config
	if c.cfg.tls != nil {
		cfg = c.cfg.tls.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		if host, _, err := net.SplitHostPort(c.addr); err == nil {
			cfg.ServerName = host
		}
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// StartTLS encrypts an open session (HiSLIP 2.0 secure connection) with
// the TLS configuration of [WithTLS] (or the defaults). Dial calls it when
// the options or the server ask for TLS; call it yourself to encrypt later.
func (c *Client) StartTLS(ctx context.Context) error {
	if err := c.checkUsable("start tls"); err != nil {
		return err
	}
	if !c.secureCap {
		return transport.Errorf("start tls", transport.ErrNotSupported, errors.New("server does not offer HiSLIP 2.0 secure connections"))
	}
	if c.Encrypted() {
		return nil
	}
	return c.startTLS(ctx)
}

// EndTLS returns an encrypted session to clear text (AsyncEndTLS, EndTLS).
// A server that mandates encryption refuses: the error wraps
// [transport.ErrNotSupported] and the session stays encrypted.
func (c *Client) EndTLS(ctx context.Context) error {
	const op = "end tls"
	if err := c.checkUsable(op); err != nil {
		return err
	}
	if !c.Encrypted() {
		return nil
	}
	c.hsCtx.Store(&ctx)
	defer c.hsCtx.Store(nil)
	for {
		var pl [4]byte
		binary.BigEndian.PutUint32(pl[:], c.lastServerID)
		ctrl := uint8(0)
		if c.rmtDelivered {
			ctrl = 1
		}
		m, err := c.asyncCall(ctx, op, AppendMessage(nil, MsgAsyncEndTLS, ctrl, c.lastSentID, pl[:]), MsgAsyncEndTLSResponse)
		if err != nil {
			return err
		}
		if m.Control == 1 {
			break
		}
		if m.Control != 0 {
			return transport.Errorf(op, transport.ErrNotSupported, fmt.Errorf("server refused AsyncEndTLS (control %d): encryption mandatory?", m.Control))
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return transport.NetError(op, err)
		}
	}
	if c.asyncTLS.Load() != nil {
		return c.setFatal(FatalSecureConnFailed, []byte("ending TLS on the async channel failed"), false)
	}
	if err := c.armSync(ctx); err != nil {
		return c.ctxErr(ctx, op, err)
	}
	if _, err := c.syncOut.Write(AppendMessage(nil, MsgEndTLS, 0, 0, nil)); err != nil {
		return c.setFatal(FatalSecureConnFailed, []byte("EndTLS: "+err.Error()), false)
	}
	err := c.syncTLS.CloseWrite()
	// crypto/tls leaves a past write deadline behind after close_notify:
	// let the watcher set the deadlines afresh.
	c.sw.Forget()
	if err := c.armSync(ctx); err != nil {
		return c.ctxErr(ctx, op, err)
	}
	if err != nil {
		return c.setFatal(FatalSecureConnFailed, []byte("EndTLS: "+err.Error()), false)
	}
	// Up to the server's close_notify; recordConn leaves what follows in
	// the clear-text reader.
	if _, err := io.Copy(io.Discard, c.br); err != nil {
		return c.setFatal(FatalSecureConnFailed, []byte("EndTLS: "+err.Error()), false)
	}
	c.syncTLS = nil
	c.syncOut = c.syncConn
	c.br = c.rawBr
	c.rd.br = c.br
	c.debug("hislip: session back to clear text")
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// downgradeAsync is called by the async reader right after a successful
// AsyncEndTLSResponse: both sides send close_notify and read up to the
// other's, then the channel is clear text again.
func (c *Client) downgradeAsync() error {
	tc := c.asyncTLS.Load()
	if tc == nil {
		return errors.New("async channel is not encrypted")
	}
	c.asyncWMu.Lock()
	defer c.asyncWMu.Unlock()
	err := tc.CloseWrite()
	// crypto/tls leaves a past write deadline behind after close_notify.
	_ = c.asyncConn.SetWriteDeadline(time.Time{})
	if err != nil {
		return err
	}
	d := time.Now().Add(tlsHandshakeTimeout)
	if p := c.hsCtx.Load(); p != nil {
		if cd, ok := (*p).Deadline(); ok {
			d = cd
		}
	}
	_ = c.asyncConn.SetReadDeadline(d)
	_, err = io.Copy(io.Discard, c.abr)
	_ = c.asyncConn.SetReadDeadline(time.Time{})
	if err != nil {
		return err
	}
	c.aw = c.asyncConn
	c.abr = c.rawAbr
	c.asyncTLS.Store(nil)
	return nil
}

// startTLS runs the secure connection transaction: AsyncStartTLS (retried
// while the server answers busy), the handshake on the async channel (done
// by the async reader, which owns that stream), StartTLS and the handshake
// on the sync channel.
func (c *Client) startTLS(ctx context.Context) error {
	c.hsCtx.Store(&ctx)
	defer c.hsCtx.Store(nil)
	for {
		var pl [4]byte
		binary.BigEndian.PutUint32(pl[:], c.lastServerID)
		ctrl := uint8(0)
		if c.rmtDelivered {
			ctrl = 1
		}
		m, err := c.asyncCall(ctx, "start tls", AppendMessage(nil, MsgAsyncStartTLS, ctrl, c.lastSentID, pl[:]), MsgAsyncStartTLSResponse)
		if err != nil {
			if p := c.asyncTLSErr.Load(); p != nil {
				return *p // with the handshake's own error inside
			}
			return err
		}
		if m.Control == 1 {
			break
		}
		if m.Control != 0 {
			return transport.Errorf("start tls", transport.ErrProtocol, fmt.Errorf("server refused AsyncStartTLS (control %d)", m.Control))
		}
		// Busy: sync traffic is still pending on the server.
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return transport.NetError("start tls", err)
		}
	}
	if c.asyncTLS.Load() == nil {
		return c.setFatal(FatalSecureConnFailed, []byte("async TLS handshake failed"), false)
	}
	if err := c.armSync(ctx); err != nil {
		return c.ctxErr(ctx, "start tls", err)
	}
	if _, err := c.syncOut.Write(AppendMessage(nil, MsgStartTLS, 0, 0, nil)); err != nil {
		return c.ctxErr(ctx, "start tls", err)
	}
	tc := tls.Client(&recordConn{Conn: c.syncConn, r: c.br}, c.clientTLSConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		return c.tlsFailed("sync", err)
	}
	c.syncTLS = tc
	c.syncOut = tc
	c.rawBr = c.br
	c.br = bufio.NewReaderSize(tc, 64<<10)
	c.rd.br = c.br
	c.debug("hislip: session encrypted", "tls", tls.VersionName(tc.ConnectionState().Version))
	return nil
}

// tlsFailed ends the session after a failed handshake: the stream is in an
// unknown state. A verification failure stays visible through errors.As.
func (c *Client) tlsFailed(channel string, err error) error {
	fe := c.setFatal(FatalSecureConnFailed, []byte(channel+" channel TLS handshake: "+err.Error()), false)
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) {
		// The session is lost too, but what the user must fix is trust.
		return transport.Errorf("start tls", transport.ErrAuthentication, fmt.Errorf("%w (%w: %w)", err, transport.ErrConnLost, fe))
	}
	return transport.Errorf("start tls", transport.ErrConnLost, fmt.Errorf("%w (%w)", err, fe))
}

// upgradeAsync is called by the async reader right after a successful
// AsyncStartTLSResponse: the server's handshake bytes follow it.
func (c *Client) upgradeAsync() error {
	ctx := context.Background()
	if p := c.hsCtx.Load(); p != nil {
		ctx = *p
	}
	c.asyncWMu.Lock()
	defer c.asyncWMu.Unlock()
	tc := tls.Client(&recordConn{Conn: c.asyncConn, r: c.abr}, c.clientTLSConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		return err
	}
	c.aw = tc
	c.rawAbr = c.abr
	c.abr = bufio.NewReaderSize(tc, 4096)
	c.asyncTLS.Store(tc)
	return nil
}

// Encrypted reports whether both channels run TLS.
func (c *Client) Encrypted() bool { return c.syncTLS != nil }

// TLSConnectionState returns the TLS state of the synchronous channel; ok
// is false when the session is not encrypted.
func (c *Client) TLSConnectionState() (state tls.ConnectionState, ok bool) {
	if c.syncTLS == nil {
		return tls.ConnectionState{}, false
	}
	return c.syncTLS.ConnectionState(), true
}

// Authenticated reports whether a SASL authentication succeeded.
func (c *Client) Authenticated() bool { return c.authed }

// syncControl sends msg (if any) on the sync channel and returns the next
// message of one of the wanted types; Data is not expected here and is
// skipped. Used only while no response is pending (session opening).
func (c *Client) syncControl(ctx context.Context, op string, msg []byte, want ...MsgType) (Header, []byte, error) {
	if err := c.armSync(ctx); err != nil {
		return Header{}, nil, c.ctxErr(ctx, op, err)
	}
	if msg != nil {
		if _, err := c.syncOut.Write(msg); err != nil {
			return Header{}, nil, c.ctxErr(ctx, op, err)
		}
	}
	for {
		if err := c.rd.doSkip(); err != nil {
			return Header{}, nil, c.ctxErr(ctx, op, err)
		}
		h, err := c.rd.readHeader()
		if err != nil {
			var te *transport.Error
			if errors.As(err, &te) {
				return Header{}, nil, c.setFatal(FatalBadHeader, nil, false)
			}
			return Header{}, nil, c.ctxErr(ctx, op, err)
		}
		switch {
		case h.Type == MsgFatalError:
			text, _ := c.rd.readSmall(h.Length)
			return h, nil, c.setFatal(h.Control, text, true)
		case h.Type == MsgError:
			text, err := c.rd.readSmall(h.Length)
			if err != nil {
				return h, nil, c.ctxErr(ctx, op, err)
			}
			return h, nil, serverError(op, h.Control, text)
		case slices.Contains(want, h.Type):
			p, err := c.rd.readSmall(h.Length)
			if err != nil {
				return h, nil, c.ctxErr(ctx, op, err)
			}
			return h, p, nil
		}
		c.rd.skip = h.Length
	}
}

// authenticate runs a SASL authentication on the sync channel: with
// credentials SCRAM-SHA-256 when offered, else PLAIN (over TLS only);
// without, ANONYMOUS. Credentials are never logged.
func (c *Client) authenticate(ctx context.Context) error {
	const op = "authenticate"
	if c.version < Version20 {
		return transport.Errorf(op, transport.ErrNotSupported, fmt.Errorf("SASL needs HiSLIP 2.0, negotiated %#04x", c.version))
	}
	_, list, err := c.syncControl(ctx, op, AppendMessage(nil, MsgGetSaslMechanismList, 0, 0, nil), MsgGetSaslMechanismListResponse)
	if err != nil {
		return err
	}
	offered := parseMechanisms(list)
	mech := MechAnonymous
	var initial []byte
	var scram *scramClient
	switch {
	case c.cfg.user == "":
	case slices.Contains(offered, MechSCRAMSHA256):
		mech = MechSCRAMSHA256
		scram = &scramClient{user: c.cfg.user, password: c.cfg.password}
		initial = scram.first()
	case !c.Encrypted():
		return transport.Errorf(op, transport.ErrInvalidArg, errors.New("refusing to send a password over a clear-text channel (server offers no SCRAM-SHA-256): use WithTLS"))
	default:
		mech, initial = MechPlain, plainResponse(c.cfg.user, c.cfg.password)
	}
	if !slices.Contains(offered, mech) {
		return transport.Errorf(op, transport.ErrNotSupported, fmt.Errorf("%w: server offers %q, not %s", ErrAuthentication, offered, mech))
	}
	msg := AppendMessage(nil, MsgAuthenticationStart, 0, 0, []byte(mech))
	msg = AppendMessage(msg, MsgAuthenticationExchange, 0, 0, initial)
	h, p, err := c.syncControl(ctx, op, msg, MsgAuthenticationResult, MsgAuthenticationExchange)
	clear(msg) // the buffer may hold the password
	if err != nil {
		return err
	}
	if h.Type == MsgAuthenticationExchange {
		if scram == nil {
			return transport.Errorf(op, transport.ErrProtocol, fmt.Errorf("unexpected server challenge for %s", mech))
		}
		final, err := scram.final(p)
		if err != nil {
			return transport.Errorf(op, transport.ErrProtocol, err)
		}
		if h, p, err = c.syncControl(ctx, op, AppendMessage(nil, MsgAuthenticationExchange, 0, 0, final), MsgAuthenticationResult); err != nil {
			return err
		}
	}
	if h.Type != MsgAuthenticationResult || h.Control&authResultSuccess == 0 {
		return transport.Errorf(op, transport.ErrAuthentication, fmt.Errorf("%s rejected (server code %d)", mech, h.Param))
	}
	if scram != nil {
		// The server proves it knows the password too.
		if err := scram.verify(p); err != nil {
			return transport.Errorf(op, transport.ErrAuthentication, err)
		}
	}
	c.authed = true
	c.debug("hislip: authenticated", "mechanism", mech)
	return nil
}
