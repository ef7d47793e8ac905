package hislip

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/govisa/govisa/internal/acceptloop"
	"github.com/govisa/govisa/transport"
)

// ErrServerClosed is returned by [Server.Serve] after Shutdown or Close.
var ErrServerClosed = errors.New("hislip: server closed")

// Server hosts [transport.Device]s over HiSLIP, each under a sub-address
// ("hislip0", "hislip1", ...), for many concurrent sessions. Set the fields
// before calling Serve; they must not change afterwards.
//
// Devices are shared: sessions of one device take turns at its I/O. A
// session holds the device from its first Data until its message is
// complete and, when the message was a query (it contained '?', the SCPI
// convention), until the response has been sent; other sessions wait. The
// lock state of each device lives in a [transport.LockTable].
type Server struct {
	// Devices maps sub-addresses (case-insensitive) to devices. The empty
	// sub-address selects "hislip0".
	Devices map[string]transport.Device
	// Lookup, when set, is used instead of Devices.
	Lookup func(subAddress string) (transport.Device, bool)
	// VendorID is the two-character server vendor id (default "GO").
	VendorID string
	// Version is the highest protocol version offered (default
	// [Version20]); sessions use the smaller of this and the client's.
	Version uint16
	// Overlapped selects overlapped mode as the initial mode and the
	// preferred mode announced in device clear; the default is
	// synchronized. Clients can switch either way with a device clear.
	Overlapped bool
	// MaxMessageSize is the largest payload accepted from a client on the
	// sync channel (default 1 MiB); larger ones are skipped and answered
	// with Error 4 without being buffered.
	MaxMessageSize uint64
	// MaxSessions bounds concurrent sessions (0 = unlimited); a session
	// past it gets FatalError 4.
	MaxSessions int
	// InitTimeout bounds the initialization of a new connection (default
	// 10 s).
	InitTimeout time.Duration
	// ResponseTimeout is how long a session waiting for a query's response
	// keeps other sessions away from the device (default 10 s).
	ResponseTimeout time.Duration
	// TLSConfig enables HiSLIP 2.0 secure connections: TLS on both
	// channels after AsyncStartTLS/StartTLS. It needs a certificate (see
	// [LoadTLSConfig]); set ClientAuth and ClientCAs to ask for client
	// certificates. nil: the secure-connection capability is not announced.
	TLSConfig *tls.Config
	// RequireEncryption announces "encryption mandatory": a session whose
	// synchronous channel is clear text gets FatalError 5 on its first
	// Data or Trigger, and 1.x clients are refused at initialization.
	// It needs TLSConfig.
	RequireEncryption bool
	// InitialEncryption announces "initial encryption": clients start TLS
	// right after initialization. It needs TLSConfig.
	InitialEncryption bool
	// Authenticate checks SASL PLAIN credentials; nil does not offer PLAIN.
	// PLAIN is offered on encrypted sessions only. See [StaticUsers].
	Authenticate func(user, password string) bool
	// Password returns a user's password for SASL SCRAM-SHA-256, offered
	// on clear-text and encrypted sessions alike since the password never
	// crosses the wire; it also checks PLAIN when Authenticate is nil.
	// nil does not offer SCRAM-SHA-256. See [StaticUsers].
	Password func(user string) (password string, ok bool)
	// AllowAnonymous offers SASL ANONYMOUS.
	AllowAnonymous bool
	// RequireAuthentication answers Data, Trigger, AsyncLock and
	// AsyncRemoteLocalControl with the non-fatal Error 5 until a SASL
	// authentication succeeded; 1.x clients are refused at initialization.
	RequireAuthentication bool
	// Logger receives debug traces; nil is silent. Credentials are never
	// logged.
	Logger *slog.Logger

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	sessions  map[uint16]*session
	devs      map[string]*devState
	nextID    uint16
	closed    bool
	wg        sync.WaitGroup
}

// NewServer returns a server hosting devices by sub-address.
func NewServer(devices map[string]transport.Device) *Server {
	return &Server{Devices: devices}
}

func (s *Server) debug(msg string, args ...any) {
	if s.Logger != nil {
		s.Logger.Debug(msg, args...)
	}
}

func (s *Server) version() uint16 {
	if s.Version == 0 {
		return Version20
	}
	return s.Version
}

func (s *Server) maxMessage() uint64 {
	if s.MaxMessageSize == 0 {
		return 1 << 20
	}
	return s.MaxMessageSize
}

func (s *Server) lookup(sub string) (transport.Device, string, bool) {
	name := strings.ToLower(sub)
	if name == "" {
		name = "hislip0"
	}
	if s.Lookup != nil {
		d, ok := s.Lookup(name)
		return d, name, ok && d != nil
	}
	for k, d := range s.Devices {
		if strings.EqualFold(k, name) && d != nil {
			return d, name, true
		}
	}
	return nil, name, false
}

