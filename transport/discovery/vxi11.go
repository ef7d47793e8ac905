package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/rpc/portmap"
	"github.com/govisa/govisa/transport"
)

// VXI-11 core channel identity (protocols.md §2.1), repeated here so that
// discovery does not pull in the VXI-11 client.
const (
	vxi11CoreProg = 0x0607AF
	vxi11CoreVers = 1
)

// probeXID identifies our GETPORT calls; replies with another xid are not
// ours. liblxi uses 1000 as well (protocols.md §1.6).
const probeXID = 1000

// getPortCall is the GETPORT(VXI-11 core, version 1, TCP) call datagram:
// the 56 bytes of protocols.md §1.6.
func getPortCall() []byte {
	h := rpc.CallHeader{XID: probeXID, Prog: portmap.Program, Vers: portmap.Version, Proc: portmap.ProcGetPort}
	b := h.AppendXDR(nil)
	return portmap.Mapping{Prog: vxi11CoreProg, Vers: vxi11CoreVers, Prot: portmap.ProtoTCP}.AppendXDR(b)
}

// parseGetPortReply returns the port in a GETPORT reply to probeXID.
func parseGetPortReply(b []byte) (uint32, error) {
	d := rpc.NewDecoder(b)
	xid, t, err := rpc.DecodeMessageHead(d)
	if err != nil {
		return 0, err
	}
	if t != rpc.Reply || xid != probeXID {
		return 0, transport.Errorf("portmap probe", transport.ErrProtocol, fmt.Errorf("not a reply to xid %d", probeXID))
	}
	var h rpc.ReplyHeader
	if err := h.DecodeBody(d); err != nil {
		return 0, err
	}
	if err := h.Err(); err != nil {
		return 0, err
	}
	port, err := d.Uint32()
	if err != nil {
		return 0, err
	}
	return port, d.End()
}

// ProbeVXI11 sends the portmapper GETPORT call for the VXI-11 core program
// to each address in opts.VXI11Addrs, or to the IPv4 broadcast address of
// each chosen interface when there are none, and reports every host that
// answers with a non-zero port as TCPIP::host::inst0::INSTR. The call is
// repeated once, a fifth of the way to the deadline, for lost datagrams.
//
// It fails only when there is nowhere to send the probe or no socket; an
// empty result with a nil error means nothing answered.
func ProbeVXI11(ctx context.Context, opts Options) ([]Found, error) {
	ctx, cancel := opts.withDeadline(ctx)
	defer cancel()
	log := opts.logger()
	dests, err := probeDests(&opts)
	if err != nil {
		return nil, err
	}
	network := "udp4"
	for _, d := range dests {
		if d.Addr().Is6() {
			network = "udp" // dual-stack socket
		}
	}
	// The standard library sets SO_BROADCAST on datagram sockets, which
	// sending to a broadcast address needs.
	c, err := net.ListenUDP(network, nil)
	if err != nil {
		return nil, transport.Errorf("portmap probe", transport.ErrIO, err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	var wg sync.WaitGroup
	defer func() {
		if stop() {
			c.Close()
		}
		wg.Wait()
	}()

	call := getPortCall()
	send := func() {
		for _, d := range dests {
			if _, err := c.WriteToUDPAddrPort(call, d); err != nil {
				log.Debug("portmap probe send", "to", d, "err", err)
			}
		}
	}
	send()
	wg.Add(1)
	go func() {
		defer wg.Done()
		dl, _ := ctx.Deadline()
		t := time.NewTimer(time.Until(dl) / 5)
		defer t.Stop()
		select {
		case <-t.C:
			send()
		case <-ctx.Done():
		}
	}()

	seen := map[netip.Addr]bool{}
	var out []Found
	buf := make([]byte, 512) // a GETPORT reply is 28 bytes
	for {
		n, src, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				sortFound(out)
				return out, nil
			}
			log.Debug("portmap probe read", "err", err)
			continue
		}
		port, err := parseGetPortReply(buf[:n])
		if err != nil {
			log.Debug("portmap probe drop", "from", src, "err", err)
			continue
		}
		host := src.Addr().Unmap()
		if port == 0 || port > 65535 || seen[host] || len(seen) >= maxInstances {
			continue
		}
		seen[host] = true
		out = append(out, Found{
			Resource: "TCPIP::" + hostPart(host) + "::inst0::INSTR", Protocol: ProtoVXI11,
			Host: host.String(), Port: int(port), Service: "portmap",
		})
	}
}

// probeDests resolves where the GETPORT probe goes.
func probeDests(opts *Options) ([]netip.AddrPort, error) {
	pmPort := uint16(PortmapPort)
	if opts.VXI11Port != 0 {
		if opts.VXI11Port < 0 || opts.VXI11Port > 65535 {
			return nil, transport.Errorf("portmap probe", transport.ErrInvalidArg, fmt.Errorf("port %d", opts.VXI11Port))
		}
		pmPort = uint16(opts.VXI11Port)
	}
	var dests []netip.AddrPort
	if len(opts.VXI11Addrs) > 0 {
		for _, s := range opts.VXI11Addrs {
			ap, err := resolveAddrPort(s, pmPort)
			if err != nil {
				return nil, err
			}
			dests = append(dests, ap)
		}
		return dests, nil
	}
	ifs, err := pickInterfaces(opts.Interfaces, net.FlagBroadcast)
	if err != nil {
		return nil, err
	}
	for i := range ifs {
		if ifs[i].Flags&net.FlagBroadcast == 0 {
			continue // a named loopback or point-to-point link
		}
		for _, p := range ifaceAddrs(&ifs[i]) {
			if b, ok := broadcastAddr(p); ok {
				dests = append(dests, netip.AddrPortFrom(b, pmPort))
			}
		}
	}
	if len(dests) == 0 {
		return nil, transport.Errorf("portmap probe", transport.ErrNotFound, errors.New("no interface with an IPv4 broadcast address"))
	}
	return dests, nil
}
