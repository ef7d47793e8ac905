package prologix

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/asrl"
)

// DefaultPort is the TCP port of a Prologix GPIB-ETHERNET controller.
const DefaultPort = 1234

// Options tunes an [Adapter]. A nil *Options means the defaults.
type Options struct {
	// ReadTimeout is the adapter's own inter-byte read timeout
	// (++read_tmo_ms, 1-3000 ms; default 100 ms). A read that gets no byte
	// for this long is over as far as the adapter is concerned.
	ReadTimeout time.Duration
	// Slack is added to ReadTimeout before the client concludes that the
	// adapter stopped sending (default 20 ms; raise it on slow networks).
	Slack time.Duration
	// EOTChar, when UseEOT is set, is appended by the adapter after a byte
	// received with EOI (++eot_enable 1, ++eot_char). The client then knows
	// END exactly and strips the character, but binary data must not
	// contain it. Without UseEOT (pyvisa-py's setting) END is inferred when
	// the adapter falls silent after a ++read eoi.
	UseEOT  bool
	EOTChar byte
	// SRQPollInterval is how often the adapter's SRQ line is polled
	// (++srq) while an instrument wants service-request events
	// ([Instr.OnSRQ]); default 50 ms. A Prologix controller has no
	// asynchronous SRQ notification, so polling is the only way.
	SRQPollInterval time.Duration
	// Reconnect says what happens after the TCP link to a GPIB-ETHERNET
	// adapter fails: by default (ReconnectAuto) the next operation redials
	// and sets the adapter up again. Serial links never reconnect.
	Reconnect ReconnectPolicy
	// Logger receives debug traces of every ++ command and a record of
	// each lost and restored link; nil is silent.
	Logger *slog.Logger
}

// ReconnectPolicy chooses whether a lost TCP link is redialled.
type ReconnectPolicy uint8

const (
	// ReconnectAuto (the default): the operation that meets the failure
	// returns an error wrapping transport.ErrConnLost, and the next
	// operation redials within its own deadline.
	ReconnectAuto ReconnectPolicy = iota
	// ReconnectNever: once the link failed, every operation fails with
	// transport.ErrConnLost until the adapter is closed.
	ReconnectNever
)

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.ReadTimeout <= 0 {
		r.ReadTimeout = 100 * time.Millisecond
	}
	r.ReadTimeout = min(max(r.ReadTimeout, time.Millisecond), 3000*time.Millisecond)
	if r.Slack <= 0 {
		r.Slack = 20 * time.Millisecond
	}
	if r.SRQPollInterval <= 0 {
		r.SRQPollInterval = 50 * time.Millisecond
	}
	return r
}

// Adapter is one Prologix controller (GPIB-ETHERNET or GPIB-USB) in
// controller mode. Several instruments ([Adapter.Instrument]) share it; each
// operation takes the adapter's lock and re-addresses the bus when the
// target changes, so operations of different instruments are serialised.
type Adapter struct {
	mu   sync.Mutex // serialises operations on the link
	l    link       // guarded by mu (and lmu when it is replaced)
	opts Options
	// redial opens a new link to the same adapter; nil when the link
	// cannot come back (a serial port that vanished is a device gone).
	redial func(context.Context) (link, error)
	// broken is why the link failed (guarded by mu); nil while it works.
	broken error

	// lmu lets Close reach the current link while an operation holds mu,
	// so that closing unblocks it.
	lmu      sync.Mutex
	lclosed  bool // the link in l is closed (guarded by lmu)
	closed   atomic.Bool
	closeErr error
	// closeCtx ends when the adapter is closed; it cancels a redial and
	// the SRQ poller's bus operations.
	closeCtx    context.Context
	closeCancel context.CancelFunc

	srq srqWatch

	addr    Address // current ++addr; pad -1 = unknown
	eoi     bool    // current ++eoi
	readTmo time.Duration

	// Read state of the instrument at addr.
	buf     []byte // bytes received from the adapter; buf[r:] not yet returned
	r       int
	reading bool // a ++read is in progress (not yet ended)
	got     int  // bytes received since that ++read was sent
	wbuf    []byte
}

// Address is a GPIB address: primary 0-30, secondary 0-30 or -1 for none
// (VISA numbering; the adapter's 96-126 is applied on the wire).
type Address struct {
	PAD, SAD int
}

func (a Address) valid() error {
	if a.PAD < 0 || a.PAD > 30 || a.SAD < -1 || a.SAD > 30 {
		return transport.Errorf("address", transport.ErrInvalidArg, fmt.Errorf("GPIB address %d,%d", a.PAD, a.SAD))
	}
	return nil
}

