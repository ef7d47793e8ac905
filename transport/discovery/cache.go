package discovery

import (
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/govisa/govisa/transport/discovery/dnsmsg"
)

// Limits on what one discovery keeps, so that a flood of answers cannot
// grow memory without bound.
const (
	maxInstances     = 4096
	maxAddrsPerHost  = 16
	maxHosts         = 4096
	maxTextPerRecord = 64
)

type srvInfo struct {
	target string // presentation form
	port   uint16
	src    netip.Addr // who sent it: the fallback address
}

// cache collects the records of a browse and tells which are still missing.
type cache struct {
	services map[string]string            // canonical service name -> service type ("_hislip._tcp")
	ptr      map[string]map[string]string // canonical service name -> canonical instance -> instance name
	srv      map[string]srvInfo           // canonical instance
	txt      map[string][]string          // canonical instance
	addrs    map[string][]netip.Addr      // canonical host name
	count    int                          // instances across services
}

func newCache(services []string, domain string) *cache {
	c := &cache{
		services: map[string]string{},
		ptr:      map[string]map[string]string{},
		srv:      map[string]srvInfo{},
		txt:      map[string][]string{},
		addrs:    map[string][]netip.Addr{},
	}
	for _, s := range services {
		c.services[dnsmsg.Canonical(s+"."+domain)] = s
	}
	return c
}

// add takes the records of one response received from src on interface
// zone (for link-local IPv6 addresses; "" when unknown).
func (c *cache) add(m *dnsmsg.Message, src netip.Addr, zone string) {
	for _, sec := range [][]dnsmsg.Record{m.Answers, m.Additionals} {
		for i := range sec {
			c.addRecord(&sec[i], src, zone)
		}
	}
}

func (c *cache) addRecord(r *dnsmsg.Record, src netip.Addr, zone string) {
	name := dnsmsg.Canonical(r.Name)
	gone := r.TTL == 0 // a goodbye (RFC 6762 §10.1)
	switch r.Type {
	case dnsmsg.TypePTR:
		if _, ok := c.services[name]; !ok {
			return
		}
		inst := dnsmsg.Canonical(r.Target)
		set := c.ptr[name]
		if gone {
			if _, ok := set[inst]; ok {
				delete(set, inst)
				c.count--
			}
			return
		}
		if set == nil {
			set = map[string]string{}
			c.ptr[name] = set
		}
		if _, ok := set[inst]; !ok && c.count < maxInstances {
			set[inst] = r.Target
			c.count++
		}
	case dnsmsg.TypeSRV:
		if gone {
			delete(c.srv, name)
			return
		}
		if len(c.srv) < maxInstances || c.hasSRV(name) {
			c.srv[name] = srvInfo{target: r.Target, port: r.Port, src: src}
		}
	case dnsmsg.TypeTXT:
		if gone {
			delete(c.txt, name)
			return
		}
		if len(c.txt) < maxInstances || c.txt[name] != nil {
			c.txt[name] = r.Text[:min(len(r.Text), maxTextPerRecord)]
		}
	case dnsmsg.TypeA, dnsmsg.TypeAAAA:
		a := r.Addr
		if a.Is6() && a.IsLinkLocalUnicast() && zone != "" {
			a = a.WithZone(zone)
		}
		list := c.addrs[name]
		if gone {
			c.addrs[name] = slices.DeleteFunc(list, func(x netip.Addr) bool { return x == a })
			return
		}
		if slices.Contains(list, a) || len(list) >= maxAddrsPerHost || (list == nil && len(c.addrs) >= maxHosts) {
			return
		}
		c.addrs[name] = append(list, a)
	}
}

func (c *cache) hasSRV(name string) bool { _, ok := c.srv[name]; return ok }

// missing returns the questions that would complete what is known: SRV and
// TXT of each instance, addresses of each SRV target.
func (c *cache) missing(wantV4, wantV6 bool) []dnsmsg.Question {
	var qs []dnsmsg.Question
	for _, set := range c.ptr {
		for inst, name := range set {
			if _, ok := c.srv[inst]; !ok {
				qs = append(qs, dnsmsg.Question{Name: name, Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassINET})
			}
			if _, ok := c.txt[inst]; !ok {
				qs = append(qs, dnsmsg.Question{Name: name, Type: dnsmsg.TypeTXT, Class: dnsmsg.ClassINET})
			}
		}
	}
	for _, s := range c.srv {
		if len(c.addrs[dnsmsg.Canonical(s.target)]) > 0 {
			continue
		}
		if wantV4 {
			qs = append(qs, dnsmsg.Question{Name: s.target, Type: dnsmsg.TypeA, Class: dnsmsg.ClassINET})
		}
		if wantV6 {
			qs = append(qs, dnsmsg.Question{Name: s.target, Type: dnsmsg.TypeAAAA, Class: dnsmsg.ClassINET})
		}
	}
	return qs
}

// knownPTR returns the PTR answers known for a service, for known-answer
// suppression in repeated queries (RFC 6762 §7.1).
func (c *cache) knownPTR(svcName string) []dnsmsg.Record {
	var rs []dnsmsg.Record
	for _, name := range c.ptr[dnsmsg.Canonical(svcName)] {
		rs = append(rs, dnsmsg.Record{Name: svcName, Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET, TTL: defaultTTLPT, Target: name})
	}
	return rs
}

// results turns every instance with an SRV record into a Found.
func (c *cache) results() []Found {
	var out []Found
	for svcName, set := range c.ptr {
		svc := c.services[svcName]
		for inst, name := range set {
			s, ok := c.srv[inst]
			if !ok {
				continue
			}
			addr, ok := pickAddr(c.addrs[dnsmsg.Canonical(s.target)])
			if !ok {
				addr = s.src
			}
			if !addr.IsValid() {
				continue
			}
			res, proto, ok := resourceFor(svc, addr, int(s.port), c.txt[inst])
			if !ok {
				continue
			}
			out = append(out, Found{
				Resource: res, Protocol: proto, Host: addr.Unmap().String(), Port: int(s.port),
				Name: instanceLabel(name), HostName: s.target, Service: svc,
			})
		}
	}
	sortFound(out)
	return out
}

// pickAddr prefers IPv4, then global IPv6, then link-local IPv6; ties go to
// the smallest address so that results are stable.
func pickAddr(as []netip.Addr) (netip.Addr, bool) {
	if len(as) == 0 {
		return netip.Addr{}, false
	}
	rank := func(a netip.Addr) int {
		switch {
		case a.Unmap().Is4():
			return 0
		case !a.IsLinkLocalUnicast():
			return 1
		}
		return 2
	}
	best := as[0]
	for _, a := range as[1:] {
		if ra, rb := rank(a), rank(best); ra < rb || ra == rb && a.Less(best) {
			best = a
		}
	}
	return best, true
}

func instanceLabel(name string) string {
	if l, err := dnsmsg.SplitName(name); err == nil && len(l) > 0 {
		return l[0]
	}
	return strings.TrimSuffix(name, ".")
}

func sortFound(fs []Found) {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].Resource != fs[j].Resource {
			return fs[i].Resource < fs[j].Resource
		}
		return fs[i].Name < fs[j].Name
	})
}
