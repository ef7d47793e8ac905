package hislip

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

// TestResponsePaths mixes responses the server sends from its sync
// goroutine (a query answered at once), from the pump (a response to a
// command without '?', a delayed one, the rest of a block larger than one
// inline chunk) and checks that every response arrives whole and in order.
func TestResponsePaths(t *testing.T) {
	for _, ov := range []bool{false, true} {
		t.Run(fmt.Sprintf("overlapped=%v", ov), func(t *testing.T) {
			env := startServer(t, nil)
			c := dial(t, env.addr, "hislip0", WithOverlapped(ov))
			for i := range 20 {
				if got, want := query(t, c, fmt.Sprintf("ECHO? q%d", i)), fmt.Sprintf("q%d\n", i); got != want {
					t.Fatalf("query %d: %q, want %q", i, got, want)
				}
				if got, want := query(t, c, fmt.Sprintf("TALK t%d", i)), fmt.Sprintf("t%d\n", i); got != want {
					t.Fatalf("talk %d: %q, want %q", i, got, want)
				}
				if i%5 == 0 {
					ctx := ctxT(t, 5*time.Second)
					if _, err := c.Write(ctx, []byte("DELAY 5"), true); err != nil {
						t.Fatal(err)
					}
					if got := query(t, c, "ECHO? late"); got != "late\n" {
						t.Fatalf("delayed: %q", got)
					}
				}
				if i%7 == 0 {
					readBlock(t, c, 100_000+i)
				}
			}
		})
	}
}

// readBlock queries BLOCK? n and checks the pattern and END.
func readBlock(t *testing.T, c *Client, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Write(ctx, []byte(fmt.Sprintf("BLOCK? %d", n)), true); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7000)
	got := 0
	for {
		k, r, err := c.Read(ctx, buf, transport.ReadOptions{})
		if err != nil {
			t.Fatalf("block read after %d bytes: %v", got, err)
		}
		for j := range k {
			if buf[j] != byte(got+j) {
				t.Fatalf("byte %d = %d", got+j, buf[j])
			}
		}
		got += k
		if r.Has(transport.ReasonEND) {
			break
		}
	}
	if got != n {
		t.Fatalf("block of %d bytes, want %d", got, n)
	}
}
