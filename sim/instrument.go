package sim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govisa/govisa/ieee4882"
	"github.com/govisa/govisa/transport"
)

// Version is the firmware field of the default *IDN? identities.
const Version = "0.1"

// DefaultMaxInput is the input buffer limit when no option sets it: a longer
// program message is discarded with -223 "Too much data".
const DefaultMaxInput = 1 << 20

// Option configures an instrument.
type Option func(*config)

type config struct {
	identity string
	maxBlock int64
	maxInput int
	errQueue int
	log      *slog.Logger

	// Message framing, changed by the options in framing.go for devices
	// defined in pyvisa-sim files.
	termByte   byte   // a program message ends at this byte (default '\n')
	delim      string // unit separator (default ";"; "" = no splitting)
	respEOM    string // with pyFraming: each response unit + respEOM
	pyFraming  bool
	accumulate bool // unread output accumulates instead of -410
	hooks      Hooks
}

// WithIdentity sets the *IDN? response (manufacturer,model,serial,firmware).
func WithIdentity(idn string) Option { return func(c *config) { c.identity = idn } }

// WithMaxBlock sets the largest block TEST:BLOCK? accepts (default
// DefaultMaxBlock).
func WithMaxBlock(n int64) Option { return func(c *config) { c.maxBlock = n } }

// WithMaxInput sets the input buffer limit in bytes (default
// DefaultMaxInput).
func WithMaxInput(n int) Option { return func(c *config) { c.maxInput = n } }

// WithErrorQueueSize sets the depth of the SCPI error queue (default
// DefaultErrorQueueSize).
func WithErrorQueueSize(n int) Option { return func(c *config) { c.errQueue = n } }

// WithLogger sets the logger for debug traces of executed messages. nil (the
// default) logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// Response is the body of one query response: Size bytes readable with
// ReadAt. *strings.Reader and *bytes.Reader are Responses; a Response may
// also generate its bytes on demand, so a huge block is never held in
// memory. ReadAt may be called concurrently by nobody: the Instrument
// serialises reads.
type Response interface {
	io.ReaderAt
	Size() int64
}

// Text returns a Response holding s.
func Text(s string) Response { return textResponse(s) }

type textResponse string

func (t textResponse) Size() int64 { return int64(len(t)) }

