package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/govisa/govisa/visa"
)

// Profile describes the resource under test.
type Profile struct {
	Resource  string
	Interface visa.InterfaceType
	Class     visa.ResourceClass
	// Protocol is "SOCKET", "VXI-11", "HiSLIP", "GPIB", "USB", "ASRL", ...
	Protocol string
	// Identity is the *IDN? answer.
	Identity string
	Features Feature
}

// testInstrumentPrefix starts the *IDN? answer of the govisa test instrument.
const testInstrumentPrefix = "govisa,Test Instrument,"

// DetectFeatures returns the features a resource of this kind offers by
// VISA's rules: message-based INSTR sessions other than serial have END,
// device clear, status byte, trigger and service requests; TCPIP INSTR
// (VXI-11 and HiSLIP) carries locks to the device; SOCKET and serial
// sessions have none of these. identity (the *IDN? answer) tells whether the
// device is the govisa test instrument.
func DetectFeatures(rn visa.ResourceName, identity string) Feature {
	var f Feature
	if rn.Class == visa.ClassINSTR && rn.Interface != visa.VI_INTF_ASRL && rn.Interface != visa.VI_INTF_PRLGX {
		f |= FeatEND | FeatDeviceClear | FeatSTB | FeatTrigger | FeatSRQ
		if rn.Interface == visa.VI_INTF_TCPIP {
			f |= FeatDeviceLocks
		}
	}
	if strings.HasPrefix(identity, testInstrumentPrefix) {
		f |= FeatTestInstrument
	}
	return f
}

func protocolOf(rn visa.ResourceName) string {
	switch {
	case rn.Interface == visa.VI_INTF_TCPIP && rn.Class == visa.ClassSOCKET:
		return "SOCKET"
	case rn.Interface == visa.VI_INTF_TCPIP && rn.HiSLIP:
		return "HiSLIP"
	case rn.Interface == visa.VI_INTF_TCPIP:
		return "VXI-11"
	}
	return rn.Interface.String()
}

// Env is what a check works with: the configuration, the profile of the
// resource and the sessions the check opened (closed after it).
type Env struct {
	cfg  Config
	prof Profile

	mu     sync.Mutex
	opened []*visa.Resource
	rms    []*visa.ResourceManager
}

func newEnv(ctx context.Context, cfg Config) (*Env, error) {
	e := &Env{cfg: cfg}
	rn, err := visa.ParseResourceName(cfg.Resource)
	if err != nil {
		return nil, err
	}
	e.prof = Profile{Resource: cfg.Resource, Interface: rn.Interface, Class: rn.Class, Protocol: protocolOf(rn)}
	r, err := e.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("conformance: cannot open %s: %w", cfg.Resource, err)
	}
	defer e.closeAll()
	idn, err := r.Query(ctx, "*IDN?")
	if err != nil {
		return nil, fmt.Errorf("conformance: *IDN? on %s: %w", cfg.Resource, err)
	}
	e.prof.Identity = strings.TrimSpace(idn)
	e.prof.Features = DetectFeatures(rn, e.prof.Identity)
	if cfg.Features != 0 {
		e.prof.Features = cfg.Features
	}
	if cfg.Disconnect != nil {
		e.prof.Features |= FeatDisconnect
	}
	if cfg.Long {
		e.prof.Features |= FeatLong
	}
	return e, nil
}

// Profile returns the profile of the resource under test.
func (e *Env) Profile() Profile { return e.prof }

func (e *Env) has(f Feature) bool { return e.prof.Features&f == f }

// open opens a session on the configured resource manager with the
// configured timeout and options; it is closed when the check ends.
func (e *Env) open(ctx context.Context, opts ...visa.OpenOption) (*visa.Resource, error) {
	return e.openOn(ctx, e.cfg.RM, opts...)
}

func (e *Env) openOn(ctx context.Context, rm *visa.ResourceManager, opts ...visa.OpenOption) (*visa.Resource, error) {
	all := append([]visa.OpenOption{visa.WithTimeout(e.cfg.Timeout)}, e.cfg.OpenOptions...)
	all = append(all, opts...)
	r, err := rm.OpenResource(ctx, e.cfg.Resource, all...)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	e.mu.Lock()
	e.opened = append(e.opened, r)
	e.mu.Unlock()
	return r, nil
}

// secondRM opens an independent resource manager, closed after the check.
func (e *Env) secondRM() (*visa.ResourceManager, error) {
	rm, err := e.cfg.NewRM()
	if err != nil {
		return nil, fmt.Errorf("second resource manager: %w", err)
	}
	e.mu.Lock()
	e.rms = append(e.rms, rm)
	e.mu.Unlock()
	return rm, nil
}

func (e *Env) closeAll() {
	e.mu.Lock()
	rs, rms := e.opened, e.rms
	e.opened, e.rms = nil, nil
	e.mu.Unlock()
	for _, r := range rs {
		_ = r.Close()
	}
	for _, rm := range rms {
		_ = rm.Close()
	}
}

// echo returns a command whose response is text (the test instrument's
// TEST:ECHO?), or "" when the device has none.
func (e *Env) echo(text string) string {
	if !e.has(FeatTestInstrument) {
		return ""
	}
	return "TEST:ECHO? " + text
}

// blockHeader is the definite block header the test instrument sends for
// n bytes.
func blockHeader(n int) string {
	d := fmt.Sprint(n)
	return fmt.Sprintf("#%d%s", len(d), d)
}

// pattern reports the first byte of p that is not (off+i) mod 256.
func checkPattern(p []byte, off int) error {
	for i, b := range p {
		if b != byte(off+i) {
			return fmt.Errorf("byte %d is 0x%02X, want 0x%02X", off+i, b, byte(off+i))
		}
	}
	return nil
}

// within checks that an operation ended no earlier than lo and no later
// than lo plus the tolerance.
func (e *Env) within(what string, took, lo time.Duration) error {
	if took < lo-5*time.Millisecond { // timers round to the millisecond
		return fmt.Errorf("%s after %v, before the %v it must wait", what, took.Round(time.Millisecond), lo)
	}
	if hi := lo + e.cfg.Tolerance; took > hi {
		return fmt.Errorf("%s after %v, later than %v (+%v tolerance)", what, took.Round(time.Millisecond), lo, e.cfg.Tolerance)
	}
	return nil
}

// usable checks that r still answers *IDN? with the device's identity.
func (e *Env) usable(ctx context.Context, r *visa.Resource, after string) error {
	got, err := r.Query(ctx, "*IDN?")
	if err != nil {
		return fmt.Errorf("session unusable %s: *IDN?: %w", after, err)
	}
	if strings.TrimSpace(got) != e.prof.Identity {
		return fmt.Errorf("after %s *IDN? answered %q, want %q (a stale response leaked)", after, got, e.prof.Identity)
	}
	return nil
}

// statusOf returns the VISA status of err.
func statusOf(err error) visa.Status {
	var ve *visa.Error
	if err == nil {
		return visa.VI_SUCCESS
	}
	if errors.As(err, &ve) {
		return ve.Status
	}
	return visa.VI_ERROR_SYSTEM_ERROR
}
