package discovery

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/discovery/dnsmsg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testAnnouncer builds an Announcer without sockets for respond tests; ep
// stands for a multicast endpoint on an interface.
func testAnnouncer(t *testing.T) (*Announcer, *endpoint) {
	t.Helper()
	z, err := newZone([]Service{HiSLIPService("S", 4880, ""), SocketService("R", 5025)}, "h", "")
	require.NoError(t, err)
	a := &Announcer{z: z, opts: AnnounceOptions{Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("fe80::2")}}}
	ep := &endpoint{ifi: &net.Interface{Name: "eth0"}, group: netip.MustParseAddrPort("224.0.0.251:5353")}
	return a, ep
}

func query(id uint16, qs ...dnsmsg.Question) *dnsmsg.Message {
	return &dnsmsg.Message{Header: dnsmsg.Header{ID: id}, Questions: qs}
}

func TestRespondMulticastPTR(t *testing.T) {
	a, ep := testAnnouncer(t)
	src := netip.MustParseAddrPort("10.0.0.9:5353")
	resp, to, ok := a.respond(ep, query(0, dnsmsg.Question{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET}), src)
	require.True(t, ok)
	assert.Equal(t, ep.group, to, "ordinary queries are answered by multicast")
	require.Len(t, resp.Answers, 1)
	assert.Equal(t, "S._hislip._tcp.local.", resp.Answers[0].Target)
	assert.EqualValues(t, 4500, resp.Answers[0].TTL)
	assert.Empty(t, resp.Questions)
	types := map[dnsmsg.Type]int{}
	for _, r := range resp.Additionals {
		types[r.Type]++
		assert.NotZero(t, r.Class&dnsmsg.ClassCacheFlush, "unique records carry cache-flush")
	}
	assert.Equal(t, map[dnsmsg.Type]int{dnsmsg.TypeSRV: 1, dnsmsg.TypeTXT: 1, dnsmsg.TypeA: 1, dnsmsg.TypeAAAA: 1}, types)
	_, err := resp.Append(nil)
	require.NoError(t, err)
}

func TestRespondLegacyUnicast(t *testing.T) {
	a, ep := testAnnouncer(t)
	src := netip.MustParseAddrPort("10.0.0.9:40000")
	q := query(0x1234, dnsmsg.Question{Name: "S._HISLIP._tcp.local", Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassINET})
	resp, to, ok := a.respond(ep, q, src)
	require.True(t, ok)
	assert.Equal(t, src, to)
	assert.Equal(t, uint16(0x1234), resp.ID)
	assert.Equal(t, q.Questions, resp.Questions)
	require.Len(t, resp.Answers, 1)
	assert.Equal(t, uint16(4880), resp.Answers[0].Port)
	for _, r := range append(resp.Answers, resp.Additionals...) {
		assert.LessOrEqual(t, r.TTL, uint32(10))
		assert.Zero(t, r.Class&dnsmsg.ClassCacheFlush)
	}
}

func TestRespondQUAndKnownAnswers(t *testing.T) {
	a, ep := testAnnouncer(t)
	src := netip.MustParseAddrPort("10.0.0.9:5353")
	qu := dnsmsg.Question{Name: "h.local.", Type: dnsmsg.TypeA, Class: dnsmsg.ClassINET | dnsmsg.ClassUnicastResponse}
	resp, to, ok := a.respond(ep, query(0, qu), src)
	require.True(t, ok)
	assert.Equal(t, src, to, "QU questions get a unicast answer")
	require.Len(t, resp.Answers, 1)
	assert.Equal(t, "10.0.0.2", resp.Answers[0].Addr.String())

	// Known answer with enough TTL left: nothing to say.
	ptr := dnsmsg.Question{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET}
	m := query(0, ptr)
	m.Answers = []dnsmsg.Record{{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR, TTL: 4000, Target: "s._hislip._tcp.local."}}
	_, _, ok = a.respond(ep, m, src)
	assert.False(t, ok)
	// Known answer about to expire: answered again.
	m.Answers[0].TTL = 100
	_, _, ok = a.respond(ep, m, src)
	assert.True(t, ok)
}

