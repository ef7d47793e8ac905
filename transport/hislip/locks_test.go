package hislip

import (
	"errors"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

func TestLocksAcrossClients(t *testing.T) {
	env := startServer(t, nil)
	a := dial(t, env.addr, "hislip0")
	b := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	if err := a.Lock(ctx, transport.LockExclusive, "", 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Lock(ctx, transport.LockExclusive, "", 0); !errors.Is(err, transport.ErrInvalidArg) {
		t.Fatalf("redundant: %v", err)
	}
	if err := b.Lock(ctx, transport.LockExclusive, "", 5*time.Millisecond); !errors.Is(err, transport.ErrTimeout) || !errors.Is(err, transport.ErrLocked) {
		t.Fatalf("other exclusive: %v", err)
	}
	ex, n, err := b.LockInfo(ctx)
	if err != nil || !ex || n != 1 {
		t.Fatalf("lock info %v %d %v", ex, n, err)
	}
	// b's I/O waits while a holds the lock; its status query still works.
	if _, err := b.Write(ctx, []byte("ECHO? b\n"), true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Read(ctxT(t, 20*time.Millisecond), make([]byte, 10), transport.ReadOptions{}); !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("locked-out read: %v", err)
	}
	if _, err := b.ReadSTB(ctx); err != nil {
		t.Fatal(err)
	}
	if got := query(t, a, "ECHO? a\n"); got != "a\n" {
		t.Fatalf("holder query %q", got)
	}
	if err := b.Unlock(ctx); !errors.Is(err, transport.ErrNotLocked) {
		t.Fatalf("non-holder unlock: %v", err)
	}
	// b waits for the lock; a releases it.
	errc := make(chan error, 1)
	go func() { errc <- b.Lock(ctx, transport.LockExclusive, "", time.Second) }()
	time.Sleep(10 * time.Millisecond)
	if err := a.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("waiting lock: %v", err)
	}
	// The queued write of b is now served.
	buf := make([]byte, 10)
	if n, _, err := b.Read(ctx, buf, transport.ReadOptions{}); err != nil || string(buf[:n]) != "b\n" {
		t.Fatalf("queued query: %q %v", buf[:n], err)
	}
	if err := b.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSharedLocksWithKeys(t *testing.T) {
	env := startServer(t, nil)
	a := dial(t, env.addr, "hislip0")
	b := dial(t, env.addr, "hislip0")
	c := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	if err := a.Lock(ctx, transport.LockShared, "key", 0); err != nil {
		t.Fatal(err)
	}
	if err := b.Lock(ctx, transport.LockShared, "key", 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Lock(ctx, transport.LockShared, "wrong", 5*time.Millisecond); !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("wrong key: %v", err)
	}
	if err := a.Lock(ctx, transport.LockShared, "key", 0); !errors.Is(err, transport.ErrInvalidArg) {
		t.Fatalf("redundant shared: %v", err)
	}
	// a upgrades to Both.
	if err := a.Lock(ctx, transport.LockExclusive, "", 0); err != nil {
		t.Fatal(err)
	}
	if ex, n, _ := c.LockInfo(ctx); !ex || n != 2 {
		t.Fatalf("info: %v %d", ex, n)
	}
	if err := a.Unlock(ctx); err != nil { // exclusive first
		t.Fatal(err)
	}
	if ex, n, _ := c.LockInfo(ctx); ex || n != 2 {
		t.Fatalf("info after release: %v %d", ex, n)
	}
	if got := query(t, b, "ECHO? shared\n"); got != "shared\n" {
		t.Fatalf("%q", got)
	}
	if err := c.Lock(ctx, transport.LockShared, "", 0); !errors.Is(err, transport.ErrInvalidArg) {
		t.Fatalf("empty key: %v", err)
	}
}

func TestLockReleasedWhenClientKilled(t *testing.T) {
	env := startServer(t, nil)
	a := dial(t, env.addr, "hislip0")
	b := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	if err := a.Lock(ctx, transport.LockExclusive, "", 0); err != nil {
		t.Fatal(err)
	}
	// Kill a's sockets without any goodbye.
	a.syncConn.Close()
	a.asyncConn.Close()
	if err := b.Lock(ctx, transport.LockExclusive, "", 2*time.Second); err != nil {
		t.Fatalf("lock after holder died: %v", err)
	}
	if got := query(t, b, "ECHO? free\n"); got != "free\n" {
		t.Fatalf("%q", got)
	}
}

func TestLockOnOpen(t *testing.T) {
	env := startServer(t, nil)
	a := dial(t, env.addr, "hislip0", WithLockOnOpen(transport.LockExclusive, "", 0))
	_, err := Dial(ctxT(t, 2*time.Second), env.addr, "hislip0", WithLockOnOpen(transport.LockExclusive, "", 5*time.Millisecond))
	if !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("second lock on open: %v", err)
	}
	if ex, n, err := a.LockInfo(ctxT(t, time.Second)); err != nil || !ex || n != 1 {
		t.Fatalf("%v %d %v", ex, n, err)
	}
}

func TestClearAbortsPendingLock(t *testing.T) {
	env := startServer(t, nil)
	a := dial(t, env.addr, "hislip0")
	b := dial(t, env.addr, "hislip0")
	ctx := ctxT(t, 5*time.Second)
	if err := a.Lock(ctx, transport.LockExclusive, "", 0); err != nil {
		t.Fatal(err)
	}
	// b's client gives up quickly; the server keeps waiting until b clears.
	if err := b.Lock(ctxT(t, 10*time.Millisecond), transport.LockExclusive, "", time.Minute); !errors.Is(err, transport.ErrTimeout) {
		t.Fatalf("abandoned lock: %v", err)
	}
	if err := b.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if ex, n, err := b.LockInfo(ctx); err != nil || !ex || n != 1 {
		t.Fatalf("after clear: %v %d %v", ex, n, err)
	}
}
