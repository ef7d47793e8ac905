//go:build linux

package linuxgpib

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

func TestFindListeners(t *testing.T) {
	cases := []struct {
		name     string
		devs     []Address
		boardPad int
		want     []Address
	}{
		{"primary and secondary", []Address{{5, -1}, {7, 3}}, 0, []Address{{5, -1}, {7, 3}}},
		{"two secondaries at one pad", []Address{{9, 0}, {9, 30}, {30, -1}}, 0, []Address{{9, 0}, {9, 30}, {30, -1}}},
		{"device at 0, board elsewhere", []Address{{0, -1}, {12, -1}}, 21, []Address{{0, -1}, {12, -1}}},
		{"empty bus", nil, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bus := NewSimBus()
			defer bus.Close()
			for _, d := range c.devs {
				bus.Attach(d.Pad, d.Sad, sim.NewTestInstrument())
			}
			b, err := bus.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			ctx := ctxT(t, 2*time.Second)
			if c.boardPad != 0 {
				if err := b.SetPrimaryAddress(ctx, c.boardPad); err != nil {
					t.Fatal(err)
				}
			}
			got, err := b.FindListeners(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("found %v, want %v", got, c.want)
			}
			if n := len(bus.cmds); n >= 2 && !slices.Equal(bus.cmds[n-2:], []byte{cmdUNL, cmdUNT}) {
				t.Fatalf("scan did not end with UNL UNT: % x", bus.cmds[n-2:])
			}
			if c.boardPad != 0 && slices.Contains(bus.cmds, mla(c.boardPad)) {
				t.Fatal("the board's own address was probed")
			}
		})
	}
}

// TestFindListenersBounded: the per-call timeout reaches the driver, a
// done context stops the scan between addresses, and the board stays
// usable after it.
func TestFindListenersBounded(t *testing.T) {
	r := newRig(t)
	if _, err := r.b.FindListeners(ctxT(t, time.Second), 15*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if r.fake.tmoUs == 0 || r.fake.tmoUs > 15000 {
		t.Fatalf("IBTMO %d µs during the scan, want at most 15000", r.fake.tmoUs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.b.FindListeners(ctx, 0)
	if !errors.Is(err, transport.ErrAborted) {
		t.Fatalf("cancelled scan: %v", err)
	}
	i5, _ := r.b.Instrument(5, -1)
	if got, _ := query(t, i5, "*IDN?\n", lineOpt); got == "" {
		t.Fatal("board unusable after the scan")
	}
}

func TestSimulateAndBoards(t *testing.T) {
	bus := NewSimBus()
	defer bus.Close()
	bus.Attach(4, -1, sim.NewTestInstrument())
	undo := Simulate(9, bus)
	if !slices.Contains(Boards(), 9) {
		t.Fatalf("Boards() = %v without the simulated board 9", Boards())
	}
	b, err := Open(9)
	if err != nil {
		t.Fatal(err)
	}
	found, err := b.FindListeners(ctxT(t, time.Second), 0)
	b.Close()
	if err != nil || !reflect.DeepEqual(found, []Address{{4, -1}}) {
		t.Fatalf("found %v %v", found, err)
	}
	undo()
	undo() // idempotent
	if slices.Contains(Boards(), 9) {
		t.Fatal("board 9 still listed after undo")
	}
	if _, err := Open(16); !errors.Is(err, transport.ErrInvalidArg) {
		t.Fatalf("Open(16): %v", err)
	}
}
