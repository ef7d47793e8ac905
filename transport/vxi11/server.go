package vxi11

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/rpc/portmap"
	"github.com/govisa/govisa/transport"
)

// Server defaults.
const (
	// DefaultMaxRecvSize is the maxRecvSize a Server announces: the largest
	// device_write data it accepts in one call.
	DefaultMaxRecvSize = 1 << 20
	// DefaultMaxReadSize caps the data of one device_read reply; a client
	// asking for more gets it in several replies (reason 0 in between).
	DefaultMaxReadSize = 16 << 20
	// DefaultMaxLinks caps the links open at once on a Server; create_link
	// beyond it fails with error 9 (out of resources).
	DefaultMaxLinks = 1024
	// minRecvSize is the smallest maxRecvSize the specification allows.
	minRecvSize = 1024
	// maxKeptReply bounds the reply buffer a core connection keeps between
	// calls: the memory an idle connection holds.
	maxKeptReply = 1 << 20
)

// PortmapperMode says how a Server makes its core port known.
type PortmapperMode int

const (
	// PortmapperNone: no portmapper; clients must be given the core port
	// (Options.CorePort, pyvisa-py's "host,port" form).
	PortmapperNone PortmapperMode = iota
	// PortmapperEmbedded: run our own portmapper (TCP and UDP) on
	// ServerOptions.PortmapperAddr (default "127.0.0.1:111") and file the
	// core port in it. Start fails if the address cannot be bound.
	PortmapperEmbedded
	// PortmapperRegister: register the core port with the portmapper that
	// listens at PortmapperAddr (default the system rpcbind,
	// portmap.SystemAddr). A stale mapping of the core program is replaced.
	PortmapperRegister
	// PortmapperAuto: PortmapperEmbedded if PortmapperAddr can be bound,
	// otherwise PortmapperRegister with the portmapper already there.
	PortmapperAuto
)

// ServerOptions configure a Server. The zero value is usable.
type ServerOptions struct {
	// MaxRecvSize is announced by create_link (default DefaultMaxRecvSize,
	// raised to 1024 if smaller). Longer device_write data gets error 5.
	MaxRecvSize uint32
	// MaxReadSize caps the data of one device_read reply (default
	// DefaultMaxReadSize). It bounds the per-connection reply buffer.
	MaxReadSize uint32
	// MaxLinks caps the links open at once (default DefaultMaxLinks).
	MaxLinks int
	// Portmapper and PortmapperAddr select how clients find the core port.
	Portmapper     PortmapperMode
	PortmapperAddr string
	// AllowAnyInterruptHost lets create_intr_chan name any host. By default
	// the server only connects back to the address the core connection
	// comes from, so that it cannot be used to open connections elsewhere.
	AllowAnyInterruptHost bool
	// Logger receives debug traces and errors; nil is silent.
	Logger *slog.Logger
}

// Server serves transport.Devices over VXI-11: the core channel (program
// 0x0607AF), the abort channel (0x0607B0) and, towards each client that
// asks for it, the interrupt channel. Devices are filed under device names
// ("inst0", "gpib0,5", ...) with AddDevice; create_link picks one by name.
// A Server is safe for concurrent use and serves many clients, each with
// many links.
type Server struct {
	opts ServerOptions
	log  *slog.Logger

	mu        sync.Mutex
	devices   map[string]*hosted
	links     map[LinkID]*link
	nextLID   LinkID
	core      *rpc.Server
	abort     *rpc.Server
	coreAddr  net.Addr
	abortAddr net.Addr
	pm        *portmap.Server
	pmAddr    string // external portmapper we registered with
	started   bool
	closed    bool
	wg        sync.WaitGroup // serve goroutines, connection clean-ups, interrupt senders
	baseCtx   context.Context
	cancel    context.CancelFunc
}

// hosted is one served device and its lock table.
type hosted struct {
	name  string
	dev   transport.Device
	locks transport.LockTable
	unsub func()
}

