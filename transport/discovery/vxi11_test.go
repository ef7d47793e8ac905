package discovery

import (
	"context"
	"encoding/hex"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/rpc/portmap"
	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The GETPORT datagram of protocols.md §1.6 (identical to liblxi's).
const getPortHex = `000003e8 00000000 00000002 000186a0
	00000002 00000003 00000000 00000000
	00000000 00000000 000607af 00000001
	00000006 00000000`

func TestGetPortCallBytes(t *testing.T) {
	want, err := hex.DecodeString(strings.Join(strings.Fields(getPortHex), ""))
	require.NoError(t, err)
	assert.Equal(t, want, getPortCall())
}

func TestParseGetPortReply(t *testing.T) {
	ok, _ := hex.DecodeString(strings.ReplaceAll("000003e8000000010000000000000000000000000000000000000400", " ", ""))
	port, err := parseGetPortReply(ok)
	require.NoError(t, err)
	assert.Equal(t, uint32(1024), port)

	for name, h := range map[string]string{
		"other xid":     "000003e9000000010000000000000000000000000000000000000400",
		"a call":        "000003e8000000000000000000000000000000000000000000000400",
		"prog unavail":  "000003e8000000010000000000000000000000000000000100000000",
		"short":         "000003e80000000100000000",
		"trailing data": "000003e800000001000000000000000000000000000000000000040000000000",
	} {
		b, _ := hex.DecodeString(h)
		_, err := parseGetPortReply(b)
		assert.Error(t, err, name)
	}
}

// startPortmap runs an in-process portmapper on addr; withVXI registers the
// VXI-11 core program at port 1024.
func startPortmap(t *testing.T, addr string, withVXI bool) netip.AddrPort {
	t.Helper()
	pm := portmap.NewServer()
	if withVXI {
		pm.Set(portmap.Mapping{Prog: vxi11CoreProg, Vers: vxi11CoreVers, Prot: portmap.ProtoTCP, Port: 1024})
	}
	require.NoError(t, pm.Start(addr))
	t.Cleanup(func() { pm.Close() })
	return pm.UDPAddr().(*net.UDPAddr).AddrPort()
}

func TestProbeVXI11Loopback(t *testing.T) {
	with := startPortmap(t, "127.0.0.1:0", true)
	without := startPortmap(t, "127.0.0.1:0", false)
	// A UDP socket that never answers stands for a silent host.
	silent, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer silent.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	found, err := ProbeVXI11(ctx, Options{VXI11Addrs: []string{with.String(), without.String(), silent.LocalAddr().String()}})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, Found{Resource: "TCPIP::127.0.0.1::inst0::INSTR", Protocol: ProtoVXI11, Host: "127.0.0.1", Port: 1024, Service: "portmap"}, found[0])
}

func TestProbeVXI11IPv6AndPortOption(t *testing.T) {
	ln, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	pm := startPortmap(t, "[::1]:0", true)
	found, err := ProbeVXI11(context.Background(), Options{Timeout: 150 * time.Millisecond, VXI11Addrs: []string{"::1"}, VXI11Port: int(pm.Port())})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "TCPIP::[::1]::inst0::INSTR", found[0].Resource)
}

func TestProbeVXI11BadOptions(t *testing.T) {
	ctx := context.Background()
	_, err := ProbeVXI11(ctx, Options{VXI11Addrs: []string{"instrument.example:111"}})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
	_, err = ProbeVXI11(ctx, Options{VXI11Port: 70000})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
	_, err = ProbeVXI11(ctx, Options{Interfaces: []string{"no-such-if0"}})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
	// lo has no broadcast address: nowhere to send.
	_, err = ProbeVXI11(ctx, Options{Interfaces: []string{"lo"}, Timeout: time.Millisecond})
	assert.ErrorIs(t, err, transport.ErrNotFound)
}

func TestProbeVXI11IgnoresJunk(t *testing.T) {
	// A peer answering with garbage and with a foreign xid is ignored.
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer c.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 100)
		_, src, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		c.WriteToUDPAddrPort([]byte{1, 2, 3}, src)
		b, _ := hex.DecodeString("000003e9000000010000000000000000000000000000000000000400")
		c.WriteToUDPAddrPort(b, src)
	}()
	found, err := ProbeVXI11(context.Background(), Options{Timeout: 100 * time.Millisecond, VXI11Addrs: []string{c.LocalAddr().String()}})
	require.NoError(t, err)
	assert.Empty(t, found)
	<-done
}
