package prologix

import (
	"errors"
	"fmt"

	"github.com/govisa/govisa/transport"
)

// Bytes with a meaning in the adapter's input stream (fact sheet §6.4).
const (
	esc = 0x1B
	cr  = '\r'
	lf  = '\n'
)

// needsEscape reports whether b must be preceded by ESC inside data.
func needsEscape(b byte) bool { return b == cr || b == lf || b == esc || b == '+' }

// Escape appends p to dst with ESC before every CR, LF, ESC and '+', so the
// adapter forwards those bytes as data instead of ending the line or
// reading a command.
func Escape(dst, p []byte) []byte {
	for _, b := range p {
		if needsEscape(b) {
			dst = append(dst, esc)
		}
		dst = append(dst, b)
	}
	return dst
}

// EventKind says what a [Decoder] event carries.
type EventKind uint8

const (
	// EventData is unescaped instrument data; End is set on the event that
	// finishes a data line (it may carry no bytes).
	EventData EventKind = iota + 1
	// EventCommand is a "++" command line without the "++" and the line
	// terminator.
	EventCommand
)

// Event is one unit the adapter acts on.
type Event struct {
	Kind EventKind
	Data []byte // valid only during the emit call
	End  bool   // EventData: the data line ended here
}

// DefaultMaxCommand bounds a "++" command line.
const DefaultMaxCommand = 256

// ErrCommandTooLong is returned (wrapped with transport.ErrProtocol) for a
// command line longer than the maximum; the rest of the line is dropped.
var ErrCommandTooLong = errors.New("prologix: command line too long")

type decState uint8

const (
	dLineStart decState = iota // nothing of the current line seen yet
	dPlus                      // one '+' at line start
	dCommand                   // inside "++..."
	dData                      // inside a data line
	dDrop                      // dropping an over-long command line
)

// Decoder splits the byte stream a Prologix adapter receives from its host
// into commands and data, the way the adapter firmware does: a line that
// starts with "++" is a command; any other line is data in which ESC makes
// the next byte literal, and an unescaped CR or LF ends it. Empty lines are
// ignored. It is a pure codec used by the emulator (and fuzzed).
type Decoder struct {
	st      decState
	escaped bool
	cmd     []byte
	max     int
	chunk   []byte
}

// NewDecoder returns a Decoder that accepts command lines up to max bytes
// (DefaultMaxCommand when max <= 0).
func NewDecoder(max int) *Decoder {
	if max <= 0 {
		max = DefaultMaxCommand
	}
	return &Decoder{max: max}
}

// Feed consumes p and calls emit for every event it completes. Data is
// emitted in chunks as it arrives (a data line is never buffered whole).
// An over-long command gives an error wrapping transport.ErrProtocol after
// the rest of p has been consumed; the decoder stays usable.
func (d *Decoder) Feed(p []byte, emit func(Event) error) error {
	var perr error
	flush := func(end bool) error {
		if len(d.chunk) == 0 && !end {
			return nil
		}
		err := emit(Event{Kind: EventData, Data: d.chunk, End: end})
		d.chunk = d.chunk[:0]
		return err
	}
	for _, b := range p {
		switch d.st {
		case dLineStart:
			switch {
			case b == cr || b == lf:
			case b == '+':
				d.st = dPlus
			default:
				d.st = dData
				if err := d.dataByte(b, flush); err != nil {
					return err
				}
			}
		case dPlus:
			if b == '+' {
				d.st, d.cmd = dCommand, d.cmd[:0]
				continue
			}
			// A lone '+' at line start is data (unescaped, but harmless).
			d.st = dData
			d.chunk = append(d.chunk, '+')
			if err := d.dataByte(b, flush); err != nil {
				return err
			}
		case dCommand:
			if b == cr || b == lf {
				d.st = dLineStart
				if err := emit(Event{Kind: EventCommand, Data: d.cmd}); err != nil {
					return err
				}
				continue
			}
			if len(d.cmd) >= d.max {
				d.st = dDrop
				perr = transport.Errorf("decode", transport.ErrProtocol, fmt.Errorf("%w (max %d)", ErrCommandTooLong, d.max))
				continue
			}
			d.cmd = append(d.cmd, b)
		case dDrop:
			if b == cr || b == lf {
				d.st = dLineStart
			}
		case dData:
			if err := d.dataByte(b, flush); err != nil {
				return err
			}
		}
	}
	if d.st == dData {
		if err := flush(false); err != nil {
			return err
		}
	}
	return perr
}

func (d *Decoder) dataByte(b byte, flush func(bool) error) error {
	if d.escaped {
		d.escaped = false
		d.chunk = append(d.chunk, b)
		return nil
	}
	switch b {
	case esc:
		d.escaped = true
	case cr, lf:
		d.st = dLineStart
		return flush(true)
	default:
		d.chunk = append(d.chunk, b)
	}
	return nil
}
