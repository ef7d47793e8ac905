package discovery

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/discovery/dnsmsg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startResponder runs Announce by unicast on addr with three services.
func startResponder(t *testing.T, addr string) *Announcer {
	t.Helper()
	a, err := Announce(context.Background(), []Service{
		HiSLIPService("Scope hislip", 4880, "hislip1"),
		VXI11Service("Scope vxi", 1024),
		SocketService("Scope. raw", 5025),
	}, AnnounceOptions{ListenAddr: addr, HostName: "scope"})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return a
}

func TestBrowseUnicastLoopback(t *testing.T) {
	a := startResponder(t, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	found, err := BrowseMDNS(ctx, Options{MDNSAddrs: []string{a.Addrs()[0].String()}})
	require.NoError(t, err)
	assert.Equal(t, []Found{
		{Resource: "TCPIP::127.0.0.1::5025::SOCKET", Protocol: ProtoSocket, Host: "127.0.0.1", Port: 5025, Name: "Scope. raw", HostName: "scope.local.", Service: ServiceSCPIRaw},
		{Resource: "TCPIP::127.0.0.1::hislip1,4880::INSTR", Protocol: ProtoHiSLIP, Host: "127.0.0.1", Port: 4880, Name: "Scope hislip", HostName: "scope.local.", Service: ServiceHiSLIP},
		{Resource: "TCPIP::127.0.0.1::inst0::INSTR", Protocol: ProtoVXI11, Host: "127.0.0.1", Port: 1024, Name: "Scope vxi", HostName: "scope.local.", Service: ServiceVXI11},
	}, found)
}

func TestBrowseUnicastIPv6(t *testing.T) {
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	c.Close()
	a := startResponder(t, "[::1]:0")
	found, err := BrowseMDNS(context.Background(), Options{Timeout: 150 * time.Millisecond, Services: []string{ServiceHiSLIP}, MDNSAddrs: []string{a.Addrs()[0].String()}})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "TCPIP::[::1]::hislip1,4880::INSTR", found[0].Resource)
	assert.Equal(t, "::1", found[0].Host)
}

// terseResponder answers each question with the records of exactly that
// name and type and nothing else, like a minimal embedded responder, so the
// browser has to follow PTR -> SRV/TXT -> A itself. It records the
// questions it saw.
func terseResponder(t *testing.T, records []dnsmsg.Record) (netip.AddrPort, <-chan dnsmsg.Question) {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	seen := make(chan dnsmsg.Question, 256)
	done := make(chan struct{})
	t.Cleanup(func() { c.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 9000)
		for {
			n, src, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			m, err := dnsmsg.Parse(buf[:n])
			if err != nil || len(m.Questions) != 1 {
				continue
			}
			q := m.Questions[0]
			select {
			case seen <- q:
			default:
			}
			resp := &dnsmsg.Message{Header: dnsmsg.Header{ID: m.ID, Flags: dnsmsg.FlagResponse}, Questions: m.Questions}
			for _, r := range records {
				if r.Type == q.Type && dnsmsg.EqualNames(r.Name, q.Name) {
					resp.Answers = append(resp.Answers, r)
				}
			}
			if len(resp.Answers) == 0 {
				continue
			}
			b, err := resp.Append(nil)
			if err == nil {
				c.WriteToUDPAddrPort(b, src)
			}
		}
	}()
	return c.LocalAddr().(*net.UDPAddr).AddrPort(), seen
}

func TestBrowseFollowsChain(t *testing.T) {
	addr, seen := terseResponder(t, []dnsmsg.Record{
		{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET, TTL: 10, Target: "DMM._hislip._tcp.local."},
		{Name: "DMM._hislip._tcp.local.", Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassINET, TTL: 10, Port: 4999, Target: "dmm.local."},
		{Name: "DMM._hislip._tcp.local.", Type: dnsmsg.TypeTXT, Class: dnsmsg.ClassINET, TTL: 10, Text: []string{"SUBADDRESS=hislip2"}},
		{Name: "DMM.local.", Type: dnsmsg.TypeA, Class: dnsmsg.ClassINET, TTL: 10, Addr: netip.MustParseAddr("127.0.0.1")},
	})
	found, err := BrowseMDNS(context.Background(), Options{Timeout: 150 * time.Millisecond, Services: []string{ServiceHiSLIP}, MDNSAddrs: []string{addr.String()}})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "TCPIP::127.0.0.1::hislip2,4999::INSTR", found[0].Resource)
	assert.Equal(t, "DMM", found[0].Name)

	asked := map[dnsmsg.Type]bool{}
	for len(seen) > 0 {
		asked[(<-seen).Type] = true
	}
	assert.Equal(t, map[dnsmsg.Type]bool{dnsmsg.TypePTR: true, dnsmsg.TypeSRV: true, dnsmsg.TypeTXT: true, dnsmsg.TypeA: true}, asked)
}

