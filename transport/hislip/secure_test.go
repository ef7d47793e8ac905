package hislip

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

// testPKI is a CA and a server certificate for 127.0.0.1, ::1 and
// localhost, generated per test run (ECDSA P-256).
type testPKI struct {
	server *tls.Config    // for Server.TLSConfig
	roots  *x509.CertPool // trusts the CA
	caDER  []byte
	client tls.Certificate
}

var (
	pkiOnce sync.Once
	pki     testPKI
)

func newCert(t testing.TB, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, tls.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}
}

func getPKI(t testing.TB) testPKI {
	pkiOnce.Do(func() {
		now := time.Now()
		ca, caKey, _ := newCert(t, &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "govisa test CA"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}, nil, nil)
		_, _, srv := newCert(t, &x509.Certificate{
			SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}, ca, caKey)
		_, _, cli := newCert(t, &x509.Certificate{
			SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "client"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}, ca, caKey)
		roots := x509.NewCertPool()
		roots.AddCert(ca)
		pki = testPKI{
			server: &tls.Config{Certificates: []tls.Certificate{srv}, MinVersion: tls.VersionTLS12},
			roots:  roots,
			caDER:  ca.Raw,
			client: cli,
		}
	})
	return pki
}

func tlsServer(t testing.TB, more func(*Server)) *testEnv {
	p := getPKI(t)
	return startServer(t, func(s *Server) {
		s.TLSConfig = p.server.Clone()
		if more != nil {
			more(s)
		}
	})
}

func trusting() Option { return WithTLS(&tls.Config{RootCAs: getPKI(nil).roots}) }

func TestTLSSession(t *testing.T) {
	env := tlsServer(t, nil)
	c := dial(t, env.addr, "hislip0", trusting())
	if !c.Encrypted() || !c.SecureConnectionSupported() || c.Version() != Version20 {
		t.Fatalf("encrypted=%v secure=%v version=%#x", c.Encrypted(), c.SecureConnectionSupported(), c.Version())
	}
	st, ok := c.TLSConnectionState()
	if !ok || !st.HandshakeComplete || st.Version < tls.VersionTLS12 {
		t.Fatalf("tls state %v %+v", ok, st)
	}
	if got := query(t, c, "*IDN?"); got != "GOVISA,HISLIPTEST,dev0,1\n" {
		t.Fatalf("idn %q", got)
	}
	readBlock(t, c, 300_000) // several TLS records and Data messages
	ctx := ctxT(t, 5*time.Second)
	// Async channel over TLS: status query, lock, clear, SRQ.
	if _, err := c.ReadSTB(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Lock(ctx, transport.LockExclusive, "", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	srq := make(chan struct{}, 1)
	c.OnSRQ(func() {
		select {
		case srq <- struct{}{}:
		default:
		}
	})
	if _, err := c.Write(ctx, []byte("SRQ"), true); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srq:
	case <-ctx.Done():
		t.Fatal("no SRQ over TLS")
	}
	if err := c.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if got := query(t, c, "ECHO? after clear"); got != "after clear\n" {
		t.Fatalf("after clear %q", got)
	}
}

func TestTLSIPv6AndClientCertificate(t *testing.T) {
	p := getPKI(t)
	env := startServerOn(t, "[::1]:0", func(s *Server) {
		cfg := p.server.Clone()
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = p.roots
		s.TLSConfig = cfg
	})
	// Without a client certificate the handshake fails.
	if _, err := Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", trusting()); err == nil {
		t.Fatal("dial without client certificate succeeded")
	}
	c := dial(t, env.addr, "hislip0", WithTLS(&tls.Config{RootCAs: p.roots, Certificates: []tls.Certificate{p.client}}))
	if got := query(t, c, "ECHO? v6"); got != "v6\n" {
		t.Fatalf("%q", got)
	}
}

