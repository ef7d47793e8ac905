package hislip

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govisa/govisa/internal/deadline"
	"github.com/govisa/govisa/transport"
)

// Client is one HiSLIP session: a synchronous and an asynchronous TCP
// connection to the same server. It implements [transport.Conn],
// [transport.Clearer], [transport.STBReader], [transport.Triggerer],
// [transport.Locker], [transport.RemoteLocalController] and
// [transport.SRQNotifier].
//
// Like every transport.Conn, a Client expects its caller to serialise
// operations; Close may be called at any time and unblocks them.
//
// Cancelling a blocked Read (ctx done) leaves the session usable: in
// synchronized mode the next Write or Trigger consumes a new MessageID, and
// the client discards any late response carrying an older one (IVI-6.1
// §4.1.2 client rules), so a timed-out read never hands a stale response to
// the next query. In overlapped mode MessageIDs do not identify responses,
// so after a read times out before its response ended the next operation
// first performs a HiSLIP device clear, the protocol's only resynchronisation.
type Client struct {
	cfg  config
	log  *slog.Logger
	addr string

	syncConn    net.Conn
	asyncConn   net.Conn
	syncOut     net.Conn // sync writes: syncConn or its TLS layer
	aw          net.Conn // async writes: asyncConn or its TLS layer; guarded by asyncWMu
	syncTLS     *tls.Conn
	rawBr       *bufio.Reader // clear-text sync reader under TLS
	rawAbr      *bufio.Reader // clear-text async reader under TLS; owned by the async reader
	asyncTLS    atomic.Pointer[tls.Conn]
	hsCtx       atomic.Pointer[context.Context] // bounds the async TLS handshake
	asyncTLSErr atomic.Pointer[error]           // why the async handshake failed
	authed      bool
	br          *bufio.Reader // sync channel reader
	abr         *bufio.Reader // async channel reader, owned by the reader goroutine

	sessionID    uint16
	version      uint16
	serverVendor uint16
	secureCap    bool // AsyncInitializeResponse bit 0 (2.0)
	encMandatory bool // InitializeResponse bit 1 (2.0)
	initialEnc   bool // InitializeResponse bit 2 (2.0)
	overlapped   bool
	serverMax    uint64 // largest message (header included) the server accepts

	// Sync channel state, used only by the caller's goroutine.
	nextID       uint32
	lastSentID   uint32
	rmtDelivered bool
	lastServerID uint32 // overlapped: ID of the last server message fully delivered
	rd           reader
	sw           deadline.Watcher // sync channel deadlines
	syncInt      uint64           // Interrupted messages seen on the sync channel
	needClear    bool             // overlapped-mode read abandoned, or a clear failed halfway
	openMsg      bool             // the last Write ended without END: a program message is still incomplete at the server
	wbuf         []byte
	lockHeld     transport.LockType

	// Async channel.
	asyncMu    sync.Mutex // serialises async request/response pairs
	asyncWMu   sync.Mutex // serialises writes on the async connection
	respCh     chan Message
	abandoned  map[MsgType]int // responses owed to cancelled requests
	asyncInt   atomic.Uint64   // AsyncInterrupted messages seen
	intCh      chan struct{}
	srq        atomic.Pointer[func()]
	asyncDone  chan struct{}
	fatal      atomic.Pointer[error]
	closeOnce  sync.Once
	closed     atomic.Bool
	asyncStart bool
}

var _ interface {
	transport.Conn
	transport.Clearer
	transport.STBReader
	transport.Triggerer
	transport.Locker
	transport.RemoteLocalController
	transport.SRQNotifier
} = (*Client)(nil)

// normalizeAddr accepts "host", "host:port", "[v6]", "[v6]:port" and a bare
// IPv6 literal, and returns a dialable host:port (default port 4880).
func normalizeAddr(addr string) (string, error) {
	if addr == "" {
		return "", transport.Errorf("dial", transport.ErrInvalidArg, errors.New("empty address"))
	}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return "", transport.Errorf("dial", transport.ErrInvalidArg, fmt.Errorf("bad port %q", port))
		}
		return net.JoinHostPort(host, port), nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	return net.JoinHostPort(host, strconv.Itoa(DefaultPort)), nil
}

// Dial opens a HiSLIP session to addr ("host", "host:port", "[::1]:4880")
// for the device at subAddress ("hislip0"; empty selects the server's
// default device), negotiates the protocol version and the maximum message
// size, and applies the options. ctx bounds the whole opening sequence.
func Dial(ctx context.Context, addr, subAddress string, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if len(subAddress) > 256 {
		return nil, transport.Errorf("dial", transport.ErrInvalidArg, errors.New("sub-address longer than 256 characters"))
	}
	hp, err := normalizeAddr(addr)
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:       cfg,
		log:       cfg.logger,
		addr:      hp,
		respCh:    make(chan Message, 16),
		abandoned: map[MsgType]int{},
		intCh:     make(chan struct{}, 1),
		asyncDone: make(chan struct{}),
		serverMax: 1 << 20, // pyvisa-py and MSL assume 1 MiB until told
	}
	c.resetIDs()
	if err := c.open(ctx, subAddress); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Client) debug(msg string, args ...any) {
	if c.log != nil {
		c.log.Debug(msg, args...)
	}
}

