package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files and returns their paths and a pool trusting the certificate.
func writeCert(t *testing.T, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "govisa serve test"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServeSecureHiSLIP: `govisa serve --hislip` with --tls-cert, --tls-key,
// --require-tls and --sasl-users serves HiSLIP 2.0 that a govisa client
// reaches with TLS and credentials, and refuses without them.
func TestServeSecureHiSLIP(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeCert(t, dir)
	users := filepath.Join(dir, "users")
	require.NoError(t, os.WriteFile(users, []byte("# test users\nalice:s3cret\n"), 0o600))
	bin := buildCLI(t)
	names := startServe(t, bin, "--socket", "", "--hislip", "127.0.0.1:0",
		"--tls-cert", certFile, "--tls-key", keyFile, "--require-tls", "--sasl-users", users)
	require.Len(t, names, 1)
	require.True(t, strings.Contains(names[0], "hislip0"), names[0])

	query := func(user, pass string) (string, error) {
		d := visa.NewNativeDialer()
		d.HiSLIPTLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		if user != "" {
			d.HiSLIPCredentials = func(string) (string, string, bool) { return user, pass, true }
		}
		rm, err := visa.NewResourceManagerFor(visa.NewConnLibrary(d, nil))
		require.NoError(t, err)
		defer rm.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r, err := rm.OpenResource(ctx, names[0], visa.WithTimeout(3*time.Second))
		if err != nil {
			return "", err
		}
		return r.Query(ctx, "*IDN?")
	}
	idn, err := query("alice", "s3cret")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(idn, "govisa,"), idn)
	_, err = query("alice", "nope")
	assert.Error(t, err)
}

func TestServeFlagErrors(t *testing.T) {
	dir := t.TempDir()
	var out, errb strings.Builder
	ctx := context.Background()
	assert.Error(t, runServe(ctx, []string{"--socket", "", "--hislip", "127.0.0.1:0", "--require-tls"}, &out, &errb))
	bad := filepath.Join(dir, "users")
	require.NoError(t, os.WriteFile(bad, []byte("nocolon\n"), 0o600))
	err := runServe(ctx, []string{"--socket", "", "--hislip", "127.0.0.1:0", "--sasl-users", bad}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "users:1")
}
