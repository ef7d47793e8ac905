package hislip

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

// FuzzClientReader feeds arbitrary bytes to the client's sync-channel
// reader: no panic, no read past the caller's buffer, always an end.
func FuzzClientReader(f *testing.F) {
	f.Add(AppendMessage(nil, MsgDataEnd, 0, firstMessageID, []byte("hello\n")), uint8(3))
	f.Add(append(AppendMessage(nil, MsgData, 0, 0xFFFFFFFF, []byte("ab,c")), AppendMessage(nil, MsgDataEnd, 0, firstMessageID, []byte("d,e\n"))...), uint8(2))
	f.Add(append(AppendMessage(nil, MsgInterrupted, 0, firstMessageID, nil), AppendMessage(nil, MsgDataEnd, 0, firstMessageID, []byte("x"))...), uint8(8))
	f.Add(AppendMessage(nil, MsgFatalError, 1, 0, []byte("bye")), uint8(1))
	f.Add(AppendMessage(nil, MsgError, 4, 0, []byte("too big")), uint8(1))
	f.Add(AppendMessage(nil, 200, 0, 0, []byte("vendor")), uint8(1))
	f.Add(Header{Type: MsgDataEnd, Param: firstMessageID, Length: 1 << 62}.Append(nil), uint8(5))
	f.Fuzz(func(t *testing.T, b []byte, size uint8) {
		c := &Client{respCh: make(chan Message, 1), abandoned: map[MsgType]int{}, intCh: make(chan struct{}, 1), asyncDone: make(chan struct{})}
		c.resetIDs()
		c.lastSentID = firstMessageID
		c.overlapped = size&0x80 != 0
		c.rd.br = bufio.NewReaderSize(bytes.NewReader(b), 16)
		buf := make([]byte, int(size&0x3f)+1)
		opt := transport.ReadOptions{TermChar: ',', TermCharEnabled: size&0x40 != 0}
		for i := 0; i < 10000; i++ {
			n, r, err := c.Read(context.Background(), buf, opt)
			if n < 0 || n > len(buf) {
				t.Fatalf("n=%d", n)
			}
			if err != nil {
				return
			}
			if r == 0 {
				t.Fatal("read without error returned no reason")
			}
		}
		t.Fatal("reader never ended")
	})
}

// FuzzServerMessages feeds arbitrary bytes into both channels of a server
// session (after a valid initialization): no panic, no hang, no leak.
func FuzzServerMessages(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add(AppendMessage(nil, MsgDataEnd, 0, firstMessageID, []byte("*IDN?\n")), AppendMessage(nil, MsgAsyncStatusQuery, 1, firstMessageID, nil))
	f.Add(AppendMessage(nil, MsgData, 0, firstMessageID, []byte("ECHO? x")), AppendMessage(nil, MsgAsyncLock, 1, 10, []byte("key")))
	f.Add(AppendMessage(nil, MsgDeviceClearComplete, 1, 0, nil), AppendMessage(nil, MsgAsyncDeviceClear, 0, 0, nil))
	f.Add(Header{Type: MsgData, Length: 1 << 40}.Append(nil), Header{Type: MsgAsyncLock, Control: 1, Length: 1 << 40}.Append(nil))
	f.Add(AppendMessage(nil, 150, 0, 0, []byte("v")), AppendMessage(nil, MsgAsyncLock, 0, 0, nil))
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"), AppendMessage(nil, MsgAsyncMaximumMessageSize, 0, 0, []byte{0, 0, 0, 0, 0, 0, 0, 20}))
	f.Add(AppendMessage(nil, MsgGetSaslMechanismList, 0, 0, nil), AppendMessage(nil, MsgAsyncRemoteLocalControl, 5, 0, nil))
	f.Add(append(AppendMessage(nil, MsgAuthenticationStart, 0, 0, []byte("ANONYMOUS")), AppendMessage(nil, MsgAuthenticationExchange, 0, 0, []byte("trace"))...), []byte{})
	f.Add(append(AppendMessage(nil, MsgAuthenticationStart, 0, 0, []byte("PLAIN")), AppendMessage(nil, MsgAuthenticationExchange, 0, 0, []byte("\x00u\x00p"))...), []byte{})
	f.Add(AppendMessage(nil, MsgAuthenticationExchange, 0, 0, []byte("early")), AppendMessage(nil, MsgAsyncEndTLS, 0, firstMessageID-2, []byte{0, 0, 0, 0}))
	f.Add(append(AppendMessage(nil, MsgAuthenticationStart, 0, 0, []byte("SCRAM-SHA-256")), AppendMessage(nil, MsgAuthenticationExchange, 0, 0, []byte("n,,n=u,r=abc"))...), []byte{})
	f.Add(AppendMessage(nil, MsgStartTLS, 0, 0, nil), append(AppendMessage(nil, MsgAsyncStartTLS, 0, firstMessageID-2, []byte{0xff, 0xff, 0xfe, 0xfe}), 0x16, 3, 1, 0, 5, 1, 2, 3, 4, 5))
	f.Fuzz(func(t *testing.T, syncIn, asyncIn []byte) {
		dev := newTestDev("fuzz")
		srv := NewServer(map[string]transport.Device{"hislip0": dev})
		srv.MaxMessageSize = 4096
		srv.InitTimeout = time.Second
		// 2.0 secure-connection paths too: TLS offered, SASL configured.
		srv.TLSConfig = getPKI(t).server.Clone()
		srv.Authenticate = StaticUsers(map[string]string{"u": "p"})
		srv.Password = StaticPasswords(map[string]string{"u": "p"})
		srv.AllowAnonymous = true
		var wg sync.WaitGroup
		drain := func(c net.Conn) {
			defer wg.Done()
			_, _ = io.Copy(io.Discard, c)
		}
		sc, ss := net.Pipe()
		wg.Add(1)
		go func() { defer wg.Done(); srv.ServeConn(ss) }()
		// Initialize by hand so the session id is known.
		go func() {
			_, _ = sc.Write(AppendMessage(nil, MsgInitialize, 0, uint32(Version20)<<16, []byte("hislip0")))
		}()
		_ = sc.SetReadDeadline(time.Now().Add(2 * time.Second))
		m, err := ReadMessage(sc, 0, nil)
		if err != nil || m.Type != MsgInitializeResponse {
			t.Fatalf("init: %v %v", err, m.Type)
		}
		_ = sc.SetReadDeadline(time.Time{})
		ac, as := net.Pipe()
		wg.Add(1)
		go func() { defer wg.Done(); srv.ServeConn(as) }()
		go func() { _, _ = ac.Write(AppendMessage(nil, MsgAsyncInitialize, 0, m.Param&0xFFFF, nil)) }()
		_ = ac.SetReadDeadline(time.Now().Add(2 * time.Second))
		if m, err = ReadMessage(ac, 0, nil); err != nil || m.Type != MsgAsyncInitializeResponse {
			t.Fatalf("async init: %v %v", err, m.Type)
		}
		_ = ac.SetReadDeadline(time.Time{})
		wg.Add(2)
		go drain(sc)
		go drain(ac)
		var wwg sync.WaitGroup
		wwg.Add(2)
		go func() { defer wwg.Done(); _, _ = sc.Write(syncIn) }()
		go func() { defer wwg.Done(); _, _ = ac.Write(asyncIn) }()
		done := make(chan struct{})
		go func() { wwg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			// The server may legitimately stop reading (a lock wait); it
			// must still shut down cleanly.
		}
		srv.Close()
		sc.Close()
		ac.Close()
		wwg.Wait()
		wg.Wait()
	})
}
