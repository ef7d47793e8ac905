package conformance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/govisa/govisa/visa"
)

// Outcome is the result of one check.
type Outcome string

// Outcomes.
const (
	Pass          Outcome = "pass"
	Fail          Outcome = "fail"
	NotApplicable Outcome = "n/a"
)

// Feature is a protocol capability a check may need.
type Feature uint32

// Features a resource may offer. [DetectFeatures] derives them from the
// resource name and the device's identity; Config.Features overrides.
const (
	// FeatEND: the transport carries END (EOI, EOM, the VXI-11 end flag):
	// GPIB, VXI-11, HiSLIP and USBTMC INSTR, not SOCKET or serial.
	FeatEND Feature = 1 << iota
	// FeatDeviceClear: viClear clears the device (its output queue, a
	// pending response), not only the client's buffer.
	FeatDeviceClear
	// FeatSTB: viReadSTB reads the status byte out of band.
	FeatSTB
	// FeatTrigger: viAssertTrigger reaches the device.
	FeatTrigger
	// FeatSRQ: the session receives service requests as events.
	FeatSRQ
	// FeatDeviceLocks: locks are carried to the device, so sessions of
	// independent resource managers (processes) exclude each other.
	FeatDeviceLocks
	// FeatTestInstrument: the device is the govisa test instrument.
	FeatTestInstrument
	// FeatDisconnect: Config.Disconnect can drop the connection.
	FeatDisconnect
	// FeatLong: Config.Long is set (100 MiB transfers).
	FeatLong
)

var featureNames = []struct {
	f    Feature
	name string
	why  string
}{
	{FeatEND, "END", "the transport has no END indicator"},
	{FeatDeviceClear, "device-clear", "viClear does not clear the device on this transport (it only discards buffered input)"},
	{FeatSTB, "status-byte", "the transport cannot read the status byte out of band"},
	{FeatTrigger, "trigger", "the transport has no device trigger"},
	{FeatSRQ, "service-request", "the transport does not deliver service requests"},
	{FeatDeviceLocks, "device-locks", "the protocol does not carry locks to the device (locks are per process)"},
	{FeatTestInstrument, "test-instrument", "the device is not the govisa test instrument and no generic IEEE 488.2 way exists"},
	{FeatDisconnect, "disconnect", "no way to drop the connection was given (Config.Disconnect is nil)"},
	{FeatLong, "long", "long mode is off (Config.Long)"},
}

// String lists the feature names, "END|status-byte".
func (f Feature) String() string {
	var parts []string
	for _, n := range featureNames {
		if f&n.f != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, "|")
}

// missing explains the first feature of need that have lacks.
func missing(need, have Feature) string {
	for _, n := range featureNames {
		if need&n.f != 0 && have&n.f == 0 {
			return "needs " + n.name + ": " + n.why
		}
	}
	return ""
}

// Check is one rule of the suite.
type Check struct {
	// Name is "area/rule", for example "read/termchar".
	Name string
	// Doc says what the check verifies.
	Doc string
	// Needs lists the features the check requires.
	Needs Feature
	run   func(ctx context.Context, e *Env) error
}