func TestTLSUntrustedServer(t *testing.T) {
	env := tlsServer(t, nil)
	// The system pool does not know the test CA.
	_, err := Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", WithTLS(nil))
	var uae x509.UnknownAuthorityError
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &uae) && !errors.As(err, &cve) {
		t.Fatalf("want a certificate verification error, got %v", err)
	}
	if !errors.Is(err, transport.ErrConnLost) || !errors.Is(err, transport.ErrAuthentication) {
		t.Fatalf("want ErrConnLost and ErrAuthentication, got %v", err)
	}
}

func TestTLSNotOffered(t *testing.T) {
	env := startServer(t, nil) // 2.0 without TLSConfig
	_, err := Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", trusting())
	if !errors.Is(err, transport.ErrNotSupported) {
		t.Fatalf("want ErrNotSupported, got %v", err)
	}
	env11 := startServer(t, func(s *Server) { s.Version = Version11 })
	if _, err := Dial(ctxT(t, 5*time.Second), env11.addr, "hislip0", trusting()); !errors.Is(err, transport.ErrNotSupported) {
		t.Fatalf("1.1 server: want ErrNotSupported, got %v", err)
	}
}

func TestEncryptionMandatory(t *testing.T) {
	env := tlsServer(t, func(s *Server) { s.RequireEncryption = true })

	// A 2.0 client that ignores the flag: its first Data ends the session
	// with FatalError 5 and the device sees nothing.
	sc, _, sr, _, resp := rawSession(t, env.addr, Version20)
	if resp.Control&2 == 0 {
		t.Fatalf("InitializeResponse control %#x lacks encryption mandatory", resp.Control)
	}
	if _, err := sc.Write(AppendMessage(nil, MsgDataEnd, 0, firstMessageID, []byte("*IDN?"))); err != nil {
		t.Fatal(err)
	}
	m := expect(t, sr, MsgFatalError, FatalSecureConnFailed)
	if len(m.Payload) == 0 {
		t.Fatal("FatalError without text")
	}
	if env.dev0.writeCount() != 0 {
		t.Fatal("clear-text data reached the device")
	}

	// A 1.0-only client is refused at initialization.
	_, err := Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", WithVersion(Version10))
	if !errors.Is(err, transport.ErrConnLost) || !bytes.Contains([]byte(err.Error()), []byte("encryption")) {
		t.Fatalf("1.0 client: %v", err)
	}

	// Our client starts TLS by itself when the server mandates it; it
	// still verifies the server (here with the test CA).
	c := dial(t, env.addr, "hislip0", trusting())
	if !c.Encrypted() {
		t.Fatal("not encrypted")
	}
	if got := query(t, c, "ECHO? secret"); got != "secret\n" {
		t.Fatalf("%q", got)
	}
	// The device-clear bitmaps carry the flag too.
	if err := c.Clear(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := query(t, c, "ECHO? again"); got != "again\n" {
		t.Fatalf("%q", got)
	}
}

func TestInitialEncryptionFlag(t *testing.T) {
	env := tlsServer(t, func(s *Server) { s.InitialEncryption = true })
	_, _, _, _, resp := rawSession(t, env.addr, Version20)
	if resp.Control&4 == 0 {
		t.Fatalf("InitializeResponse control %#x lacks initial encryption", resp.Control)
	}
	// Without WithTLS the client follows the server's request.
	c := dial(t, env.addr, "hislip0", WithTLS(&tls.Config{RootCAs: getPKI(t).roots}))
	if !c.Encrypted() {
		t.Fatal("not encrypted")
	}
}

func TestMisconfiguredServer(t *testing.T) {
	srv := NewServer(nil)
	srv.RequireEncryption = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(l); err == nil || errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve with RequireEncryption and no TLSConfig: %v", err)
	}
}