func (c *Client) dialOne(ctx context.Context) (net.Conn, error) {
	d := c.cfg.dialer
	if d == nil {
		d = &net.Dialer{}
	}
	dd := *d
	if c.cfg.keepAlive != 0 {
		dd.KeepAlive = c.cfg.keepAlive
	}
	conn, err := dd.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, transport.NetError("dial", err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		// Go enables TCP_NODELAY by default; set it explicitly because the
		// protocol depends on small messages leaving at once.
		_ = tc.SetNoDelay(true)
	}
	return conn, nil
}

// open runs the initialization sequence of IVI-6.1 §2.
func (c *Client) open(ctx context.Context, sub string) error {
	var err error
	if c.syncConn, err = c.dialOne(ctx); err != nil {
		return err
	}
	c.sw.Init(c.syncConn, deadline.Both)
	c.syncOut = c.syncConn
	c.br = bufio.NewReaderSize(c.syncConn, 64<<10)
	c.rd.br = c.br
	stop := armDeadline(ctx, c.syncConn)
	param := uint32(c.cfg.version)<<16 | uint32(packVendor(c.cfg.vendor))
	if _, err := c.syncConn.Write(AppendMessage(nil, MsgInitialize, 0, param, []byte(sub))); err != nil {
		stop()
		return c.ctxErr(ctx, "initialize", err)
	}
	m, err := ReadMessage(c.br, 4096, nil)
	stop()
	if err != nil {
		return c.ctxErr(ctx, "initialize", err)
	}
	switch m.Type {
	case MsgInitializeResponse:
	case MsgFatalError:
		kind := transport.ErrConnLost
		switch m.Control {
		case FatalInvalidInitSeq:
			kind = transport.ErrNotFound // unknown sub-address is reported this way
		case FatalTooManyClients:
			kind = transport.ErrBusy
		}
		return transport.Errorf("initialize", kind, fmt.Errorf("server FatalError %d (%s): %q", m.Control, FatalCodeText(m.Control), m.Payload))
	default:
		return transport.Errorf("initialize", transport.ErrProtocol, fmt.Errorf("unexpected %v", m.Type))
	}
	c.version = minVersion(uint16(m.Param>>16), c.cfg.version)
	c.sessionID = uint16(m.Param)
	c.overlapped = m.Control&1 != 0
	if c.version >= Version20 {
		c.encMandatory = m.Control&2 != 0
		c.initialEnc = m.Control&4 != 0
	}

	if c.asyncConn, err = c.dialOne(ctx); err != nil {
		return err
	}
	c.aw = c.asyncConn
	c.abr = bufio.NewReaderSize(c.asyncConn, 4096)
	stop = armDeadline(ctx, c.asyncConn)
	if _, err := c.asyncConn.Write(AppendMessage(nil, MsgAsyncInitialize, 0, uint32(c.sessionID), nil)); err != nil {
		stop()
		return c.ctxErr(ctx, "initialize", err)
	}
	m, err = ReadMessage(c.abr, 4096, nil)
	stop()
	if err != nil {
		return c.ctxErr(ctx, "initialize", err)
	}
	if m.Type == MsgFatalError {
		return transport.Errorf("initialize", transport.ErrConnLost, fmt.Errorf("server FatalError %d (%s): %q", m.Control, FatalCodeText(m.Control), m.Payload))
	}
	if m.Type != MsgAsyncInitializeResponse {
		return transport.Errorf("initialize", transport.ErrProtocol, fmt.Errorf("unexpected %v on async channel", m.Type))
	}
	c.serverVendor = uint16(m.Param)
	c.secureCap = c.version >= Version20 && m.Control&1 != 0
	_ = c.asyncConn.SetDeadline(time.Time{})
	c.asyncStart = true
	go c.asyncLoop()
	c.debug("hislip session open", "addr", c.addr, "sub", sub, "session", c.sessionID,
		"version", fmt.Sprintf("%#04x", c.version), "overlapped", c.overlapped)

	if err := c.secureAfterInit(ctx); err != nil {
		return err
	}
	if err := c.SetMaxMessageKB(ctx, c.cfg.maxMessageKB); err != nil {
		return err
	}
	if c.cfg.mode >= 0 && (c.cfg.mode == 1) != c.overlapped {
		if err := c.clear(ctx, c.cfg.mode == 1); err != nil {
			return err
		}
	}
	if c.cfg.lockType != 0 {
		if err := c.Lock(ctx, c.cfg.lockType, c.cfg.lockKey, c.cfg.lockTimeout); err != nil {
			return err
		}
	}
	return nil
}