func (t textResponse) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(t)) {
		return 0, io.EOF
	}
	n := copy(p, t[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Block returns a Response that is data framed as an IEEE 488.2 definite
// length block (the "#A" extension above 999,999,999 bytes, see
// ieee4882.AppendBlockHeader). data is read lazily.
func Block(data Response) Response {
	hdr := ieee4882.AppendBlockHeader(make([]byte, 0, 17), data.Size())
	return newMulti([]Response{textResponse(hdr), data})
}

// multi concatenates Responses.
type multi struct {
	parts []Response
	ends  []int64 // cumulative end offsets
}

func newMulti(parts []Response) *multi {
	m := &multi{parts: parts, ends: make([]int64, len(parts))}
	var off int64
	for i, p := range parts {
		off += p.Size()
		m.ends[i] = off
	}
	return m
}

func (m *multi) Size() int64 {
	if len(m.ends) == 0 {
		return 0
	}
	return m.ends[len(m.ends)-1]
}

func (m *multi) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for i, part := range m.parts {
		if len(p) == 0 {
			break
		}
		if off >= m.ends[i] {
			continue
		}
		start := m.ends[i] - part.Size()
		want := min(int64(len(p)), m.ends[i]-off)
		k, err := part.ReadAt(p[:want], off-start)
		n += k
		off += int64(k)
		p = p[k:]
		if int64(k) < want {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
	}
	if len(p) > 0 {
		return n, io.EOF
	}
	return n, nil
}

// CommandFunc executes one command. It runs with the instrument locked and
// must not call the Instrument's methods; it reaches the instrument's state
// through st. A non-nil Response is the command's response (queries); an
// *Error result is queued in the error queue, any other error as -300.
type CommandFunc func(st *State, cmd Command) (Response, error)

// State is the instrument state a CommandFunc (or an Update function) may
// use: the 488.2 status model plus the engine's own settings. It is only
// valid during the call.
type State struct {
	Status
	in       *Instrument
	triggers uint64
	delay    time.Duration
}

// Identity returns the *IDN? response.
func (st *State) Identity() string { return st.in.cfg.identity }

// Triggers returns how many triggers (*TRG or device triggers) arrived
// since the last *RST.
func (st *State) Triggers() uint64 { return st.triggers }

// CountTrigger records a trigger.
func (st *State) CountTrigger() { st.triggers++ }

// SetResponseDelay makes the next response message become available d
// after its program message was executed.
func (st *State) SetResponseDelay(d time.Duration) { st.delay = d }

// Reset does the engine's part of *RST: the trigger count and a pending
// response delay go back to zero. Status registers are untouched, as IEEE
// 488.2 requires.
func (st *State) Reset() {
	st.triggers = 0
	st.delay = 0
	if h := st.in.cfg.hooks.Reset; h != nil {
		h(st)
	}
}

// MaxBlock returns the configured maximum block size.
func (st *State) MaxBlock() int64 { return st.in.cfg.maxBlock }

// pending is the response message in the output queue.
type pending struct {
	r     Response
	size  int64
	off   int64
	ready bool
	id    uint64
}

// Instrument is a simulated IEEE 488.2 instrument: a message engine with the
// 488.2 status model and the common commands, extended with Handle. It is
// safe for concurrent use; several servers may host one Instrument, and they
// share its single input buffer and output queue as clients of a real
// instrument would.
//
// A program message ends at a newline or at a Write with end set; messages
// hold commands separated by ';' (not inside quotes). Responses to the
// queries of one message are joined with ';' and end with "\n" (END on the
// last byte). When a new program message arrives while a response is still
// queued, the old response is discarded and -410 "Query INTERRUPTED" is
// queued (IEEE 488.2 §6.3.2.3).
type Instrument struct {
	cfg config
	log *slog.Logger

	mu         sync.Mutex
	st         State
	handlers   map[string]CommandFunc
	input      []byte
	discarding bool
	out        *pending // nil, or &outBuf
	outBuf     pending
	nextID     uint64
	timer      *time.Timer
	changed    chan struct{} // closed and replaced on output changes while readers wait
	waiters    int           // Reads blocked on changed
	clearGen   uint64
	remote     bool
	lockout    bool
	subs       map[uint64]func()
	nextSub    uint64
}

var (
	_ transport.Device            = (*Instrument)(nil)
	_ transport.SRQSource         = (*Instrument)(nil)
	_ transport.RemoteLocalDevice = (*Instrument)(nil)
	_ transport.Identifier        = (*Instrument)(nil)
)

// NewInstrument returns an engine with the IEEE 488.2 common commands and
// SYSTem:ERRor? registered. Its default identity is
// "govisa,Instrument,0,<Version>".
func NewInstrument(opts ...Option) *Instrument {
	cfg := config{
		identity: "govisa,Instrument,0," + Version,
		maxBlock: DefaultMaxBlock,
		maxInput: DefaultMaxInput,
		errQueue: DefaultErrorQueueSize,
		termByte: '\n',
		delim:    ";",
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.maxInput <= 0 {
		cfg.maxInput = DefaultMaxInput
	}
	in := &Instrument{
		cfg:      cfg,
		log:      cfg.log,
		handlers: make(map[string]CommandFunc),
		changed:  make(chan struct{}),
		subs:     make(map[uint64]func()),
	}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	in.st = State{Status: newStatus(cfg.errQueue), in: in}
	registerCommon(in)
	return in
}

// Handle registers fn for a command header pattern written in SCPI style:
// upper case letters are the short form, the whole node the long form
// ("SYSTem:ERRor?" matches SYST:ERR?, SYSTEM:ERROR?, syst:error? and so
// on). Matching is case-insensitive. A later registration of the same form
// replaces the earlier one.
func (in *Instrument) Handle(pattern string, fn CommandFunc) {
	forms := expandPattern(pattern)
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, f := range forms {
		in.handlers[f] = fn
	}
}

// expandPattern lists the upper-case headers a pattern accepts.
func expandPattern(pattern string) []string {
	pattern = strings.TrimPrefix(pattern, ":")
	q := strings.HasSuffix(pattern, "?")
	pattern = strings.TrimSuffix(pattern, "?")
	forms := []string{""}
	for i, node := range strings.Split(pattern, ":") {
		short := node
		for j, r := range node {
			if r >= 'a' && r <= 'z' {
				short = node[:j]
				break
			}
		}
		alts := []string{strings.ToUpper(node)}
		if short != node && short != "" {
			alts = append(alts, short)
		}
		var next []string
		for _, f := range forms {
			for _, a := range alts {
				if i > 0 {
					a = ":" + a
				}
				next = append(next, f+a)
			}
		}
		forms = next
	}
	if q {
		for i := range forms {
			forms[i] += "?"
		}
	}
	return forms
}

// Update runs f with the instrument locked, then delivers any service
// request f caused. Use it to change the status model from outside (a test,
// a simulated event).
func (in *Instrument) Update(f func(st *State)) {
	in.mu.Lock()
	f(&in.st)
	in.unlockNotify()
}

// Identity returns the *IDN? response.
func (in *Instrument) Identity() string { return in.cfg.identity }

// Write delivers part of a program message. Each newline ends a message, and
// so does end. Write never blocks on the output queue.
func (in *Instrument) Write(ctx context.Context, p []byte, end bool) error {
	in.mu.Lock()
	for len(p) > 0 {
		i := bytes.IndexByte(p, in.cfg.termByte)
		if i < 0 {
			in.appendInput(p)
			break
		}
		in.appendInput(p[:i])
		p = p[i+1:]
		in.endMessage()
	}
	if end && (len(in.input) > 0 || in.discarding) {
		in.endMessage()
	}
	in.unlockNotify()
	return nil
}

// appendInput buffers message bytes up to the input limit.
func (in *Instrument) appendInput(p []byte) {
	if in.discarding {
		return
	}
	if len(in.input)+len(p) > in.cfg.maxInput {
		in.discarding = true
		in.input = in.input[:0]
		in.st.PushError(*ErrTooMuchData)
		return
	}
	in.input = append(in.input, p...)
}

// endMessage executes the buffered program message.
func (in *Instrument) endMessage() {
	if in.discarding {
		in.discarding = false
		return
	}
	msg := strings.TrimSpace(string(in.input))
	in.input = in.input[:0]
	if msg == "" {
		return
	}
	in.execute(msg)
}

var (
	semicolon = textResponse(";")
	newline   = textResponse("\n")
)

// execute runs the commands of one program message and queues the
// response message.
func (in *Instrument) execute(msg string) {
	if in.log.Enabled(context.Background(), slog.LevelDebug) { // boxing msg allocates
		in.log.Debug("sim: program message", "msg", msg)
	}
	if in.out != nil && !in.cfg.accumulate {
		in.dropResponse()
		in.st.PushError(*ErrQueryInterrupted)
	}
	var partsBuf [4]Response
	parts := partsBuf[:0]
	allText := true
	for unit := range in.units(msg) {
		var (
			resp    Response
			err     error
			handled bool
		)
		if h := in.cfg.hooks.Unit; h != nil {
			if u := strings.TrimSpace(unit); u != "" {
				resp, handled, err = h(&in.st, u)
			}
		}
		if !handled {
			cmd := parseUnit(unit)
			if cmd.Header == "" {
				continue
			}
			fn := in.handlers[strings.ToUpper(cmd.Header)]
			if fn == nil {
				in.pushErr(ErrUndefinedHeader, cmd)
				if h := in.cfg.hooks.Undefined; h != nil {
					if r := h(&in.st, strings.TrimSpace(unit)); r != nil {
						if _, ok := r.(textResponse); !ok {
							allText = false
						}
						parts = append(parts, r)
					}
				}
				continue
			}
			resp, err = fn(&in.st, cmd)
			if err != nil {
				in.pushErr(err, cmd)
				continue
			}
		} else if err != nil {
			in.pushErr(err, Command{Header: unit})
			continue
		}
		if resp != nil {
			if _, ok := resp.(textResponse); !ok {
				allText = false
			}
			parts = append(parts, resp)
		}
	}
	if len(parts) == 0 {
		return
	}
	if in.cfg.pyFraming {
		in.queueResponse(in.frameUnits(parts, allText))
		return
	}
	var r Response
	switch {
	case allText && len(parts) == 1:
		r = textResponse(string(parts[0].(textResponse)) + "\n")
	case allText:
		// The common case: one allocation for the whole message.
		var sb strings.Builder
		for i, p := range parts {
			if i > 0 {
				sb.WriteByte(';')
			}
			sb.WriteString(string(p.(textResponse)))
		}
		sb.WriteByte('\n')
		r = textResponse(sb.String())
	default:
		all := make([]Response, 0, 2*len(parts))
		for i, p := range parts {
			if i > 0 {
				all = append(all, semicolon)
			}
			all = append(all, p)
		}
		r = newMulti(append(all, newline))
	}
	in.queueResponse(r)
}

// pushErr queues the SCPI error a command produced.
func (in *Instrument) pushErr(err error, cmd Command) {
	e, ok := err.(*Error)
	if !ok {
		e = &Error{-300, "Device-specific error;" + err.Error()}
	}
	if in.log.Enabled(context.Background(), slog.LevelDebug) {
		in.log.Debug("sim: command error", "header", cmd.Header, "error", e.String())
	}
	in.st.PushError(*e)
}

// splitUnits yields the ';'-separated units of msg, ignoring ';' inside
// single or double quotes.
func splitUnits(msg string) func(func(string) bool) { return splitQuoted(msg, ';') }

// splitQuoted yields the parts of s between sep bytes, ignoring sep inside
// single or double quotes.
func splitQuoted(s string, sep byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		var quote byte
		start := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == sep:
				if !yield(s[start:i]) {
					return
				}
				start = i + 1
			}
		}
		yield(s[start:])
	}
}

