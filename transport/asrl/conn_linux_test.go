//go:build linux

package asrl

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govisa/govisa/transport"
)

func TestQueryDefault(t *testing.T) {
	s := servePTY(t, nil)
	c := openConn(t, s.pty.SlavePath, DefaultConfig())
	got, why := query(t, c, "*IDN?\n", lineOpt)
	if !strings.HasPrefix(got, "govisa,Test Instrument") || !strings.HasSuffix(got, "\n") {
		t.Fatalf("response %q", got)
	}
	if why != transport.ReasonEND|transport.ReasonTermChar {
		t.Fatalf("reason %b, want END|TermChar", why)
	}
}

func TestEndInModes(t *testing.T) {
	const msg = "abc\ndef"
	cases := []struct {
		name     string
		endIn    EndMode
		opt      transport.ReadOptions
		bufLen   int
		want     string
		why      transport.Reason
		timesOut bool
	}{
		{"termchar", EndTermChar, transport.ReadOptions{TermChar: '\n'}, 64, "abc\n", transport.ReasonEND, false},
		{"termchar+enabled", EndTermChar, lineOpt, 64, "abc\n", transport.ReasonEND | transport.ReasonTermChar, false},
		{"termchar suppressed, enabled", EndTermChar, transport.ReadOptions{TermChar: '\n', TermCharEnabled: true, SuppressEND: true}, 64, "abc\n", transport.ReasonTermChar, false},
		{"termchar suppressed", EndTermChar, transport.ReadOptions{TermChar: '\n', SuppressEND: true}, 64, msg, 0, true},
		{"none", EndNone, transport.ReadOptions{TermChar: '\n'}, 64, msg, 0, true},
		{"none+enabled", EndNone, lineOpt, 64, "abc\n", transport.ReasonTermChar, false},
		{"none count", EndNone, transport.ReadOptions{}, 5, "abc\nd", transport.ReasonCount, false},
		{"count with termchar last", EndTermChar, lineOpt, 4, "abc\n", transport.ReasonEND | transport.ReasonTermChar | transport.ReasonCount, false},
		{"other termchar", EndTermChar, transport.ReadOptions{TermChar: 'e'}, 64, "abc\nde", transport.ReasonEND, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := rawPTY(t)
			cfg := DefaultConfig()
			cfg.EndIn = tc.endIn
			c := openConn(t, p.SlavePath, cfg)
			if _, err := p.Master.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, tc.bufLen)
			n, why, err := c.Read(ctxT(t, 50*time.Millisecond), buf, tc.opt)
			if tc.timesOut {
				wantErr(t, err, transport.ErrTimeout)
			} else if err != nil {
				t.Fatal(err)
			}
			if string(buf[:n]) != tc.want || why != tc.why {
				t.Fatalf("got %q reason %b, want %q reason %b", buf[:n], why, tc.want, tc.why)
			}
		})
	}
}

func TestEndInLastBit(t *testing.T) {
	for _, bits := range []int{7, 8} {
		s := servePTY(t, &ServeOptions{EndIn: EndTermChar, EndOut: EndLastBit, TermChar: '\n', DataBits: bits})
		cfg := DefaultConfig()
		cfg.DataBits, cfg.EndIn = bits, EndLastBit
		c := openConn(t, s.pty.SlavePath, cfg)
		// The termination character is not END here: with 7 bits the
		// server masks to 6 bits, so pick a query whose answer is short.
		got, why := query(t, c, "*STB?\n", transport.ReadOptions{TermChar: '\n'})
		top := byte(1) << (bits - 1)
		if why != transport.ReasonEND || got[len(got)-1]&top == 0 {
			t.Fatalf("%d bits: got %q reason %b", bits, got, why)
		}
		for _, b := range []byte(got[:len(got)-1]) {
			if b&top != 0 {
				t.Fatalf("%d bits: byte %#x before the end has the last bit", bits, b)
			}
		}
	}
}

