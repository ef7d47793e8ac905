package portmap

import (
	"context"
	"encoding/hex"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

const vxiCore = 0x0607AF

func startPM(t *testing.T) *Server {
	t.Helper()
	s := NewServer()
	require.NoError(t, s.Start("127.0.0.1:0"))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx))
	})
	return s
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClientServer(t *testing.T) {
	s := startPM(t)
	tcpPort := uint32(s.TCPAddr().(*net.TCPAddr).Port)
	assert.Equal(t, tcpPort, uint32(s.UDPAddr().(*net.UDPAddr).Port), "same port for TCP and UDP")
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			addr := s.TCPAddr().String()
			if network == "udp" {
				addr = s.UDPAddr().String()
			}
			c, err := Dial(ctxT(t), network, addr)
			require.NoError(t, err)
			defer c.Close()
			ctx := ctxT(t)
			require.NoError(t, c.Null(ctx))

			ok, err := c.Set(ctx, Mapping{vxiCore, 1, ProtoTCP, 4321})
			require.NoError(t, err)
			assert.True(t, ok)
			ok, err = c.Set(ctx, Mapping{vxiCore, 1, ProtoTCP, 9999})
			require.NoError(t, err)
			assert.False(t, ok, "existing mapping is not replaced")

			port, err := c.GetPort(ctx, vxiCore, 1, ProtoTCP)
			require.NoError(t, err)
			assert.Equal(t, uint32(4321), port)
			port, err = c.GetPort(ctx, vxiCore, 1, ProtoUDP)
			require.NoError(t, err)
			assert.Zero(t, port)

			ms, err := c.Dump(ctx)
			require.NoError(t, err)
			assert.Equal(t, []Mapping{
				{Program, Version, ProtoTCP, tcpPort},
				{Program, Version, ProtoUDP, tcpPort},
				{vxiCore, 1, ProtoTCP, 4321},
			}, ms)

			ok, err = c.Unset(ctx, vxiCore, 1)
			require.NoError(t, err)
			assert.True(t, ok)
			ok, err = c.Unset(ctx, vxiCore, 1)
			require.NoError(t, err)
			assert.False(t, ok)
			port, err = c.GetPort(ctx, vxiCore, 1, ProtoTCP)
			require.NoError(t, err)
			assert.Zero(t, port)

			assert.ErrorIs(t, c.RPC().Call(ctx, Program, Version, 9, nil, nil), rpc.ProcUnavail)
			assert.ErrorIs(t, c.RPC().Call(ctx, Program, Version, ProcGetPort, rpc.AppenderFunc(func(b []byte) []byte {
				return rpc.AppendUint32(b, 1)
			}), nil), rpc.GarbageArgs)
			assert.ErrorIs(t, c.RPC().Call(ctx, Program, 3, ProcGetPort, nil, nil), rpc.ProgMismatch)
		})
	}
}

// The fact sheet's discovery datagram, sent as it is.
func TestDiscoveryDatagram(t *testing.T) {
	s := startPM(t)
	s.Set(Mapping{vxiCore, 1, ProtoTCP, 0x1234})
	pkt, err := hex.DecodeString(strings.Join(strings.Fields(`
		000003e8 00000000 00000002 000186a0 00000002 00000003 00000000 00000000
		00000000 00000000 000607af 00000001 00000006 00000000`), ""))
	require.NoError(t, err)
	conn, err := net.Dial("udp", s.UDPAddr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Second)))
	_, err = conn.Write(pkt)
	require.NoError(t, err)
	buf := make([]byte, 100)
	n, err := conn.Read(buf)
	require.NoError(t, err)
	want, _ := hex.DecodeString("000003e8000000010000000000000000000000000000000000001234")
	assert.Equal(t, want, buf[:n])
}

