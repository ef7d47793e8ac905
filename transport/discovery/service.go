package discovery

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/discovery/dnsmsg"
)

// Service is one DNS-SD service instance that [Announce] answers for.
type Service struct {
	// Instance is the user-visible instance name (one DNS label, up to 63
	// bytes, may contain spaces and dots), e.g. "govisa SIM 1".
	Instance string
	// Type is the service type, e.g. ServiceHiSLIP ("_hislip._tcp").
	Type string
	// Port is the TCP port of the service.
	Port int
	// Text holds the TXT strings ("key=value"); at most 255 bytes each.
	Text []string
}

// HiSLIPService describes a HiSLIP server on port; subAddress ("hislip1")
// goes into the TXT record under TXTSubAddress when it is not hislip0.
func HiSLIPService(instance string, port int, subAddress string) Service {
	s := Service{Instance: instance, Type: ServiceHiSLIP, Port: port}
	if subAddress != "" && !strings.EqualFold(subAddress, "hislip0") {
		s.Text = []string{TXTSubAddress + "=" + subAddress}
	}
	return s
}

// VXI11Service describes a VXI-11 server whose core channel listens on port.
func VXI11Service(instance string, port int) Service {
	return Service{Instance: instance, Type: ServiceVXI11, Port: port}
}

// SocketService describes a raw SCPI socket server on port.
func SocketService(instance string, port int) Service {
	return Service{Instance: instance, Type: ServiceSCPIRaw, Port: port}
}

func (s *Service) validate() error {
	if s.Instance == "" || len(s.Instance) > dnsmsg.MaxLabel {
		return fmt.Errorf("instance name %q must have 1 to 63 bytes", s.Instance)
	}
	if s.Port <= 0 || s.Port > 65535 {
		return fmt.Errorf("service %q: port %d out of range", s.Instance, s.Port)
	}
	l, err := dnsmsg.SplitName(s.Type)
	if err != nil || len(l) != 2 || !strings.HasPrefix(l[0], "_") || (l[1] != "_tcp" && l[1] != "_udp") {
		return fmt.Errorf("service type %q is not of the form _name._tcp", s.Type)
	}
	for _, t := range s.Text {
		if len(t) > 255 {
			return fmt.Errorf("service %q: TXT string longer than 255 bytes", s.Instance)
		}
	}
	return nil
}

// defaultHostLabel derives the host label from the system host name: its
// first label, with anything but letters, digits and '-' replaced by '-'.
func defaultHostLabel() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "govisa"
	}
	h, _, _ = strings.Cut(h, ".")
	b := []byte(h)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > dnsmsg.MaxLabel {
		b = b[:dnsmsg.MaxLabel]
	}
	return string(b)
}

// zone of records one responder owns.
type zone struct {
	domain string // "local."
	host   string // "myhost.local."
	svcs   []Service
	// addrs returns the host's addresses for the endpoint a query came in
	// on.
}

func (z *zone) typeName(s *Service) string { return s.Type + "." + z.domain }
func (z *zone) instName(s *Service) string {
	return dnsmsg.JoinName(s.Instance) + s.Type + "." + z.domain
}

const servicesMeta = "_services._dns-sd._udp." // RFC 6763 §9

