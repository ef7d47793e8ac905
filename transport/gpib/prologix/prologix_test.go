package prologix

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

func TestInitSequence(t *testing.T) {
	b := startServer(t)
	a := dial(t, b.addr, nil)
	want := []string{"savecfg 0", "mode 1", "auto 0", "eos 3", "eoi 1", "eot_enable 0", "read_tmo_ms 100", "ver"}
	if got := b.srv.Commands(); !slices.Equal(got, want) {
		t.Fatalf("init %q", got)
	}
	if b.srv.EEPROMWrites() != 0 {
		t.Fatal("flash written")
	}
	v, err := a.Version(ctxT(t, time.Second))
	if err != nil || v != Version {
		t.Fatalf("ver %q %v", v, err)
	}
	// With EOT the character is configured too.
	dial(t, b.addr, &Options{UseEOT: true, EOTChar: 4, ReadTimeout: 50 * time.Millisecond})
	got := b.srv.Commands()
	if !slices.Contains(got, "eot_enable 1") || !slices.Contains(got, "eot_char 4") || !slices.Contains(got, "read_tmo_ms 50") {
		t.Fatalf("EOT init %q", got)
	}
}

func TestQueryEndModes(t *testing.T) {
	b := startServer(t)
	t.Run("termchar", func(t *testing.T) {
		in := instr(t, dial(t, b.addr, nil), 5, -1)
		got, why := query(t, in, "*IDN?", lineOpt)
		if !strings.HasPrefix(got, "govisa,Test Instrument") || why != transport.ReasonTermChar {
			t.Fatalf("%q %b", got, why)
		}
		if !slices.Contains(b.srv.Commands(), "read 10") {
			t.Fatal("no ++read 10")
		}
	})
	t.Run("silence", func(t *testing.T) {
		in := instr(t, dial(t, b.addr, &Options{ReadTimeout: 10 * time.Millisecond}), 5, -1)
		got, why := query(t, in, "*IDN?", transport.ReadOptions{})
		if !strings.HasPrefix(got, "govisa,") || !strings.HasSuffix(got, "\n") || why != transport.ReasonEND {
			t.Fatalf("%q %b", got, why)
		}
		if !slices.Contains(b.srv.Commands(), "read eoi") {
			t.Fatal("no ++read eoi")
		}
	})
	t.Run("eot", func(t *testing.T) {
		in := instr(t, dial(t, b.addr, &Options{UseEOT: true, EOTChar: 0x04}), 5, -1)
		got, why := query(t, in, "*IDN?", transport.ReadOptions{})
		if !strings.HasPrefix(got, "govisa,") || strings.ContainsRune(got, 4) || why != transport.ReasonEND {
			t.Fatalf("%q %b", got, why)
		}
	})
	t.Run("count then rest", func(t *testing.T) {
		in := instr(t, dial(t, b.addr, &Options{UseEOT: true, EOTChar: 0x04}), 5, -1)
		ctx := ctxT(t, 2*time.Second)
		in.Write(ctx, []byte("TEST:ECHO? abcdef"), true)
		buf := make([]byte, 4)
		n, why, err := in.Read(ctx, buf, transport.ReadOptions{})
		if err != nil || string(buf[:n]) != "abcd" || why != transport.ReasonCount {
			t.Fatalf("%q %b %v", buf[:n], why, err)
		}
		n, why, err = in.Read(ctx, buf, transport.ReadOptions{})
		if err != nil || string(buf[:n]) != "ef\n" || why != transport.ReasonEND {
			t.Fatalf("%q %b %v", buf[:n], why, err)
		}
	})
	t.Run("slow instrument", func(t *testing.T) {
		// The adapter gives up after 10 ms; the client asks again until the
		// answer comes 60 ms later.
		in := instr(t, dial(t, b.addr, &Options{ReadTimeout: 10 * time.Millisecond}), 5, -1)
		ctx := ctxT(t, 2*time.Second)
		in.Write(ctx, []byte("TEST:DELAY 60;*IDN?"), true)
		buf := make([]byte, 128)
		n, _, err := in.Read(ctx, buf, lineOpt)
		if err != nil || !strings.HasPrefix(string(buf[:n]), "govisa,") {
			t.Fatalf("%q %v", buf[:n], err)
		}
	})
	t.Run("timeout and cancel", func(t *testing.T) {
		in := instr(t, dial(t, b.addr, &Options{ReadTimeout: 5 * time.Millisecond}), 5, -1)
		buf := make([]byte, 16)
		_, _, err := in.Read(ctxT(t, 30*time.Millisecond), buf, lineOpt)
		wantErr(t, err, transport.ErrTimeout)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		_, _, err = in.Read(ctx, buf, lineOpt)
		wantErr(t, err, transport.ErrAborted)
		// Still usable.
		if got, _ := query(t, in, "*IDN?", lineOpt); !strings.HasPrefix(got, "govisa,") {
			t.Fatal(got)
		}
	})
}