// ListenAndServe listens on addr (default "127.0.0.1:4880") and serves.
func (s *Server) ListenAndServe(addr string) error {
	if addr == "" {
		addr = fmt.Sprintf("127.0.0.1:%d", DefaultPort)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l until Shutdown or Close; it closes l.
func (s *Server) Serve(l net.Listener) error {
	if err := s.checkSecureConfig(); err != nil {
		l.Close()
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = map[net.Listener]struct{}{}
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()
	closed := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.closed
	}
	err := acceptloop.Serve(l, closed, func(conn net.Conn) bool {
		if !s.track(conn) {
			conn.Close()
			return false
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(conn)
			s.handleConn(conn)
		}()
		return true
	})
	if err != nil {
		return err
	}
	return ErrServerClosed
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = map[net.Conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// ServeConn serves one already-accepted connection (either channel) and
// returns when it closes. Serve calls it for each accepted connection; it
// is exported for in-memory transports such as net.Pipe.
func (s *Server) ServeConn(conn net.Conn) {
	if !s.track(conn) {
		conn.Close()
		return
	}
	s.wg.Add(1)
	defer s.wg.Done()
	defer s.untrack(conn)
	s.handleConn(conn)
}

func (s *Server) stopListeners() {
	for l := range s.listeners {
		l.Close()
	}
}

// Shutdown stops accepting connections and waits for the open sessions to
// end; when ctx is done first it closes them and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.stopListeners()
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.closeDevs()
		return nil
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

// Close closes the listeners and every connection at once and waits for
// the server's goroutines to end.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.stopListeners()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.closeDevs()
	return nil
}

func (s *Server) closeDevs() {
	s.mu.Lock()
	devs := s.devs
	s.devs = nil
	s.mu.Unlock()
	for _, d := range devs {
		d.close()
	}
}

// devFor returns the shared state of the device with sub-address name.
func (s *Server) devFor(name string, dev transport.Device) *devState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.devs == nil {
		s.devs = map[string]*devState{}
	}
	d := s.devs[name]
	if d == nil || d.dev != dev {
		d = newDevState(s, dev)
		s.devs[name] = d
	}
	return d
}

// handleConn reads the first message and turns the connection into the
// sync or async channel of a session.
func (s *Server) handleConn(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	initTO := s.InitTimeout
	if initTO <= 0 {
		initTO = 10 * time.Second
	}
	_ = conn.SetReadDeadline(time.Now().Add(initTO))
	br := bufio.NewReaderSize(conn, 64<<10)
	h, err := ReadHeader(br)
	if err != nil {
		if errors.Is(err, transport.ErrProtocol) {
			sendFatal(conn, FatalBadHeader, "bad prologue")
		}
		return
	}
	if h.Length > 1024 {
		sendFatal(conn, FatalInvalidInitSeq, "initialization payload too long")
		return
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(br, payload); err != nil {
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	switch h.Type {
	case MsgInitialize:
		s.initSync(conn, br, h, payload)
	case MsgAsyncInitialize:
		s.initAsync(conn, br, h)
	case MsgData, MsgDataEnd, MsgTrigger:
		sendFatal(conn, FatalNoBothChannels, "initialize first")
	default:
		sendFatal(conn, FatalInvalidInitSeq, fmt.Sprintf("unexpected %v before Initialize", h.Type))
	}
}

func sendFatal(conn net.Conn, code uint8, text string) {
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write(AppendMessage(nil, MsgFatalError, code, 0, []byte(text)))
}

func (s *Server) initSync(conn net.Conn, br *bufio.Reader, h Header, payload []byte) {
	sub := strings.TrimRight(string(payload), "\x00")
	dev, name, ok := s.lookup(sub)
	if !ok {
		s.debug("hislip: unknown sub-address", "sub", sub)
		sendFatal(conn, FatalInvalidInitSeq, "unknown sub-address "+sub)
		return
	}
	ver := minVersion(uint16(h.Param>>16), s.version())
	if ver < Version10 {
		sendFatal(conn, FatalInvalidInitSeq, "unsupported protocol version")
		return
	}
	if why := s.initRefusal(ver); why != "" {
		sendFatal(conn, FatalSecureConnFailed, why)
		return
	}
	s.mu.Lock()
	if s.MaxSessions > 0 && len(s.sessions) >= s.MaxSessions {
		s.mu.Unlock()
		sendFatal(conn, FatalTooManyClients, "too many sessions")
		return
	}
	if s.sessions == nil {
		s.sessions = map[uint16]*session{}
	}
	// Session ids are 16-bit; skip ids still in use after wrap-around.
	var id uint16
	for {
		s.nextID++
		if _, used := s.sessions[s.nextID]; !used && s.nextID != 0 {
			id = s.nextID
			break
		}
	}
	s.mu.Unlock()
	ss := newSession(s, s.devFor(name, dev), id, ver, conn)
	ss.clientVendor = uint16(h.Param)
	s.mu.Lock()
	s.sessions[id] = ss
	s.mu.Unlock()
	ctrl := ss.secureFeatureBits()
	if s.Overlapped {
		ctrl |= 1
	}
	s.debug("hislip: session", "id", id, "sub", name, "version", fmt.Sprintf("%#04x", ver), "client", UnpackVendor(uint16(h.Param)))
	if err := ss.writeSync(AppendMessage(nil, MsgInitializeResponse, ctrl, uint32(ver)<<16|uint32(id), nil)); err != nil {
		ss.close()
		return
	}
	ss.serveSync(br)
}

func (s *Server) initAsync(conn net.Conn, br *bufio.Reader, h Header) {
	s.mu.Lock()
	ss := s.sessions[uint16(h.Param)]
	s.mu.Unlock()
	if ss == nil || !ss.attachAsync(conn) {
		sendFatal(conn, FatalInvalidInitSeq, "unknown session id or async channel already open")
		return
	}
	ctrl := uint8(0)
	if s.secureCapable(ss.version) {
		ctrl |= 1
	}
	if err := ss.writeAsync(AppendMessage(nil, MsgAsyncInitializeResponse, ctrl, uint32(packVendor(s.VendorID)), nil)); err != nil {
		ss.close()
		return
	}
	ss.serveAsync(br)
}

func (s *Server) removeSession(ss *session) {
	s.mu.Lock()
	if s.sessions[ss.id] == ss {
		delete(s.sessions, ss.id)
	}
	s.mu.Unlock()
}

// LoadTLSConfig returns a server TLS configuration (TLS 1.2 or later) with
// the certificate and key of two PEM files, for [Server.TLSConfig].
func LoadTLSConfig(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("hislip: TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