// parseUnit splits a unit into header and arguments.
func parseUnit(u string) Command {
	u = strings.TrimSpace(u)
	u = strings.TrimPrefix(u, ":")
	i := strings.IndexAny(u, " \t")
	if i < 0 {
		return Command{Header: u}
	}
	return Command{Header: u[:i], Args: strings.TrimSpace(u[i+1:])}
}

// queueResponse puts r in the output queue, available now or after the
// delay set by SetResponseDelay.
func (in *Instrument) queueResponse(r Response) {
	if o := in.out; o != nil && in.cfg.accumulate {
		// pyvisa-sim semantics: unread output stays and the new response
		// follows it in the same output buffer.
		rest := io.NewSectionReader(o.r, o.off, o.size-o.off)
		in.outBuf.r = newMulti([]Response{rest, r})
		in.outBuf.size = in.outBuf.r.Size()
		in.outBuf.off = 0
		if in.outBuf.ready {
			in.st.delay = 0
			in.st.setMAV(true)
			in.broadcast()
		}
		return
	}
	in.nextID++
	// Only one response is ever queued, so its record is reused.
	in.outBuf = pending{r: r, size: r.Size(), id: in.nextID}
	p := &in.outBuf
	in.out = p
	if d := in.st.delay; d > 0 {
		in.st.delay = 0
		id := p.id
		in.timer = time.AfterFunc(d, func() { in.makeReady(id) })
		return
	}
	p.ready = true
	in.st.setMAV(true)
	in.broadcast()
}