func TestVersion10AgainstSecureServer(t *testing.T) {
	// TLS offered but optional: a 1.0 client works in clear text and sees
	// none of the 2.0 bits.
	env := tlsServer(t, nil)
	c := dial(t, env.addr, "hislip0", WithVersion(Version10))
	if c.Version() != Version10 || c.SecureConnectionSupported() || c.Encrypted() {
		t.Fatalf("version %#x secure %v", c.Version(), c.SecureConnectionSupported())
	}
	if got := query(t, c, "*IDN?"); got != "GOVISA,HISLIPTEST,dev0,1\n" {
		t.Fatalf("%q", got)
	}
	// 2.0-only messages on a 1.0 session are answered with Error 1.
	sc, _, sr, _, _ := rawSession(t, env.addr, Version10)
	if _, err := sc.Write(AppendMessage(nil, MsgStartTLS, 0, 0, nil)); err != nil {
		t.Fatal(err)
	}
	expect(t, sr, MsgError, ErrCodeUnrecognizedType)
}

func saslServer(t *testing.T, anon bool, logs *syncBuffer) *testEnv {
	return tlsServer(t, func(s *Server) {
		s.Authenticate = StaticUsers(map[string]string{"alice": "s3cr3t-pw"})
		s.AllowAnonymous = anon
		s.RequireAuthentication = true
		if logs != nil {
			s.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	})
}

func TestSASLPlain(t *testing.T) {
	var logs syncBuffer
	env := saslServer(t, false, &logs)
	clientLog := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	c := dial(t, env.addr, "hislip0", trusting(), WithCredentials("alice", "s3cr3t-pw"), WithLogger(clientLog))
	if !c.Authenticated() {
		t.Fatal("not authenticated")
	}
	if got := query(t, c, "ECHO? in"); got != "in\n" {
		t.Fatalf("%q", got)
	}
	if err := c.Lock(ctxT(t, time.Second), transport.LockExclusive, "", 0); err != nil {
		t.Fatal(err)
	}

	_, err := Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", trusting(), WithCredentials("alice", "wrong-pw"), WithLogger(clientLog))
	if !errors.Is(err, ErrAuthentication) {
		t.Fatalf("wrong password: %v", err)
	}
	_, err = Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", trusting(), WithCredentials("mallory", "s3cr3t-pw"))
	if !errors.Is(err, ErrAuthentication) {
		t.Fatalf("unknown user: %v", err)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, secret := range []string{"s3cr3t-pw", "wrong-pw", "mallory"} {
		if bytes.Contains(logs.buf.Bytes(), []byte(secret)) {
			t.Fatalf("credential %q in the logs", secret)
		}
	}
	if !bytes.Contains(logs.buf.Bytes(), []byte("authentication")) {
		t.Fatal("no authentication trace logged at all")
	}
}

// syncBuffer is a bytes.Buffer safe for the server's and client's loggers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func TestSASLRequired(t *testing.T) {
	env := saslServer(t, false, nil)
	// Encrypted but not authenticated: data is refused with Error 5 and
	// never reaches the device; the session stays usable.
	c := dial(t, env.addr, "hislip0", trusting())
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Write(ctx, []byte("*IDN?"), true); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.Read(ctx, make([]byte, 64), transport.ReadOptions{})
	if !errors.Is(err, transport.ErrAuthentication) || errors.Is(err, transport.ErrIO) {
		t.Fatalf("read without authentication: %v (want ErrAuthentication, not ErrIO)", err)
	}
	if err := c.Lock(ctx, transport.LockExclusive, "", 0); err == nil {
		t.Fatal("lock granted without authentication")
	}
	if env.dev0.writeCount() != 0 {
		t.Fatal("unauthenticated data reached the device")
	}
	// ANONYMOUS is not offered here.
	_, err = Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", trusting(), WithAnonymous())
	if !errors.Is(err, ErrAuthentication) || !errors.Is(err, transport.ErrNotSupported) {
		t.Fatalf("anonymous: %v", err)
	}
	// A 1.0 client can never authenticate: refused at initialization.
	if _, err := Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", WithVersion(Version10)); !errors.Is(err, transport.ErrConnLost) {
		t.Fatalf("1.0 client: %v", err)
	}
}

