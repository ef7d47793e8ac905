package discovery

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/govisa/govisa/transport"
)

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// endpoint is one socket of a browser or responder: a multicast socket on
// one interface and family, or a unicast socket.
type endpoint struct {
	conn  *net.UDPConn
	ifi   *net.Interface // nil for unicast sockets
	v6    bool
	group netip.AddrPort // multicast destination; invalid for unicast sockets
	// prefixes are the interface's addresses (for A/AAAA answers and the
	// on-link check); nil for unicast sockets.
	prefixes []netip.Prefix
}

// listenMulticast opens an mDNS socket on port 5353 of ifi for one family:
// bound to the group, joined on ifi, with its outgoing multicast interface
// set to ifi (net.ListenMulticastUDP does those three).
func listenMulticast(ifi *net.Interface, v6 bool, log *slog.Logger) (*endpoint, error) {
	network, group := "udp4", netip.MustParseAddr(MDNSGroupV4)
	if v6 {
		network, group = "udp6", netip.MustParseAddr(MDNSGroupV6).WithZone(ifi.Name)
	}
	ga := netip.AddrPortFrom(group, MDNSPort)
	c, err := net.ListenMulticastUDP(network, ifi, net.UDPAddrFromAddrPort(ga))
	if err != nil {
		return nil, transport.Errorf("mdns listen", transport.ErrIO, fmt.Errorf("%s on %s: %w", network, ifi.Name, err))
	}
	if rc, err := c.SyscallConn(); err == nil {
		var serr error
		if err := rc.Control(func(fd uintptr) { serr = tuneMulticast(fd, v6) }); err != nil || serr != nil {
			// Not fatal: defaults (TTL 1, no loopback) still reach other hosts.
			log.Debug("mdns socket options", "iface", ifi.Name, "err", errors.Join(err, serr))
		}
	}
	return &endpoint{conn: c, ifi: ifi, v6: v6, group: ga, prefixes: ifaceAddrs(ifi)}, nil
}

// hasFamily reports whether the interface has an address of the family.
func hasFamily(ps []netip.Prefix, v6 bool) bool {
	for _, p := range ps {
		if p.Addr().Is6() == v6 {
			return true
		}
	}
	return false
}

// multicastEndpoints opens one multicast socket per chosen interface and
// family. Failures on some interfaces are logged through onErr; only when
// none opened is an error returned.
func multicastEndpoints(names []string, network string, log *slog.Logger) ([]*endpoint, error) {
	switch network {
	case "", "udp", "udp4", "udp6":
	default:
		return nil, transport.Errorf("mdns", transport.ErrInvalidArg, fmt.Errorf("network %q (want udp4, udp6 or empty)", network))
	}
	ifs, err := pickInterfaces(names, net.FlagMulticast)
	if err != nil {
		return nil, err
	}
	var eps []*endpoint
	var errs []error
	for i := range ifs {
		ifi := &ifs[i]
		ps := ifaceAddrs(ifi)
		for _, v6 := range []bool{false, true} {
			if (v6 && network == "udp4") || (!v6 && network == "udp6") || !hasFamily(ps, v6) {
				continue
			}
			ep, err := listenMulticast(ifi, v6, log)
			if err != nil {
				errs = append(errs, err)
				log.Debug("mdns socket", "err", err)
				continue
			}
			eps = append(eps, ep)
		}
	}
	if len(eps) == 0 {
		if len(errs) == 0 {
			errs = append(errs, transport.Errorf("mdns", transport.ErrNotFound, errors.New("no multicast-capable interface with an address")))
		}
		return nil, errors.Join(errs...)
	}
	return eps, nil
}

// closeAll closes every endpoint's socket.
func closeAll(eps []*endpoint) {
	for _, ep := range eps {
		ep.conn.Close()
	}
}
