package portmap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

type key struct{ prog, vers, prot uint32 }

// Server is a portmapper that can run inside any process: on 127.0.0.1:0
// in tests, on port 111 when the process may bind it (see [Server.Start]),
// or as one more program of an existing [rpc.Server] (see
// [Server.Handler]). Its table can also be edited directly with
// [Server.Set] and [Server.Unset].
type Server struct {
	// AllowRemoteSet lets peers outside the loopback network SET and
	// UNSET mappings. By default they are answered false, as rpcbind does.
	AllowRemoteSet bool
	// CallItTimeout bounds a call forwarded by CALLIT (default 1 s).
	CallItTimeout time.Duration
	// Logger receives debug traces; nil is silent.
	Logger *slog.Logger

	mu      sync.Mutex
	table   map[key]uint32
	srv     *rpc.Server
	tcpAddr net.Addr
	udpAddr net.Addr
	done    chan struct{}
}

// NewServer returns a portmapper with an empty table.
func NewServer() *Server {
	return &Server{table: make(map[key]uint32)}
}

// Set adds m to the table. Like the SET procedure it fails (false) if a
// mapping for the same program, version and protocol exists.
func (s *Server) Set(m Mapping) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{m.Prog, m.Vers, m.Prot}
	if _, ok := s.table[k]; ok {
		return false
	}
	s.table[k] = m.Port
	return true
}

// Unset removes the mappings of prog/vers for every protocol and reports
// whether there were any.
func (s *Server) Unset(prog, vers uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	for k := range s.table {
		if k.prog == prog && k.vers == vers {
			delete(s.table, k)
			found = true
		}
	}
	return found
}

// GetPort returns the port of prog/vers/prot, 0 if none.
func (s *Server) GetPort(prog, vers, prot uint32) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.table[key{prog, vers, prot}]
}

// Mappings returns the table, sorted by program, version and protocol.
func (s *Server) Mappings() []Mapping {
	s.mu.Lock()
	ms := make([]Mapping, 0, len(s.table))
	for k, p := range s.table {
		ms = append(ms, Mapping{k.prog, k.vers, k.prot, p})
	}
	s.mu.Unlock()
	sort.Slice(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.Prog != b.Prog {
			return a.Prog < b.Prog
		}
		if a.Vers != b.Vers {
			return a.Vers < b.Vers
		}
		return a.Prot < b.Prot
	})
	return ms
}

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Handler returns the RPC handler of the portmapper, to register as
// Program/Version on an [rpc.Server].
func (s *Server) Handler() rpc.Handler { return s.handle }

func (s *Server) handle(ctx context.Context, req *rpc.Request, res []byte) ([]byte, error) {
	d := req.Args
	switch req.Proc {
	case ProcSet, ProcUnset:
		var m Mapping
		_ = m.DecodeXDR(d)
		if err := d.End(); err != nil {
			return nil, err
		}
		if !s.AllowRemoteSet && !isLoopback(req.RemoteAddr) {
			s.log().Debug("portmap: refused registration from a remote peer", "peer", req.RemoteAddr)
			return rpc.AppendBool(res, false), nil
		}
		if req.Proc == ProcSet {
			return rpc.AppendBool(res, s.Set(m)), nil
		}
		return rpc.AppendBool(res, s.Unset(m.Prog, m.Vers)), nil
	case ProcGetPort:
		var m Mapping
		_ = m.DecodeXDR(d)
		if err := d.End(); err != nil {
			return nil, err
		}
		return rpc.AppendUint32(res, s.GetPort(m.Prog, m.Vers, m.Prot)), nil
	case ProcDump:
		if err := d.End(); err != nil {
			return nil, err
		}
		return AppendMappings(res, s.Mappings()), nil
	case ProcCallIt:
		var a CallArgs
		_ = a.DecodeXDR(d)
		if err := d.End(); err != nil {
			return nil, err
		}
		return s.callIt(ctx, &a, res)
	}
	return nil, rpc.ProcUnavail
}