func TestSharedAdapter(t *testing.T) {
	b := startServer(t)
	a := dial(t, b.addr, nil)
	i5, i7 := instr(t, a, 5, -1), instr(t, a, 7, 3)
	var wg sync.WaitGroup
	for g, in := range []*Instr{i5, i7} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 20 {
				msg := fmt.Sprintf("m%d-%d", g, k)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				in.Write(ctx, []byte("TEST:ECHO? "+msg), true)
				buf := make([]byte, 64)
				n, _, err := in.Read(ctx, buf, lineOpt)
				cancel()
				if err != nil || string(buf[:n]) != msg+"\n" {
					t.Errorf("instrument %d: %q %v", g, buf[:n], err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got, _ := query(t, i7, "*IDN?", lineOpt); !strings.HasPrefix(got, "govisa,Second") {
		t.Fatalf("7,3 answered %q", got)
	}
	if !slices.Contains(b.srv.Commands(), "addr 7 99") {
		t.Fatal("secondary address not sent as 96+sad")
	}
	// An unchanged address is not re-sent.
	before := len(b.srv.Commands())
	query(t, i7, "*IDN?", lineOpt)
	for _, c := range b.srv.Commands()[before:] {
		if strings.HasPrefix(c, "addr") {
			t.Fatalf("re-addressed: %q", b.srv.Commands()[before:])
		}
	}
}

// recDev is a device that records what it is sent and answers with a
// fixed binary response.
type recDev struct {
	mu    sync.Mutex
	got   []byte
	ends  int
	resp  []byte
	ready chan struct{}
}

func (d *recDev) Write(ctx context.Context, p []byte, end bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, p...)
	if end {
		d.ends++
	}
	return nil
}

func (d *recDev) Read(ctx context.Context, p []byte) (int, bool, error) {
	select {
	case <-d.ready:
	case <-ctx.Done():
		return 0, false, transport.NetError("read", ctx.Err())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n := copy(p, d.resp)
	d.resp = d.resp[n:]
	end := len(d.resp) == 0
	if end {
		d.ready = make(chan struct{}) // nothing more until re-armed
	}
	return n, end, nil
}

func (d *recDev) ReadSTB(context.Context) (byte, error) { return 0, nil }
func (d *recDev) Clear(context.Context) error           { return nil }
func (d *recDev) Trigger(context.Context) error         { return nil }

func TestBinaryEscaping(t *testing.T) {
	b := startServer(t)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	ready := make(chan struct{})
	close(ready)
	dev := &recDev{resp: bytes.Clone(all), ready: ready}
	if err := b.srv.Attach(Address{PAD: 9, SAD: -1}, dev); err != nil {
		t.Fatal(err)
	}
	in := instr(t, dial(t, b.addr, &Options{ReadTimeout: 10 * time.Millisecond}), 9, -1)
	ctx := ctxT(t, 2*time.Second)
	// Every byte value, including CR, LF, ESC and '+', arrives intact, in
	// two writes of which only the second carries END.
	if _, err := in.Write(ctx, all[:128], false); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Write(ctx, all[128:], true); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { dev.mu.Lock(); defer dev.mu.Unlock(); return len(dev.got) == 256 })
	if got := b.srv.Commands(); !slices.Contains(got, "eoi 0") || got[len(got)-1] != "eoi 1" {
		t.Fatalf("EOI switching %q", got)
	}
	dev.mu.Lock()
	if !bytes.Equal(dev.got, all) || dev.ends != 1 {
		t.Fatalf("device got %x (ends %d)", dev.got, dev.ends)
	}
	dev.mu.Unlock()
	// Binary read back: END by silence, no termination character.
	buf := make([]byte, 512)
	n, why, err := in.Read(ctx, buf, transport.ReadOptions{})
	if err != nil || !bytes.Equal(buf[:n], all) || why != transport.ReasonEND {
		t.Fatalf("read %d bytes %b %v", n, why, err)
	}
}

func eventually(t testing.TB, f func() bool) {
	t.Helper()
	for range 200 {
		if f() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("condition never met")
}

func TestBusOperations(t *testing.T) {
	b := startServer(t)
	a := dial(t, b.addr, nil)
	i5, i7 := instr(t, a, 5, -1), instr(t, a, 7, 3)
	ctx := ctxT(t, 2*time.Second)
	// ++trg addressed and as a group.
	if err := i5.Trigger(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.GroupTrigger(ctx, Address{PAD: 5, SAD: -1}, Address{PAD: 7, SAD: 3}); err != nil {
		t.Fatal(err)
	}
	if got, _ := query(t, i5, "TEST:TRIG:COUN?", lineOpt); got != "2\n" {
		t.Fatalf("pad 5 triggers %q", got)
	}
	if got, _ := query(t, i7, "TEST:TRIG:COUN?", lineOpt); got != "1\n" {
		t.Fatalf("pad 7 triggers %q", got)
	}
	wantErr(t, a.GroupTrigger(ctx), transport.ErrInvalidArg)
	wantErr(t, a.GroupTrigger(ctx, Address{PAD: 31, SAD: -1}), transport.ErrInvalidArg)
	// ++srq and ++spoll.
	if on, err := a.SRQ(ctx); err != nil || on {
		t.Fatalf("srq %v %v", on, err)
	}
	if _, err := i7.Write(ctx, []byte("*SRE 1;TEST:SRQ"), true); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { on, _ := a.SRQ(ctx); return on })
	if stb, err := i7.ReadSTB(ctx); err != nil || stb != 0x41 {
		t.Fatalf("stb %#x %v", stb, err)
	}
	if on, err := a.SRQ(ctx); err != nil || on {
		t.Fatalf("srq after poll %v %v", on, err)
	}
	if stb, err := a.SerialPoll(ctx, Address{PAD: 5, SAD: -1}); err != nil || stb != 0 {
		t.Fatalf("spoll 5: %#x %v", stb, err)
	}
	// A poll of an empty address gets no answer.
	_, err := a.SerialPoll(ctxT(t, 50*time.Millisecond), Address{PAD: 20, SAD: -1})
	wantErr(t, err, transport.ErrTimeout)
	// ++clr drops a pending response.
	if _, err := i5.Write(ctx, []byte("*IDN?"), true); err != nil {
		t.Fatal(err)
	}
	if err := i5.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, err = i5.Read(ctxT(t, 50*time.Millisecond), make([]byte, 64), lineOpt)
	wantErr(t, err, transport.ErrTimeout)
	// ++llo and ++loc.
	if err := i5.RemoteLocal(ctx, transport.RENAssertLLO); err != nil {
		t.Fatal(err)
	}
	// ++ commands have no answer: wait until the emulator acted.
	eventually(t, func() bool { _, lockout := b.d5.RemoteState(); return lockout })
	b.d5.RemoteLocal(ctx, transport.RENAssert)
	if err := i5.RemoteLocal(ctx, transport.RENAddressGTL); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { remote, _ := b.d5.RemoteState(); return !remote })
	if err := i5.RemoteLocal(ctx, transport.RENAssert); err != nil {
		t.Fatal(err)
	}
	wantErr(t, i5.RemoteLocal(ctx, transport.RENDeassert), transport.ErrNotSupported)
	wantErr(t, i5.RemoteLocal(ctx, 99), transport.ErrInvalidArg)
	if err := a.LocalLockout(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.InterfaceClear(ctx); err != nil {
		t.Fatal(err)
	}
	a.Version(ctx) // answered after every command before it was handled
	for _, c := range []string{"trg", "trg 5 7 99", "spoll 7 99", "srq", "spoll 5", "clr", "llo", "loc", "ifc"} {
		if !slices.Contains(b.srv.Commands(), c) {
			t.Errorf("command %q never sent; got %q", c, b.srv.Commands())
		}
	}
}

func TestClosedAndInvalid(t *testing.T) {
	b := startServer(t)
	a := dial(t, b.addr, nil)
	for _, ad := range [][2]int{{-1, -1}, {31, -1}, {5, 31}, {5, -2}} {
		_, err := a.Instrument(ad[0], ad[1])
		wantErr(t, err, transport.ErrInvalidArg)
	}
	in := instr(t, a, 5, -1)
	in.Close()
	_, err := in.Write(context.Background(), []byte("x"), true)
	wantErr(t, err, transport.ErrClosed)
	in2 := instr(t, a, 5, -1)
	if got, _ := query(t, in2, "*IDN?", lineOpt); !strings.HasPrefix(got, "govisa,") {
		t.Fatal(got)
	}
	a.Close()
	_, _, err = in2.Read(context.Background(), make([]byte, 8), lineOpt)
	wantErr(t, err, transport.ErrClosed)
	_, err = a.Version(context.Background())
	wantErr(t, err, transport.ErrClosed)
	// Nothing listening: dial fails; a silent peer fails the ++ver check.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := l.Accept()
		if err == nil {
			buf := make([]byte, 1024)
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			c.Close()
		}
	}()
	_, err = Dial(ctxT(t, time.Second), addr, &Options{ReadTimeout: 5 * time.Millisecond})
	wantErr(t, err, transport.ErrTimeout)
	l.Close()
	wg.Wait()
	_, err = Dial(ctxT(t, time.Second), addr, nil)
	wantErr(t, err, transport.ErrConnLost)
}
