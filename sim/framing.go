package sim

import (
	"strings"
)

// Hooks let a device built on an [Instrument] take part in message
// handling. Every hook runs with the instrument locked, like a
// [CommandFunc]: it must not call the Instrument's methods.
type Hooks struct {
	// Unit, when set, sees every program message unit (trimmed, with its
	// header and arguments) before the registered handlers. handled=true
	// means it took the unit: resp is its response (nil: none) and a non-nil
	// err is queued as for a CommandFunc.
	Unit func(st *State, unit string) (resp Response, handled bool, err error)
	// Undefined runs after -113 "Undefined header" was queued for a unit
	// nobody handled; a non-nil result is sent as that unit's response (the
	// pyvisa-sim "error" response string).
	Undefined func(st *State, unit string) Response
	// Trigger runs on *TRG and on a device trigger, after it was counted.
	Trigger func(st *State)
	// Clear runs on a device clear, after the buffers were emptied.
	Clear func(st *State)
	// Reset runs on *RST, after the engine's own reset.
	Reset func(st *State)
}

// WithHooks installs h.
func WithHooks(h Hooks) Option { return func(c *config) { c.hooks = h } }

// WithMessageTerminator makes a program message end at byte b instead of a
// newline (a Write with end set still ends one too). White space around a
// message is ignored, so a "\r\n" terminator works with b = '\n'.
func WithMessageTerminator(b byte) Option { return func(c *config) { c.termByte = b } }

// WithDelimiter sets the separator of the units of one program message
// (default ";", ignored inside quotes). With another separator the message
// is split wherever it occurs, as pyvisa-sim does; "" does not split.
func WithDelimiter(d string) Option { return func(c *config) { c.delim = d } }

// WithResponseTerminator switches to pyvisa-sim response framing: each
// unit's response is followed by eom, and the responses of one message are
// concatenated (instead of being joined with ';' and ended by one "\n").
func WithResponseTerminator(eom string) Option {
	return func(c *config) { c.respEOM, c.pyFraming = eom, true }
}

// WithAccumulatedOutput makes unread responses stay in the output buffer,
// with later responses appended, as pyvisa-sim does; by default a new
// program message discards an unread response and queues -410 "Query
// INTERRUPTED" (IEEE 488.2 §6.3.2.3).
func WithAccumulatedOutput(on bool) Option { return func(c *config) { c.accumulate = on } }

// units yields the units of msg according to the configured delimiter.
func (in *Instrument) units(msg string) func(func(string) bool) {
	switch d := in.cfg.delim; d {
	case ";":
		return splitUnits(msg)
	case "":
		return func(yield func(string) bool) { yield(msg) }
	default:
		return func(yield func(string) bool) {
			for u := range strings.SplitSeq(msg, d) {
				if !yield(u) {
					return
				}
			}
		}
	}
}

// frameUnits builds a response message with each unit followed by the
// response terminator.
func (in *Instrument) frameUnits(parts []Response, allText bool) Response {
	eom := in.cfg.respEOM
	if allText {
		var sb strings.Builder
		for _, p := range parts {
			sb.WriteString(string(p.(textResponse)))
			sb.WriteString(eom)
		}
		return textResponse(sb.String())
	}
	all := make([]Response, 0, 2*len(parts))
	for _, p := range parts {
		all = append(all, p, textResponse(eom))
	}
	return newMulti(all)
}

// trigger counts a trigger and runs the trigger hook.
func (st *State) trigger() {
	st.CountTrigger()
	if h := st.in.cfg.hooks.Trigger; h != nil {
		h(st)
	}
}
