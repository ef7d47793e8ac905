package sim

import (
	"strconv"

	"github.com/govisa/govisa/ieee4882"
)

// Error is a SCPI error/event queue entry: a code and its message, reported
// by SYSTem:ERRor? as `<code>,"<message>"`. A CommandFunc returns an *Error
// to queue it.
type Error struct {
	Code    int
	Message string
}

// Error returns the entry as SYSTem:ERRor? reports it.
func (e *Error) Error() string { return e.String() }

// String formats the entry as SYSTem:ERRor? returns it.
func (e Error) String() string {
	return strconv.Itoa(e.Code) + `,"` + e.Message + `"`
}

// Standard SCPI errors the engine queues.
var (
	ErrUndefinedHeader  = &Error{-113, "Undefined header"}
	ErrParamNotAllowed  = &Error{-108, "Parameter not allowed"}
	ErrMissingParam     = &Error{-109, "Missing parameter"}
	ErrDataType         = &Error{-104, "Data type error"}
	ErrDataOutOfRange   = &Error{-222, "Data out of range"}
	ErrTooMuchData      = &Error{-223, "Too much data"}
	ErrQueueOverflow    = &Error{-350, "Queue overflow"}
	ErrQueryInterrupted = &Error{-410, "Query INTERRUPTED"}
)

// noError is what SYSTem:ERRor? returns for an empty queue.
var noError = Error{0, "No error"}

// DefaultErrorQueueSize is the error queue depth when no option sets it.
const DefaultErrorQueueSize = 32

// Status is the IEEE 488.2 status model of one instrument: the status byte
// with its summary bits, the standard event status register and its enable
// register, the service request enable register, and the SCPI error queue.
//
// Status does no locking: the Instrument that owns it serialises access and
// hands it to command handlers through [State]. Every mutation re-evaluates
// the service request condition; a rising edge of (STB & SRE & 0xBF) sets
// RQS and is reported to the owner, which notifies SRQ subscribers after it
// releases its lock. RQS is cleared by a serial poll, and withdrawn when the
// condition becomes false before anyone polled (reading the response that
// set MAV, *ESR?, *CLS, a lower *SRE).
type Status struct {
	esr, ese, sre byte
	dev           byte // device-specific STB bits set by the instrument (0x01, 0x02, 0x08, 0x80)
	mav           bool
	rqs           bool // set on a rising edge; cleared by a serial poll or when the reason goes away
	req           bool // last evaluated (STB & SRE & 0xBF) != 0
	srqEdge       bool // a rising edge happened since the owner last looked
	errs          []Error
	maxErrs       int
}

func newStatus(maxErrs int) Status {
	if maxErrs < 1 {
		maxErrs = DefaultErrorQueueSize
	}
	return Status{maxErrs: maxErrs}
}

// STB returns the status byte without bit 6: device bits, EAV (error queue
// not empty), MAV and ESB.
func (s *Status) STB() byte {
	b := s.dev &^ (ieee4882.STBEAV | ieee4882.STBMAV | ieee4882.STBESB | ieee4882.STBRQS)
	if len(s.errs) > 0 {
		b |= ieee4882.STBEAV
	}
	if s.mav {
		b |= ieee4882.STBMAV
	}
	if s.esr&s.ese != 0 {
		b |= ieee4882.STBESB
	}
	return b
}

// MSS reports the master summary status, (STB & SRE & 0xBF) != 0.
func (s *Status) MSS() bool { return s.STB()&s.sre&ieee4882.SREMask != 0 }

// STBQuery returns the status byte as *STB? reports it: bit 6 is MSS.
// Nothing is cleared.
func (s *Status) STBQuery() byte {
	b := s.STB()
	if s.MSS() {
		b |= ieee4882.STBMSS
	}
	return b
}

// SerialPoll returns the status byte as a serial poll reports it: bit 6 is
// RQS, which the poll then clears.
func (s *Status) SerialPoll() byte {
	b := s.STB()
	if s.rqs {
		b |= ieee4882.STBRQS
	}
	s.rqs = false
	return b
}

// ESR returns the standard event status register without clearing it.
func (s *Status) ESR() byte { return s.esr }

// ReadESR returns the standard event status register and clears it, as
// *ESR? does.
func (s *Status) ReadESR() byte {
	v := s.esr
	s.esr = 0
	s.update()
	return v
}

// SetESRBits sets bits in the standard event status register.
func (s *Status) SetESRBits(bits byte) {
	s.esr |= bits
	s.update()
}

// ESE returns the standard event status enable register.
func (s *Status) ESE() byte { return s.ese }

// SetESE sets the standard event status enable register.
func (s *Status) SetESE(v byte) {
	s.ese = v
	s.update()
}

// SRE returns the service request enable register (bit 6 always 0).
func (s *Status) SRE() byte { return s.sre }

// SetSRE sets the service request enable register; bit 6 is ignored.
func (s *Status) SetSRE(v byte) {
	s.sre = v & ieee4882.SREMask
	s.update()
}