// makeReady releases a delayed response.
func (in *Instrument) makeReady(id uint64) {
	in.mu.Lock()
	if in.out != nil && in.out.id == id && !in.out.ready {
		in.out.ready = true
		in.st.setMAV(true)
		in.broadcast()
	}
	in.unlockNotify()
}

// dropResponse empties the output queue.
func (in *Instrument) dropResponse() {
	if in.timer != nil {
		in.timer.Stop()
		in.timer = nil
	}
	in.out = nil
	in.outBuf = pending{}
	in.st.setMAV(false)
	in.broadcast()
}

// broadcast wakes every blocked Read.
func (in *Instrument) broadcast() {
	if in.waiters == 0 {
		return // nobody holds the channel: keep it, save an allocation
	}
	close(in.changed)
	in.changed = make(chan struct{})
}

// unlockNotify releases the lock and then calls the SRQ subscribers if the
// status model raised a service request, so that a subscriber may call back
// into the instrument.
func (in *Instrument) unlockNotify() {
	if !in.st.takeSRQ() || len(in.subs) == 0 {
		in.mu.Unlock()
		return
	}
	ids := make([]uint64, 0, len(in.subs))
	for id := range in.subs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	fs := make([]func(), len(ids))
	for i, id := range ids {
		fs[i] = in.subs[id]
	}
	in.mu.Unlock()
	in.log.Debug("sim: service request", "subscribers", len(fs))
	for _, f := range fs {
		f()
	}
}