func TestCallIt(t *testing.T) {
	pm := startPM(t)
	// A program to call through the portmapper.
	srv := rpc.NewServer()
	srv.Register(0x20000002, 1, func(ctx context.Context, req *rpc.Request, res []byte) ([]byte, error) {
		v, _ := req.Args.Uint32()
		if err := req.Args.End(); err != nil {
			return nil, err
		}
		return rpc.AppendUint32(res, v*2), nil
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.ServePacket(pc) }()
	defer func() { srv.Close(); <-done }()
	port := uint32(pc.LocalAddr().(*net.UDPAddr).Port)
	require.True(t, pm.Set(Mapping{0x20000002, 1, ProtoUDP, port}))

	c, err := Dial(ctxT(t), "udp", pm.UDPAddr().String())
	require.NoError(t, err)
	defer c.Close()
	gotPort, res, err := c.CallIt(ctxT(t), 0x20000002, 1, 1, rpc.AppendUint32(nil, 21))
	require.NoError(t, err)
	assert.Equal(t, port, gotPort)
	assert.Equal(t, rpc.AppendUint32(nil, 42), res)

	// Failures are silent: the caller's deadline ends the call.
	for _, proc := range []uint32{9, 1} {
		prog := uint32(0x20000002)
		if proc == 1 {
			prog = 0x20000003 // not registered
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		_, _, err = c.CallIt(ctx, prog, 1, proc, nil)
		cancel()
		assert.ErrorIs(t, err, transport.ErrTimeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, _, err = c.CallIt(ctx, Program, Version, ProcDump, nil)
	assert.ErrorIs(t, err, transport.ErrTimeout, "no forwarding to the portmapper itself")
}

func TestRemoteSetRefused(t *testing.T) {
	s := NewServer()
	h := s.Handler()
	args := Mapping{1, 1, ProtoTCP, 5}.AppendXDR(nil)
	req := &rpc.Request{Args: rpc.NewDecoder(args), RemoteAddr: &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 700}}
	req.Proc = ProcSet
	res, err := h(context.Background(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, rpc.AppendBool(nil, false), res)
	assert.Empty(t, s.Mappings())

	s.AllowRemoteSet = true
	req.Args = rpc.NewDecoder(args)
	res, err = h(context.Background(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, rpc.AppendBool(nil, true), res)
}

func TestEmbedded(t *testing.T) {
	// The portmapper as one more program of a server of ours.
	pm := NewServer()
	srv := rpc.NewServer()
	srv.Register(Program, Version, pm.Handler())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	defer func() { srv.Close(); <-done }()

	addr := l.Addr().String()
	require.NoError(t, RegisterWith(ctxT(t), addr, vxiCore, 1, ProtoTCP, 1024))
	assert.ErrorIs(t, RegisterWith(ctxT(t), addr, vxiCore, 1, ProtoTCP, 1025), ErrRefused)
	assert.Equal(t, uint32(1024), pm.GetPort(vxiCore, 1, ProtoTCP))
	require.NoError(t, UnregisterWith(ctxT(t), addr, vxiCore, 1))
	assert.ErrorIs(t, UnregisterWith(ctxT(t), addr, vxiCore, 1), ErrRefused)
}

func TestRegisterNoPortmapper(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	err = RegisterWith(ctxT(t), addr, vxiCore, 1, ProtoTCP, 1024)
	assert.ErrorIs(t, err, transport.ErrNotFound)
	assert.Contains(t, err.Error(), "no portmapper")
	assert.ErrorIs(t, UnregisterWith(ctxT(t), addr, vxiCore, 1), transport.ErrNotFound)

	// The system one: only when none runs here can the outcome be known.
	if c, err := net.DialTimeout("tcp", SystemAddr, 100*time.Millisecond); err == nil {
		c.Close()
		t.Skip("a system portmapper runs on this machine")
	}
	assert.ErrorIs(t, RegisterWithSystem(ctxT(t), vxiCore, 1, ProtoTCP, 1024), transport.ErrNotFound)
	assert.ErrorIs(t, UnregisterWithSystem(ctxT(t), vxiCore, 1), transport.ErrNotFound)
}

func TestMappingsCodec(t *testing.T) {
	ms := []Mapping{{1, 2, 6, 3}, {4, 5, 17, 6}}
	b := AppendMappings(nil, ms)
	assert.Len(t, b, 4+2*20)
	got, err := DecodeMappings(rpc.NewDecoder(b), 10)
	require.NoError(t, err)
	assert.Equal(t, ms, got)
	_, err = DecodeMappings(rpc.NewDecoder(b), 1)
	assert.ErrorIs(t, err, transport.ErrTooLarge)
	_, err = DecodeMappings(rpc.NewDecoder(b[:10]), 10)
	assert.ErrorIs(t, err, rpc.ErrShort)
}

func TestStartErrors(t *testing.T) {
	s := NewServer()
	assert.ErrorIs(t, s.Start("nonsense"), transport.ErrInvalidArg)
	assert.ErrorIs(t, s.Shutdown(context.Background()), transport.ErrClosed)
	assert.NoError(t, s.Close())

	// A taken port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	err = s.Start("127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	assert.Error(t, err)
	assert.Contains(t, NewServer().String(), "portmap")
}