// args is the address as ++addr, ++spoll and ++trg take it.
func (a Address) args() string {
	if a.SAD >= 0 {
		return strconv.Itoa(a.PAD) + " " + strconv.Itoa(a.SAD+96)
	}
	return strconv.Itoa(a.PAD)
}

// Dial connects to a GPIB-ETHERNET adapter at addr ("host" or
// "host:port"; port 1234 when missing) and initialises it.
func Dial(ctx context.Context, addr string, opts *Options) (*Adapter, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), strconv.Itoa(DefaultPort))
	}
	l, err := dialTCP(ctx, addr)
	if err != nil {
		return nil, transport.NetError("dial", err)
	}
	a, err := newAdapter(ctx, l, opts)
	if err != nil {
		return nil, err
	}
	a.redial = func(ctx context.Context) (link, error) { return dialTCP(ctx, addr) }
	return a, nil
}

func dialTCP(ctx context.Context, addr string) (link, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	return &tcpLink{c: c}, nil
}

// OpenSerial opens a GPIB-USB adapter on a serial port (its FTDI virtual
// COM port; the baud rate does not matter, 115200 is used as pyvisa-py
// does) and initialises it.
func OpenSerial(ctx context.Context, port string, opts *Options) (*Adapter, error) {
	cfg := asrl.DefaultConfig()
	cfg.BaudRate = 115200
	cfg.EndIn = asrl.EndNone
	c, err := asrl.Open(ctx, port, cfg)
	if err != nil {
		return nil, err
	}
	return newAdapter(ctx, &serialLink{c: c}, opts)
}

func newAdapter(ctx context.Context, l link, opts *Options) (*Adapter, error) {
	a := &Adapter{l: l, opts: opts.withDefaults(), addr: Address{PAD: -1, SAD: -1}}
	a.closeCtx, a.closeCancel = context.WithCancel(context.Background())
	a.mu.Lock()
	err := a.setup(ctx)
	a.mu.Unlock()
	if err != nil {
		a.closeCancel()
		l.close()
		return nil, err
	}
	return a, nil
}

// setup puts the adapter in the state every operation assumes, and makes
// sure nothing is written to its EEPROM (++savecfg 0 first). The caller
// holds mu. It runs on a new link, at start and after a reconnect.
func (a *Adapter) setup(ctx context.Context) error {
	a.addr = Address{PAD: -1, SAD: -1}
	a.buf, a.r, a.reading = a.buf[:0], 0, false
	eot := "0"
	if a.opts.UseEOT {
		eot = "1"
	}
	cmds := []string{"savecfg 0", "mode 1", "auto 0", "eos 3", "eoi 1", "eot_enable " + eot}
	if a.opts.UseEOT {
		cmds = append(cmds, "eot_char "+strconv.Itoa(int(a.opts.EOTChar)))
	}
	cmds = append(cmds, "read_tmo_ms "+strconv.Itoa(int(a.opts.ReadTimeout/time.Millisecond)))
	for _, c := range cmds {
		if err := a.command(ctx, c); err != nil {
			return err
		}
	}
	a.eoi = true
	a.readTmo = a.opts.ReadTimeout
	// ++ver proves a Prologix controller answers.
	if _, err := a.query(ctx, "ver"); err != nil {
		return fmt.Errorf("prologix: no answer to ++ver: %w", err)
	}
	return nil
}

func (a *Adapter) debug(msg string, args ...any) {
	if a.opts.Logger != nil {
		a.opts.Logger.Debug(msg, args...)
	}
}

// command sends "++cmd". The caller holds mu.
func (a *Adapter) command(ctx context.Context, cmd string) error {
	a.debug("prologix: send", "cmd", cmd)
	a.buf, a.r, a.reading = a.buf[:0], 0, false
	b := append(a.wbuf[:0], "++"...)
	b = append(b, cmd...)
	b = append(b, lf)
	a.wbuf = b[:0]
	return a.write(ctx, b)
}

// maxReply bounds the answer to a ++ query.
const maxReply = 256

// query sends "++cmd" and returns its one-line answer without CR/LF. The
// caller holds mu. The adapter answers within its read timeout or not at
// all, so the wait is bounded by that (plus slack) as well as by ctx.
func (a *Adapter) query(ctx context.Context, cmd string) (string, error) {
	return a.queryWithin(ctx, cmd, a.opts.ReadTimeout+a.opts.Slack+500*time.Millisecond)
}

