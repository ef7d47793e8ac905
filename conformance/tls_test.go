package conformance_test

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/govisa/govisa/conformance"
	"github.com/govisa/govisa/internal/testpki"
	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/stretchr/testify/require"
)

// serveHiSLIPTLS serves dev over HiSLIP 2.0 with TLS and returns the name
// and the client TLS configuration that trusts the server.
func serveHiSLIPTLS(t testing.TB, dev transport.Device) (served, *tls.Config) {
	t.Helper()
	pki := testpki.New(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := hislip.NewServer(map[string]transport.Device{"hislip0": dev})
	srv.TLSConfig = pki.ServerConfig()
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
		pki.ClientConfig()
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
			requirePass(t, func() conformance.Report {
				return runSuite(t, testDialer{overlapped: overlapped, tls: cfg}, s.name, s.proxy.DropAll)
			}, nil)
		})
	}
}
