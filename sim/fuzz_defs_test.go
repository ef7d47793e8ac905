package sim

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// FuzzLoad feeds arbitrary files to the definition loader: it must return
// definitions or a *DefinitionError, never panic, and every device it
// accepts must instantiate and survive a message.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"testdata/pyvisa.yaml", "default.yaml"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(dev("    govisa: {version: 1, commands: [{q: \"A<x>[:B] {v:int}\", r: \"{v:+05d}{x}\"}]}\n")))
	f.Add([]byte("spec: \"1.0\"\ndevices:\n  d:\n    bases: [d]\nresources: {}\n"))
	f.Add([]byte("spec: \"1.1\"\nresources:\n  ASRL1::INSTR: {device: d, bundled: true, filename: default.yaml}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog := time.AfterFunc(2*time.Second, func() { panic("FuzzLoad: one input took more than 2s") })
		defer watchdog.Stop()
		defs, err := Load("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrDefinition) {
				t.Fatalf("error outside ErrDefinition: %v", err)
			}
			return
		}
		for i, r := range defs.Resources {
			if i == 4 {
				break
			}
			d, err := r.NewDevice(WithMaxInput(1 << 12))
			if err != nil {
				if !errors.Is(err, ErrDefinition) {
					t.Fatalf("NewDevice: %v", err)
				}
				continue
			}
			ctx := context.Background()
			_ = d.Write(ctx, []byte("*IDN?\n"), true)
			if stb, _ := d.ReadSTB(ctx); stb&0x10 != 0 { // a response is there
				rctx, cancel := context.WithTimeout(ctx, time.Second)
				if _, _, err := d.Read(rctx, make([]byte, 256)); err != nil {
					t.Fatalf("MAV set but read failed: %v", err)
				}
				cancel()
			}
			d.Close()
		}
	})
}

// FuzzFormat: Python format specs and templates never panic, and a spec
// that parses formats numbers and strings without panicking.
func FuzzFormat(f *testing.F) {
	for _, s := range []string{".2f", "+.8E", "d", "#X", ",.2f", "*^10s", "08.3f", ".1%", "", "g", "99999999d", ".101f"} {
		f.Add(s, 3.5, int64(-42), "P6V")
	}
	f.Fuzz(func(t *testing.T, spec string, x float64, n int64, s string) {
		for _, v := range []value{{kind: 'f', f: x}, {kind: 'i', i: n}, strValue(s)} {
			_, _ = pyFormat(spec, v)
		}
		_, _ = formatTemplate(spec, x)
		if segs, err := compileTemplate(spec); err == nil {
			_, _ = expandTemplate(segs, func(string) (value, bool) { return value{kind: 'i', i: n}, true })
		}
		if p, err := compileSetter(spec); err == nil {
			_ = p.match(s)
		}
		if dt, err := compileDirectives(spec); err == nil {
			_ = dt.expand()
		}
	})
}

// FuzzPattern: SCPI patterns compile or fail cleanly, and matching any
// header and arguments against a compiled one never panics.
func FuzzPattern(f *testing.F) {
	f.Add("SOURce<ch>:VOLTage[:LEVel][:IMMediate] {v:float},{m}", "sour2:volt:lev", "1.5, 'x'")
	f.Add("OUTPut#?", "OUTP3?", "")
	f.Add("[SENSe]:FUNCtion {f:str}", ":FUNC", `"VOLT:DC"`)
	f.Add("A {b:bool},ON", "a", "ON,on")
	f.Fuzz(func(t *testing.T, pattern, header, args string) {
		p, err := compilePattern(pattern)
		if err != nil {
			return
		}
		caps := map[string]value{}
		_ = p.matchHeader(header, caps)
		_ = p.matchArgs(args, caps)
	})
}