// callIt forwards a call to a program registered here, on the loopback
// address. Any failure sends no reply at all, as RFC 1833 asks (CALLIT is
// meant for broadcasts, where error replies would flood the caller).
func (s *Server) callIt(ctx context.Context, a *CallArgs, res []byte) ([]byte, error) {
	if a.Prog == Program {
		return nil, rpc.NoReply // never forward to ourselves
	}
	network, port := "udp", s.GetPort(a.Prog, a.Vers, ProtoUDP)
	if port == 0 {
		network, port = "tcp", s.GetPort(a.Prog, a.Vers, ProtoTCP)
	}
	if port == 0 {
		return nil, rpc.NoReply
	}
	timeout := s.CallItTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := rpc.Dial(ctx, network, net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		s.log().Debug("portmap: callit dial failed", "err", err)
		return nil, rpc.NoReply
	}
	defer c.Close()
	var out []byte
	err = c.Call(ctx, a.Prog, a.Vers, a.Proc,
		rpc.AppenderFunc(func(dst []byte) []byte { return append(dst, a.Args...) }),
		rpc.DecoderFunc(func(d *rpc.Decoder) error { out = append(out, d.Rest()...); return nil }))
	if err != nil {
		s.log().Debug("portmap: callit failed", "prog", a.Prog, "proc", a.Proc, "err", err)
		return nil, rpc.NoReply
	}
	r := CallResult{Port: port, Res: out}
	return r.AppendXDR(res), nil
}

func isLoopback(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UDPAddr:
		return a.IP.IsLoopback()
	}
	return false
}

// Start listens on addr ("127.0.0.1:0" for any free port, ":111" for the
// standard one) with TCP and UDP on the same port, registers the
// portmapper's own mappings, and serves in the background until Shutdown
// or Close.
func (s *Server) Start(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return transport.Errorf("portmap listen", transport.ErrInvalidArg, err)
	}
	var l net.Listener
	var pc net.PacketConn
	// With port 0 the kernel picks a TCP port that may be taken for UDP:
	// try a few times.
	for try := 0; ; try++ {
		l, err = net.Listen("tcp", net.JoinHostPort(host, port))
		if err != nil {
			return transport.NetError("portmap listen", err)
		}
		p := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		pc, err = net.ListenPacket("udp", net.JoinHostPort(host, p))
		if err == nil {
			break
		}
		l.Close()
		if port != "0" || try == 10 {
			return transport.NetError("portmap listen", err)
		}
	}
	srv := rpc.NewServer()
	srv.Logger = s.Logger
	srv.Register(Program, Version, s.Handler())
	s.mu.Lock()
	s.srv, s.tcpAddr, s.udpAddr = srv, l.Addr(), pc.LocalAddr()
	s.done = make(chan struct{})
	s.mu.Unlock()
	p := uint32(l.Addr().(*net.TCPAddr).Port)
	s.Set(Mapping{Program, Version, ProtoTCP, p})
	s.Set(Mapping{Program, Version, ProtoUDP, p})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = srv.Serve(l) }()
	go func() { defer wg.Done(); _ = srv.ServePacket(pc) }()
	go func() { wg.Wait(); close(s.done) }()
	return nil
}

// TCPAddr returns the TCP address Start listens on (nil before Start).
func (s *Server) TCPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tcpAddr
}

// UDPAddr returns the UDP address Start listens on (nil before Start).
func (s *Server) UDPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.udpAddr
}

var errNotStarted = errors.New("portmap: server not started")

// Shutdown stops a started server gracefully (see [rpc.Server.Shutdown]).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()
	if srv == nil {
		return transport.Errorf("portmap shutdown", transport.ErrClosed, errNotStarted)
	}
	err := srv.Shutdown(ctx)
	select {
	case <-done:
	case <-ctx.Done():
	}
	return err
}

// Close stops a started server at once.
func (s *Server) Close() error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	<-done
	return err
}

// String describes the server for logs.
func (s *Server) String() string {
	return fmt.Sprintf("portmap tcp=%v udp=%v", s.TCPAddr(), s.UDPAddr())
}
