package visa_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/govisa/govisa/internal/testpki"
	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHiSLIPSecureThroughFrontend: a HiSLIP 2.0 server that mandates
// encryption and authentication is reached through the native backend with
// TLS and SASL credentials, and refused without credentials.
func TestHiSLIPSecureThroughFrontend(t *testing.T) {
	pki := testpki.New(t)
	srv := hislip.NewServer(map[string]transport.Device{"hislip0": sim.NewTestInstrument()})
	srv.TLSConfig = pki.ServerConfig()
	srv.RequireEncryption = true
	srv.RequireAuthentication = true
	srv.Password = func(user string) (string, bool) { return "s3cret", user == "alice" }
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}()
	name := "TCPIP0::127.0.0.1::hislip0," + strconv.Itoa(l.Addr().(*net.TCPAddr).Port) + "::INSTR"

	open := func(user, pass string) (*visa.Resource, error) {
		d := visa.NewNativeDialer()
		d.HiSLIPTLS = pki.ClientConfig()
		if user != "" {
			d.HiSLIPCredentials = func(string) (string, string, bool) { return user, pass, true }
		}
		rm, err := visa.NewResourceManagerFor(visa.NewConnLibrary(d, nil))
		require.NoError(t, err)
		t.Cleanup(func() { rm.Close() })
		r, err := rm.OpenResource(bg, name, visa.WithTimeout(2*time.Second))
		if err != nil {
			return nil, err
		}
		_, err = r.Query(bg, "*IDN?")
		return r, err
	}
	r, err := open("alice", "s3cret")
	require.NoError(t, err)
	v, err := r.GetAttribute(visa.VI_ATTR_TCPIP_HISLIP_VERSION)
	require.NoError(t, err)
	assert.Equal(t, uint32(2<<20), v, "HiSLIP 2.0 as a ViVersion")

	_, err = open("alice", "wrong")
	assert.ErrorIs(t, err, visa.VI_ERROR_NPERMISSION, "a wrong password must not get through")
	_, err = open("", "")
	assert.ErrorIs(t, err, visa.VI_ERROR_NPERMISSION, "no credentials must not get through when authentication is required")
}
