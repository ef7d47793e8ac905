package rpc

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Test program served by newTestServer.
const (
	testProg     = 0x20000001
	procEcho     = 1 // opaque<> -> opaque<>
	procAdd      = 2 // uint, uint -> uint
	procSleep    = 3 // uint ms -> void; ends early when ctx ends
	procPanic    = 4
	procOneWay   = 5 // uint -> no reply
	procFail     = 6 // -> SYSTEM_ERR
	procCtxValue = 7 // -> string from ConnContext
)

type ctxKey struct{}

type testServer struct {
	srv     *Server
	tcp     string
	udp     string
	oneway  chan uint32
	connEnd chan struct{}
	serveWG chan error
}

func testHandler(ts *testServer) Handler {
	return func(ctx context.Context, req *Request, res []byte) ([]byte, error) {
		d := req.Args
		switch req.Proc {
		case procEcho:
			b, _ := d.Opaque(NoMax)
			if err := d.End(); err != nil {
				return nil, err
			}
			return AppendOpaque(res, b), nil
		case procAdd:
			a, _ := d.Uint32()
			b, _ := d.Uint32()
			if err := d.End(); err != nil {
				return nil, err
			}
			return AppendUint32(res, a+b), nil
		case procSleep:
			ms, _ := d.Uint32()
			if err := d.End(); err != nil {
				return nil, err
			}
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
			case <-ctx.Done():
			}
			return res, nil
		case procPanic:
			panic("boom")
		case procOneWay:
			v, _ := d.Uint32()
			if err := d.End(); err != nil {
				return nil, err
			}
			ts.oneway <- v
			return nil, NoReply
		case procFail:
			return nil, context.DeadlineExceeded
		case procCtxValue:
			s, _ := ctx.Value(ctxKey{}).(string)
			return AppendString(res, s), nil
		}
		return nil, ProcUnavail
	}
}

// newTestServer serves testProg versions 1 and 3 on TCP and UDP at host:0.
func newTestServer(t *testing.T, host string) *testServer {
	t.Helper()
	ts := &testServer{srv: NewServer(), oneway: make(chan uint32, 16), connEnd: make(chan struct{}, 16), serveWG: make(chan error, 2)}
	ts.srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		ctx = context.WithValue(ctx, ctxKey{}, "conn:"+c.RemoteAddr().Network())
		context.AfterFunc(ctx, func() { ts.connEnd <- struct{}{} })
		return ctx
	}
	h := testHandler(ts)
	ts.srv.Register(testProg, 1, h)
	ts.srv.Register(testProg, 3, h)
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
	require.NoError(t, err)
	ts.tcp, ts.udp = l.Addr().String(), pc.LocalAddr().String()
	go func() { ts.serveWG <- ts.srv.Serve(l) }()
	go func() { ts.serveWG <- ts.srv.ServePacket(pc) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = ts.srv.Shutdown(ctx)
		<-ts.serveWG
		<-ts.serveWG
	})
	return ts
}

func dialT(t *testing.T, network, addr string, opts ...ClientOption) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := Dial(ctx, network, addr, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func u32(v uint32) Appender { return AppenderFunc(func(b []byte) []byte { return AppendUint32(b, v) }) }

func u32s(v ...uint32) Appender {
	return AppenderFunc(func(b []byte) []byte {
		for _, x := range v {
			b = AppendUint32(b, x)
		}
		return b
	})
}

func opaque(p []byte) Appender {
	return AppenderFunc(func(b []byte) []byte { return AppendOpaque(b, p) })
}

func intoU32(dst *uint32) Decodable {
	return DecoderFunc(func(d *Decoder) error { var err error; *dst, err = d.Uint32(); return err })
}

func intoOpaque(dst *[]byte) Decodable {
	return DecoderFunc(func(d *Decoder) error { var err error; *dst, err = d.OpaqueCopy(NoMax); return err })
}
