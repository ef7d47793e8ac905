package hislip

import (
	"bufio"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

// rawSession opens both channels by hand and returns them.
func rawSession(t *testing.T, addr string, ver uint16) (sc, ac net.Conn, sr, ar *bufio.Reader, resp Message) {
	t.Helper()
	return rawSessionVendor(t, addr, ver, "ZZ")
}

func rawSessionVendor(t *testing.T, addr string, ver uint16, vendor string) (sc, ac net.Conn, sr, ar *bufio.Reader, resp Message) {
	t.Helper()
	var err error
	sc, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	_ = sc.SetDeadline(time.Now().Add(5 * time.Second))
	sr = bufio.NewReader(sc)
	if _, err := sc.Write(AppendMessage(nil, MsgInitialize, 0, uint32(ver)<<16|uint32(packVendor(vendor)), []byte("hislip0"))); err != nil {
		t.Fatal(err)
	}
	resp, err = ReadMessage(sr, 1024, nil)
	if err != nil || resp.Type != MsgInitializeResponse {
		t.Fatalf("init %v %v", resp.Type, err)
	}
	ac, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ac.Close() })
	_ = ac.SetDeadline(time.Now().Add(5 * time.Second))
	ar = bufio.NewReader(ac)
	if _, err := ac.Write(AppendMessage(nil, MsgAsyncInitialize, 0, resp.Param&0xFFFF, nil)); err != nil {
		t.Fatal(err)
	}
	if m, err := ReadMessage(ar, 1024, nil); err != nil || m.Type != MsgAsyncInitializeResponse {
		t.Fatalf("async init %v %v", m.Type, err)
	}
	return
}

func expect(t *testing.T, r *bufio.Reader, typ MsgType, ctrl uint8) Message {
	t.Helper()
	m, err := ReadMessage(r, 1<<20, nil)
	if err != nil {
		t.Fatalf("want %v: %v", typ, err)
	}
	if m.Type != typ || m.Control != ctrl {
		t.Fatalf("got %v/%d, want %v/%d", m.Type, m.Control, typ, ctrl)
	}
	return m
}

func TestServerProtocolErrors(t *testing.T) {
	env := startServer(t, func(s *Server) { s.MaxMessageSize = 100 })
	sc, ac, sr, ar, _ := rawSession(t, env.addr, Version10)
	// Vendor-specific messages get Error 3 on the same channel.
	sc.Write(AppendMessage(nil, 200, 1, 2, []byte("vendor")))
	expect(t, sr, MsgError, ErrCodeUnrecognizedVend)
	ac.Write(AppendMessage(nil, 255, 0, 0, nil))
	expect(t, ar, MsgError, ErrCodeUnrecognizedVend)
	// Too large: Error 4, payload skipped, session continues.
	big := make([]byte, 500)
	sc.Write(AppendMessage(nil, MsgData, 0, firstMessageID, big))
	expect(t, sr, MsgError, ErrCodeMessageTooLarge)
	ac.Write(AppendMessage(nil, MsgAsyncLock, 1, 0, make([]byte, 2000)))
	expect(t, ar, MsgError, ErrCodeMessageTooLarge)
	// 2.0 messages on a 1.0 session: Error 1.
	sc.Write(AppendMessage(nil, MsgGetSaslMechanismList, 0, 0, nil))
	expect(t, sr, MsgError, ErrCodeUnrecognizedType)
	// Wrong control code on AsyncLock: Error 2.
	ac.Write(AppendMessage(nil, MsgAsyncLock, 7, 0, nil))
	expect(t, ar, MsgError, ErrCodeUnrecognizedCtrl)
	// Still usable.
	sc.Write(AppendMessage(nil, MsgDataEnd, 0, firstMessageID, []byte("ECHO? ok\n")))
	m := expect(t, sr, MsgDataEnd, 0)
	if string(m.Payload) != "ok\n" || m.Param != firstMessageID {
		t.Fatalf("%q %#x", m.Payload, m.Param)
	}
	// A bad prologue is fatal on both channels.
	sc.Write([]byte("XXXXXXXXXXXXXXXX"))
	expect(t, sr, MsgFatalError, FatalBadHeader)
	expect(t, ar, MsgFatalError, FatalBadHeader)
}