func TestEndOutModes(t *testing.T) {
	t.Run("termchar", func(t *testing.T) {
		s := servePTY(t, nil)
		cfg := DefaultConfig()
		cfg.EndOut = EndTermChar
		c := openConn(t, s.pty.SlavePath, cfg)
		got, _ := query(t, c, "*IDN?", lineOpt)
		if !strings.HasPrefix(got, "govisa,") {
			t.Fatalf("response %q", got)
		}
		// Without end nothing is appended: the message is finished later.
		ctx := ctxT(t, time.Second)
		if n, err := c.Write(ctx, []byte("TEST:ECHO? 'x"), false); err != nil || n != 13 {
			t.Fatal(n, err)
		}
		if n, err := c.Write(ctx, []byte("y'"), true); err != nil || n != 2 {
			t.Fatal(n, err)
		}
		buf := make([]byte, 16)
		n, _, err := c.Read(ctx, buf, lineOpt)
		if err != nil || string(buf[:n]) != "'xy'\n" {
			t.Fatalf("%q %v", buf[:n], err)
		}
	})
	t.Run("lastbit", func(t *testing.T) {
		s := servePTY(t, &ServeOptions{EndIn: EndLastBit, DataBits: 8, TermChar: '\n'})
		cfg := DefaultConfig()
		cfg.EndOut = EndLastBit
		c := openConn(t, s.pty.SlavePath, cfg)
		got, _ := query(t, c, "*IDN?", lineOpt)
		if !strings.HasPrefix(got, "govisa,") {
			t.Fatalf("response %q", got)
		}
	})
	t.Run("lastbit on the wire", func(t *testing.T) {
		p := rawPTY(t)
		cfg := DefaultConfig()
		cfg.EndOut, cfg.DataBits = EndLastBit, 7
		c := openConn(t, p.SlavePath, cfg)
		if _, err := c.Write(ctxT(t, time.Second), []byte{0xC1, 'b'}, true); err != nil {
			t.Fatal(err)
		}
		if got := readMaster(t, p, 2, time.Second); !bytes.Equal(got, []byte{0x01, 'b' | 0x40}) {
			t.Fatalf("wire %x", got)
		}
	})
	t.Run("break", func(t *testing.T) {
		s := servePTY(t, nil)
		cfg := DefaultConfig()
		cfg.EndOut, cfg.BreakLen = EndBreak, time.Millisecond
		c := openConn(t, s.pty.SlavePath, cfg)
		got, _ := query(t, c, "*IDN?\n", lineOpt)
		if !strings.HasPrefix(got, "govisa,") {
			t.Fatalf("response %q", got)
		}
	})
}

func TestBytesAfterTermCharKept(t *testing.T) {
	p := rawPTY(t)
	c := openConn(t, p.SlavePath, DefaultConfig())
	p.Master.Write([]byte("one\ntwo\nthree"))
	ctx := ctxT(t, time.Second)
	buf := make([]byte, 64)
	for _, want := range []string{"one\n", "two\n"} {
		n, _, err := c.Read(ctx, buf, lineOpt)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("got %q %v want %q", buf[:n], err, want)
		}
	}
	eventually(t, "5 bytes available", func() bool { n, _ := c.BytesAvailable(); return n == 5 })
	// The rest has no terminator: a timeout returns it as partial data.
	n, _, err := c.Read(ctxT(t, 20*time.Millisecond), buf, lineOpt)
	wantErr(t, err, transport.ErrTimeout)
	if string(buf[:n]) != "three" {
		t.Fatalf("partial %q", buf[:n])
	}
}

func TestDiscardNull(t *testing.T) {
	p := rawPTY(t)
	cfg := DefaultConfig()
	cfg.DiscardNull = true
	c := openConn(t, p.SlavePath, cfg)
	p.Master.Write([]byte("a\x00b\x00\n"))
	buf := make([]byte, 64)
	n, _, err := c.Read(ctxT(t, time.Second), buf, lineOpt)
	if err != nil || string(buf[:n]) != "ab\n" {
		t.Fatalf("%q %v", buf[:n], err)
	}
}