// answer collects the records answering q (answers) and the records that
// help the querier (additionals), for a host with addresses addrs.
func (z *zone) answer(q dnsmsg.Question, addrs []netip.Addr, ans, add *[]dnsmsg.Record) {
	name := dnsmsg.Canonical(q.Name)
	typ := q.Type
	match := func(t dnsmsg.Type) bool { return typ == t || typ == dnsmsg.TypeANY }
	if match(dnsmsg.TypePTR) && name == dnsmsg.Canonical(servicesMeta+z.domain) {
		seen := map[string]bool{}
		for i := range z.svcs {
			tn := z.typeName(&z.svcs[i])
			if !seen[dnsmsg.Canonical(tn)] {
				seen[dnsmsg.Canonical(tn)] = true
				*ans = append(*ans, dnsmsg.Record{Name: q.Name, Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET, TTL: defaultTTLPT, Target: tn})
			}
		}
	}
	for i := range z.svcs {
		s := &z.svcs[i]
		if match(dnsmsg.TypePTR) && name == dnsmsg.Canonical(z.typeName(s)) {
			*ans = append(*ans, z.ptr(s))
			// RFC 6763 §12.1: SRV, TXT and addresses go along.
			*add = append(*add, z.srv(s), z.txt(s))
			*add = append(*add, z.addrRecords(addrs, dnsmsg.TypeANY)...)
		}
		if name == dnsmsg.Canonical(z.instName(s)) {
			if match(dnsmsg.TypeSRV) {
				*ans = append(*ans, z.srv(s))
				*add = append(*add, z.addrRecords(addrs, dnsmsg.TypeANY)...)
			}
			if match(dnsmsg.TypeTXT) {
				*ans = append(*ans, z.txt(s))
			}
		}
	}
	if name == dnsmsg.Canonical(z.host) && (match(dnsmsg.TypeA) || match(dnsmsg.TypeAAAA)) {
		*ans = append(*ans, z.addrRecords(addrs, typ)...)
	}
}

func (z *zone) ptr(s *Service) dnsmsg.Record {
	return dnsmsg.Record{Name: z.typeName(s), Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET, TTL: defaultTTLPT, Target: z.instName(s)}
}

func (z *zone) srv(s *Service) dnsmsg.Record {
	return dnsmsg.Record{Name: z.instName(s), Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassINET | dnsmsg.ClassCacheFlush,
		TTL: uint32(DefaultTTL.Seconds()), Port: uint16(s.Port), Target: z.host}
}

func (z *zone) txt(s *Service) dnsmsg.Record {
	return dnsmsg.Record{Name: z.instName(s), Type: dnsmsg.TypeTXT, Class: dnsmsg.ClassINET | dnsmsg.ClassCacheFlush,
		TTL: defaultTTLPT, Text: s.Text}
}

// addrRecords returns A and/or AAAA records (typ A, AAAA or ANY).
func (z *zone) addrRecords(addrs []netip.Addr, typ dnsmsg.Type) []dnsmsg.Record {
	var rs []dnsmsg.Record
	for _, a := range addrs {
		t := dnsmsg.TypeA
		if a.Is6() {
			t = dnsmsg.TypeAAAA
		}
		if typ != dnsmsg.TypeANY && typ != t {
			continue
		}
		rs = append(rs, dnsmsg.Record{Name: z.host, Type: t, Class: dnsmsg.ClassINET | dnsmsg.ClassCacheFlush,
			TTL: uint32(DefaultTTL.Seconds()), Addr: a.WithZone("")})
	}
	return rs
}

// all returns every record of the zone, for announcements and goodbyes.
func (z *zone) all(addrs []netip.Addr) []dnsmsg.Record {
	var rs []dnsmsg.Record
	for i := range z.svcs {
		s := &z.svcs[i]
		rs = append(rs, z.ptr(s), z.srv(s), z.txt(s))
	}
	return append(rs, z.addrRecords(addrs, dnsmsg.TypeANY)...)
}

func newZone(services []Service, hostLabel, domain string) (*zone, error) {
	if domain == "" {
		domain = "local"
	}
	if hostLabel == "" {
		hostLabel = defaultHostLabel()
	}
	z := &zone{domain: strings.TrimSuffix(domain, ".") + ".", svcs: append([]Service(nil), services...)}
	z.host = dnsmsg.JoinName(hostLabel) + z.domain
	var errs []error
	if len(services) == 0 {
		errs = append(errs, errors.New("no services to announce"))
	}
	for i := range z.svcs {
		if err := z.svcs[i].validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := dnsmsg.SplitName(z.host); err != nil || len(hostLabel) > dnsmsg.MaxLabel {
		errs = append(errs, fmt.Errorf("host name %q: %v", hostLabel, err))
	}
	if len(errs) > 0 {
		return nil, transport.Errorf("mdns announce", transport.ErrInvalidArg, errors.Join(errs...))
	}
	return z, nil
}
