package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

func TestPyFormat(t *testing.T) {
	f := func(x float64) value { return value{kind: 'f', f: x} }
	i := func(x int64) value { return value{kind: 'i', i: x} }
	cases := []struct {
		spec string
		v    value
		want string
	}{
		{".2f", f(100), "100.00"},
		{"+.8E", f(1), "+1.00000000E+00"},
		{"+.8E", f(-0.00125), "-1.25000000E-03"},
		{".3e", f(12345.678), "1.235e+04"},
		{"d", i(42), "42"},
		{"d", f(3), "3"},
		{"05d", i(-42), "-0042"},
		{">6", strValue("ab"), "    ab"},
		{"<6", i(7), "7     "},
		{"*^7", strValue("ab"), "**ab***"},
		{"x", i(255), "ff"},
		{"#X", i(255), "0XFF"},
		{"#b", i(5), "0b101"},
		{",d", i(1234567), "1,234,567"},
		{",.2f", f(1234567.891), "1,234,567.89"},
		{".1%", f(0.125), "12.5%"},
		{"s", strValue("P6V"), "P6V"},
		{".2s", strValue("P6V"), "P6"},
		{"", f(100), "100.0"},
		{"", f(1e-5), "1e-05"},
		{"", i(3), "3"},
		{"", strValue("x"), "x"},
		{"g", f(100), "100"},
		{".3g", f(0.0001234), "0.000123"},
		{" .1f", f(2), " 2.0"},
		{"08.3f", f(-3.14159), "-003.142"},
	}
	for _, c := range cases {
		got, err := pyFormat(c.spec, c.v)
		require.NoError(t, err, c.spec)
		assert.Equal(t, c.want, got, "{:%s} of %v", c.spec, c.v)
	}
	for _, bad := range []struct {
		spec string
		v    value
	}{{".2q", f(1)}, {"d", f(1.5)}, {"d", strValue("x")}, {".f", f(1)}, {"f", strValue("x")}, {"99999999d", i(1)}} {
		_, err := pyFormat(bad.spec, bad.v)
		assert.Error(t, err, "%q of %v", bad.spec, bad.v)
	}
}

func TestFormatTemplate(t *testing.T) {
	s, err := formatTemplate("V={:.1f} V, {{literal}}", 2.25)
	require.NoError(t, err)
	assert.Equal(t, "V=2.2 V, {literal}", s) // round half to even, as Python
	_, err = formatTemplate("oops}", 1.0)
	assert.Error(t, err)
	_, err = formatTemplate("{:.2f", 1.0)
	assert.Error(t, err)
}

func TestSetterParser(t *testing.T) {
	cases := []struct {
		pattern, msg string
		want         map[string]string
	}{
		{"!FREQ {:.2f}", "!FREQ 12.50", map[string]string{"0": "12.50"}},
		{"!FREQ {:.2f}", "!FREQ 1e3", map[string]string{"0": "1e3"}},
		{"!FREQ {:.2f}", "!FREQ abc", nil},
		{"!OUT {:d}", "!OUT 1", map[string]string{"0": "1"}},
		{"!OUT {:d}", "!OUT 1.5", nil},
		{"SENS1:FREQ {:.2f} MHZ", "SENS1:FREQ 3.00 MHZ", map[string]string{"0": "3.00"}},
		{"INST {:s}", "INST P25V", map[string]string{"0": "P25V"}},
		{"CH {ch_id}:VOLT {:.3f}", "CH 2:VOLT 1.000", map[string]string{"ch_id": "2", "0": "1.000"}},
		{"CURR:LIM {:}", "CURR:LIM 4", map[string]string{"0": "4"}},
		{"A {} B {}", "A x B y", map[string]string{"0": "x", "1": "y"}},
		{"HEX {:x}", "HEX ff", map[string]string{"0": "ff"}},
	}
	for _, c := range cases {
		p, err := compileSetter(c.pattern)
		require.NoError(t, err, c.pattern)
		got := p.match(c.msg)
		if c.want == nil {
			assert.Nil(t, got, "%q ~ %q", c.pattern, c.msg)
			continue
		}
		assert.Equal(t, c.want, got, "%q ~ %q", c.pattern, c.msg)
	}
}

func TestSpecsValidate(t *testing.T) {
	lo, hi := 1.0, 6.0
	sp := &Specs{Type: "float", Min: &lo, Max: &hi}
	v, err := sp.validate("v", "2.5")
	require.NoError(t, err)
	assert.Equal(t, value{kind: 'f', f: 2.5}, v)
	_, err = sp.validate("v", "0.5")
	assert.ErrorContains(t, err, "less than the minimum")
	_, err = sp.validate("v", "x")
	assert.ErrorContains(t, err, "not a float")
	iv, err := (&Specs{Type: "int"}).validate("n", "3.9")
	require.NoError(t, err)
	assert.Equal(t, int64(3), iv.i, "int() of a float truncates, as in Python")
	_, err = (&Specs{Type: "int", Valid: []string{"0", "1"}}).validate("n", "2")
	assert.ErrorContains(t, err, "valid values")
	sv, err := (*Specs)(nil).validate("s", "anything")
	require.NoError(t, err)
	assert.Equal(t, "anything", sv.String())
}

