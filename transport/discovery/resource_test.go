package discovery

import (
	"net/netip"
	"testing"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResourceFor(t *testing.T) {
	v4 := netip.MustParseAddr("192.168.1.7")
	v6 := netip.MustParseAddr("fe80::1%eth0")
	cases := []struct {
		svc   string
		addr  netip.Addr
		port  int
		txt   []string
		res   string
		proto string
	}{
		{ServiceHiSLIP, v4, 4880, nil, "TCPIP::192.168.1.7::hislip0,4880::INSTR", ProtoHiSLIP},
		{ServiceHiSLIP, v4, 4881, []string{"subaddress=hislip2"}, "TCPIP::192.168.1.7::hislip2,4881::INSTR", ProtoHiSLIP},
		{ServiceHiSLIP, v4, 4880, []string{"SubAddress=3"}, "TCPIP::192.168.1.7::hislip3,4880::INSTR", ProtoHiSLIP},
		{ServiceHiSLIP, v4, 4880, []string{"SubAddress=inst0", "x"}, "TCPIP::192.168.1.7::hislip0,4880::INSTR", ProtoHiSLIP},
		{ServiceHiSLIP, v6, 4880, nil, "TCPIP::[fe80::1%eth0]::hislip0,4880::INSTR", ProtoHiSLIP},
		{ServiceVXI11, v4, 111, nil, "TCPIP::192.168.1.7::inst0::INSTR", ProtoVXI11},
		{ServiceLXI, v4, 80, nil, "TCPIP::192.168.1.7::inst0::INSTR", ProtoVXI11},
		{ServiceSCPIRaw, v4, 5025, nil, "TCPIP::192.168.1.7::5025::SOCKET", ProtoSocket},
		{"_SCPI-RAW._tcp", netip.MustParseAddr("::ffff:10.0.0.1"), 5025, nil, "TCPIP::10.0.0.1::5025::SOCKET", ProtoSocket},
	}
	for _, c := range cases {
		res, proto, ok := resourceFor(c.svc, c.addr, c.port, c.txt)
		require.True(t, ok, c.res)
		assert.Equal(t, c.res, res)
		assert.Equal(t, c.proto, proto)
	}
	_, _, ok := resourceFor("_http._tcp", v4, 80, nil)
	assert.False(t, ok)
}

func TestBroadcastAndOnLink(t *testing.T) {
	b, ok := broadcastAddr(netip.MustParsePrefix("10.1.2.3/20"))
	require.True(t, ok)
	assert.Equal(t, "10.1.15.255", b.String())
	_, ok = broadcastAddr(netip.MustParsePrefix("10.1.2.3/31"))
	assert.False(t, ok)
	_, ok = broadcastAddr(netip.MustParsePrefix("fe80::1/64"))
	assert.False(t, ok)

	ps := []netip.Prefix{netip.MustParsePrefix("10.1.2.3/24")}
	assert.True(t, onLink(netip.MustParseAddr("10.1.2.200"), ps))
	assert.False(t, onLink(netip.MustParseAddr("10.1.3.1"), ps))
	assert.True(t, onLink(netip.MustParseAddr("fe80::9"), nil))
}

func TestResolveAddrPort(t *testing.T) {
	ap, err := resolveAddrPort("127.0.0.1:99", 5)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:99", ap.String())
	ap, err = resolveAddrPort("::1", 5)
	require.NoError(t, err)
	assert.Equal(t, "[::1]:5", ap.String())
	for _, bad := range []string{"example.com:111", "nohost", ""} {
		_, err = resolveAddrPort(bad, 5)
		assert.ErrorIs(t, err, transport.ErrInvalidArg, bad)
	}
}

func TestPickInterfacesUnknown(t *testing.T) {
	_, err := pickInterfaces([]string{"no-such-if0"}, 0)
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
}

func TestServiceValidation(t *testing.T) {
	good := []Service{HiSLIPService("a", 4880, "hislip1"), VXI11Service("b", 1024), SocketService("c d.e", 5025)}
	z, err := newZone(good, "host", "")
	require.NoError(t, err)
	assert.Equal(t, "host.local.", z.host)
	assert.Equal(t, []string{"SubAddress=hislip1"}, good[0].Text)
	assert.Nil(t, HiSLIPService("a", 4880, "hislip0").Text)
	assert.Equal(t, `c d\.e._scpi-raw._tcp.local.`, z.instName(&z.svcs[2]))

	for _, bad := range [][]Service{
		nil,
		{{Instance: "", Type: ServiceHiSLIP, Port: 1}},
		{{Instance: "x", Type: "hislip", Port: 1}},
		{{Instance: "x", Type: ServiceHiSLIP, Port: 0}},
		{{Instance: "x", Type: ServiceHiSLIP, Port: 70000}},
		{{Instance: "x", Type: ServiceHiSLIP, Port: 1, Text: []string{string(make([]byte, 256))}}},
	} {
		_, err := newZone(bad, "host", "")
		assert.ErrorIs(t, err, transport.ErrInvalidArg)
	}
	_, err = newZone(good, "bad.host", "")
	assert.NoError(t, err, "a dot in the host label is escaped, not rejected")
}
