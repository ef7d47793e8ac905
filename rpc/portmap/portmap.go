// Package portmap implements the ONC-RPC portmapper, version 2
// (RFC 1833, program 100000): the XDR types, a client for every procedure
// (NULL, SET, UNSET, GETPORT, DUMP, CALLIT), an embeddable server over TCP
// and UDP, and registration of local programs with the system's portmapper
// (rpcbind) when one runs.
//
// VXI-11 clients ask an instrument's portmapper for the port of the core
// channel with [Client.GetPort]; VXI-11 servers run a [Server] (or register
// with rpcbind through [RegisterWithSystem]) so that clients can find them.
package portmap

import (
	"github.com/govisa/govisa/rpc"
)

// Program identity and well-known port of the portmapper.
const (
	Program = 100000
	Version = 2
	Port    = 111
)

// Procedures of portmapper version 2.
const (
	ProcNull    = 0
	ProcSet     = 1
	ProcUnset   = 2
	ProcGetPort = 3
	ProcDump    = 4
	ProcCallIt  = 5
)

// Protocol numbers used in mappings (IPPROTO_*).
const (
	ProtoTCP = 6
	ProtoUDP = 17
)

// MaxDumpEntries caps the number of mappings accepted from a DUMP reply.
const MaxDumpEntries = 4096

// Mapping is the portmapper's mapping struct: program, version, protocol
// (ProtoTCP or ProtoUDP) and port.
type Mapping struct {
	Prog, Vers, Prot, Port uint32
}

// AppendXDR appends the encoding of m.
func (m Mapping) AppendXDR(dst []byte) []byte {
	dst = rpc.AppendUint32(dst, m.Prog)
	dst = rpc.AppendUint32(dst, m.Vers)
	dst = rpc.AppendUint32(dst, m.Prot)
	return rpc.AppendUint32(dst, m.Port)
}

// DecodeXDR decodes m.
func (m *Mapping) DecodeXDR(d *rpc.Decoder) error {
	m.Prog, _ = d.Uint32()
	m.Vers, _ = d.Uint32()
	m.Prot, _ = d.Uint32()
	m.Port, _ = d.Uint32()
	return d.Err()
}

// AppendMappings appends a pmaplist: each mapping preceded by TRUE, then
// FALSE.
func AppendMappings(dst []byte, ms []Mapping) []byte {
	for _, m := range ms {
		dst = rpc.AppendBool(dst, true)
		dst = m.AppendXDR(dst)
	}
	return rpc.AppendBool(dst, false)
}

// DecodeMappings decodes a pmaplist of at most max entries; more fail with
// an error wrapping transport.ErrTooLarge.
func DecodeMappings(d *rpc.Decoder, max int) ([]Mapping, error) {
	var ms []Mapping
	for {
		more, err := d.Bool()
		if err != nil {
			return nil, err
		}
		if !more {
			return ms, nil
		}
		if len(ms) >= max {
			return nil, rpc.ErrTooLong
		}
		var m Mapping
		if err := m.DecodeXDR(d); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
}

// CallArgs are the arguments of CALLIT: the procedure to call through the
// portmapper and its encoded arguments.
type CallArgs struct {
	Prog, Vers, Proc uint32
	Args             []byte
}

// AppendXDR appends the encoding of a.
func (a *CallArgs) AppendXDR(dst []byte) []byte {
	dst = rpc.AppendUint32(dst, a.Prog)
	dst = rpc.AppendUint32(dst, a.Vers)
	dst = rpc.AppendUint32(dst, a.Proc)
	return rpc.AppendOpaque(dst, a.Args)
}

// DecodeXDR decodes a; Args aliases the decoder's input.
func (a *CallArgs) DecodeXDR(d *rpc.Decoder) error {
	a.Prog, _ = d.Uint32()
	a.Vers, _ = d.Uint32()
	a.Proc, _ = d.Uint32()
	a.Args, _ = d.Opaque(rpc.NoMax)
	return d.Err()
}

// CallResult is the result of CALLIT: the port of the called program and
// its encoded results.
type CallResult struct {
	Port uint32
	Res  []byte
}

// AppendXDR appends the encoding of r.
func (r *CallResult) AppendXDR(dst []byte) []byte {
	dst = rpc.AppendUint32(dst, r.Port)
	return rpc.AppendOpaque(dst, r.Res)
}

// DecodeXDR decodes r; Res aliases the decoder's input.
func (r *CallResult) DecodeXDR(d *rpc.Decoder) error {
	r.Port, _ = d.Uint32()
	r.Res, _ = d.Opaque(rpc.NoMax)
	return d.Err()
}