func TestTimeoutCancelClose(t *testing.T) {
	p := rawPTY(t)
	c := openConn(t, p.SlavePath, DefaultConfig())
	buf := make([]byte, 8)
	n, _, err := c.Read(ctxT(t, 10*time.Millisecond), buf, lineOpt)
	wantErr(t, err, transport.ErrTimeout)
	if n != 0 {
		t.Fatal(n)
	}
	// Cancellation without a deadline.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	_, _, err = c.Read(ctx, buf, lineOpt)
	wantErr(t, err, transport.ErrAborted)
	// An already cancelled context reads nothing.
	_, _, err = c.Read(ctx, buf, lineOpt)
	wantErr(t, err, transport.ErrAborted)
	_, err = c.Write(ctx, []byte("x"), true)
	wantErr(t, err, transport.ErrAborted)
	// The session stays usable after both.
	p.Master.Write([]byte("ok\n"))
	n, _, err = c.Read(ctxT(t, time.Second), buf, lineOpt)
	if err != nil || string(buf[:n]) != "ok\n" {
		t.Fatalf("%q %v", buf[:n], err)
	}
	// Close unblocks a read with no deadline at all.
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background(), buf, lineOpt)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	c.Close()
	wantErr(t, <-done, transport.ErrClosed)
	_, _, err = c.Read(context.Background(), buf, lineOpt)
	wantErr(t, err, transport.ErrClosed)
	_, err = c.Write(context.Background(), buf, true)
	wantErr(t, err, transport.ErrClosed)
	if err := c.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func TestXonXoff(t *testing.T) {
	for _, chars := range [][2]byte{{0x11, 0x13}, {0x01, 0x02}} {
		p := rawPTY(t)
		cfg := DefaultConfig()
		cfg.Flow, cfg.XonChar, cfg.XoffChar = FlowXonXoff, chars[0], chars[1]
		c := openConn(t, p.SlavePath, cfg)
		xon, xoff := chars[0], chars[1]
		// The flow-control characters are consumed by the line, not read.
		p.Master.Write([]byte{'A', xoff, 'B', xon, '\n'})
		buf := make([]byte, 16)
		n, _, err := c.Read(ctxT(t, time.Second), buf, lineOpt)
		if err != nil || string(buf[:n]) != "AB\n" {
			t.Fatalf("chars %x: %q %v", chars, buf[:n], err)
		}
		// XOFF from the instrument holds our output until XON.
		p.Master.Write([]byte{xoff})
		eventually(t, "XOFF consumed", func() bool { n, _ := c.BytesAvailable(); return n == 0 })
		time.Sleep(5 * time.Millisecond)
		n, err = c.Write(ctxT(t, 30*time.Millisecond), []byte("held\n"), true)
		wantErr(t, err, transport.ErrTimeout)
		if n != 0 {
			t.Fatalf("wrote %d bytes while stopped", n)
		}
		if got := readMaster(t, p, 1, 10*time.Millisecond); len(got) != 0 {
			t.Fatalf("instrument received %q while it had sent XOFF", got)
		}
		p.Master.Write([]byte{xon})
		if _, err := c.Write(ctxT(t, time.Second), []byte("go\n"), true); err != nil {
			t.Fatal(err)
		}
		if got := readMaster(t, p, 3, time.Second); string(got) != "go\n" {
			t.Fatalf("after XON: %q", got)
		}
	}
}

