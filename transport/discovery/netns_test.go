package discovery

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govisa/govisa/rpc/portmap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The namespace test runs this test binary again inside each namespace:
// TestMain sees helperEnv and calls netnsHelperMain instead of the tests.
const (
	helperEnv   = "GOVISA_DISCOVERY_NETNS_HELPER"
	helperIface = "GOVISA_DISCOVERY_NETNS_IFACE"
)

type netnsResult struct {
	Find  []Found
	Probe []Found
	V6    []Found // browse over IPv6 multicast only
	Err   string
}

// netnsHelperMain is the helper process: "announce" serves mDNS and a
// portmapper until stdin closes; "find" runs a discovery and prints JSON.
func netnsHelperMain() int {
	iface := os.Getenv(helperIface)
	switch os.Getenv(helperEnv) {
	case "announce":
		pm := portmap.NewServer()
		pm.Set(portmap.Mapping{Prog: vxi11CoreProg, Vers: vxi11CoreVers, Prot: portmap.ProtoTCP, Port: 1024})
		if err := pm.Start("0.0.0.0:111"); err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		defer pm.Close()
		a, err := Announce(context.Background(), []Service{
			HiSLIPService("nsA hislip", 4880, "hislip1"),
			SocketService("nsA socket", 5025),
			VXI11Service("nsA vxi", 1024),
		}, AnnounceOptions{Interfaces: []string{iface}, HostName: "nsa", NoProbe: true})
		if err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		defer a.Close()
		<-a.Ready()
		signal.Ignore(syscall.SIGPIPE)
		fmt.Println("READY")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
		return 0
	case "lo":
		// Responder and browser in one process, multicasting on lo: the
		// same-host case (multicast loopback on).
		a, err := Announce(context.Background(), []Service{HiSLIPService("lo hislip", 4880, "")},
			AnnounceOptions{Interfaces: []string{iface}, Network: "udp4", HostName: "lohost", NoAnnounce: true, NoProbe: true})
		if err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		defer a.Close()
		<-a.Ready()
		var r netnsResult
		if r.Find, err = BrowseMDNS(context.Background(), Options{Interfaces: []string{iface}, Network: "udp4", Timeout: 300 * time.Millisecond}); err != nil {
			r.Err = err.Error()
		}
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return 0
	case "conflict":
		// The name "nsA hislip" is taken by the responder in the other
		// namespace: probing must rename ours.
		a, err := Announce(context.Background(), []Service{HiSLIPService("nsA hislip", 4880, ""), SocketService("unique", 5025)},
			AnnounceOptions{Interfaces: []string{iface}, Network: "udp4", HostName: "nsb"})
		if err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		defer a.Close()
		<-a.Ready()
		var names []string
		for _, s := range a.Services() {
			names = append(names, s.Instance)
		}
		_ = json.NewEncoder(os.Stdout).Encode(names)
		return 0
	case "find":
		var r netnsResult
		// Queries repeat every 100 ms at first (not after RFC 6762's 1 s):
		// a datagram lost while a fresh veth settles must not empty a
		// short browse.
		opts := Options{Interfaces: []string{iface}, Network: "udp4", Timeout: 400 * time.Millisecond, QueryInterval: 100 * time.Millisecond}
		var err error
		if r.Find, err = Find(context.Background(), opts); err != nil {
			r.Err = err.Error()
		}
		opts.Timeout = 300 * time.Millisecond
		if r.Probe, err = ProbeVXI11(context.Background(), opts); err != nil {
			r.Err += err.Error()
		}
		opts.Network, opts.Services, opts.Timeout = "udp6", []string{ServiceHiSLIP}, 600*time.Millisecond
		if r.V6, err = BrowseMDNS(context.Background(), opts); err != nil {
			r.Err += err.Error()
		}
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return 0
	}
	return 2
}

