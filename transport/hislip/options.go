package hislip

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/govisa/govisa/transport"
)

// Option configures [Dial].
type Option func(*config)

type config struct {
	vendor       string
	version      uint16
	mode         int8 // -1 server's choice, 0 synchronized, 1 overlapped
	maxMessageKB uint32
	keepAlive    time.Duration
	logger       *slog.Logger
	dialer       *net.Dialer
	lockType     transport.LockType
	lockKey      string
	lockTimeout  time.Duration
	useTLS       bool
	tls          *tls.Config
	user         string
	password     string
	anonymous    bool
}

func defaultConfig() config {
	return config{
		vendor:       "GO",
		version:      Version20,
		mode:         -1,
		maxMessageKB: 1024,
	}
}

// WithVendorID sets the two-character client vendor id sent in Initialize
// (default "GO").
func WithVendorID(id string) Option { return func(c *config) { c.vendor = id } }

// WithVersion sets the highest protocol version the client offers (default
// [Version20]); the session uses the smaller of this and the server's.
func WithVersion(v uint16) Option { return func(c *config) { c.version = v } }

// WithOverlapped asks for overlapped (true) or synchronized (false) mode
// (VI_ATTR_TCPIP_HISLIP_OVERLAP_EN). When the server's initial mode differs,
// Dial switches with a device clear, the only way the protocol offers.
// Without this option the server's initial mode is kept.
func WithOverlapped(on bool) Option {
	return func(c *config) {
		c.mode = 0
		if on {
			c.mode = 1
		}
	}
}

// WithMaxMessageKB sets the largest message, in KiB, the client accepts from
// the server (VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB, default 1024). The client
// streams payloads into the caller's buffers, so this bounds the server's
// message size, not a client allocation.
func WithMaxMessageKB(kb uint32) Option { return func(c *config) { c.maxMessageKB = kb } }

// WithKeepAlive sets the TCP keepalive period of both channels
// (VI_ATTR_TCPIP_KEEPALIVE); a negative value disables keepalive, zero keeps
// the Go default (enabled, 15 s).
func WithKeepAlive(d time.Duration) Option { return func(c *config) { c.keepAlive = d } }

// WithLogger sets a logger for protocol tracing at debug level; nil (the
// default) is silent. Credentials are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithDialer sets the dialer used for both channels.
func WithDialer(d *net.Dialer) Option { return func(c *config) { c.dialer = d } }

// WithLockOnOpen takes a lock right after initialization (VISA
// viOpen with VI_EXCLUSIVE_LOCK or VI_SHARED_LOCK); Dial fails if the lock
// is not granted within timeout.
func WithLockOnOpen(typ transport.LockType, key string, timeout time.Duration) Option {
	return func(c *config) { c.lockType, c.lockKey, c.lockTimeout = typ, key, timeout }
}

// WithTLS makes the session encrypted (HiSLIP 2.0 secure connection): TLS
// on both channels right after initialization. Dial fails when the server
// does not offer it. cfg sets trust (RootCAs; nil = the system pool),
// client certificates and versions; nil uses the defaults. ServerName
// defaults to the host being dialled. Without this option the client still
// starts TLS, with the defaults, when the server mandates encryption or
// asks for initial encryption.
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) { c.useTLS, c.tls = true, cfg }
}

// WithCredentials authenticates the session with SASL after
// initialization (and TLS, when used): SCRAM-SHA-256 when the server offers
// it, else PLAIN, which Dial sends over an encrypted channel only. The
// credentials are never logged.
func WithCredentials(user, password string) Option {
	return func(c *config) { c.user, c.password = user, password }
}

// WithAnonymous authenticates the session with SASL ANONYMOUS, for servers
// that require an authentication and allow anonymous ones.
func WithAnonymous() Option { return func(c *config) { c.anonymous = true } }

// LoadClientTLSConfig returns a client TLS configuration for [WithTLS]:
// trust in the CA certificates of the PEM file caFile (empty: the system
// pool) and, when certFile and keyFile are set, a client certificate.
func LoadClientTLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("hislip: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("hislip: no PEM certificate in %s", caFile)
		}
		cfg.RootCAs = pool
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("hislip: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
