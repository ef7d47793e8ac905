//go:build linux

package prologix

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/asrl"
)

// TestOverPTY runs the GPIB-USB path: the emulator on the master side of
// a pseudo-terminal, the client opening the slave as a serial port.
func TestOverPTY(t *testing.T) {
	p, err := asrl.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv := NewServer(nil)
	defer srv.Close()
	dev := sim.NewTestInstrument()
	srv.Attach(Address{PAD: 1, SAD: -1}, dev)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		srv.ServeConn(ctx, p.Master)
	}()
	defer func() { cancel(); wg.Wait() }()

	a, err := OpenSerial(ctxT(t, 2*time.Second), p.SlavePath, &Options{ReadTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	in := instr(t, a, 1, -1)
	if got, _ := query(t, in, "*IDN?", lineOpt); !strings.HasPrefix(got, "govisa,Test Instrument") {
		t.Fatalf("%q", got)
	}
	if err := in.Trigger(ctxT(t, time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := query(t, in, "TEST:ECHO? 'a+b\r\x1b'", lineOpt); got != "'a+b\r\x1b'\n" {
		t.Fatalf("%q", got)
	}
	if stb, err := in.ReadSTB(ctxT(t, time.Second)); err != nil || stb != 0 {
		t.Fatalf("%#x %v", stb, err)
	}
	if dev.TriggerCount() != 1 {
		t.Fatal("trigger lost")
	}
	// SRQ events over the serial link.
	n := newNotifier()
	in.OnSRQ(n.f)
	requestService(t, in)
	n.wait(t)
	if stb, err := in.ReadSTB(ctxT(t, time.Second)); err != nil || stb&0x50 != 0x50 {
		t.Fatalf("stb after SRQ %#x %v", stb, err)
	}
	in.OnSRQ(nil)
	if got, _ := query(t, in, "*SRE 0;*CLS;*IDN?", lineOpt); !strings.HasPrefix(got, "govisa,") {
		t.Fatalf("%q", got)
	}
}

// TestPTYGone: a GPIB-USB adapter whose serial port vanished is a device
// gone: operations fail (ErrConnLost once the link is known broken), with
// no redial and no panic.
func TestPTYGone(t *testing.T) {
	p, err := asrl.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv := NewServer(nil)
	defer srv.Close()
	srv.Attach(Address{PAD: 1, SAD: -1}, sim.NewTestInstrument())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		srv.ServeConn(ctx, p.Master)
	}()
	a, err := OpenSerial(ctxT(t, 2*time.Second), p.SlavePath, &Options{ReadTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	in := instr(t, a, 1, -1)
	query(t, in, "*IDN?", lineOpt)
	cancel()
	wg.Wait()
	p.Close() // the master goes: the adapter was unplugged
	var errs []error
	for range 3 {
		_, err := queryErr(ctxT(t, 200*time.Millisecond), in, "*IDN?")
		if err == nil {
			t.Fatal("query succeeded on a vanished port")
		}
		errs = append(errs, err)
	}
	t.Logf("errors after the port vanished: %v", errs)
	wantErr(t, errs[2], transport.ErrConnLost)
}
