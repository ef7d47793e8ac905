package discovery

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/discovery/dnsmsg"
)

// AnnounceOptions configures [Announce].
type AnnounceOptions struct {
	// Interfaces names the interfaces to answer on. Empty: every interface
	// that is up and multicast-capable, loopback excluded.
	Interfaces []string
	// Network restricts the responder to "udp4" or "udp6"; empty uses both.
	Network string
	// ListenAddr, when set ("127.0.0.1:0" in tests), replaces multicast:
	// the responder listens on this unicast UDP address, answers every
	// query by unicast to its sender and sends no announcements.
	ListenAddr string
	// HostName is the host label published in SRV targets (the system host
	// name's first label when empty); the records use HostName.Domain.
	HostName string
	// Domain is the DNS-SD domain ("local" when empty).
	Domain string
	// Addrs overrides the addresses published in A and AAAA records.
	// Empty: the addresses of the interface a query arrived on (for
	// ListenAddr, its address, or every interface's when unspecified).
	Addrs []netip.Addr
	// NoAnnounce suppresses the unsolicited announcements at start and the
	// goodbye at Close; the responder still answers queries.
	NoAnnounce bool
	// NoProbe skips the probing for instance-name conflicts (RFC 6762
	// §8.1) that a multicast responder does before answering; it saves
	// the 750 ms that probing takes.
	NoProbe bool
	// Logger receives debug traces; nil is silent.
	Logger *slog.Logger
}

// Announcer answers mDNS/DNS-SD queries for a set of services until Close
// or until the context given to Announce ends.
type Announcer struct {
	mu        sync.RWMutex // guards z (instances are renamed on conflicts) and conflicts
	z         *zone
	conflicts chan string // instance names seen in others' responses, while probing
	ready     chan struct{}
	answering atomic.Bool // false while probing: the names are not ours yet

	// probeEvery and probeHook let tests run probing fast and
	// deterministically (zero: probeInterval; nil: no hook).
	probeEvery time.Duration
	probeHook  func()

	ctx  context.Context
	eps  []*endpoint
	opts AnnounceOptions
	log  *slog.Logger

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Announce starts a responder for services and returns at once; it runs
// until Close or until ctx ends. In multicast mode it first probes for
// instance names already taken on the link (RFC 6762 §8.1, about 750 ms,
// renaming "Name" to "Name (2)" on a conflict; see Ready and Services),
// then sends the unsolicited announcements of §8.3 (twice, one second
// apart) and answers queries on every chosen interface; Close sends
// goodbyes (records with TTL 0) so that browsers forget the services at
// once. Host names are not probed, and the simultaneous-probe tie-break of
// §8.2 and conflict handling after start-up (§9) are not done.
func Announce(ctx context.Context, services []Service, opts AnnounceOptions) (*Announcer, error) {
	z, err := newZone(services, opts.HostName, opts.Domain)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var eps []*endpoint
	if opts.ListenAddr != "" {
		ap, err := netip.ParseAddrPort(opts.ListenAddr)
		if err != nil {
			return nil, transport.Errorf("mdns announce", transport.ErrInvalidArg, err)
		}
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return nil, transport.Errorf("mdns listen", transport.ErrIO, err)
		}
		eps = []*endpoint{{conn: c, v6: ap.Addr().Is6() && !ap.Addr().Is4In6()}}
	} else if eps, err = multicastEndpoints(opts.Interfaces, opts.Network, log); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	a := &Announcer{z: z, eps: eps, opts: opts, log: log, cancel: cancel, ctx: ctx, ready: make(chan struct{})}
	if opts.ListenAddr != "" || opts.NoProbe {
		a.answering.Store(true) // nothing to probe: answer from the first query
	}
	for _, ep := range eps {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.serve(ep)
		}()
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.run(ctx)
	}()
	return a, nil
}

// Addrs returns the local addresses the responder's sockets are bound to
// (with ListenAddr ":0", the port actually chosen).
func (a *Announcer) Addrs() []netip.AddrPort {
	out := make([]netip.AddrPort, 0, len(a.eps))
	for _, ep := range a.eps {
		out = append(out, ep.conn.LocalAddr().(*net.UDPAddr).AddrPort())
	}
	return out
}