func TestTermiosSettings(t *testing.T) {
	p := rawPTY(t)
	c := openConn(t, p.SlavePath, DefaultConfig())
	tty := c.p.(*ttyPort)
	cases := []struct {
		name       string
		change     func(*Config)
		set, clear uint32 // cflag bits
		iset       uint32
	}{
		{"odd", func(c *Config) { c.Parity = ParityOdd }, unix.PARENB | unix.PARODD, unix.CMSPAR, unix.INPCK},
		{"even", func(c *Config) { c.Parity = ParityEven }, unix.PARENB, unix.PARODD | unix.CMSPAR, unix.INPCK},
		{"mark", func(c *Config) { c.Parity = ParityMark }, unix.PARENB | unix.CMSPAR | unix.PARODD, 0, unix.INPCK},
		{"space", func(c *Config) { c.Parity = ParitySpace }, unix.PARENB | unix.CMSPAR, unix.PARODD, unix.INPCK},
		{"two stop", func(c *Config) { c.StopBits = StopBits2 }, unix.CSTOPB, unix.PARENB, 0},
		{"1.5 stop with 5 bits", func(c *Config) { c.StopBits, c.DataBits = StopBits1_5, 5 }, unix.CSTOPB | unix.CS5, unix.CS8 &^ unix.CS5, 0},
		{"7 bits", func(c *Config) { c.DataBits = 7 }, unix.CS7, unix.CSTOPB, 0},
		{"rts/cts", func(c *Config) { c.Flow = FlowRtsCts }, unix.CRTSCTS, 0, 0},
		{"xon/xoff", func(c *Config) { c.Flow = FlowXonXoff }, 0, unix.CRTSCTS, unix.IXON | unix.IXOFF},
		{"odd baud", func(c *Config) { c.BaudRate = 12345 }, unix.BOTHER, 0, 0},
	}
	for _, tc := range cases {
		cfg := DefaultConfig()
		tc.change(&cfg)
		// The computed termios carries every bit.
		var want unix.Termios
		if err := termiosFor(&want, &cfg); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if want.Cflag&tc.set != tc.set || want.Cflag&tc.clear != 0 || want.Iflag&tc.iset != tc.iset {
			t.Fatalf("%s: computed cflag %#x iflag %#x", tc.name, want.Cflag, want.Iflag)
		}
		// The pty stores them, except that it forces CS8 and clears PARENB
		// (drivers/tty/pty.c pty_set_termios); check the rest came through.
		if err := c.SetConfig(cfg); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		tio, err := tty.termios()
		if err != nil {
			t.Fatal(err)
		}
		const ptyForced = unix.PARENB | unix.CSIZE
		if tio.Cflag&^ptyForced != want.Cflag&^ptyForced || tio.Iflag != want.Iflag {
			t.Fatalf("%s: cflag %#x iflag %#x, want %#x %#x", tc.name, tio.Cflag, tio.Iflag, want.Cflag, want.Iflag)
		}
		if tio.Ospeed != uint32(cfg.BaudRate) || tio.Lflag&unix.ICANON != 0 || tio.Lflag&unix.ECHO != 0 {
			t.Fatalf("%s: speed %d/%d lflag %#x", tc.name, tio.Ispeed, tio.Ospeed, tio.Lflag)
		}
		if cfg.Flow&FlowXonXoff != 0 && (tio.Cc[unix.VSTART] != cfg.XonChar || tio.Cc[unix.VSTOP] != cfg.XoffChar) {
			t.Fatalf("%s: VSTART/VSTOP %#x %#x", tc.name, tio.Cc[unix.VSTART], tio.Cc[unix.VSTOP])
		}
	}
	// What Linux cannot do is refused, and the old setting stays.
	before := c.Config()
	for _, bad := range []func(*Config){
		func(c *Config) { c.StopBits = StopBits1_5 },
		func(c *Config) { c.Flow = FlowDtrDsr },
	} {
		cfg := DefaultConfig()
		bad(&cfg)
		wantErr(t, c.SetConfig(cfg), transport.ErrNotSupported)
		if c.Config() != before {
			t.Fatal("config changed by a refused SetConfig")
		}
	}
	wantErr(t, c.SetConfig(Config{}), transport.ErrInvalidArg)
}

