package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/discovery/dnsmsg"
)

// recvBuf is the receive buffer: RFC 6762 §17 caps mDNS messages at 9000
// bytes; longer datagrams arrive truncated and fail to parse.
const recvBuf = 9000

// packet is one decoded response handed from a reader to the browse loop.
type packet struct {
	msg  *dnsmsg.Message
	src  netip.Addr
	zone string
}

// BrowseMDNS asks for the DNS-SD services in opts.Services (every service in
// DefaultServices when empty) and returns the instruments that answered
// before the deadline, sorted by resource name. Queries for all services go
// out at once, one question per message (some embedded responders only read
// the first question), and every instance is followed from PTR to SRV, TXT
// and addresses, asking again for whatever the answers left out.
//
// It fails only when no socket could be opened; an empty result with a nil
// error means nothing answered.
func BrowseMDNS(ctx context.Context, opts Options) ([]Found, error) {
	ctx, cancel := opts.withDeadline(ctx)
	defer cancel()
	log := opts.logger()
	services := opts.Services
	if len(services) == 0 {
		services = DefaultServices
	}
	eps, dests, err := browseEndpoints(&opts, log)
	if err != nil {
		return nil, err
	}

	pkts := make(chan packet, 64)
	var wg sync.WaitGroup
	for _, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readResponses(ctx, ep, pkts, log)
		}()
	}
	// Closing the sockets is what ends the readers.
	stop := context.AfterFunc(ctx, func() { closeAll(eps) })
	defer func() {
		if stop() {
			closeAll(eps)
		}
		wg.Wait()
	}()

	domain := opts.domain()
	c := newCache(services, domain)
	wantV4, wantV6 := false, false
	for _, ep := range eps {
		wantV4, wantV6 = wantV4 || !ep.v6, wantV6 || ep.v6
	}
	q := newQuerier(opts.QueryInterval)
	for _, s := range services {
		q.want(dnsmsg.Question{Name: s + "." + domain + ".", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET}, true)
	}
	send := func(qs []dnsmsg.Question) {
		for _, qu := range qs {
			m := &dnsmsg.Message{Questions: []dnsmsg.Question{qu}}
			if qu.Type == dnsmsg.TypePTR {
				m.Answers = c.knownPTR(qu.Name)
			}
			b, err := m.Append(nil)
			if err != nil {
				log.Debug("mdns query encode", "name", qu.Name, "err", err)
				continue
			}
			for _, ep := range eps {
				for _, d := range dests(ep) {
					if _, err := ep.conn.WriteToUDPAddrPort(b, d); err != nil {
						log.Debug("mdns query send", "to", d, "err", err)
					}
				}
			}
		}
	}

	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return c.results(), nil
		case p := <-pkts:
			c.add(p.msg, p.src, p.zone)
			// Stop asking for what arrived; ask at once for what is new.
			q.retain(c.missing(wantV4, wantV6))
		case <-timer.C:
		}
		send(q.due(time.Now()))
		timer.Reset(q.next(time.Now()))
	}
}

// browseEndpoints opens the browser's sockets: unicast ones towards
// opts.MDNSAddrs, or multicast ones on the chosen interfaces. dests tells
// where an endpoint sends its queries.
func browseEndpoints(opts *Options, log *slog.Logger) ([]*endpoint, func(*endpoint) []netip.AddrPort, error) {
	if len(opts.MDNSAddrs) == 0 {
		eps, err := multicastEndpoints(opts.Interfaces, opts.Network, log)
		if err != nil {
			return nil, nil, err
		}
		return eps, func(ep *endpoint) []netip.AddrPort { return []netip.AddrPort{ep.group} }, nil
	}
	var v4, v6 []netip.AddrPort
	for _, s := range opts.MDNSAddrs {
		ap, err := resolveAddrPort(s, MDNSPort)
		if err != nil {
			return nil, nil, err
		}
		if ap.Addr().Is4() {
			v4 = append(v4, ap)
		} else {
			v6 = append(v6, ap)
		}
	}
	var eps []*endpoint
	for _, fam := range []struct {
		network string
		dsts    []netip.AddrPort
	}{{"udp4", v4}, {"udp6", v6}} {
		if len(fam.dsts) == 0 {
			continue
		}
		// An ephemeral port makes the queries "legacy unicast": responders
		// answer straight back to it (RFC 6762 §6.7).
		c, err := net.ListenUDP(fam.network, nil)
		if err != nil {
			closeAll(eps)
			return nil, nil, transport.Errorf("mdns listen", transport.ErrIO, err)
		}
		eps = append(eps, &endpoint{conn: c, v6: fam.network == "udp6"})
	}
	return eps, func(ep *endpoint) []netip.AddrPort {
		if ep.v6 {
			return v6
		}
		return v4
	}, nil
}

// resolveAddrPort parses "host:port" or "host" (IP literals only: discovery
// must not depend on a resolver, and names could lead off the link).
func resolveAddrPort(s string, defPort uint16) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		if h, p, serr := net.SplitHostPort(s); serr == nil {
			return netip.AddrPort{}, transport.Errorf("discovery", transport.ErrInvalidArg, fmt.Errorf("%q: host %q is not an IP address (port %s)", s, h, p))
		}
		return netip.AddrPort{}, transport.Errorf("discovery", transport.ErrInvalidArg, fmt.Errorf("%q is not an IP address or address:port", s))
	}
	return netip.AddrPortFrom(a.Unmap(), defPort), nil
}

// readResponses decodes datagrams from ep until its socket is closed and
// hands responses to the browse loop.
func readResponses(ctx context.Context, ep *endpoint, out chan<- packet, log *slog.Logger) {
	buf := make([]byte, recvBuf)
	zone := ""
	if ep.ifi != nil {
		zone = ep.ifi.Name
	}
	for {
		n, src, err := ep.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Debug("mdns read", "err", err)
			}
			return
		}
		m, err := dnsmsg.Parse(buf[:n])
		if err != nil {
			log.Debug("mdns drop", "from", src, "err", err)
			continue
		}
		// Queries (ours looped back, or other queriers') and error
		// responses carry nothing to use (RFC 6762 §18.3, §18.11).
		if !m.Response() || m.Opcode() != 0 || m.Rcode() != 0 {
			continue
		}
		select {
		case out <- packet{msg: m, src: src.Addr().Unmap(), zone: zone}:
		case <-ctx.Done():
			return
		}
	}
}
