// Package discovery finds LAN instruments and announces the ones govisa
// serves.
//
// Three mechanisms run side by side under one deadline:
//
//   - a multicast DNS / DNS-SD browser (RFC 6762, RFC 6763) that asks for
//     _hislip._tcp, _vxi-11._tcp, _scpi-raw._tcp and _lxi._tcp, follows
//     PTR to SRV, TXT and A/AAAA records and turns each instance into a
//     VISA resource name;
//   - a VXI-11 probe: the portmapper GETPORT call for the VXI-11 core
//     program, sent by UDP to given addresses or to the broadcast address
//     of each chosen interface, as liblxi and pyvisa-py do;
//   - [Announce], a responder that probes for name conflicts, announces
//     and answers DNS-SD queries for services of our own (what
//     `govisa serve --mdns` uses).
//
// [Find] runs the browser and the probe concurrently and returns what
// answered before the context's deadline (or [Options.Timeout]).
//
// Nothing here sends a packet anywhere but where the options say: the
// interfaces in [Options.Interfaces] (default: every interface that is up
// and multicast- or broadcast-capable, loopback excluded), or the unicast
// destinations in [Options.MDNSAddrs] and [Options.VXI11Addrs]. A querier
// that sends from a port other than 5353 gets "legacy unicast" answers
// (RFC 6762 §6.7), which is what lets a browser talk to one responder on
// 127.0.0.1 without multicast at all.
//
// The package never imports package visa; errors wrap the sentinels of
// package transport.
package discovery