// Read copies bytes of the queued response into p. It blocks until a
// response is available, ctx is done (an error wrapping
// transport.ErrTimeout with ctx.Err() as the cause; cancellation gives
// transport.ErrAborted) or a device clear happens (transport.ErrAborted).
// end is true when the last byte returned ends the response message.
func (in *Instrument) Read(ctx context.Context, p []byte) (int, bool, error) {
	if len(p) == 0 {
		return 0, false, nil
	}
	in.mu.Lock()
	gen := in.clearGen
	for {
		if in.clearGen != gen {
			in.mu.Unlock()
			return 0, false, transport.Errorf("read", transport.ErrAborted, nil)
		}
		if o := in.out; o != nil && o.ready {
			want := min(int64(len(p)), o.size-o.off)
			n, err := o.r.ReadAt(p[:want], o.off)
			if int64(n) < want {
				// A Response that cannot deliver its announced size is a bug
				// in a CommandFunc; drop it rather than loop forever.
				in.dropResponse()
				in.unlockNotify()
				return n, false, transport.Errorf("read", transport.ErrIO, fmt.Errorf("response short at offset %d: %w", o.off+int64(n), err))
			}
			o.off += int64(n)
			end := o.off == o.size
			if end {
				in.out = nil
				in.outBuf = pending{} // drop the Response for the GC
				in.st.setMAV(false)
			}
			in.unlockNotify()
			return n, end, nil
		}
		ch := in.changed
		in.waiters++
		in.mu.Unlock()
		var ctxErr error
		select {
		case <-ctx.Done():
			ctxErr = ctx.Err()
		case <-ch:
		}
		in.mu.Lock()
		in.waiters--
		if ctxErr != nil {
			in.mu.Unlock()
			return 0, false, transport.NetError("read", ctxErr)
		}
	}
}

// ReadSTB returns the status byte as a serial poll does: bit 6 is RQS, and
// the poll clears it.
func (in *Instrument) ReadSTB(ctx context.Context) (byte, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.st.SerialPoll(), nil
}

// Clear performs a device clear: the input buffer and the output queue are
// emptied and a blocked Read returns transport.ErrAborted. The status
// registers are unchanged except MAV.
func (in *Instrument) Clear(ctx context.Context) error {
	in.mu.Lock()
	in.clearGen++
	in.input = in.input[:0]
	in.discarding = false
	in.dropResponse()
	if h := in.cfg.hooks.Clear; h != nil {
		h(&in.st)
	}
	in.unlockNotify()
	return nil
}

// Trigger performs a device trigger, counted like *TRG.
func (in *Instrument) Trigger(ctx context.Context) error {
	in.mu.Lock()
	in.st.trigger()
	in.unlockNotify()
	return nil
}

// RemoteLocal records the remote/lockout state a GPIB REN operation would
// leave the instrument in.
func (in *Instrument) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	switch mode {
	case transport.RENDeassert:
		in.remote, in.lockout = false, false
	case transport.RENAssert, transport.RENAssertAddress:
		in.remote = true
	case transport.RENDeassertGTL, transport.RENAddressGTL:
		in.remote = false
	case transport.RENAssertLLO:
		in.lockout = true
	case transport.RENAssertAddrLLO:
		in.remote, in.lockout = true, true
	default:
		return transport.Errorf("remote_local", transport.ErrInvalidArg, fmt.Errorf("mode %d", mode))
	}
	return nil
}

// RemoteState reports whether the instrument is in remote and whether local
// lockout is active.
func (in *Instrument) RemoteState() (remote, lockout bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.remote, in.lockout
}

// SubscribeSRQ registers f to be called each time the instrument requests
// service (a rising edge of STB & SRE & 0xBF). f runs in the goroutine that
// caused the request (a Write, a delayed response becoming available, an
// Update) after the instrument's lock is released; it must not block.
func (in *Instrument) SubscribeSRQ(f func()) (unsubscribe func()) {
	in.mu.Lock()
	id := in.nextSub
	in.nextSub++
	in.subs[id] = f
	in.mu.Unlock()
	return func() {
		in.mu.Lock()
		delete(in.subs, id)
		in.mu.Unlock()
	}
}
