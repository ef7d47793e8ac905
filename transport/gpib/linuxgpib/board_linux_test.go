//go:build linux

package linuxgpib

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

type rig struct {
	fake   *SimBus
	b      *Board
	d5, d7 *sim.TestInstrument
}

func newRig(t *testing.T) *rig {
	t.Helper()
	f := NewSimBus()
	r := &rig{fake: f, d5: sim.NewTestInstrument(), d7: sim.NewTestInstrument(sim.WithIdentity("govisa,Second,1,0"))}
	f.Attach(5, -1, r.d5)
	f.Attach(7, 3, r.d7)
	b, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	r.b = b
	t.Cleanup(func() { b.Close(); f.Close() })
	return r
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var lineOpt = transport.ReadOptions{TermChar: '\n', TermCharEnabled: true}

func query(t *testing.T, in *Instr, msg string, opt transport.ReadOptions) (string, transport.Reason) {
	t.Helper()
	ctx := ctxT(t, 2*time.Second)
	if _, err := in.Write(ctx, []byte(msg), true); err != nil {
		t.Fatalf("write: %v", err)
	}
	buf := make([]byte, 256)
	n, why, err := in.Read(ctx, buf, opt)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(buf[:n]), why
}

func wantErr(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v, want %v", err, kind)
	}
}

func TestQueryAndAddressing(t *testing.T) {
	r := newRig(t)
	i5, _ := r.b.Instrument(5, -1)
	i7, _ := r.b.Instrument(7, 3)
	got, why := query(t, i5, "*IDN?\n", transport.ReadOptions{})
	if !strings.HasPrefix(got, "govisa,Test Instrument") || why != transport.ReasonEND {
		t.Fatalf("%q %b", got, why)
	}
	got, why = query(t, i7, "*IDN?\n", lineOpt)
	if !strings.HasPrefix(got, "govisa,Second") || why != transport.ReasonTermChar {
		t.Fatalf("%q %b", got, why)
	}
	// The addressing bytes libgpib would send: read from 7,3.
	if !bytes.Contains(r.fake.cmds, []byte{0x3F, 0x20, 0x47, 0x63}) || !bytes.Contains(r.fake.cmds, []byte{0x40, 0x3F, 0x27, 0x63}) {
		t.Fatalf("command bytes %x", r.fake.cmds)
	}
	// A short buffer: count, then the rest.
	ctx := ctxT(t, time.Second)
	i5.Write(ctx, []byte("TEST:ECHO? abcdef\n"), true)
	buf := make([]byte, 3)
	n, why, err := i5.Read(ctx, buf, transport.ReadOptions{})
	if err != nil || string(buf[:n]) != "abc" || why != transport.ReasonCount {
		t.Fatalf("%q %b %v", buf[:n], why, err)
	}
	buf = make([]byte, 16)
	n, why, err = i5.Read(ctx, buf, transport.ReadOptions{})
	if err != nil || string(buf[:n]) != "def\n" || why != transport.ReasonEND {
		t.Fatalf("%q %b %v", buf[:n], why, err)
	}
	// The board timeout comes from the deadline: nothing to read.
	_, _, err = i5.Read(ctxT(t, 20*time.Millisecond), buf, lineOpt)
	wantErr(t, err, transport.ErrTimeout)
	// Writing to an address with no device: no listeners.
	i9, _ := r.b.Instrument(9, -1)
	_, err = i9.Write(ctxT(t, time.Second), []byte("x"), true)
	wantErr(t, err, transport.ErrIO)
}