// Result is the outcome of one check.
type Result struct {
	Check    string        `json:"check"`
	Outcome  Outcome       `json:"outcome"`
	Reason   string        `json:"reason,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Report is the outcome of a run. It marshals to JSON as is.
type Report struct {
	Resource  string    `json:"resource"`
	Identity  string    `json:"identity,omitempty"`
	Interface string    `json:"interface,omitempty"`
	Class     string    `json:"class,omitempty"`
	Features  string    `json:"features"`
	Govisa    string    `json:"govisa,omitempty"`
	Started   time.Time `json:"started"`
	Elapsed   float64   `json:"elapsed_s"`
	// Error is set when the suite could not start (the resource does not
	// open); Results is then empty.
	Error   string   `json:"error,omitempty"`
	Results []Result `json:"results"`
}

// Counts returns how many checks passed, failed and did not apply.
func (r Report) Counts() (pass, fail, na int) {
	for _, res := range r.Results {
		switch res.Outcome {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			na++
		}
	}
	return
}

// OK reports whether the suite ran and no check failed.
func (r Report) OK() bool {
	_, fail, _ := r.Counts()
	return r.Error == "" && fail == 0
}

// Result returns the result of the named check.
func (r Report) Result(name string) (Result, bool) {
	for _, res := range r.Results {
		if res.Check == name {
			return res, true
		}
	}
	return Result{}, false
}

// Config configures a run.
type Config struct {
	// RM opens the sessions (required).
	RM *visa.ResourceManager
	// Resource is the resource name under test (required).
	Resource string
	// Checks selects checks by name or by "area/" prefix; empty runs all.
	Checks []string
	// Logger receives progress records; nil is silent.
	Logger *slog.Logger
	// Timeout is the I/O timeout of the sessions the checks open (default
	// 2 s). Checks of timeouts set their own, shorter ones.
	Timeout time.Duration
	// Tolerance is how late a timeout or cancellation may take effect
	// (default 500 ms, generous for loaded CI machines and real networks).
	Tolerance time.Duration
	// Long turns on the 100 MiB transfers.
	Long bool
	// Features, when non-zero, replaces the detected features (use it to
	// declare what a real instrument offers).
	Features Feature
	// NewRM opens a second, independent resource manager for the checks of
	// device-side locks; nil means visa.NewResourceManager("").
	NewRM func() (*visa.ResourceManager, error)
	// Disconnect drops the connection of the sessions open to the resource
	// (a test harness closes the server side); nil makes the check of
	// connection loss not applicable.
	Disconnect func() error
	// OpenOptions are applied to every session the checks open.
	OpenOptions []visa.OpenOption
	// CheckTimeout bounds each check, so that a stack ignoring its own
	// timeouts fails the check instead of hanging the run (default 2 min,
	// 10 min in long mode).
	CheckTimeout time.Duration
}

func (c *Config) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Tolerance <= 0 {
		c.Tolerance = 500 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.NewRM == nil {
		c.NewRM = func() (*visa.ResourceManager, error) { return visa.NewResourceManager("") }
	}
}

// Checks returns every check of the suite, in the order Run runs them.
func Checks() []Check {
	var out []Check
	for _, group := range [][]Check{sessionChecks, attrChecks, readChecks, blockChecks, timingChecks, statusChecks, lockChecks} {
		out = append(out, group...)
	}
	return out
}

// selected reports whether name is chosen by the selectors.
func selected(name string, sel []string) bool {
	if len(sel) == 0 {
		return true
	}
	for _, s := range sel {
		if s == name || strings.HasSuffix(s, "/") && strings.HasPrefix(name, s) {
			return true
		}
	}
	return false
}

// errNA marks a check that found at run time that it does not apply.
type errNA struct{ reason string }

func (e errNA) Error() string { return e.reason }

// notApplicable returns an error that makes the check not applicable.
func notApplicable(format string, a ...any) error { return errNA{fmt.Sprintf(format, a...)} }

// Run runs the selected checks against cfg.Resource and reports each.
// A check that panics or overruns ctx fails; it never stops the run.
func Run(ctx context.Context, cfg Config) Report {
	cfg.defaults()
	rep := Report{Resource: cfg.Resource, Started: time.Now().UTC(), Results: []Result{}}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/govisa/govisa" {
				rep.Govisa = d.Version
			}
		}
		if rep.Govisa == "" && bi.Main.Path == "github.com/govisa/govisa" {
			rep.Govisa = bi.Main.Version
		}
	}
	defer func() { rep.Elapsed = time.Since(rep.Started).Seconds() }()
	if cfg.RM == nil || cfg.Resource == "" {
		rep.Error = "conformance: Config.RM and Config.Resource are required"
		return rep
	}
	env, err := newEnv(ctx, cfg)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	rep.Identity = env.prof.Identity
	rep.Interface = env.prof.Interface.String()
	rep.Class = string(env.prof.Class)
	rep.Features = env.prof.Features.String()
	for _, c := range Checks() {
		if !selected(c.Name, cfg.Checks) {
			continue
		}
		res := env.runCheck(ctx, c)
		cfg.Logger.Info("conformance", "check", res.Check, "outcome", string(res.Outcome), "reason", res.Reason, "duration", res.Duration)
		rep.Results = append(rep.Results, res)
	}
	return rep
}

// checkLimit bounds one check: a stack that ignores its own timeouts must
// not hang the whole run.
func (e *Env) checkLimit() time.Duration {
	if e.cfg.CheckTimeout > 0 {
		return e.cfg.CheckTimeout
	}
	if e.has(FeatLong) {
		return 10 * time.Minute
	}
	return 2 * time.Minute
}

// runCheck runs one check with its own sessions, which are closed after.
func (e *Env) runCheck(ctx context.Context, c Check) (res Result) {
	res = Result{Check: c.Name}
	if why := missing(c.Needs, e.prof.Features); why != "" {
		res.Outcome, res.Reason = NotApplicable, why
		return res
	}
	start := time.Now()
	defer func() {
		e.closeAll()
		res.Duration = time.Since(start)
	}()
	cctx, cancel := context.WithTimeout(ctx, e.checkLimit())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		done <- c.run(cctx, e)
	}()
	var err error
	select {
	case err = <-done:
	case <-cctx.Done():
		// Closing the sessions should unblock the check; give it a moment.
		e.closeAll()
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
		}
		if err == nil || ctx.Err() == nil {
			err = fmt.Errorf("the check did not finish within %v (an operation ignored its timeout)", e.checkLimit())
		}
	}
	var na errNA
	switch {
	case err == nil:
		res.Outcome = Pass
	case errors.As(err, &na):
		res.Outcome, res.Reason = NotApplicable, na.reason
	default:
		res.Outcome, res.Reason = Fail, err.Error()
	}
	return res
}

// ParseFeatures parses a list of feature names separated by commas or
// "|" ("END,status-byte,trigger"), as Feature.String prints them.
func ParseFeatures(s string) (Feature, error) {
	var f Feature
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ' ' }) {
		found := false
		for _, n := range featureNames {
			if strings.EqualFold(part, n.name) {
				f |= n.f
				found = true
			}
		}
		if !found {
			var names []string
			for _, n := range featureNames {
				names = append(names, n.name)
			}
			return 0, fmt.Errorf("unknown feature %q (known: %s)", part, strings.Join(names, ", "))
		}
	}
	return f, nil
}