func TestSASLAnonymous(t *testing.T) {
	env := saslServer(t, true, nil)
	c := dial(t, env.addr, "hislip0", trusting(), WithAnonymous())
	if !c.Authenticated() {
		t.Fatal("not authenticated")
	}
	if got := query(t, c, "ECHO? anon"); got != "anon\n" {
		t.Fatalf("%q", got)
	}
}

func TestSASLPlainNeedsTLS(t *testing.T) {
	env := startServer(t, func(s *Server) {
		s.Authenticate = StaticUsers(map[string]string{"alice": "pw"})
	})
	// The client refuses to send a password in clear text...
	_, err := Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", WithCredentials("alice", "pw"))
	if !errors.Is(err, transport.ErrInvalidArg) {
		t.Fatalf("want ErrInvalidArg, got %v", err)
	}
	// ...and the server does not offer PLAIN on a clear-text channel.
	sc, _, sr, _, _ := rawSession(t, env.addr, Version20)
	if _, err := sc.Write(AppendMessage(nil, MsgGetSaslMechanismList, 0, 0, nil)); err != nil {
		t.Fatal(err)
	}
	m := expect(t, sr, MsgGetSaslMechanismListResponse, 0)
	if len(m.Payload) != 0 {
		t.Fatalf("mechanisms offered in clear text: %q", m.Payload)
	}
	msg := AppendMessage(nil, MsgAuthenticationStart, 0, 0, []byte(MechPlain))
	msg = AppendMessage(msg, MsgAuthenticationExchange, 0, 0, plainResponse("alice", "pw"))
	if _, err := sc.Write(msg); err != nil {
		t.Fatal(err)
	}
	r := expect(t, sr, MsgAuthenticationResult, authResultFailed)
	if r.Param != AuthCodeNeedsEncryption {
		t.Fatalf("code %d", r.Param)
	}
}

func TestAsyncStartTLSBusyAndMalformed(t *testing.T) {
	env := tlsServer(t, nil)
	sc, ac, _, ar, _ := rawSession(t, env.addr, Version20)
	// A query whose response was not read: busy.
	if _, err := sc.Write(AppendMessage(nil, MsgDataEnd, 0, firstMessageID, []byte("NOREPLY?"))); err != nil {
		t.Fatal(err)
	}
	var pl [4]byte
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, err := ac.Write(AppendMessage(nil, MsgAsyncStartTLS, 0, firstMessageID, pl[:])); err != nil {
			t.Fatal(err)
		}
		m, err := ReadMessage(ar, 1024, nil)
		if err != nil || m.Type != MsgAsyncStartTLSResponse {
			t.Fatalf("%v %v", m.Type, err)
		}
		if m.Control == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("control %d, want busy", m.Control)
		}
	}
	// A payload that is not 4 bytes is a fatal error.
	if _, err := ac.Write(AppendMessage(nil, MsgAsyncStartTLS, 0, firstMessageID, []byte{1})); err != nil {
		t.Fatal(err)
	}
	expect(t, ar, MsgFatalError, FatalBadHeader)
}

