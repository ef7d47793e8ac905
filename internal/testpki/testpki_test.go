package testpki

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
)

// TestHandshake: a client trusting the pool completes a TLS handshake with
// a server using the certificate; a client with an empty pool fails.
func TestHandshake(t *testing.T) {
	p := New(t)
	certFile, keyFile := p.WritePEM(t, t.TempDir())
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg  *tls.Config
		want bool
	}{{p.ClientConfig(), true}, {&tls.Config{RootCAs: x509.NewCertPool()}, false}} {
		l, err := tls.Listen("tcp", "127.0.0.1:0", p.ServerConfig())
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if conn, err := l.Accept(); err == nil {
				_ = conn.(*tls.Conn).Handshake()
				conn.Close()
			}
		}()
		conn, err := tls.Dial("tcp", l.Addr().String(), c.cfg)
		if err == nil {
			conn.Close()
		}
		if (err == nil) != c.want {
			t.Errorf("handshake error %v, want success %v", err, c.want)
		}
		l.Close()
		<-done
		_ = net.ErrClosed
	}
}
