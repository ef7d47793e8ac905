package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/internal/testpki"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeSecureHiSLIP: `govisa serve --hislip` with --tls-cert, --tls-key,
// --require-tls and --sasl-users serves HiSLIP 2.0 that a govisa client
// reaches with TLS and credentials, and refuses without them.
func TestServeSecureHiSLIP(t *testing.T) {
	dir := t.TempDir()
	pki := testpki.New(t)
	certFile, keyFile := pki.WritePEM(t, dir)
	users := filepath.Join(dir, "users")
	require.NoError(t, os.WriteFile(users, []byte("# test users\nalice:s3cret\n"), 0o600))
	bin := buildCLI(t)
	names := startServe(t, bin, "--socket", "", "--hislip", "127.0.0.1:0",
		"--tls-cert", certFile, "--tls-key", keyFile, "--require-tls", "--sasl-users", users)
	require.Len(t, names, 1)
	require.True(t, strings.Contains(names[0], "hislip0"), names[0])

	query := func(user, pass string) (string, error) {
		d := visa.NewNativeDialer()
		d.HiSLIPTLS = pki.ClientConfig()
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