// queryWithin is query with the wait for the answer given.
func (a *Adapter) queryWithin(ctx context.Context, cmd string, wait time.Duration) (string, error) {
	if err := a.command(ctx, cmd); err != nil {
		return "", err
	}
	var line []byte
	var tmp [64]byte
	until := time.Now().Add(wait)
	for {
		n, err := a.readSome(ctx, tmp[:], until)
		if err != nil {
			return "", err
		}
		for _, b := range tmp[:n] {
			if b == lf {
				return strings.TrimRight(string(line), "\r"), nil
			}
			if len(line) >= maxReply {
				return "", transport.Errorf("query", transport.ErrProtocol, fmt.Errorf("answer to ++%s longer than %d bytes", cmd, maxReply))
			}
			line = append(line, b)
		}
	}
}

// address makes addr the adapter's target. The caller holds mu.
func (a *Adapter) address(ctx context.Context, addr Address) error {
	if a.addr == addr {
		return nil
	}
	if err := a.command(ctx, "addr "+addr.args()); err != nil {
		a.addr = Address{PAD: -1, SAD: -1}
		return err
	}
	a.addr = addr
	return nil
}

func (a *Adapter) locked(ctx context.Context, op string, f func() error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.ready(ctx, op); err != nil {
		return err
	}
	return f()
}

// Close closes the connection to the adapter, stops SRQ polling and waits
// for the poller to end; an operation blocked on the link returns, and
// instruments opened on the adapter fail with transport.ErrClosed
// afterwards.
func (a *Adapter) Close() error {
	a.lmu.Lock()
	first := !a.closed.Swap(true)
	a.lmu.Unlock()
	if first {
		a.closeCancel()
		err := a.closeLink()
		a.lmu.Lock()
		a.closeErr = err
		a.lmu.Unlock()
	}
	a.stopSRQ()
	a.lmu.Lock()
	defer a.lmu.Unlock()
	return a.closeErr
}

// Version returns the adapter's ++ver answer.
func (a *Adapter) Version(ctx context.Context) (string, error) {
	var v string
	err := a.locked(ctx, "version", func() (err error) {
		v, err = a.query(ctx, "ver")
		return err
	})
	return v, err
}

// InterfaceClear pulses IFC (++ifc).
func (a *Adapter) InterfaceClear(ctx context.Context) error {
	return a.locked(ctx, "ifc", func() error { return a.command(ctx, "ifc") })
}

// LocalLockout sends LLO to every device (++llo; newer firmware).
func (a *Adapter) LocalLockout(ctx context.Context) error {
	return a.locked(ctx, "llo", func() error { return a.command(ctx, "llo") })
}

// SRQ reports the state of the SRQ line (++srq).
func (a *Adapter) SRQ(ctx context.Context) (bool, error) {
	var on bool
	err := a.locked(ctx, "srq", func() (err error) {
		on, err = a.srqLine(ctx)
		return err
	})
	return on, err
}

// maxTrigger is how many addresses one ++trg takes.
const maxTrigger = 15

// GroupTrigger sends GET to the listed devices at once (++trg pad [sad]
// ...), up to 15 of them.
func (a *Adapter) GroupTrigger(ctx context.Context, addrs ...Address) error {
	if len(addrs) == 0 || len(addrs) > maxTrigger {
		return transport.Errorf("trigger", transport.ErrInvalidArg, fmt.Errorf("%d addresses (1-%d)", len(addrs), maxTrigger))
	}
	parts := make([]string, 0, len(addrs))
	for _, ad := range addrs {
		if err := ad.valid(); err != nil {
			return err
		}
		parts = append(parts, ad.args())
	}
	return a.locked(ctx, "trigger", func() error { return a.command(ctx, "trg "+strings.Join(parts, " ")) })
}

// SerialPoll polls the device at addr (++spoll) and returns its status byte.
func (a *Adapter) SerialPoll(ctx context.Context, addr Address) (byte, error) {
	if err := addr.valid(); err != nil {
		return 0, err
	}
	var stb byte
	err := a.locked(ctx, "read_stb", func() (err error) {
		stb, err = a.spoll(ctx, addr)
		return err
	})
	return stb, err
}

func (a *Adapter) spoll(ctx context.Context, addr Address) (byte, error) {
	s, err := a.query(ctx, "spoll "+addr.args())
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, transport.Errorf("read_stb", transport.ErrProtocol, fmt.Errorf("++spoll answered %q", s))
	}
	return byte(v), nil
}

// Instrument returns a session to the device at pad (0-30) and sad (0-30,
// or -1 for none) behind this adapter. Closing it leaves the adapter open.
func (a *Adapter) Instrument(pad, sad int) (*Instr, error) {
	addr := Address{PAD: pad, SAD: sad}
	if err := addr.valid(); err != nil {
		return nil, err
	}
	return &Instr{a: a, addr: addr}, nil
}
