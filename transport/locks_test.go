package transport

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// lockSetup builds one of the four states of the HiSLIP lock table
// (fact sheet §3.10). Owner "X" holds the exclusive lock; "S1" and "S2" hold
// shared locks with key "k".
func lockSetup(t *testing.T, state string) *LockTable {
	t.Helper()
	lt := &LockTable{}
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("setup %s: %v", state, err)
		}
	}
	switch state {
	case "Unlocked":
	case "Exclusive":
		must(lt.Lock(ctx, "X", LockExclusive, "", 0))
	case "Shared":
		must(lt.Lock(ctx, "S1", LockShared, "k", 0))
		must(lt.Lock(ctx, "S2", LockShared, "k", 0))
	case "Both":
		// X holds shared and exclusive; S2 shares the key.
		must(lt.Lock(ctx, "X", LockShared, "k", 0))
		must(lt.Lock(ctx, "S2", LockShared, "k", 0))
		must(lt.Lock(ctx, "X", LockExclusive, "", 0))
	default:
		t.Fatalf("unknown state %q", state)
	}
	return lt
}

func lockState(lt *LockTable) string {
	excl, _ := lt.Info()
	lt.mu.Lock()
	shared := len(lt.shared)
	lt.mu.Unlock()
	switch {
	case excl && shared > 0:
		return "Both"
	case excl:
		return "Exclusive"
	case shared > 0:
		return "Shared"
	}
	return "Unlocked"
}

// TestLockTableRows walks every row of the HiSLIP lock behaviour table.
func TestLockTableRows(t *testing.T) {
	const waitTO = 5 * time.Millisecond
	type row struct {
		state, req, who, key string
		want                 error // nil = success, ErrTimeout = fails after timeout
		next                 string
	}
	rows := []row{
		{"Unlocked", "shared", "A", "k", nil, "Shared"},
		{"Unlocked", "exclusive", "A", "", nil, "Exclusive"},
		{"Unlocked", "release", "A", "", ErrNotLocked, "Unlocked"},
		{"Exclusive", "shared", "X", "k", ErrInvalidArg, "Exclusive"},
		{"Exclusive", "shared", "A", "k", ErrTimeout, "Exclusive"},
		{"Exclusive", "exclusive", "X", "", ErrInvalidArg, "Exclusive"},
		{"Exclusive", "exclusive", "A", "", ErrTimeout, "Exclusive"},
		{"Exclusive", "release", "X", "", nil, "Unlocked"},
		{"Exclusive", "release", "A", "", ErrNotLocked, "Exclusive"},
		{"Shared", "shared", "S1", "k", ErrInvalidArg, "Shared"},
		{"Shared", "shared", "A", "k", nil, "Shared"},
		{"Shared", "shared", "A", "wrong", ErrTimeout, "Shared"},
		{"Shared", "exclusive", "S1", "", nil, "Both"},
		{"Shared", "exclusive", "A", "", ErrTimeout, "Shared"},
		{"Shared", "release", "S1", "", nil, "Shared"},
		{"Shared", "release", "A", "", ErrNotLocked, "Shared"},
		{"Both", "shared", "S2", "k", ErrInvalidArg, "Both"},
		{"Both", "shared", "A", "k", nil, "Both"},
		{"Both", "shared", "A", "wrong", ErrTimeout, "Both"},
		{"Both", "exclusive", "X", "", ErrInvalidArg, "Both"},
		{"Both", "exclusive", "S2", "", ErrTimeout, "Both"},
		{"Both", "exclusive", "A", "", ErrTimeout, "Both"},
		{"Both", "release", "X", "", nil, "Shared"},
		{"Both", "release", "S2", "", nil, "Both"},
		{"Both", "release", "A", "", ErrNotLocked, "Both"},
	}
	for _, r := range rows {
		t.Run(r.state+"/"+r.req+"/"+r.who+"/"+r.key, func(t *testing.T) {
			lt := lockSetup(t, r.state)
			var err error
			switch r.req {
			case "shared":
				err = lt.Lock(context.Background(), r.who, LockShared, r.key, waitTO)
			case "exclusive":
				err = lt.Lock(context.Background(), r.who, LockExclusive, "", waitTO)
			case "release":
				_, err = lt.Unlock(r.who)
			}
			if r.want == nil && err != nil {
				t.Fatalf("want success, got %v", err)
			}
			if r.want != nil && !errors.Is(err, r.want) {
				t.Fatalf("want %v, got %v", r.want, err)
			}
			if got := lockState(lt); got != r.next {
				t.Fatalf("state after: got %s, want %s", got, r.next)
			}
		})
	}
	// The last shared holder's release returns to Unlocked.
	lt := lockSetup(t, "Shared")
	for _, o := range []string{"S1", "S2"} {
		if typ, err := lt.Unlock(o); err != nil || typ != LockShared {
			t.Fatalf("release %s: %v %v", o, typ, err)
		}
	}
	if got := lockState(lt); got != "Unlocked" {
		t.Fatalf("after last release: %s", got)
	}
}

func TestLockTableWaitGranted(t *testing.T) {
	lt := &LockTable{}
	ctx := context.Background()
	if err := lt.Lock(ctx, 1, LockExclusive, "", 0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		errc <- lt.Lock(ctx, 2, LockExclusive, "", -1)
	}()
	// Access waits for the holder too.
	accessDone := make(chan error, 1)
	go func() { accessDone <- lt.WaitAccess(ctx, 3) }()
	if lt.CanAccess(2) || !lt.CanAccess(1) {
		t.Fatal("access rules wrong while exclusive")
	}
	if _, err := lt.Unlock(1); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := <-errc; err != nil {
		t.Fatalf("waiter not granted: %v", err)
	}
	if ex, n := lt.Info(); !ex || n != 1 {
		t.Fatalf("info: %v %d", ex, n)
	}
	lt.ReleaseAll(2)
	if err := <-accessDone; err != nil {
		t.Fatal(err)
	}
	if ex, n := lt.Info(); ex || n != 0 {
		t.Fatalf("info after ReleaseAll: %v %d", ex, n)
	}
}

func TestLockTableContextAndAccess(t *testing.T) {
	lt := &LockTable{}
	if err := lt.Lock(context.Background(), "a", LockShared, "key", 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := lt.Lock(ctx, "b", LockExclusive, "", -1); !errors.Is(err, ErrAborted) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if err := lt.WaitAccess(ctx, "b"); !errors.Is(err, ErrAborted) {
		t.Fatalf("cancelled access wait: %v", err)
	}
	if !lt.CanAccess("a") || lt.CanAccess("b") {
		t.Fatal("shared access rules wrong")
	}
	if ex, sh := lt.Held("a"); ex || !sh {
		t.Fatalf("held: %v %v", ex, sh)
	}
	if err := lt.Lock(context.Background(), "b", 9, "", 0); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("bad type: %v", err)
	}
	// Both: exclusive holder counted once.
	if err := lt.Lock(context.Background(), "a", LockExclusive, "", 0); err != nil {
		t.Fatal(err)
	}
	if ex, n := lt.Info(); !ex || n != 1 {
		t.Fatalf("info both: %v %d", ex, n)
	}
}
