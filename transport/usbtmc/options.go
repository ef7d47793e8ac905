package usbtmc

import (
	"log/slog"
	"time"
)

// Option configures [Open] and [OpenRaw].
type Option func(*config)

type config struct {
	maxTransfer  int
	abortTimeout time.Duration
	pollInterval time.Duration
	log          *slog.Logger
	quirks       Quirk
	quirksSet    bool
	ren          bool
	clearOnOpen  bool
}

func defaultConfig() config {
	return config{
		maxTransfer:  1 << 20,
		abortTimeout: 500 * time.Millisecond,
		pollInterval: 10 * time.Millisecond,
		ren:          true,
	}
}

// WithMaxTransfer sets the largest bulk transfer, in bytes, header and
// padding included (default 1 MiB, minimum 1 KiB). Writes are split into
// DEV_DEP_MSG_OUT transfers of at most this size and each
// REQUEST_DEV_DEP_MSG_IN asks for at most this much; it is also the size of
// the Conn's one receive buffer, so no read is ever sized by the device.
func WithMaxTransfer(n int) Option { return func(c *config) { c.maxTransfer = max(n, 1024) } }

// WithAbortTimeout bounds the abort sequence (INITIATE/CHECK_ABORT_BULK_*)
// the Conn runs after a read or write times out (default 500 ms).
func WithAbortTimeout(d time.Duration) Option { return func(c *config) { c.abortTimeout = d } }

// WithPollInterval sets how long the clear and abort sequences wait between
// CHECK_* requests answered PENDING (default 10 ms; the kernel uses 50 ms).
func WithPollInterval(d time.Duration) Option { return func(c *config) { c.pollInterval = d } }

// WithLogger sets a logger for protocol tracing (nil, the default, is silent).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithQuirks replaces the quirks the table in quirks.go would choose for the
// device's vendor and product ids.
func WithQuirks(q Quirk) Option { return func(c *config) { c.quirks, c.quirksSet = q, true } }

// WithREN controls whether Open asserts REN (REN_CONTROL 1) when the device
// accepts it, as pyvisa-py does (default true).
func WithREN(on bool) Option { return func(c *config) { c.ren = on } }

// WithClearOnOpen runs the device clear sequence in Open, discarding any
// response a previous session left behind (default false).
func WithClearOnOpen(on bool) Option { return func(c *config) { c.clearOnOpen = on } }