func TestDeviceOperations(t *testing.T) {
	r := newRig(t)
	i5, _ := r.b.Instrument(5, -1)
	i7, _ := r.b.Instrument(7, 3)
	ctx := ctxT(t, 2*time.Second)
	if err := i5.Trigger(ctx); err != nil {
		t.Fatal(err)
	}
	if r.d5.TriggerCount() != 1 || r.d7.TriggerCount() != 0 {
		t.Fatal("GET went to the wrong device")
	}
	if err := r.b.GroupTrigger(ctx, [2]int{5, -1}, [2]int{7, 3}); err != nil {
		t.Fatal(err)
	}
	if r.d5.TriggerCount() != 2 || r.d7.TriggerCount() != 1 {
		t.Fatal("group GET")
	}
	// SDC drops a pending response.
	i5.Write(ctx, []byte("*IDN?\n"), true)
	if err := i5.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, err := i5.Read(ctxT(t, 20*time.Millisecond), make([]byte, 8), lineOpt)
	wantErr(t, err, transport.ErrTimeout)
	// Serial poll.
	i7.Write(ctx, []byte("*SRE 1;TEST:SRQ\n"), true)
	if on, _ := r.b.SRQ(ctx); !on {
		t.Fatal("SRQ line not asserted")
	}
	if stb, err := i7.ReadSTB(ctx); err != nil || stb != 0x41 {
		t.Fatalf("stb %#x %v", stb, err)
	}
	if on, _ := r.b.SRQ(ctx); on {
		t.Fatal("SRQ still asserted after the poll")
	}
	i9, _ := r.b.Instrument(9, -1)
	_, err = i9.ReadSTB(ctx)
	wantErr(t, err, transport.ErrTimeout)
	// REN modes.
	for _, m := range []transport.RemoteLocal{transport.RENAssertAddress, transport.RENAssertAddrLLO} {
		if err := i5.RemoteLocal(ctx, m); err != nil {
			t.Fatal(m, err)
		}
	}
	if on, _ := r.b.REN(ctx); !on {
		t.Fatal("REN not asserted")
	}
	if _, lockout := r.d5.RemoteState(); !lockout {
		t.Fatal("LLO not seen")
	}
	r.d5.RemoteLocal(ctx, transport.RENAssert)
	if err := i5.RemoteLocal(ctx, transport.RENAddressGTL); err != nil {
		t.Fatal(err)
	}
	if remote, _ := r.d5.RemoteState(); remote {
		t.Fatal("GTL not seen")
	}
	if err := i5.RemoteLocal(ctx, transport.RENDeassertGTL); err != nil {
		t.Fatal(err)
	}
	if on, _ := r.b.REN(ctx); on {
		t.Fatal("REN still asserted")
	}
	wantErr(t, i5.RemoteLocal(ctx, 42), transport.ErrInvalidArg)
	wantErr(t, r.b.ControlREN(ctx, transport.RENAddressGTL), transport.ErrInvalidArg)
	if err := r.b.ControlREN(ctx, transport.RENAssertLLO); err != nil {
		t.Fatal(err)
	}
	for _, want := range []byte{cmdSDC, cmdGET, cmdGTL, cmdLLO} {
		if !bytes.Contains(r.fake.cmds, []byte{want}) {
			t.Errorf("command %#x never sent", want)
		}
	}
}

func TestInterfaceOperations(t *testing.T) {
	r := newRig(t)
	ctx := ctxT(t, time.Second)
	if err := r.b.SendIFC(ctx); err != nil || r.fake.ifcs != 1 {
		t.Fatalf("IFC %v", err)
	}
	if err := r.b.ControlATN(ctx, ATNAssert); err != nil || !r.fake.atn {
		t.Fatalf("ATN on %v", err)
	}
	if err := r.b.ControlATN(ctx, ATNDeassert); err != nil || r.fake.atn {
		t.Fatalf("ATN off %v", err)
	}
	if err := r.b.ControlATN(ctx, ATNAssertImmediate); err != nil {
		t.Fatal(err)
	}
	wantErr(t, r.b.ControlATN(ctx, 9), transport.ErrInvalidArg)
	if err := r.b.PassControl(ctx, 7, 3); err != nil || r.fake.tct != [2]int{7, 3} {
		t.Fatalf("pass control %v %v", err, r.fake.tct)
	}
	wantErr(t, r.b.PassControl(ctx, 31, -1), transport.ErrInvalidArg)
	// Raw command bytes: DCL clears every device.
	i5, _ := r.b.Instrument(5, -1)
	i5.Write(ctx, []byte("*IDN?\n"), true)
	if err := r.b.Command(ctx, []byte{cmdDCL}); err != nil {
		t.Fatal(err)
	}
	_, _, err := i5.Read(ctxT(t, 20*time.Millisecond), make([]byte, 8), lineOpt)
	wantErr(t, err, transport.ErrTimeout)
	wantErr(t, r.b.GroupTrigger(ctx), transport.ErrInvalidArg)
	_, err = r.b.Instrument(3, 40)
	wantErr(t, err, transport.ErrInvalidArg)
	// Closed board and instrument.
	i5.Close()
	_, err = i5.Write(ctx, []byte("x"), true)
	wantErr(t, err, transport.ErrClosed)
	r.b.Close()
	wantErr(t, r.b.SendIFC(ctx), transport.ErrClosed)
	ctxC, cancel := context.WithCancel(context.Background())
	cancel()
	wantErr(t, r.b.Command(ctxC, []byte{cmdUNL}), transport.ErrAborted)
}

func TestSRQEvents(t *testing.T) {
	r := newRig(t)
	i5, _ := r.b.Instrument(5, -1)
	i7, _ := r.b.Instrument(7, 3)
	got5 := make(chan struct{}, 4)
	got7 := make(chan struct{}, 4)
	i5.OnSRQ(func() { got5 <- struct{}{} })
	i7.OnSRQ(func() { got7 <- struct{}{} })
	ctx := ctxT(t, 2*time.Second)
	for range 2 {
		if _, err := i7.Write(ctx, []byte("*CLS;*SRE 1;TEST:SRQ\n"), true); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got7:
		case <-ctx.Done():
			t.Fatal("no SRQ event")
		}
	}
	select {
	case <-got5:
		t.Fatal("event for the wrong device")
	default:
	}
	i7.OnSRQ(nil)
	i5.Close()
}
