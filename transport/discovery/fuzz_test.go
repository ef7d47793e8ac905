package discovery

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"

	"github.com/govisa/govisa/transport/discovery/dnsmsg"
)

// FuzzGetPortReply feeds arbitrary datagrams to the VXI-11 probe's reply
// decoder: no panic, and a port is only reported for a well-formed reply.
func FuzzGetPortReply(f *testing.F) {
	ok, _ := hex.DecodeString("000003e8000000010000000000000000000000000000000000000400")
	f.Add(ok)
	f.Add(getPortCall())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		port, err := parseGetPortReply(b)
		if err != nil {
			return
		}
		// Accepted: at least the 28 bytes of a reply with an empty
		// verifier (a verifier may carry a body), our xid, REPLY, and the
		// port in the last word.
		if len(b) < 28 || string(b[:8]) != "\x00\x00\x03\xe8\x00\x00\x00\x01" ||
			port != uint32(b[len(b)-4])<<24|uint32(b[len(b)-3])<<16|uint32(b[len(b)-2])<<8|uint32(b[len(b)-1]) {
			t.Fatalf("accepted %x as port %d", b, port)
		}
	})
}

// FuzzResponder runs whatever parses as a DNS message through the
// responder (as a query) and the browser's cache (as a response): no panic,
// every reply encodes, every result is a well-formed resource.
func FuzzResponder(f *testing.F) {
	for _, h := range []string{
		`0000 0000 0001 0000 0000 0000 07 5f6869736c6970 04 5f746370 05 6c6f63616c 00 000c 0001`,
		`0000 8400 0000 0004 0000 0000
	07 5f6869736c6970 04 5f746370 05 6c6f63616c 00  000c 0001 00001194 0008  05 53636f7065 c00c
	c02a 0021 8001 00000078 000d  0000 0000 1310 04 686f7374 c019
	c044 0001 8001 00000078 0004  7f000001
	c02a 0010 8001 00001194 0013  12 537562416464726573733d6869736c697030`,
	} {
		b, _ := hex.DecodeString(strings.Join(strings.Fields(h), ""))
		f.Add(b)
	}
	z, err := newZone([]Service{HiSLIPService("Scope", 4880, "hislip1"), SocketService("Scope", 5025)}, "host", "")
	if err != nil {
		f.Fatal(err)
	}
	a := &Announcer{z: z, opts: AnnounceOptions{Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("fe80::2")}}}
	ep := &endpoint{group: netip.MustParseAddrPort("224.0.0.251:5353")}
	src := netip.MustParseAddrPort("10.0.0.9:5353")
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := dnsmsg.Parse(b)
		if err != nil {
			return
		}
		if resp, _, ok := a.respond(ep, m, src); ok {
			if _, err := resp.Append(nil); err != nil {
				t.Fatalf("reply does not encode: %v", err)
			}
		}
		c := newCache(DefaultServices, "local")
		c.add(m, src.Addr(), "eth0")
		c.missing(true, true)
		for _, fd := range c.results() {
			if !strings.HasPrefix(fd.Resource, "TCPIP::") || fd.Host == "" {
				t.Fatalf("bad result %+v", fd)
			}
		}
	})
}
