package discovery

import (
	"context"
	"log/slog"
	"time"
)

// DNS-SD service types browsed by default (RFC 6763 §7 names, without the
// domain). _lxi._tcp is the LXI web service: an LXI instrument speaks VXI-11,
// so it is reported as a VXI-11 INSTR resource.
const (
	ServiceHiSLIP  = "_hislip._tcp"
	ServiceVXI11   = "_vxi-11._tcp"
	ServiceSCPIRaw = "_scpi-raw._tcp"
	ServiceLXI     = "_lxi._tcp"
)

// DefaultServices are the service types [BrowseMDNS] asks for when
// Options.Services is empty.
var DefaultServices = []string{ServiceHiSLIP, ServiceVXI11, ServiceSCPIRaw, ServiceLXI}

// Protocols reported in Found.Protocol.
const (
	ProtoHiSLIP = "hislip"
	ProtoVXI11  = "vxi11"
	ProtoSocket = "socket"
)

// Well-known addresses and ports.
const (
	MDNSPort     = 5353
	MDNSGroupV4  = "224.0.0.251"
	MDNSGroupV6  = "ff02::fb"
	PortmapPort  = 111
	DefaultTTL   = 120 * time.Second // host-bound records (SRV, A, AAAA), RFC 6762 §10
	defaultTTLPT = 4500              // other records (PTR, TXT), seconds
)

// DefaultTimeout bounds a discovery when the context has no deadline and
// Options.Timeout is zero.
const DefaultTimeout = time.Second

// Found is one instrument resource discovered on the network.
type Found struct {
	// Resource is the VISA resource name, e.g.
	// "TCPIP::192.168.1.7::hislip0,4880::INSTR".
	Resource string
	// Protocol is ProtoHiSLIP, ProtoVXI11 or ProtoSocket.
	Protocol string
	// Host is the address used in Resource (IPv6 without brackets, with a
	// zone for link-local addresses).
	Host string
	// Port is the TCP port of the service (for VXI-11 the core channel's
	// port as the portmapper reported it).
	Port int
	// Name is the DNS-SD instance name ("Keysight 34465A - MY1234"), empty
	// for VXI-11 probe answers.
	Name string
	// HostName is the SRV target ("a-34465a-1234.local."), empty for probe
	// answers.
	HostName string
	// Service is the DNS-SD service type it was found under, or "portmap"
	// for the VXI-11 probe.
	Service string
}

// Options configures [Find], [BrowseMDNS] and [ProbeVXI11]. The zero value
// browses every default service on every multicast-capable interface and
// broadcasts the VXI-11 probe on every broadcast-capable one.
type Options struct {
	// Timeout bounds the discovery when ctx has no deadline
	// (DefaultTimeout when zero). Discovery always runs until the deadline:
	// there is no way to know that every instrument has answered.
	Timeout time.Duration

	// Interfaces names the network interfaces to query on. Empty: every
	// interface that is up and multicast-capable (mDNS) or
	// broadcast-capable (VXI-11), loopback excluded.
	Interfaces []string
	// Network restricts mDNS to "udp4" or "udp6"; empty uses both.
	Network string

	// NoMDNS turns the mDNS browser off in Find.
	NoMDNS bool
	// Services lists the DNS-SD service types to browse
	// (DefaultServices when empty).
	Services []string
	// Domain is the DNS-SD domain ("local" when empty).
	Domain string
	// MDNSAddrs, when set, replaces multicast: queries go by unicast from
	// an ephemeral port to each "host:port" here (responders answer such
	// queries by unicast, RFC 6762 §6.7), and Interfaces is ignored by the
	// browser.
	MDNSAddrs []string
	// QueryInterval is the pause before the first repetition of a query
	// that got no answer; it doubles after each (1 s when zero, the
	// minimum of RFC 6762 §5.2).
	QueryInterval time.Duration

	// NoVXI11 turns the VXI-11 portmapper probe off in Find.
	NoVXI11 bool
	// VXI11Addrs lists "host" or "host:port" destinations for the GETPORT
	// probe. Empty: the IPv4 broadcast address of each chosen interface.
	VXI11Addrs []string
	// VXI11Port is the portmapper port for addresses without one and for
	// broadcasts (111 when zero).
	VXI11Port int

	// Logger receives debug traces; nil is silent.
	Logger *slog.Logger
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

func (o *Options) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	d := o.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	return context.WithTimeout(ctx, d)
}

func (o *Options) domain() string {
	if o.Domain == "" {
		return "local"
	}
	return o.Domain
}
