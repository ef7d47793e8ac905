package portmap

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/govisa/govisa/rpc"
)

// FuzzPortmapArgs feeds arbitrary argument bytes to every portmapper
// procedure and to the reply decoders: no panic, bounded lists, and a
// handler error is always one the RPC server maps to a status.
func FuzzPortmapArgs(f *testing.F) {
	f.Add(uint8(ProcGetPort), Mapping{0x0607AF, 1, ProtoTCP, 0}.AppendXDR(nil))
	f.Add(uint8(ProcSet), Mapping{1, 1, ProtoUDP, 9}.AppendXDR(nil))
	f.Add(uint8(ProcDump), AppendMappings(nil, []Mapping{{1, 2, 6, 3}}))
	f.Add(uint8(ProcCallIt), (&CallArgs{Prog: 7, Vers: 1, Proc: 1, Args: []byte{1}}).AppendXDR(nil))
	f.Add(uint8(ProcCallIt), (&CallResult{Port: 7, Res: []byte{1, 2, 3}}).AppendXDR(nil))
	addr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	f.Fuzz(func(t *testing.T, proc uint8, data []byte) {
		s := NewServer()
		s.Set(Mapping{1, 1, ProtoTCP, 2})
		req := &rpc.Request{Args: rpc.NewDecoder(data), RemoteAddr: addr}
		req.Proc = uint32(proc % 7)
		if req.Proc == ProcCallIt {
			// Forwarding would dial: only a call for an unregistered
			// program is safe here, and it must stay silent.
			var a CallArgs
			if a.DecodeXDR(rpc.NewDecoder(data)) == nil && s.GetPort(a.Prog, a.Vers, ProtoUDP)+s.GetPort(a.Prog, a.Vers, ProtoTCP) != 0 {
				return
			}
		}
		_, err := s.Handler()(context.Background(), req, nil)
		var as rpc.AcceptStat
		if err != nil && req.Args.Err() == nil && !errors.Is(err, rpc.NoReply) && !errors.As(err, &as) {
			t.Fatalf("proc %d: unexpected handler error %v", req.Proc, err)
		}
		if ms, err := DecodeMappings(rpc.NewDecoder(data), 8); err == nil && len(ms) > 8 {
			t.Fatalf("%d mappings over the cap", len(ms))
		}
		var r CallResult
		_ = r.DecodeXDR(rpc.NewDecoder(data))
	})
}