func TestBrowseSourceAddressFallback(t *testing.T) {
	// No address record at all: the SRV sender's address is used.
	addr, _ := terseResponder(t, []dnsmsg.Record{
		{Name: "_scpi-raw._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET, TTL: 10, Target: "PSU._scpi-raw._tcp.local."},
		{Name: "PSU._scpi-raw._tcp.local.", Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassINET, TTL: 10, Port: 5025, Target: "psu.local."},
	})
	found, err := BrowseMDNS(context.Background(), Options{Timeout: 100 * time.Millisecond, Services: []string{ServiceSCPIRaw}, MDNSAddrs: []string{addr.String()}})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "TCPIP::127.0.0.1::5025::SOCKET", found[0].Resource)
}

func TestBrowseNothingAnswers(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer c.Close()
	found, err := BrowseMDNS(context.Background(), Options{Timeout: 50 * time.Millisecond, MDNSAddrs: []string{c.LocalAddr().String()}})
	require.NoError(t, err)
	assert.Empty(t, found)
}

func TestBrowseBadOptions(t *testing.T) {
	_, err := BrowseMDNS(context.Background(), Options{MDNSAddrs: []string{"scope.local:5353"}})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
	_, err = BrowseMDNS(context.Background(), Options{Interfaces: []string{"no-such-if0"}})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
	_, err = BrowseMDNS(context.Background(), Options{Network: "tcp"})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
}

func TestCacheGoodbyeAndLimits(t *testing.T) {
	c := newCache([]string{ServiceHiSLIP}, "local")
	src := netip.MustParseAddr("10.0.0.9")
	m := &dnsmsg.Message{Answers: []dnsmsg.Record{
		{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR, TTL: 10, Target: "A._hislip._tcp.local."},
		{Name: "_http._tcp.local.", Type: dnsmsg.TypePTR, TTL: 10, Target: "W._http._tcp.local."},
		{Name: "A._hislip._tcp.local.", Type: dnsmsg.TypeSRV, TTL: 10, Port: 4880, Target: "a.local."},
		{Name: "a.local.", Type: dnsmsg.TypeAAAA, TTL: 10, Addr: netip.MustParseAddr("fe80::5")},
		{Name: "a.local.", Type: dnsmsg.TypeAAAA, TTL: 10, Addr: netip.MustParseAddr("2001:db8::5")},
	}}
	c.add(m, src, "eth7")
	f := c.results()
	require.Len(t, f, 1, "the _http PTR is not ours")
	assert.Equal(t, "TCPIP::[2001:db8::5]::hislip0,4880::INSTR", f[0].Resource, "global IPv6 before link-local")

	c.add(&dnsmsg.Message{Answers: []dnsmsg.Record{{Name: "a.local.", Type: dnsmsg.TypeAAAA, TTL: 0, Addr: netip.MustParseAddr("2001:db8::5")}}}, src, "eth7")
	assert.Equal(t, "TCPIP::[fe80::5%eth7]::hislip0,4880::INSTR", c.results()[0].Resource, "link-local gets the interface as zone")

	c.add(&dnsmsg.Message{Answers: []dnsmsg.Record{{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR, TTL: 0, Target: "a._HISLIP._tcp.local."}}}, src, "")
	assert.Empty(t, c.results(), "goodbye removes the instance")

	for i := range maxAddrsPerHost + 5 {
		c.addRecord(&dnsmsg.Record{Name: "b.local.", Type: dnsmsg.TypeA, TTL: 10, Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})}, src, "")
	}
	assert.Len(t, c.addrs["b.local."], maxAddrsPerHost)
}

func TestQuerierBackoff(t *testing.T) {
	q := newQuerier(100 * time.Millisecond)
	ptr := dnsmsg.Question{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR}
	q.want(ptr, true)
	t0 := time.Unix(1000, 0)
	assert.Len(t, q.due(t0), 1)
	assert.Empty(t, q.due(t0.Add(99*time.Millisecond)))
	assert.Len(t, q.due(t0.Add(100*time.Millisecond)), 1)
	assert.Empty(t, q.due(t0.Add(299*time.Millisecond)), "interval doubled")
	assert.Len(t, q.due(t0.Add(300*time.Millisecond)), 1)

	srv := dnsmsg.Question{Name: "A._hislip._tcp.local.", Type: dnsmsg.TypeSRV}
	q.retain([]dnsmsg.Question{srv})
	assert.Equal(t, []dnsmsg.Question{srv}, q.due(t0.Add(300*time.Millisecond)))
	q.retain(nil)
	assert.Len(t, q.qs, 1, "answered questions are dropped, the browse stays")
	assert.Equal(t, 400*time.Millisecond, q.next(t0.Add(300*time.Millisecond)))
}