func TestEndTLS(t *testing.T) {
	env := tlsServer(t, nil)
	c := dial(t, env.addr, "hislip0", trusting())
	srq := make(chan struct{}, 1)
	c.OnSRQ(func() {
		select {
		case srq <- struct{}{}:
		default:
		}
	})
	ctx := ctxT(t, 5*time.Second)
	for round := range 2 {
		if got := query(t, c, "ECHO? tls"); got != "tls\n" {
			t.Fatalf("round %d: %q", round, got)
		}
		if err := c.EndTLS(ctx); err != nil {
			t.Fatalf("round %d: end tls: %v", round, err)
		}
		if c.Encrypted() {
			t.Fatal("still encrypted")
		}
		if got := query(t, c, "ECHO? clear"); got != "clear\n" {
			t.Fatalf("round %d: clear %q", round, got)
		}
		// The async channel works in clear text again (SRQ, status).
		if _, err := c.Write(ctx, []byte("SRQ"), true); err != nil {
			t.Fatal(err)
		}
		select {
		case <-srq:
		case <-ctx.Done():
			t.Fatal("no SRQ after EndTLS")
		}
		if _, err := c.ReadSTB(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.StartTLS(ctx); err != nil {
			t.Fatalf("round %d: start tls again: %v", round, err)
		}
		if !c.Encrypted() {
			t.Fatal("not encrypted again")
		}
	}
	readBlock(t, c, 70_000)
}

func TestEndTLSRefusedWhenMandatory(t *testing.T) {
	env := tlsServer(t, func(s *Server) { s.RequireEncryption = true })
	c := dial(t, env.addr, "hislip0", trusting())
	ctx := ctxT(t, 5*time.Second)
	if err := c.EndTLS(ctx); !errors.Is(err, transport.ErrNotSupported) {
		t.Fatalf("want ErrNotSupported, got %v", err)
	}
	if !c.Encrypted() {
		t.Fatal("no longer encrypted")
	}
	if got := query(t, c, "ECHO? still"); got != "still\n" {
		t.Fatalf("%q", got)
	}
}

func TestTLSFromPEMFiles(t *testing.T) {
	p := getPKI(t)
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	keyDER := func(c tls.Certificate) []byte {
		b, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	srvCert := p.server.Certificates[0]
	certFile := write("server.pem", "CERTIFICATE", srvCert.Certificate[0])
	keyFile := write("server.key", "PRIVATE KEY", keyDER(srvCert))
	caFile := write("ca.pem", "CERTIFICATE", p.caDER)
	cliCert := write("client.pem", "CERTIFICATE", p.client.Certificate[0])
	cliKey := write("client.key", "PRIVATE KEY", keyDER(p.client))

	srvCfg, err := LoadTLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	env := startServer(t, func(s *Server) { s.TLSConfig = srvCfg; s.RequireEncryption = true })
	cliCfg, err := LoadClientTLSConfig(caFile, cliCert, cliKey)
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, env.addr, "hislip0", WithTLS(cliCfg))
	if got := query(t, c, "ECHO? files"); got != "files\n" {
		t.Fatalf("%q", got)
	}
	if _, err := LoadTLSConfig(caFile, filepath.Join(dir, "missing.key")); err == nil {
		t.Fatal("missing key file accepted")
	}
	if _, err := LoadClientTLSConfig(keyFile, "", ""); err == nil {
		t.Fatal("a key file accepted as CA file")
	}
}

// TestTLSReadTimeoutRecovers: a read that times out inside a TLS record
// stream leaves the session usable and hands no stale response to the next
// query, in both modes.
func TestTLSReadTimeoutRecovers(t *testing.T) {
	for _, ov := range []bool{false, true} {
		env := tlsServer(t, nil)
		c := dial(t, env.addr, "hislip0", trusting(), WithOverlapped(ov))
		ctx := ctxT(t, 5*time.Second)
		if _, err := c.Write(ctx, []byte("DELAY 150"), true); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(ctx, []byte("ECHO? stale"), true); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.Read(ctxT(t, 10*time.Millisecond), make([]byte, 64), transport.ReadOptions{})
		if !errors.Is(err, transport.ErrTimeout) {
			t.Fatalf("overlapped=%v: want timeout, got %v", ov, err)
		}
		time.Sleep(200 * time.Millisecond) // let the stale response arrive
		if got := query(t, c, "ECHO? fresh"); got != "fresh\n" {
			t.Fatalf("overlapped=%v: %q", ov, got)
		}
	}
}
