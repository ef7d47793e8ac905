package prologix

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

func TestFindListeners(t *testing.T) {
	b := startServer(t)
	if err := b.srv.Attach(Address{PAD: 12, SAD: -1}, sim.NewTestInstrument()); err != nil {
		t.Fatal(err)
	}
	a := dial(t, b.addr, nil)
	found, err := a.FindListeners(ctxT(t, 5*time.Second), 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// 7,3 has a secondary address only: not found by a primary scan.
	if want := []Address{{PAD: 5, SAD: -1}, {PAD: 12, SAD: -1}}; !slices.Equal(found, want) {
		t.Fatalf("found %v, want %v", found, want)
	}
	if _, err := a.Version(ctxT(t, time.Second)); err != nil { // answered after all before it
		t.Fatal(err)
	}
	cmds := b.srv.Commands()
	var tmo []string
	for _, c := range cmds {
		if strings.HasPrefix(c, "read_tmo_ms") {
			tmo = append(tmo, c)
		}
	}
	if want := []string{"read_tmo_ms 100", "read_tmo_ms 5", "read_tmo_ms 100"}; !slices.Equal(tmo, want) {
		t.Fatalf("read timeouts %q, want %q", tmo, want)
	}
	if countCmd(b.srv, "spoll 30") != 1 || countCmd(b.srv, "spoll 0") != 1 {
		t.Fatal("not every address polled")
	}
	// The deadline bounds the scan; what was found so far comes back, and
	// the adapter's read timeout is restored.
	found, err = a.FindListeners(ctxT(t, 30*time.Millisecond), 3*time.Second)
	wantErr(t, err, transport.ErrTimeout)
	if len(found) != 0 {
		t.Fatalf("found %v before address 5", found)
	}
	if _, err := a.Version(ctxT(t, time.Second)); err != nil { // answered after all before it
		t.Fatal(err)
	}
	if got := b.srv.Commands(); got[len(got)-2] != "read_tmo_ms 100" {
		t.Fatalf("read timeout not restored: %q", got[len(got)-5:])
	}
	in := instr(t, a, 5, -1)
	if got, _ := query(t, in, "*IDN?", lineOpt); !strings.HasPrefix(got, "govisa,") {
		t.Fatal(got)
	}
}
