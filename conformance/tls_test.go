package conformance_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/stretchr/testify/require"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "govisa conformance"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// serveHiSLIPTLS serves dev over HiSLIP 2.0 with TLS and returns the name
// and the client TLS configuration that trusts the server.
func serveHiSLIPTLS(t testing.TB, dev transport.Device) (served, *tls.Config) {
	t.Helper()
	cert, pool := selfSigned(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := hislip.NewServer(map[string]transport.Device{"hislip0": dev})
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	p := newProxy(t, l.Addr().String())
	return served{name: "TCPIP0::127.0.0.1::hislip0," + strconv.Itoa(p.port()) + "::INSTR", proxy: p},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func TestSuiteHiSLIPTLS(t *testing.T) {
	for _, overlapped := range []bool{false, true} {
		t.Run("overlapped="+strconv.FormatBool(overlapped), func(t *testing.T) {
			s, cfg := serveHiSLIPTLS(t, sim.NewTestInstrument())
			// The session really is encrypted.
			c, err := hislip.Dial(context.Background(), net.JoinHostPort("127.0.0.1", strconv.Itoa(s.proxy.port())), "hislip0", hislip.WithTLS(cfg))
			require.NoError(t, err)
			require.True(t, c.Encrypted())
			require.NoError(t, c.Close())
			kf := known{
				"event/srq-queue": bugHiSLIPRQS, "event/srq-handler": bugHiSLIPRQS, "lock/shared": bugHiSLIPLock}
			if overlapped {
				kf["write/send-end"] = bugHiSLIPOvl
			}
			requirePass(t, runSuite(t, testDialer{overlapped: overlapped, tls: cfg}, s.name, s.proxy.DropAll), kf)
		})
	}
}
