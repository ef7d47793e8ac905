package discovery

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/govisa/govisa/transport"
)

// pickInterfaces returns the interfaces named in names, or, when names is
// empty, every interface that is up, has all the flags in need and is not a
// loopback interface. Named interfaces are taken as given: a test may name
// "lo" on purpose.
func pickInterfaces(names []string, need net.Flags) ([]net.Interface, error) {
	if len(names) > 0 {
		out := make([]net.Interface, 0, len(names))
		for _, n := range names {
			ifi, err := net.InterfaceByName(n)
			if err != nil {
				return nil, transport.Errorf("discovery", transport.ErrInvalidArg, fmt.Errorf("interface %q: %w", n, err))
			}
			out = append(out, *ifi)
		}
		return out, nil
	}
	all, err := net.Interfaces()
	if err != nil {
		return nil, transport.Errorf("discovery", transport.ErrIO, err)
	}
	var out []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagLoopback != 0 || ifi.Flags&need != need {
			continue
		}
		out = append(out, ifi)
	}
	return out, nil
}

// ifaceAddrs returns the interface's addresses as prefixes (IPv6 link-local
// addresses carry the interface name as zone).
func ifaceAddrs(ifi *net.Interface) []netip.Prefix {
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		ones, _ := ipn.Mask.Size()
		if ip.Is6() && ip.IsLinkLocalUnicast() {
			ip = ip.WithZone(ifi.Name)
		}
		out = append(out, netip.PrefixFrom(ip, ones))
	}
	return out
}

// onLink reports whether src is a neighbour on an interface with the given
// prefixes: inside one of them, or IPv6 link-local. RFC 6762 §11 asks
// responders to ignore queries from elsewhere.
func onLink(src netip.Addr, prefixes []netip.Prefix) bool {
	src = src.Unmap()
	if src.Is6() && src.IsLinkLocalUnicast() {
		return true
	}
	for _, p := range prefixes {
		if p.Contains(src.WithZone("")) {
			return true
		}
	}
	return false
}

// broadcastAddr returns the IPv4 directed broadcast address of p.
func broadcastAddr(p netip.Prefix) (netip.Addr, bool) {
	if !p.Addr().Is4() || p.Bits() >= 31 {
		return netip.Addr{}, false
	}
	a := p.Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(a), true
}