// SetDeviceBits sets device-specific status byte bits. The bits the model
// computes itself (EAV 0x04, MAV 0x10, ESB 0x20, bit 6) are ignored.
func (s *Status) SetDeviceBits(bits byte) {
	s.dev |= bits
	s.update()
}

// ClearDeviceBits clears device-specific status byte bits.
func (s *Status) ClearDeviceBits(bits byte) {
	s.dev &^= bits
	s.update()
}

// PushError queues an error and sets the ESR bit of its class (see
// ieee4882.ESRBitForError). A full queue keeps its oldest entries and
// replaces the newest with -350 "Queue overflow", as SCPI requires.
func (s *Status) PushError(e Error) {
	switch {
	case len(s.errs) < s.maxErrs:
		s.errs = append(s.errs, e)
	default:
		s.errs[len(s.errs)-1] = *ErrQueueOverflow
	}
	s.esr |= ieee4882.ESRBitForError(e.Code)
	s.update()
}

// PopError removes and returns the oldest error, or 0,"No error".
func (s *Status) PopError() Error {
	if len(s.errs) == 0 {
		return noError
	}
	e := s.errs[0]
	copy(s.errs, s.errs[1:])
	s.errs = s.errs[:len(s.errs)-1]
	s.update()
	return e
}

// ErrorCount returns the number of queued errors.
func (s *Status) ErrorCount() int { return len(s.errs) }

// Clear does what *CLS does: it empties the error queue, clears the ESR and
// the device-specific status bits (which withdraws a service request they
// caused). MAV and the enable registers are kept.
func (s *Status) Clear() {
	s.errs = s.errs[:0]
	s.esr = 0
	s.dev = 0
	s.update()
}

// setMAV sets or clears the message-available bit.
func (s *Status) setMAV(v bool) {
	s.mav = v
	s.update()
}

// update re-evaluates the service request condition after a change.
func (s *Status) update() {
	req := s.MSS()
	switch {
	case req && !s.req:
		s.rqs = true
		s.srqEdge = true
	case !req:
		// The reason for service is gone before a poll: the request is
		// withdrawn, as the IEEE 488.1 SR function allows (SRQS -> NPRS
		// when rsv goes false).
		s.rqs = false
	}
	s.req = req
}

// takeSRQ reports and resets whether a service request was raised since the
// last call.
func (s *Status) takeSRQ() bool {
	e := s.srqEdge
	s.srqEdge = false
	return e
}

// registerCommon registers the IEEE 488.2 common commands and the SCPI
// error queue query.
func registerCommon(in *Instrument) {
	in.Handle("*IDN?", queryFunc(func(st *State) string { return st.Identity() }))
	in.Handle("*RST", command(func(st *State) { st.Reset() }))
	in.Handle("*CLS", command(func(st *State) { st.Status.Clear() }))
	in.Handle("*ESE", setter(func(st *State, v byte) { st.SetESE(v) }))
	in.Handle("*ESE?", queryFunc(func(st *State) string { return itoa(st.ESE()) }))
	in.Handle("*ESR?", queryFunc(func(st *State) string { return itoa(st.ReadESR()) }))
	in.Handle("*SRE", setter(func(st *State, v byte) { st.SetSRE(v) }))
	in.Handle("*SRE?", queryFunc(func(st *State) string { return itoa(st.SRE()) }))
	in.Handle("*STB?", queryFunc(func(st *State) string { return itoa(st.STBQuery()) }))
	// No operation is ever pending, so *OPC completes at once.
	in.Handle("*OPC", command(func(st *State) { st.SetESRBits(ieee4882.ESROPC) }))
	in.Handle("*OPC?", queryFunc(func(*State) string { return "1" }))
	in.Handle("*WAI", command(func(*State) {}))
	in.Handle("*TRG", command(func(st *State) { st.trigger() }))
	in.Handle("*TST?", queryFunc(func(*State) string { return "0" }))
	errQ := queryFunc(func(st *State) string { return st.PopError().String() })
	in.Handle("SYSTem:ERRor?", errQ)
	in.Handle("SYSTem:ERRor:NEXT?", errQ)
}

func itoa(b byte) string { return strconv.Itoa(int(b)) }

// query adapts a parameterless query.
func queryFunc(f func(st *State) string) CommandFunc {
	return func(st *State, cmd Command) (Response, error) {
		if err := cmd.NoArgs(); err != nil {
			return nil, err
		}
		return Text(f(st)), nil
	}
}

// command adapts a parameterless command.
func command(f func(st *State)) CommandFunc {
	return func(st *State, cmd Command) (Response, error) {
		if err := cmd.NoArgs(); err != nil {
			return nil, err
		}
		f(st)
		return nil, nil
	}
}

// setter adapts a command taking one register value 0..255.
func setter(f func(st *State, v byte)) CommandFunc {
	return func(st *State, cmd Command) (Response, error) {
		v, err := cmd.Int(0, 255)
		if err != nil {
			return nil, err
		}
		f(st, byte(v))
		return nil, nil
	}
}
