package visa_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/govisa/govisa/rpc/portmap"
	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport/discovery"
	"github.com/govisa/govisa/transport/vxi11"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListResourcesDiscovery: ListResources of the native backend finds a
// HiSLIP instrument announced by DNS-SD and a VXI-11 instrument answering
// the portmapper probe — all by unicast on loopback — filters them with a
// search expression, and opens what it found.
func TestListResourcesDiscovery(t *testing.T) {
	dev := sim.NewTestInstrument()
	hisName := serveHiSLIP(t, dev)
	hisPort := hisName[len("TCPIP0::127.0.0.1::hislip0,") : len(hisName)-len("::INSTR")]
	port, err := strconv.Atoi(hisPort)
	require.NoError(t, err)

	ann, err := discovery.Announce(context.Background(), []discovery.Service{discovery.HiSLIPService("test hislip", port, "hislip0")},
		discovery.AnnounceOptions{ListenAddr: "127.0.0.1:0", NoProbe: true, NoAnnounce: true})
	require.NoError(t, err)
	defer ann.Close()

	pm := portmap.NewServer()
	require.NoError(t, pm.Start("127.0.0.1:0"))
	defer pm.Close()
	srv := vxi11.NewServer(vxi11.ServerOptions{Portmapper: vxi11.PortmapperRegister, PortmapperAddr: pm.TCPAddr().String()})
	require.NoError(t, srv.AddDevice("inst0", dev))
	require.NoError(t, srv.Start("127.0.0.1:0"))
	defer srv.Close()

	d := visa.NewNativeDialer()
	d.Discovery = &discovery.Options{
		Timeout:    500 * time.Millisecond,
		MDNSAddrs:  []string{ann.Addrs()[0].String()},
		VXI11Addrs: []string{"127.0.0.1"},
		VXI11Port:  pm.UDPAddr().(*net.UDPAddr).Port,
	}
	rm, err := visa.NewResourceManagerFor(visa.NewConnLibrary(d, nil))
	require.NoError(t, err)
	defer rm.Close()

	names, err := rm.ListResources(bg, "TCPIP?*INSTR")
	require.NoError(t, err)
	assert.Contains(t, names, "TCPIP::127.0.0.1::hislip0,"+hisPort+"::INSTR")
	assert.Contains(t, names, "TCPIP::127.0.0.1::inst0::INSTR")
	only, err := rm.ListResources(bg, "?*hislip?*")
	require.NoError(t, err)
	require.Len(t, only, 1)
	r, err := rm.OpenResource(bg, only[0])
	require.NoError(t, err)
	idn, err := r.Query(bg, "*IDN?")
	require.NoError(t, err)
	assert.Contains(t, idn, "govisa")
}