func TestRespondOtherQueries(t *testing.T) {
	a, ep := testAnnouncer(t)
	src := netip.MustParseAddrPort("10.0.0.9:5353")
	resp, _, ok := a.respond(ep, query(0, dnsmsg.Question{Name: "_services._dns-sd._udp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET}), src)
	require.True(t, ok)
	var targets []string
	for _, r := range resp.Answers {
		targets = append(targets, r.Target)
	}
	assert.ElementsMatch(t, []string{"_hislip._tcp.local.", "_scpi-raw._tcp.local."}, targets)

	resp, _, ok = a.respond(ep, query(0, dnsmsg.Question{Name: "R._scpi-raw._tcp.local.", Type: dnsmsg.TypeANY, Class: dnsmsg.ClassANY}), src)
	require.True(t, ok)
	assert.Len(t, resp.Answers, 2, "ANY: SRV and TXT")

	for _, q := range []dnsmsg.Question{
		{Name: "_http._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET},
		{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR, Class: 3}, // CHAOS
		{Name: "h.local.", Type: dnsmsg.TypeTXT, Class: dnsmsg.ClassINET},
	} {
		_, _, ok = a.respond(ep, query(0, q), src)
		assert.False(t, ok, q.Name)
	}
}

func TestAnnounceErrors(t *testing.T) {
	ctx := context.Background()
	_, err := Announce(ctx, nil, AnnounceOptions{ListenAddr: "127.0.0.1:0"})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
	_, err = Announce(ctx, []Service{SocketService("x", 1)}, AnnounceOptions{ListenAddr: "nowhere"})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
	_, err = Announce(ctx, []Service{SocketService("x", 1)}, AnnounceOptions{Interfaces: []string{"no-such-if0"}})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
}

func TestAnnounceStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	a, err := Announce(ctx, []Service{SocketService("x", 5025)}, AnnounceOptions{ListenAddr: "127.0.0.1:0", HostName: "x"})
	require.NoError(t, err)
	addr := a.Addrs()[0].String()
	found, err := BrowseMDNS(context.Background(), Options{Timeout: 80 * time.Millisecond, MDNSAddrs: []string{addr}})
	require.NoError(t, err)
	require.Len(t, found, 1)
	cancel()
	require.NoError(t, a.Close())
	require.NoError(t, a.Close(), "Close twice is fine")
	found, err = BrowseMDNS(context.Background(), Options{Timeout: 50 * time.Millisecond, MDNSAddrs: []string{addr}})
	require.NoError(t, err)
	assert.Empty(t, found)
}

func TestAnnounceIgnoresJunkAndResponses(t *testing.T) {
	a := startResponder(t, "127.0.0.1:0")
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(a.Addrs()[0]))
	require.NoError(t, err)
	defer c.Close()
	resp, _ := (&dnsmsg.Message{Header: dnsmsg.Header{Flags: dnsmsg.FlagResponse}, Questions: []dnsmsg.Question{{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR, Class: 1}}}).Append(nil)
	for _, b := range [][]byte{{1, 2, 3}, resp} {
		_, err := c.Write(b)
		require.NoError(t, err)
	}
	// Still serving: a real query after the junk is answered.
	q, _ := query(9, dnsmsg.Question{Name: "_hislip._tcp.local.", Type: dnsmsg.TypePTR, Class: 1}).Append(nil)
	_, err = c.Write(q)
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Second)))
	buf := make([]byte, 9000)
	n, err := c.Read(buf)
	require.NoError(t, err)
	m, err := dnsmsg.Parse(buf[:n])
	require.NoError(t, err)
	assert.Equal(t, uint16(9), m.ID)
	assert.True(t, m.Response())
}

func TestNextInstanceName(t *testing.T) {
	assert.Equal(t, "Scope (2)", nextInstanceName("Scope"))
	assert.Equal(t, "Scope (3)", nextInstanceName("Scope (2)"))
	assert.Equal(t, "Scope (x) (2)", nextInstanceName("Scope (x)"))
	long := strings.Repeat("a", 63)
	n := nextInstanceName(long)
	assert.Len(t, n, 63)
	assert.True(t, strings.HasSuffix(n, " (2)"))
}

func TestProbeRenamesOnConflict(t *testing.T) {
	z, err := newZone([]Service{HiSLIPService("S", 4880, ""), SocketService("R", 5025)}, "h", "")
	require.NoError(t, err)
	a := &Announcer{z: z, log: slog.New(slog.DiscardHandler), probeEvery: time.Millisecond}
	calls := 0
	a.probeHook = func() {
		calls++
		if calls == 1 {
			// Someone answers for "S" (and for a name not ours).
			a.noteConflicts(&dnsmsg.Message{Answers: []dnsmsg.Record{
				{Name: "s._hislip._TCP.local.", Type: dnsmsg.TypeSRV, TTL: 120, Port: 1, Target: "other.local."},
				{Name: "X._hislip._tcp.local.", Type: dnsmsg.TypeSRV, TTL: 120, Port: 1, Target: "other.local."},
			}})
		}
	}
	a.probe(context.Background())
	assert.Equal(t, 2*probeCount, calls, "a second round after the rename, then done")
	names := []string{a.Services()[0].Instance, a.Services()[1].Instance}
	assert.Equal(t, []string{"S (2)", "R"}, names)

	// Outside probing, responses are not conflicts.
	a.noteConflicts(&dnsmsg.Message{Answers: []dnsmsg.Record{{Name: "R._scpi-raw._tcp.local.", Type: dnsmsg.TypeSRV}}})
	assert.Nil(t, a.conflicts)

	// A cancelled context ends probing at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.probe(ctx)
}