// Close sends goodbyes (in multicast mode), stops the responder and waits
// for its goroutines. It is safe to call more than once.
func (a *Announcer) Close() error {
	a.cancel()
	a.wg.Wait()
	return nil
}

// Ready is closed once the responder answers queries: at once in unicast
// mode or with NoProbe, after probing (and renaming on conflicts)
// otherwise. It is also closed when the responder stops.
func (a *Announcer) Ready() <-chan struct{} { return a.ready }

// Services returns the announced services with their current instance
// names, which differ from the ones given to Announce when probing found
// them taken ("Name (2)").
func (a *Announcer) Services() []Service {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return append([]Service(nil), a.z.svcs...)
}

// run probes, announces, waits for the end, says goodbye and closes the
// sockets.
func (a *Announcer) run(ctx context.Context) {
	defer closeAll(a.eps)
	if a.opts.ListenAddr == "" && !a.opts.NoProbe {
		a.probe(ctx)
	}
	a.answering.Store(true)
	close(a.ready)
	multicast := a.opts.ListenAddr == "" && !a.opts.NoAnnounce && ctx.Err() == nil
	if multicast {
		for i := 0; i < 2; i++ {
			if i > 0 {
				t := time.NewTimer(time.Second)
				select {
				case <-ctx.Done():
					t.Stop()
				case <-t.C:
				}
			}
			if ctx.Err() != nil {
				break
			}
			a.announce(1)
		}
	}
	<-ctx.Done()
	if multicast {
		a.announce(0)
	}
}

// announce multicasts every record on every endpoint; ttlScale 0 turns them
// into goodbyes.
func (a *Announcer) announce(ttlScale uint32) {
	for _, ep := range a.eps {
		a.mu.RLock()
		rs := a.z.all(a.addrsFor(ep))
		a.mu.RUnlock()
		for i := range rs {
			rs[i].TTL *= ttlScale
		}
		m := &dnsmsg.Message{Header: dnsmsg.Header{Flags: dnsmsg.FlagResponse | dnsmsg.FlagAuthoritative}, Answers: rs}
		a.send(ep, m, ep.group)
	}
}

func (a *Announcer) send(ep *endpoint, m *dnsmsg.Message, to netip.AddrPort) {
	b, err := m.Append(nil)
	if err != nil {
		a.log.Debug("mdns encode", "err", err)
		return
	}
	if _, err := ep.conn.WriteToUDPAddrPort(b, to); err != nil && !errors.Is(err, net.ErrClosed) {
		a.log.Debug("mdns send", "to", to, "err", err)
	}
}

// addrsFor returns the addresses to publish for queries arriving on ep.
func (a *Announcer) addrsFor(ep *endpoint) []netip.Addr {
	if len(a.opts.Addrs) > 0 {
		return a.opts.Addrs
	}
	var ps []netip.Prefix
	switch {
	case ep.ifi != nil:
		ps = ep.prefixes
	default:
		la := ep.conn.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
		if !la.IsUnspecified() {
			return []netip.Addr{la}
		}
		ifs, _ := net.Interfaces()
		for i := range ifs {
			ps = append(ps, ifaceAddrs(&ifs[i])...)
		}
	}
	out := make([]netip.Addr, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Addr())
	}
	return out
}

// serve answers the queries arriving on ep until its socket closes.
func (a *Announcer) serve(ep *endpoint) {
	buf := make([]byte, recvBuf)
	for {
		n, src, err := ep.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				a.log.Debug("mdns read", "err", err)
			}
			return
		}
		m, err := dnsmsg.Parse(buf[:n])
		if err != nil {
			a.log.Debug("mdns drop", "from", src, "err", err)
			continue
		}
		if m.Opcode() != 0 {
			continue
		}
		if m.Response() {
			a.noteConflicts(m)
			continue
		}
		if !a.answering.Load() {
			continue
		}
		src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
		// Traffic on a loopback interface can only come from this host,
		// whatever source address the kernel chose for it.
		if ep.ifi != nil && ep.ifi.Flags&net.FlagLoopback == 0 && !onLink(src.Addr(), ep.prefixes) {
			a.log.Debug("mdns query from off-link source ignored", "from", src)
			continue
		}
		resp, to, ok := a.respond(ep, m, src)
		if !ok {
			continue
		}
		if to == ep.group && hasShared(resp.Answers) {
			// Several responders may hold shared (PTR) answers: spread the
			// replies over 20-120 ms (RFC 6762 §6).
			a.sendLater(ep, resp, to, 20*time.Millisecond+rand.N(100*time.Millisecond))
			continue
		}
		a.send(ep, resp, to)
	}
}