// NewServer returns a server with no devices; add them with AddDevice and
// start it with Start.
func NewServer(opts ServerOptions) *Server {
	if opts.MaxRecvSize == 0 {
		opts.MaxRecvSize = DefaultMaxRecvSize
	}
	opts.MaxRecvSize = max(opts.MaxRecvSize, minRecvSize)
	if opts.MaxReadSize == 0 {
		opts.MaxReadSize = DefaultMaxReadSize
	}
	if opts.MaxLinks <= 0 {
		opts.MaxLinks = DefaultMaxLinks
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:    opts,
		log:     log,
		devices: make(map[string]*hosted),
		links:   make(map[LinkID]*link),
		nextLID: 1,
	}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	return s
}

// AddDevice serves dev under name (see CanonicalDeviceName: names match
// case-insensitively, gateway addresses numerically). A Device that is a
// transport.SRQSource has its service requests forwarded to the links
// that enabled SRQ. Devices may be added while serving.
func (s *Server) AddDevice(name string, dev transport.Device) error {
	key, err := CanonicalDeviceName(name)
	if err != nil {
		return transport.Errorf("vxi11 add device", transport.ErrInvalidArg, err)
	}
	if dev == nil {
		return transport.Errorf("vxi11 add device", transport.ErrInvalidArg, errors.New("nil device"))
	}
	h := &hosted{name: key, dev: dev}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return transport.Errorf("vxi11 add device", transport.ErrClosed, nil)
	}
	if _, dup := s.devices[key]; dup {
		return transport.Errorf("vxi11 add device", transport.ErrInvalidArg, fmt.Errorf("device name %q already served", key))
	}
	s.devices[key] = h
	if src, ok := dev.(transport.SRQSource); ok {
		h.unsub = src.SubscribeSRQ(func() { s.serviceRequest(h) })
	}
	return nil
}

// Start listens for the core channel on addr ("127.0.0.1:0" picks a free
// port) and for the abort channel on another free port of the same host,
// makes the core port known as ServerOptions.Portmapper says, and serves in
// the background until Shutdown or Close.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return transport.Errorf("vxi11 start", transport.ErrInvalidArg, errors.New("server already started or closed"))
	}
	s.started = true
	s.mu.Unlock()

	coreLn, err := net.Listen("tcp", addr)
	if err != nil {
		return transport.Errorf("vxi11 start", transport.ErrInvalidArg, err)
	}
	host, _, _ := net.SplitHostPort(coreLn.Addr().String())
	abortLn, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		coreLn.Close()
		return transport.Errorf("vxi11 start", transport.ErrInvalidArg, err)
	}
	corePort := uint32(coreLn.Addr().(*net.TCPAddr).Port)
	if err := s.publish(corePort); err != nil {
		coreLn.Close()
		abortLn.Close()
		return err
	}

	s.core = rpc.NewServer()
	s.core.Logger = s.opts.Logger
	// A device_write record holds at most maxRecvSize bytes of data plus
	// headers; anything larger is refused before it is read.
	s.core.MaxRecord = int(s.opts.MaxRecvSize) + 4096
	s.core.ConnContext = s.connContext
	// Keep a connection's reply buffer across device_reads of the chunk
	// size clients use (ours: DefaultReadChunk), so a block transfer does
	// not allocate per chunk; larger replies get a buffer of their own.
	s.core.MaxReplyBuffer = int(min(s.opts.MaxReadSize, maxKeptReply)) + 4096
	s.core.Register(ProgCore, ProgVersion, s.coreHandler)
	s.abort = rpc.NewServer()
	s.abort.Logger = s.opts.Logger
	s.abort.MaxRecord = 4096
	s.abort.Register(ProgAsync, ProgVersion, s.abortHandler)

	s.mu.Lock()
	s.coreAddr, s.abortAddr = coreLn.Addr(), abortLn.Addr()
	s.wg.Add(2)
	s.mu.Unlock()
	go func() { defer s.wg.Done(); _ = s.core.Serve(coreLn) }()
	go func() { defer s.wg.Done(); _ = s.abort.Serve(abortLn) }()
	s.log.Info("vxi11 server started", "core", coreLn.Addr(), "abort", abortLn.Addr(), "portmapper", s.PortmapperAddr())
	return nil
}