// SetMaxMessageKB tells the server the largest message, in KiB, the client
// accepts, and records the server's own maximum from its answer
// (AsyncMaximumMessageSize).
func (c *Client) SetMaxMessageKB(ctx context.Context, kb uint32) error {
	if kb == 0 {
		return transport.Errorf("max message size", transport.ErrInvalidArg, errors.New("zero size"))
	}
	var pl [8]byte
	binary.BigEndian.PutUint64(pl[:], uint64(kb)*1024)
	m, err := c.asyncCall(ctx, "max message size", AppendMessage(nil, MsgAsyncMaximumMessageSize, 0, 0, pl[:]), MsgAsyncMaximumMessageSizeResponse)
	if err != nil {
		return err
	}
	if len(m.Payload) != 8 {
		return transport.Errorf("max message size", transport.ErrProtocol, fmt.Errorf("response payload of %d bytes", len(m.Payload)))
	}
	c.cfg.maxMessageKB = kb
	c.serverMax = binary.BigEndian.Uint64(m.Payload)
	return nil
}

// resetIDs restores the MessageID state after initialization or a clear.
func (c *Client) resetIDs() {
	c.nextID = firstMessageID
	c.lastSentID = firstMessageID - 2
	c.lastServerID = firstMessageID - 2
	c.rmtDelivered = false
	c.syncInt = 0
	c.asyncInt.Store(0)
	c.rd.reset()
}

// Version returns the negotiated protocol version (0x0100, 0x0101, 0x0200).
func (c *Client) Version() uint16 { return c.version }

// SessionID returns the session id the server assigned.
func (c *Client) SessionID() uint16 { return c.sessionID }

// ServerVendorID returns the server's two-character vendor id.
func (c *Client) ServerVendorID() string { return UnpackVendor(c.serverVendor) }

// Overlapped reports whether the session is in overlapped mode.
func (c *Client) Overlapped() bool { return c.overlapped }

// MaxMessageKB returns the maximum message size in KiB the client announced.
func (c *Client) MaxMessageKB() uint32 { return c.cfg.maxMessageKB }

// ServerMaxMessageSize returns the largest message, in bytes with the
// header, the server accepts; writes are split to fit it.
func (c *Client) ServerMaxMessageSize() uint64 { return c.serverMax }

// SecureConnectionSupported reports the server's HiSLIP 2.0 secure
// connection capability (AsyncInitializeResponse bit 0).
func (c *Client) SecureConnectionSupported() bool { return c.secureCap }

// OnSRQ implements [transport.SRQNotifier]: f is called from the async
// reader goroutine for each AsyncServiceRequest; it must not block.
func (c *Client) OnSRQ(f func()) {
	if f == nil {
		c.srq.Store(nil)
		return
	}
	c.srq.Store(&f)
}

// Close closes both channels and waits for the reader goroutine to exit.
// Locks held by the session are released by the server.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.sw.Forget()
		if c.syncConn != nil {
			c.syncConn.Close()
		}
		if c.asyncConn != nil {
			c.asyncConn.Close()
		}
		if c.asyncStart {
			<-c.asyncDone
		}
	})
	return nil
}

// armDeadline applies ctx's deadline to conn and arranges for cancellation
// to wake blocked I/O. The returned function undoes the cancellation hook.
func armDeadline(ctx context.Context, conn net.Conn) func() {
	d, _ := ctx.Deadline()
	_ = conn.SetDeadline(d)
	if ctx.Done() == nil {
		return func() {}
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = conn.SetDeadline(deadline.Past)
		close(fired)
	})
	return func() {
		// If the hook already started, wait for it: otherwise its past
		// deadline could land after the next operation armed its own.
		if !stop() {
			<-fired
		}
	}
}

// ctxErr classifies an I/O error, preferring the context's reason and the
// server's FatalError when one was received.
func (c *Client) ctxErr(ctx context.Context, op string, err error) error {
	if fe := c.fatal.Load(); fe != nil {
		return *fe
	}
	if c.closed.Load() {
		return transport.Errorf(op, transport.ErrClosed, err)
	}
	if ctx.Err() != nil {
		return transport.NetError(op, ctx.Err())
	}
	return transport.NetError(op, err)
}

// setFatal records a FatalError (received or detected) and closes the
// connections: the session cannot continue and must be reopened.
func (c *Client) setFatal(code uint8, text []byte, received bool) error {
	who := "server sent"
	if !received {
		who = "client detected"
	}
	err := transport.Errorf("hislip", transport.ErrConnLost,
		fmt.Errorf("%s FatalError %d (%s) %q; reopen the session (locks are lost)", who, code, FatalCodeText(code), text))
	if c.fatal.CompareAndSwap(nil, &err) {
		c.debug("hislip fatal", "code", code)
		if c.syncConn != nil {
			c.syncConn.Close()
		}
		if c.asyncConn != nil {
			c.asyncConn.Close()
		}
	}
	return *c.fatal.Load()
}

func (c *Client) checkUsable(op string) error {
	if fe := c.fatal.Load(); fe != nil {
		return *fe
	}
	if c.closed.Load() {
		return transport.Errorf(op, transport.ErrClosed, nil)
	}
	return nil
}