func TestServerInitErrors(t *testing.T) {
	env := startServer(t, func(s *Server) { s.MaxSessions = 1 })
	try := func(msg []byte, code uint8) {
		t.Helper()
		c, err := net.Dial("tcp", env.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write(msg)
		expect(t, bufio.NewReader(c), MsgFatalError, code)
	}
	try(AppendMessage(nil, MsgDataEnd, 0, 0, []byte("x")), FatalNoBothChannels)
	try(AppendMessage(nil, MsgAsyncInitialize, 0, 999, nil), FatalInvalidInitSeq)
	try(AppendMessage(nil, MsgInitialize, 0, 0x01000000, []byte("nosuch")), FatalInvalidInitSeq)
	try(AppendMessage(nil, MsgAsyncLock, 0, 0, nil), FatalInvalidInitSeq)
	a := dial(t, env.addr, "hislip0")
	_, err := Dial(ctxT(t, 2*time.Second), env.addr, "hislip0")
	if !errors.Is(err, transport.ErrBusy) {
		t.Fatalf("too many sessions: %v", err)
	}
	a.Close()
	// Data before the async channel is fatal.
	sc, err := net.Dial("tcp", env.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	_ = sc.SetDeadline(time.Now().Add(5 * time.Second))
	sr := bufio.NewReader(sc)
	// The previous session may still be closing on the server.
	for i := 0; ; i++ {
		sc.Write(AppendMessage(nil, MsgInitialize, 0, 0x01000000, nil))
		m, err := ReadMessage(sr, 1024, nil)
		if err == nil && m.Type == MsgInitializeResponse {
			break
		}
		if i > 100 {
			t.Fatalf("init: %v %v", m.Type, err)
		}
		sc.Close()
		time.Sleep(5 * time.Millisecond)
		sc, _ = net.Dial("tcp", env.addr)
		defer sc.Close()
		_ = sc.SetDeadline(time.Now().Add(5 * time.Second))
		sr = bufio.NewReader(sc)
	}
	sc.Write(AppendMessage(nil, MsgDataEnd, 0, firstMessageID, []byte("x")))
	expect(t, sr, MsgFatalError, FatalNoBothChannels)
}

func TestVersion10ClientAgainst20Server(t *testing.T) {
	env := startServer(t, func(s *Server) { s.Version = Version20 })
	c := dial(t, env.addr, "hislip0", WithVersion(Version10), WithVendorID("PY"))
	if c.Version() != Version10 {
		t.Fatalf("version %#x", c.Version())
	}
	if got := query(t, c, "*IDN?\n"); got == "" {
		t.Fatal("no answer")
	}
	// A 2.0 client against a 1.1 server uses 1.1.
	env11 := startServer(t, func(s *Server) { s.Version = Version11 })
	c2 := dial(t, env11.addr, "hislip0", WithVersion(Version20))
	if c2.Version() != Version11 {
		t.Fatalf("version %#x", c2.Version())
	}
	_ = context.Background
}

func TestShutdown(t *testing.T) {
	env := startServer(t, nil)
	c := dial(t, env.addr, "hislip0")
	query(t, c, "*IDN?\n")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	// The open session keeps Shutdown waiting until ctx ends; then it is
	// closed by force.
	if err := env.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := c.Write(ctxT(t, time.Second), []byte("*IDN?\n"), true); err == nil {
		if _, _, err = c.Read(ctxT(t, time.Second), make([]byte, 10), transport.ReadOptions{}); !errors.Is(err, transport.ErrConnLost) {
			t.Fatalf("after shutdown: %v", err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.srv.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("serve after close: %v", err)
	}
}

// TestStatusQueryMAVPyvisaPy is the regression test of an interop run with
// pyvisa-py: it sends AsyncStatusQuery with the MessageID of its next
// message (spec: of its last one), so MAV stayed false for it.
func TestStatusQueryMAVPyvisaPy(t *testing.T) {
	env := startServer(t, nil)
	for _, tc := range []struct {
		vendor string
		param  uint32
		mav    bool
	}{
		{"xx", firstMessageID + 2, true}, // pyvisa-py's convention
		{"xx", firstMessageID, true},
		{"ZZ", firstMessageID, true},      // the spec's convention
		{"ZZ", firstMessageID + 2, false}, // a query that overtook a Data message
	} {
		sc, ac, sr, ar, _ := rawSessionVendor(t, env.addr, Version10, tc.vendor)
		if _, err := sc.Write(AppendMessage(nil, MsgDataEnd, 0, firstMessageID, []byte("ECHO? m"))); err != nil {
			t.Fatal(err)
		}
		expect(t, sr, MsgDataEnd, 0) // sent, not yet delivered to the application
		if _, err := ac.Write(AppendMessage(nil, MsgAsyncStatusQuery, 0, tc.param, nil)); err != nil {
			t.Fatal(err)
		}
		m, err := ReadMessage(ar, 0, nil)
		if err != nil || m.Type != MsgAsyncStatusResponse {
			t.Fatalf("%v %v", m.Type, err)
		}
		if got := m.Control&0x10 != 0; got != tc.mav {
			t.Errorf("vendor %s param %#x: MAV %v, want %v", tc.vendor, tc.param, got, tc.mav)
		}
		sc.Close()
		ac.Close()
	}
}