// publish makes the core port known to a portmapper.
func (s *Server) publish(port uint32) error {
	mode, addr := s.opts.Portmapper, s.opts.PortmapperAddr
	if mode == PortmapperNone {
		return nil
	}
	m := portmap.Mapping{Prog: ProgCore, Vers: ProgVersion, Prot: portmap.ProtoTCP, Port: port}
	if mode == PortmapperEmbedded || mode == PortmapperAuto {
		if addr == "" {
			addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(portmap.Port))
		}
		pm := portmap.NewServer()
		pm.Logger = s.opts.Logger
		err := pm.Start(addr)
		if err == nil {
			pm.Set(m)
			s.mu.Lock()
			s.pm = pm
			s.mu.Unlock()
			s.log.Info("vxi11: embedded portmapper running", "addr", pm.TCPAddr())
			return nil
		}
		if mode == PortmapperEmbedded {
			return transport.Errorf("vxi11 portmapper", transport.ErrInvalidArg, err)
		}
		s.log.Info("vxi11: cannot run a portmapper, registering with the one there", "addr", addr, "err", err)
	}
	if addr == "" {
		addr = portmap.SystemAddr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := portmap.RegisterWith(ctx, addr, m.Prog, m.Vers, m.Prot, m.Port)
	if errors.Is(err, portmap.ErrRefused) {
		// Most often the mapping of a server that died without
		// unregistering: replace it.
		_ = portmap.UnregisterWith(ctx, addr, m.Prog, m.Vers)
		err = portmap.RegisterWith(ctx, addr, m.Prog, m.Vers, m.Prot, m.Port)
	}
	if err != nil {
		return transport.Errorf("vxi11 portmapper", transport.ErrNotFound, err)
	}
	s.mu.Lock()
	s.pmAddr = addr
	s.mu.Unlock()
	s.log.Info("vxi11: registered with portmapper", "addr", addr)
	return nil
}

// CoreAddr returns the address of the core channel (nil before Start).
func (s *Server) CoreAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.coreAddr
}

// AbortAddr returns the address of the abort channel (nil before Start).
func (s *Server) AbortAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.abortAddr
}

// PortmapperAddr returns the TCP address of the embedded portmapper, or of
// the portmapper the server registered with, as a string ("" for none).
func (s *Server) PortmapperAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pm != nil {
		return s.pm.TCPAddr().String()
	}
	return s.pmAddr
}

// Shutdown stops accepting connections, waits for calls in progress to
// finish (or ctx to end, then closes everything as Close does), drops every
// link and interrupt channel, and withdraws the core port from the
// portmapper.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.stop(ctx, true)
}

// Close stops the server at once: connections are closed, calls in
// progress are cancelled and links are dropped.
func (s *Server) Close() error {
	return s.stop(context.Background(), false)
}

func (s *Server) stop(ctx context.Context, graceful bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	core, abort, pm, pmAddr := s.core, s.abort, s.pm, s.pmAddr
	s.mu.Unlock()

	var err error
	for _, rs := range []*rpc.Server{core, abort} {
		if rs == nil {
			continue
		}
		if graceful {
			if e := rs.Shutdown(ctx); e != nil && err == nil {
				err = e
			}
		} else {
			// Closes the connections, cancels the calls in progress and
			// waits for their handlers, which end with their contexts.
			rs.Close()
		}
	}
	// Cancels whatever the rpc servers did not (interrupt senders, lock
	// waits of connections that are going away).
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	for _, h := range s.devices {
		if h.unsub != nil {
			h.unsub()
			h.unsub = nil
		}
	}
	s.mu.Unlock()
	if pm != nil {
		if graceful {
			_ = pm.Shutdown(ctx)
		} else {
			pm.Close()
		}
	}
	if pmAddr != "" {
		uctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_ = portmap.UnregisterWith(uctx, pmAddr, ProgCore, ProgVersion)
		cancel()
	}
	return err
}