func TestPatternMatching(t *testing.T) {
	p, err := compilePattern("[SENSe]:VOLTage[:DC]:RANGe<r>[:UPPer] {v:float},{mode}")
	require.NoError(t, err)
	assert.Equal(t, []string{"r", "v", "mode"}, p.vars())
	for _, h := range []string{"VOLT:RANG", "SENS:VOLT:DC:RANG2:UPP", ":sense:voltage:range", "volt:dc:rang3"} {
		caps := map[string]value{}
		assert.True(t, p.matchHeader(h, caps), h)
	}
	caps := map[string]value{}
	require.True(t, p.matchHeader("VOLT:RANG7", caps))
	assert.Equal(t, int64(7), caps["r"].i)
	for _, h := range []string{"VOLT:RANG?", "VOLT", "VOLTA:RANG", "SENS:SENS:VOLT:RANG", "VOLT:RANGX"} {
		assert.False(t, p.matchHeader(h, map[string]value{}), h)
	}
	assert.Nil(t, p.matchArgs("10, 'auto'", caps))
	assert.Equal(t, "auto", caps["mode"].s)
	assert.Equal(t, ErrMissingParam, p.matchArgs("10", caps))
	for _, bad := range []string{"", "[VOLT", "VOLT {x:date}", "VOLT {}", "VOLT {a},{a}", "VO-LT", "VOLT<>"} {
		_, err := compilePattern(bad)
		assert.Error(t, err, bad)
	}
}

// TestLoopbackReadRules checks the VPP-4.3 rule 6.1 reads of a Loopback.
func TestLoopbackReadRules(t *testing.T) {
	ctx := context.Background()
	dev := NewTestInstrument()
	c := NewLoopback(dev)
	defer c.Close()
	_, err := c.Write(ctx, []byte("TEST:ECHO? ab\n"), true)
	require.NoError(t, err)
	buf := make([]byte, 64)
	// Termination character: the read stops after it; the rest stays.
	n, why, err := c.Read(ctx, buf, transport.ReadOptions{TermChar: 'a', TermCharEnabled: true})
	require.NoError(t, err)
	assert.Equal(t, "a", string(buf[:n]))
	assert.Equal(t, transport.ReasonTermChar, why)
	// Count: a one-byte buffer fills.
	n, why, err = c.Read(ctx, buf[:1], transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, "b", string(buf[:n]))
	assert.Equal(t, transport.ReasonCount, why)
	n, why, err = c.Read(ctx, buf, transport.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, "\n", string(buf[:n]))
	assert.Equal(t, transport.ReasonEND, why)
	// SuppressEND: END alone does not end the read; the deadline does.
	_, err = c.Write(ctx, []byte("TEST:ECHO? x\n"), true)
	require.NoError(t, err)
	dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	n, _, err = c.Read(dctx, buf, transport.ReadOptions{SuppressEND: true})
	assert.True(t, errors.Is(err, transport.ErrTimeout), "%v", err)
	assert.Equal(t, "x\n", string(buf[:n]))
}

// deadlineOnly is a context with a deadline whose Done never fires, as the
// VISA session layer may hand one to a transport.
type deadlineOnly struct {
	context.Context
	dl time.Time
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.dl, true }

func TestLoopbackArmsItsOwnDeadline(t *testing.T) {
	c := NewLoopback(NewTestInstrument())
	defer c.Close()
	ctx := deadlineOnly{context.Background(), time.Now().Add(20 * time.Millisecond)}
	_, _, err := c.Read(ctx, make([]byte, 8), transport.ReadOptions{})
	assert.True(t, errors.Is(err, transport.ErrTimeout), "%v", err)
}

func TestLoopbackCloseUnblocks(t *testing.T) {
	c := NewLoopback(NewTestInstrument())
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background(), make([]byte, 8), transport.ReadOptions{})
		errc <- err
	}()
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, c.Close())
	select {
	case err := <-errc:
		assert.True(t, errors.Is(err, transport.ErrClosed), "%v", err)
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
	_, err := c.Write(context.Background(), []byte("x"), true)
	assert.True(t, errors.Is(err, transport.ErrClosed))
}

func TestLoopbackSTBTriggerClearSRQ(t *testing.T) {
	ctx := context.Background()
	dev := NewTestInstrument()
	c := NewLoopback(dev)
	defer c.Close()
	srq := make(chan struct{}, 1)
	c.OnSRQ(func() { srq <- struct{}{} })
	_, err := c.Write(ctx, []byte("*SRE 1;TEST:SRQ\n"), true)
	require.NoError(t, err)
	select {
	case <-srq:
	case <-time.After(2 * time.Second):
		t.Fatal("no SRQ")
	}
	b, err := c.ReadSTB(ctx)
	require.NoError(t, err)
	assert.Equal(t, byte(0x41), b)
	require.NoError(t, c.Trigger(ctx))
	assert.Equal(t, uint64(1), dev.TriggerCount())
	_, err = c.Write(ctx, []byte("*IDN?\n"), true)
	require.NoError(t, err)
	require.NoError(t, c.Clear(ctx))
	dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, _, err = c.Read(dctx, make([]byte, 8), transport.ReadOptions{})
	assert.True(t, errors.Is(err, transport.ErrTimeout), "the clear discarded the response: %v", err)
	require.NoError(t, c.RemoteLocal(ctx, transport.RENAssertAddrLLO))
	remote, lockout := dev.RemoteState()
	assert.True(t, remote && lockout)
	c.OnSRQ(nil)
}