func TestLinesBreakFlush(t *testing.T) {
	p := rawPTY(t)
	c := openConn(t, p.SlavePath, DefaultConfig())
	// A pseudo-terminal has no modem lines.
	_, err := c.ModemLines()
	wantErr(t, err, transport.ErrNotSupported)
	wantErr(t, c.SetDTR(true), transport.ErrNotSupported)
	wantErr(t, c.SetRTS(false), transport.ErrNotSupported)
	// Break: timed, and as a state.
	if err := c.Break(ctxT(t, time.Second), time.Millisecond); err != nil {
		t.Fatalf("break: %v", err)
	}
	if err := c.SetBreakState(true); err != nil || !c.BreakState() {
		t.Fatalf("break on: %v", err)
	}
	if err := c.SetBreakState(false); err != nil || c.BreakState() {
		t.Fatalf("break off: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	wantErr(t, c.Break(ctx, 500*time.Millisecond), transport.ErrAborted)
	// Flush discards what was received, also bytes buffered past a
	// terminator.
	p.Master.Write([]byte("a\njunk"))
	buf := make([]byte, 8)
	if n, _, err := c.Read(ctxT(t, time.Second), buf, lineOpt); err != nil || string(buf[:n]) != "a\n" {
		t.Fatalf("%q %v", buf[:n], err)
	}
	eventually(t, "4 bytes available", func() bool { n, _ := c.BytesAvailable(); return n == 4 })
	if err := c.Flush(context.Background(), DiscardIn|FlushOut|DiscardOut); err != nil {
		t.Fatal(err)
	}
	if n, err := c.BytesAvailable(); err != nil || n != 0 {
		t.Fatalf("after flush: %d %v", n, err)
	}
	if err := c.Flush(context.Background(), FlushOut); err != nil {
		t.Fatal(err)
	}
	p.Master.Write([]byte("ok\n"))
	if n, _, err := c.Read(ctxT(t, time.Second), buf, lineOpt); err != nil || string(buf[:n]) != "ok\n" {
		t.Fatalf("%q %v", buf[:n], err)
	}
}

func Test4882Strings(t *testing.T) {
	s := servePTY(t, nil)
	c := openConn(t, s.pty.SlavePath, DefaultConfig())
	ctx := ctxT(t, 2*time.Second)
	_, err := c.ReadSTB(ctx)
	wantErr(t, err, transport.ErrNotSupported)
	wantErr(t, c.Trigger(ctx), transport.ErrNotSupported)
	if err := c.Clear(ctx); err != nil {
		t.Fatalf("plain clear: %v", err)
	}
	if err := c.SetAttr(attrIOProt, uint16(Prot4882Strings)); err != nil {
		t.Fatal(err)
	}
	if err := c.Trigger(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Trigger(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := query(t, c, "TEST:TRIG:COUN?\n", lineOpt); got != "2\n" {
		t.Fatalf("trigger count %q", got)
	}
	if _, err := c.Write(ctx, []byte("*SRE 1;TEST:SRQ\n"), true); err != nil {
		t.Fatal(err)
	}
	if stb, err := c.ReadSTB(ctx); err != nil || stb != 0x41 {
		t.Fatalf("STB %#x %v, want 0x41", stb, err)
	}
	if err := c.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if stb, err := c.ReadSTB(ctx); err != nil || stb != 0 {
		t.Fatalf("STB after *CLS %#x %v", stb, err)
	}
	// Same through END_OUT termchar (no LF added by hand).
	cfg := c.Config()
	cfg.EndOut = EndTermChar
	if err := c.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if stb, err := c.ReadSTB(ctx); err != nil || stb != 0 {
		t.Fatalf("STB %#x %v", stb, err)
	}
}

func TestReadSTBBadAnswer(t *testing.T) {
	p := rawPTY(t)
	cfg := DefaultConfig()
	cfg.Protocol = Prot4882Strings
	c := openConn(t, p.SlavePath, cfg)
	for _, answer := range []string{"x\n", "300\n", strings.Repeat("1", 40) + "\n"} {
		p.Master.Write([]byte(answer))
		_, err := c.ReadSTB(ctxT(t, time.Second))
		wantErr(t, err, transport.ErrProtocol)
		c.Flush(context.Background(), DiscardIn)
		readMaster(t, p, 6, 10*time.Millisecond) // the *STB? queries
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(context.Background(), "/dev/does-not-exist-asrl", DefaultConfig())
	wantErr(t, err, transport.ErrNotFound)
	_, err = Open(context.Background(), "/dev/null", DefaultConfig())
	wantErr(t, err, transport.ErrInvalidArg)
	_, err = Open(context.Background(), "/dev/null", Config{})
	wantErr(t, err, transport.ErrInvalidArg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Open(ctx, "/dev/null", DefaultConfig())
	wantErr(t, err, transport.ErrAborted)
}

func TestServeHangupAndReopen(t *testing.T) {
	s := servePTY(t, nil)
	for range 2 {
		c := openConn(t, s.pty.SlavePath, DefaultConfig())
		if got, _ := query(t, c, "*IDN?\n", lineOpt); !strings.HasPrefix(got, "govisa,") {
			t.Fatalf("%q", got)
		}
		c.Close()
	}
	if err := Serve(context.Background(), s.pty.Master, s.dev, &ServeOptions{EndIn: EndBreak}); err == nil {
		t.Fatal("Serve accepted END_IN break")
	}
}