// respond builds the reply to query m from src and says where it goes.
func (a *Announcer) respond(ep *endpoint, m *dnsmsg.Message, src netip.AddrPort) (*dnsmsg.Message, netip.AddrPort, bool) {
	addrs := a.addrsFor(ep)
	var ans, add []dnsmsg.Record
	a.mu.RLock()
	defer a.mu.RUnlock()
	unicastAsked := len(m.Questions) > 0
	for _, q := range m.Questions {
		if c := q.Class &^ dnsmsg.ClassUnicastResponse; c != dnsmsg.ClassINET && c != dnsmsg.ClassANY {
			continue
		}
		unicastAsked = unicastAsked && q.Class&dnsmsg.ClassUnicastResponse != 0
		a.z.answer(q, addrs, &ans, &add)
	}
	ans = dedupe(suppressKnown(ans, m.Answers), nil)
	if len(ans) == 0 {
		return nil, netip.AddrPort{}, false
	}
	add = dedupe(add, ans)
	resp := &dnsmsg.Message{Header: dnsmsg.Header{Flags: dnsmsg.FlagResponse | dnsmsg.FlagAuthoritative}, Answers: ans, Additionals: add}
	// A query from a port other than 5353 comes from a simple resolver:
	// answer it by unicast, echo its ID and question, cap TTLs at 10 s and
	// drop the cache-flush bit (RFC 6762 §6.7). A unicast-mode responder
	// always answers this way.
	if ep.ifi == nil || src.Port() != MDNSPort {
		resp.ID = m.ID
		resp.Questions = m.Questions
		for _, sec := range [][]dnsmsg.Record{resp.Answers, resp.Additionals} {
			for i := range sec {
				sec[i].TTL = min(sec[i].TTL, 10)
				sec[i].Class &^= dnsmsg.ClassCacheFlush
			}
		}
		return resp, src, true
	}
	if unicastAsked {
		return resp, src, true // QU questions (RFC 6762 §5.4)
	}
	return resp, ep.group, true
}

// suppressKnown drops answers the querier listed as known with at least
// half their TTL left (RFC 6762 §7.1).
func suppressKnown(ans, known []dnsmsg.Record) []dnsmsg.Record {
	if len(known) == 0 {
		return ans
	}
	out := ans[:0]
	for _, r := range ans {
		drop := false
		for _, k := range known {
			if sameRecord(&r, &k) && k.TTL >= r.TTL/2 {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, r)
		}
	}
	return out
}

// dedupe removes duplicates from rs and records already in also.
func dedupe(rs, also []dnsmsg.Record) []dnsmsg.Record {
	out := rs[:0]
next:
	for i := range rs {
		for j := range also {
			if sameRecord(&rs[i], &also[j]) {
				continue next
			}
		}
		for j := range out {
			if sameRecord(&rs[i], &out[j]) {
				continue next
			}
		}
		out = append(out, rs[i])
	}
	return out
}

// sameRecord compares name, type and data (not TTL or class bits).
func sameRecord(a, b *dnsmsg.Record) bool {
	if a.Type != b.Type || !dnsmsg.EqualNames(a.Name, b.Name) {
		return false
	}
	switch a.Type {
	case dnsmsg.TypePTR:
		return dnsmsg.EqualNames(a.Target, b.Target)
	case dnsmsg.TypeSRV:
		return a.Port == b.Port && a.Priority == b.Priority && a.Weight == b.Weight && dnsmsg.EqualNames(a.Target, b.Target)
	case dnsmsg.TypeA, dnsmsg.TypeAAAA:
		return a.Addr.WithZone("") == b.Addr.WithZone("")
	case dnsmsg.TypeTXT:
		if len(a.Text) != len(b.Text) {
			return false
		}
		for i := range a.Text {
			if a.Text[i] != b.Text[i] {
				return false
			}
		}
		return true
	}
	return string(a.Data) == string(b.Data)
}
