package rpc

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

// rawConn talks to a server in records, for messages a Client never sends.
type rawConn struct {
	conn net.Conn
	r    *RecordReader
	w    *RecordWriter
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Second)))
	return &rawConn{conn: conn, r: NewRecordReader(conn, 0), w: NewRecordWriter(conn, 0)}
}

func (rc *rawConn) roundTrip(t *testing.T, msg []byte) ReplyHeader {
	t.Helper()
	require.NoError(t, rc.w.WriteRecord(msg))
	rec, err := rc.r.ReadRecord()
	require.NoError(t, err)
	var h ReplyHeader
	require.NoError(t, h.DecodeXDR(NewDecoder(rec)))
	return h
}

func TestServerRawMessages(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	rc := dialRaw(t, ts.tcp)

	h := rc.roundTrip(t, (&CallHeader{XID: 1, RPCVers: 3, Prog: testProg, Vers: 1}).AppendXDR(nil))
	assert.Equal(t, ReplyHeader{XID: 1, Stat: MsgDenied, Reject: RPCMismatch, Low: 2, High: 2}, h)

	// rpcvers 3 with a broken credential still gets RPC_MISMATCH.
	msg := (&CallHeader{XID: 2, RPCVers: 3, Prog: testProg, Vers: 1}).AppendXDR(nil)
	h = rc.roundTrip(t, msg[:len(msg)-4])
	assert.Equal(t, RPCMismatch, h.Reject)

	// Credential longer than 400 bytes.
	msg = (&CallHeader{XID: 3, Prog: testProg, Vers: 1, Cred: OpaqueAuth{Flavor: AuthSys, Body: make([]byte, 401)}}).AppendXDR(nil)
	h = rc.roundTrip(t, msg)
	assert.Equal(t, ReplyHeader{XID: 3, Stat: MsgDenied, Reject: AuthError, Auth: AuthBadCred}, h)

	// A REPLY, a truncated call and noise are ignored; the next call is
	// answered in turn.
	require.NoError(t, rc.w.WriteRecord((&ReplyHeader{XID: 4}).AppendXDR(nil)))
	require.NoError(t, rc.w.WriteRecord(AppendUint32(AppendUint32(nil, 5), 0)))
	require.NoError(t, rc.w.WriteRecord([]byte{1, 2}))
	h = rc.roundTrip(t, (&CallHeader{XID: 6, Prog: testProg, Vers: 1}).AppendXDR(nil))
	assert.Equal(t, uint32(6), h.XID)
	require.NoError(t, h.Err())

	// One-way call: no reply; the next reply is for the next call.
	msg = AppendUint32((&CallHeader{XID: 7, Prog: testProg, Vers: 1, Proc: procOneWay}).AppendXDR(nil), 5)
	require.NoError(t, rc.w.WriteRecord(msg))
	h = rc.roundTrip(t, (&CallHeader{XID: 8, Prog: testProg, Vers: 1}).AppendXDR(nil))
	assert.Equal(t, uint32(8), h.XID)
	assert.Equal(t, uint32(5), <-ts.oneway)
}

func TestServerRecordTooLarge(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	ts.srv.mu.Lock()
	ts.srv.MaxRecord = 64
	ts.srv.mu.Unlock()
	rc := dialRaw(t, ts.tcp)
	require.NoError(t, rc.w.WriteRecord(make([]byte, 65)))
	_, err := rc.r.ReadRecord()
	assert.Error(t, err, "server closes the connection")
}

func TestServerConnContext(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	c := dialT(t, "tcp", ts.tcp)
	var s string
	dec := DecoderFunc(func(d *Decoder) error { var err error; s, err = d.String(64); return err })
	require.NoError(t, c.Call(ctxT(t), testProg, 1, procCtxValue, nil, dec))
	assert.Equal(t, "conn:tcp", s)
	require.NoError(t, c.Close())
	select {
	case <-ts.connEnd:
	case <-time.After(2 * time.Second):
		t.Fatal("connection context not cancelled when the connection ended")
	}
}

func TestServerRegistry(t *testing.T) {
	s := NewServer()
	h := func(ctx context.Context, req *Request, res []byte) ([]byte, error) { return res, nil }
	s.Register(5, 2, h)
	s.Register(5, 1, h)
	s.Register(4, 9, h)
	assert.Equal(t, [][2]uint32{{4, 9}, {5, 1}, {5, 2}}, s.Programs())
	s.Unregister(4, 9)
	s.Unregister(5, 1)
	assert.Equal(t, [][2]uint32{{5, 2}}, s.Programs())
	_, st, lo, hi := s.lookup(5, 7)
	assert.Equal(t, ProgMismatch, st)
	assert.Equal(t, [2]uint32{2, 2}, [2]uint32{lo, hi})
	require.NoError(t, s.Close())

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	assert.ErrorIs(t, s.Serve(l), ErrServerClosed)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	assert.ErrorIs(t, s.ServePacket(pc), ErrServerClosed)
}

func TestShutdownGraceful(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	busy := dialT(t, "tcp", ts.tcp)
	idle := dialT(t, "tcp", ts.tcp)
	require.NoError(t, idle.Call(ctxT(t), testProg, 1, 0, nil, nil))

	errc := make(chan error, 1)
	go func() { errc <- busy.Call(ctxT(t), testProg, 1, procSleep, u32(50), nil) }()
	time.Sleep(10 * time.Millisecond) // let the call reach the handler
	require.NoError(t, ts.srv.Shutdown(ctxT(t)))
	assert.NoError(t, <-errc, "the call in progress completes")
	assert.ErrorIs(t, <-ts.serveWG, ErrServerClosed)
	assert.ErrorIs(t, <-ts.serveWG, ErrServerClosed)
	ts.serveWG <- nil
	ts.serveWG <- nil
	err := idle.Call(ctxT(t), testProg, 1, 0, nil, nil)
	assert.True(t, errors.Is(err, transport.ErrConnLost), "%v", err)
}

func TestShutdownDeadline(t *testing.T) {
	ts := newTestServer(t, "127.0.0.1")
	c := dialT(t, "tcp", ts.tcp)
	errc := make(chan error, 1)
	go func() { errc <- c.Call(ctxT(t), testProg, 1, procSleep, u32(5000), nil) }()
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, ts.srv.Shutdown(ctx), context.DeadlineExceeded)
	// Close cancelled the handler's context and dropped the connection.
	assert.ErrorIs(t, <-errc, transport.ErrConnLost)
}
