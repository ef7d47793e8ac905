package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// errInterrupt is returned by readLine on Ctrl-C.
var errInterrupt = errors.New("interrupt")

// lineEditor is a small readline: it edits one line from a terminal in
// raw mode (cursor keys, Home/End, Ctrl-A/E/B/F/K/U/W, Backspace/Delete),
// keeps a history browsed with Up/Down, and completes with Tab. It works
// on any byte stream, so it is tested without a terminal; the caller puts
// the terminal in raw mode (see makeRaw).
type lineEditor struct {
	in       *bufio.Reader
	out      io.Writer
	history  []string
	complete func(line string) []string

	buf []rune
	pos int
}

func newLineEditor(in io.Reader, out io.Writer, complete func(string) []string) *lineEditor {
	return &lineEditor{in: bufio.NewReader(in), out: out, complete: complete}
}

// addHistory appends line unless it repeats the last entry.
func (e *lineEditor) addHistory(line string) {
	if line == "" || len(e.history) > 0 && e.history[len(e.history)-1] == line {
		return
	}
	e.history = append(e.history, line)
	if len(e.history) > 1000 {
		e.history = e.history[1:]
	}
}

// redraw rewrites the prompt and the line and puts the cursor in place.
func (e *lineEditor) redraw(prompt string) {
	s := string(e.buf)
	fmt.Fprintf(e.out, "\r\x1b[K%s%s", prompt, s)
	if back := len(e.buf) - e.pos; back > 0 {
		fmt.Fprintf(e.out, "\x1b[%dD", back)
	}
}

func (e *lineEditor) set(s string) {
	e.buf = []rune(s)
	e.pos = len(e.buf)
}

// readLine reads one line. It returns io.EOF on Ctrl-D with an empty line
// (or the end of input) and errInterrupt on Ctrl-C.
func (e *lineEditor) readLine(prompt string) (string, error) {
	e.buf, e.pos = e.buf[:0], 0
	hist := len(e.history) // index into history; len = the new line
	saved := ""
	fmt.Fprint(e.out, prompt)
	for {
		r, _, err := e.in.ReadRune()
		if err != nil {
			if len(e.buf) > 0 && errors.Is(err, io.EOF) {
				fmt.Fprint(e.out, "\r\n")
				return string(e.buf), nil
			}
			return "", err
		}
		switch r {
		case '\r', '\n':
			fmt.Fprint(e.out, "\r\n")
			return string(e.buf), nil
		case 3: // Ctrl-C
			fmt.Fprint(e.out, "^C\r\n")
			return "", errInterrupt
		case 4: // Ctrl-D: EOF on an empty line, else delete
			if len(e.buf) == 0 {
				fmt.Fprint(e.out, "\r\n")
				return "", io.EOF
			}
			e.deleteAt(e.pos)
		case 1: // Ctrl-A
			e.pos = 0
		case 5: // Ctrl-E
			e.pos = len(e.buf)
		case 2: // Ctrl-B
			e.pos = max(e.pos-1, 0)
		case 6: // Ctrl-F
			e.pos = min(e.pos+1, len(e.buf))
		case 11: // Ctrl-K
			e.buf = e.buf[:e.pos]
		case 21: // Ctrl-U
			e.buf = append(e.buf[:0], e.buf[e.pos:]...)
			e.pos = 0
		case 23: // Ctrl-W: delete the word before the cursor
			i := e.pos
			for i > 0 && e.buf[i-1] == ' ' {
				i--
			}
			for i > 0 && e.buf[i-1] != ' ' {
				i--
			}
			e.buf = append(e.buf[:i], e.buf[e.pos:]...)
			e.pos = i
		case 127, 8: // Backspace
			if e.pos > 0 {
				e.pos--
				e.deleteAt(e.pos)
			}
		case '\t':
			e.tab(prompt)
		case 27: // escape sequences
			seq := e.escape()
			switch seq {
			case "[A", "OA": // Up
				if hist > 0 {
					if hist == len(e.history) {
						saved = string(e.buf)
					}
					hist--
					e.set(e.history[hist])
				}
			case "[B", "OB": // Down
				if hist < len(e.history) {
					hist++
					if hist == len(e.history) {
						e.set(saved)
					} else {
						e.set(e.history[hist])
					}
				}
			case "[C", "OC":
				e.pos = min(e.pos+1, len(e.buf))
			case "[D", "OD":
				e.pos = max(e.pos-1, 0)
			case "[H", "OH", "[1~", "[7~":
				e.pos = 0
			case "[F", "OF", "[4~", "[8~":
				e.pos = len(e.buf)
			case "[3~": // Delete
				e.deleteAt(e.pos)
			}
		default:
			if r < 32 || r == utf8.RuneError {
				continue
			}
			e.buf = append(e.buf, 0)
			copy(e.buf[e.pos+1:], e.buf[e.pos:])
			e.buf[e.pos] = r
			e.pos++
		}
		e.redraw(prompt)
	}
}

func (e *lineEditor) deleteAt(i int) {
	if i < len(e.buf) {
		e.buf = append(e.buf[:i], e.buf[i+1:]...)
	}
}

// escape reads the rest of an escape sequence ("[A", "[3~", "OH").
func (e *lineEditor) escape() string {
	var sb strings.Builder
	for sb.Len() < 8 {
		r, _, err := e.in.ReadRune()
		if err != nil {
			break
		}
		sb.WriteRune(r)
		if sb.Len() >= 2 && (r >= 'A' && r <= 'Z' || r == '~' || r >= 'a' && r <= 'z') {
			break
		}
	}
	return sb.String()
}

// tab completes the line up to the cursor: one candidate is inserted,
// several are listed and their common prefix inserted.
func (e *lineEditor) tab(prompt string) {
	if e.complete == nil {
		return
	}
	head := string(e.buf[:e.pos])
	cands := e.complete(head)
	if len(cands) == 0 {
		return
	}
	common := cands[0]
	for _, c := range cands[1:] {
		for len(common) > 0 && !strings.HasPrefix(strings.ToUpper(c), strings.ToUpper(common)) {
			common = common[:len(common)-1]
		}
	}
	if len(common) < len(head) || !strings.EqualFold(common[:len(head)], head) {
		return
	}
	if len(cands) > 1 && len(common) == len(head) {
		sort.Strings(cands)
		fmt.Fprint(e.out, "\r\n"+strings.Join(cands, "  ")+"\r\n")
		return
	}
	ins := []rune(common)
	if len(cands) == 1 {
		ins = append(ins, ' ')
	}
	rest := append([]rune(nil), e.buf[e.pos:]...)
	e.buf = append(ins, rest...)
	e.pos = len(ins)
}
