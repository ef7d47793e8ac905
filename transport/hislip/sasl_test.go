package hislip

import (
	"errors"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

// TestSCRAMVectorRFC7677 checks the client against the example exchange of
// RFC 7677 §3 (user "user", password "pencil").
func TestSCRAMVectorRFC7677(t *testing.T) {
	c := &scramClient{user: "user", password: "pencil", nonce: "rOprNGfwEbeRWgbNEkqO"}
	if got := string(c.first()); got != "n,,n=user,r=rOprNGfwEbeRWgbNEkqO" {
		t.Fatalf("client-first %q", got)
	}
	final, err := c.final([]byte("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="; string(final) != want {
		t.Fatalf("client-final %q", final)
	}
	if err := c.verify([]byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")); err != nil {
		t.Fatal(err)
	}
	if err := c.verify([]byte("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")); err == nil {
		t.Fatal("wrong server signature accepted")
	}
}

func TestSCRAMServerRejects(t *testing.T) {
	lookup := StaticPasswords(map[string]string{"a,b=c": "pw"})
	for _, first := range []string{"", "y,,n=u,r=x", "n,,r=x", "n,,n=,r=x", "n,,n=u=1,r=x", "n,,n=u"} {
		s := &scramServer{lookup: lookup}
		if _, err := s.start([]byte(first)); err == nil {
			t.Errorf("client-first %q accepted", first)
		}
	}
	// Escaped user names round-trip; a wrong password and an unknown user
	// both fail at the proof.
	for _, tc := range []struct {
		user, pw string
		ok       bool
	}{{"a,b=c", "pw", true}, {"a,b=c", "no", false}, {"nobody", "pw", false}} {
		c := &scramClient{user: tc.user, password: tc.pw}
		s := &scramServer{lookup: lookup}
		sf, err := s.start(c.first())
		if err != nil {
			t.Fatal(err)
		}
		cf, err := c.final(sf)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := s.finish(cf)
		if ok != tc.ok {
			t.Fatalf("%+v: ok=%v", tc, ok)
		}
		if ok {
			if err := c.verify(v); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := &scramClient{user: "u", password: "p", nonce: "abc"}
	c.first()
	for _, sf := range []string{"r=abc,s=c2FsdA==,i=4096", "r=xyz1,s=c2FsdA==,i=4096", "r=abc1,s=!!,i=4096", "r=abc1,s=c2FsdA==,i=0", "r=abc1,s=c2FsdA==,i=99999999", "m=ext,r=abc1,s=c2FsdA==,i=1"} {
		if _, err := c.final([]byte(sf)); err == nil {
			t.Errorf("server-first %q accepted", sf)
		}
	}
}

func TestSASLSCRAM(t *testing.T) {
	users := map[string]string{"bob": "hunter2"}
	// SCRAM works over clear text: the password never crosses the wire.
	env := startServer(t, func(s *Server) {
		s.Password = StaticPasswords(users)
		s.RequireAuthentication = true
	})
	c := dial(t, env.addr, "hislip0", WithCredentials("bob", "hunter2"))
	if !c.Authenticated() || c.Encrypted() {
		t.Fatalf("authenticated %v encrypted %v", c.Authenticated(), c.Encrypted())
	}
	if got := query(t, c, "ECHO? scram"); got != "scram\n" {
		t.Fatalf("%q", got)
	}
	_, err := Dial(ctxT(t, 5*time.Second), env.addr, "hislip0", WithCredentials("bob", "hunter3"))
	if !errors.Is(err, transport.ErrAuthentication) || errors.Is(err, transport.ErrIO) {
		t.Fatalf("wrong password: %v (want ErrAuthentication, not ErrIO)", err)
	}
	// And over TLS, where PLAIN is offered too; the client prefers SCRAM.
	envTLS := tlsServer(t, func(s *Server) {
		s.Password = StaticPasswords(users)
		s.RequireAuthentication = true
	})
	c2 := dial(t, envTLS.addr, "hislip0", trusting(), WithCredentials("bob", "hunter2"))
	if !c2.Authenticated() || !c2.Encrypted() {
		t.Fatal("not authenticated over TLS")
	}
}

// FuzzSCRAMServer feeds arbitrary client messages to the SCRAM server:
// no panic, and never a success without the password.
func FuzzSCRAMServer(f *testing.F) {
	f.Add([]byte("n,,n=u,r=abc"), []byte("c=biws,r=abc,p=AAAA"))
	f.Add([]byte("n,,n=a=2Cb,r=x"), []byte(""))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		s := &scramServer{lookup: StaticPasswords(map[string]string{"u": "p"})}
		if _, err := s.start(first); err != nil {
			return
		}
		if _, ok := s.finish(final); ok {
			t.Fatalf("authenticated without the password: %q %q", first, final)
		}
	})
}