// TestNetnsMulticast runs a responder and a browser in two network
// namespaces joined by a veth pair: real multicast (224.0.0.251) and a real
// broadcast GETPORT, none of it on the host's interfaces.
func TestNetnsMulticast(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("network namespaces are Linux-only")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("iproute2 (ip) not installed")
	}
	ip := func(args ...string) error {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	id := fmt.Sprint(os.Getpid())
	nsA, nsB := "govisa-test-a-"+id, "govisa-test-b-"+id
	if err := ip("netns", "add", nsA); err != nil {
		t.Skipf("ip netns unavailable: %v", err)
	}
	t.Cleanup(func() { _ = ip("netns", "del", nsA) })
	require.NoError(t, ip("netns", "add", nsB))
	t.Cleanup(func() { _ = ip("netns", "del", nsB) })
	// The veth pair is created inside nsA with its peer moved to nsB, so
	// the host namespace never sees it.
	for _, args := range [][]string{
		{"-n", nsA, "link", "add", "gva0", "type", "veth", "peer", "name", "gvb0", "netns", nsB},
		{"-n", nsA, "addr", "add", "10.231.77.1/24", "dev", "gva0"},
		{"-n", nsB, "addr", "add", "10.231.77.2/24", "dev", "gvb0"},
		// Explicit IPv6 addresses, usable at once (no DAD), rather than
		// waiting for the link-local ones to appear.
		{"-n", nsA, "addr", "add", "fd00:231:77::1/64", "dev", "gva0", "nodad"},
		{"-n", nsB, "addr", "add", "fd00:231:77::2/64", "dev", "gvb0", "nodad"},
		// No duplicate address detection: the link-local addresses that
		// IPv6 multicast leaves from are then usable as soon as the link
		// is up, instead of tentative for a second or two.
		{"netns", "exec", nsA, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/gva0/accept_dad"},
		{"netns", "exec", nsB, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/gvb0/accept_dad"},
		{"-n", nsA, "link", "set", "gva0", "up"},
		{"-n", nsB, "link", "set", "gvb0", "up"},
		{"-n", nsA, "link", "set", "lo", "up"},
		{"-n", nsB, "link", "set", "lo", "up"},
	} {
		require.NoError(t, ip(args...))
	}
	// A query sent while an address is still tentative is lost; with DAD
	// off this wait should end at once.
	for _, nd := range [][2]string{{nsA, "gva0"}, {nsB, "gvb0"}} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := exec.Command("ip", "-n", nd[0], "-6", "addr", "show", "dev", nd[1], "tentative").Output()
			require.NoError(t, err)
			if len(bytes.TrimSpace(out)) == 0 {
				break
			}
			require.True(t, time.Now().Before(deadline), "IPv6 addresses of %s still tentative: %s", nd[1], out)
			time.Sleep(50 * time.Millisecond)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	self, err := os.Executable()
	require.NoError(t, err)
	helper := func(ns, mode, iface string) *exec.Cmd {
		c := exec.CommandContext(ctx, "ip", "netns", "exec", ns, self, "-test.run=^$")
		c.Env = append(os.Environ(), helperEnv+"="+mode, helperIface+"="+iface)
		c.Stderr = os.Stderr
		return c
	}

	ann := helper(nsA, "announce", "gva0")
	stdin, err := ann.StdinPipe()
	require.NoError(t, err)
	stdout, err := ann.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, ann.Start())
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = ann.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = ann.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "READY\n", line)

	out, err := helper(nsB, "find", "gvb0").Output()
	require.NoError(t, err)
	var r netnsResult
	require.NoError(t, json.Unmarshal(out, &r), "%s", out)
	assert.Empty(t, r.Err)

	byRes := map[string]Found{}
	for _, f := range r.Find {
		byRes[f.Resource] = f
	}
	hs, ok := byRes["TCPIP::10.231.77.1::hislip1,4880::INSTR"]
	assert.True(t, ok, "%+v", r.Find)
	assert.Equal(t, "nsA hislip", hs.Name)
	assert.Equal(t, "nsa.local.", hs.HostName)
	assert.Contains(t, byRes, "TCPIP::10.231.77.1::5025::SOCKET")
	// Found by mDNS and by the broadcast probe: reported once, with the
	// DNS-SD name.
	vx, ok := byRes["TCPIP::10.231.77.1::inst0::INSTR"]
	assert.True(t, ok, "%+v", r.Find)
	assert.Equal(t, "nsA vxi", vx.Name)
	assert.Len(t, r.Find, 3)

	// The IPv6-only browse reaches the same responder over [ff02::fb];
	// the IPv4 address from its additional records is still preferred.
	require.Len(t, r.V6, 1, "%+v", r.V6)
	assert.Equal(t, "TCPIP::10.231.77.1::hislip1,4880::INSTR", r.V6[0].Resource)

	require.Len(t, r.Probe, 1, "%+v", r.Probe)
	assert.Equal(t, Found{Resource: "TCPIP::10.231.77.1::inst0::INSTR", Protocol: ProtoVXI11, Host: "10.231.77.1", Port: 1024, Service: "portmap"}, r.Probe[0])

	out, err = helper(nsB, "conflict", "gvb0").Output()
	require.NoError(t, err)
	var names []string
	require.NoError(t, json.Unmarshal(out, &names), "%s", out)
	assert.Equal(t, []string{"nsA hislip (2)", "unique"}, names)

	// Multicast on lo inside the namespace (lo has no MULTICAST flag by
	// default; in our own namespace we may set it).
	require.NoError(t, ip("-n", nsA, "link", "set", "lo", "multicast", "on"))
	out, err = helper(nsA, "lo", "lo").Output()
	require.NoError(t, err)
	r = netnsResult{}
	require.NoError(t, json.Unmarshal(out, &r), "%s", out)
	assert.Empty(t, r.Err)
	require.Len(t, r.Find, 1, "%+v", r.Find)
	assert.Equal(t, "TCPIP::127.0.0.1::hislip0,4880::INSTR", r.Find[0].Resource)
	assert.Equal(t, "lohost.local.", r.Find[0].HostName)
}
