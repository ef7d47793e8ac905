package visa

import (
	"fmt"
	"reflect"
	"strings"
)

// The attribute part of a viFindRsrc expression, "{...}" after the regular
// expression (NI-VISA "Attribute-Based Resource Matching"; Keysight
// viFindRsrc): comparisons joined by && and ||, negated by !, grouped by
// ( ). Precedence, highest first: ( ), !, &&, ||. == and != apply to every
// attribute type; <, >, <=, >= to numbers only.
//
// Operands are attribute names (VI_ATTR_*), integer constants (decimal or
// 0x hex, optionally negative), VI_TRUE and VI_FALSE (1 and 0), and quoted
// strings ("..." or '...', with \ escaping the next character). The
// expression is parsed into a tree and evaluated by this file; nothing is
// ever handed to an evaluator or a regexp engine.

type seTokKind uint8

const (
	seTkEnd    seTokKind = iota // the closing '}'
	seTkIdent                   // VI_ATTR_... or a constant name
	seTkNum                     // 12, 0x1AB1, -1
	seTkStr                     // "text"
	seTkLParen                  // (
	seTkRParen                  // )
	seTkNot                     // !
	seTkAnd                     // &&
	seTkOr                      // ||
	seTkCmp                     // == != < > <= >=
)

type seTok struct {
	kind seTokKind
	pos  int    // offset in the whole search expression
	text string // identifier (upper case), comparison operator, string value
	num  seNum
}

// seNum is an integer of either sign with 64 bits of magnitude, so that
// every Go integer attribute value compares exactly.
type seNum struct {
	neg bool // never true for zero
	mag uint64
}

func (a seNum) cmp(b seNum) int {
	switch {
	case a.neg && !b.neg:
		return -1
	case !a.neg && b.neg:
		return 1
	}
	c := 0
	if a.mag < b.mag {
		c = -1
	} else if a.mag > b.mag {
		c = 1
	}
	if a.neg {
		c = -c
	}
	return c
}

func seNumInt(v int64) seNum {
	if v < 0 {
		return seNum{neg: true, mag: uint64(-(v + 1)) + 1}
	}
	return seNum{mag: uint64(v)}
}

// seLexer splits the attribute part into tokens.
type seLexer struct {
	src  string // the whole search expression
	pos  int
	toks []seTok
}

func (l *seLexer) errf(pos int, format string, args ...any) *Error {
	return searchError(fmt.Sprintf(format, args...) + fmt.Sprintf(" at column %d", pos+1))
}

// lex tokenizes from l.pos up to and including the closing '}'.
func (l *seLexer) lex() *Error {
	for {
		for l.pos < len(l.src) && seIsSpace(l.src[l.pos]) {
			l.pos++
		}
		if l.pos >= len(l.src) {
			return l.errf(l.pos, "missing '}' at the end of the attribute expression")
		}
		start := l.pos
		c := l.src[l.pos]
		two := ""
		if l.pos+1 < len(l.src) {
			two = l.src[l.pos : l.pos+2]
		}
		switch {
		case c == '}':
			l.pos++
			l.toks = append(l.toks, seTok{kind: seTkEnd, pos: start})
			for ; l.pos < len(l.src); l.pos++ {
				if !seIsSpace(l.src[l.pos]) {
					return l.errf(l.pos, "unexpected text after the attribute expression")
				}
			}
			return nil
		case two == "&&" || two == "||" || two == "==" || two == "!=" || two == "<=" || two == ">=":
			kind := seTkCmp
			if two == "&&" {
				kind = seTkAnd
			} else if two == "||" {
				kind = seTkOr
			}
			l.toks = append(l.toks, seTok{kind: kind, pos: start, text: two})
			l.pos += 2
		case c == '<' || c == '>':
			l.toks = append(l.toks, seTok{kind: seTkCmp, pos: start, text: string(c)})
			l.pos++
		case c == '!':
			l.toks = append(l.toks, seTok{kind: seTkNot, pos: start})
			l.pos++
		case c == '(':
			l.toks = append(l.toks, seTok{kind: seTkLParen, pos: start})
			l.pos++
		case c == ')':
			l.toks = append(l.toks, seTok{kind: seTkRParen, pos: start})
			l.pos++
		case c == '"' || c == '\'':
			if err := l.lexString(c); err != nil {
				return err
			}
		case c >= '0' && c <= '9' || c == '-':
			if err := l.lexNumber(); err != nil {
				return err
			}
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			for l.pos < len(l.src) && seIsIdentByte(l.src[l.pos]) {
				l.pos++
			}
			l.toks = append(l.toks, seTok{kind: seTkIdent, pos: start, text: strings.ToUpper(l.src[start:l.pos])})
		default:
			return l.errf(start, "unexpected character %q", rune(c))
		}
	}
}

func seIsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func seIsIdentByte(c byte) bool {
	return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func (l *seLexer) lexString(quote byte) *Error {
	start := l.pos
	l.pos++
	var b strings.Builder
	for {
		if l.pos >= len(l.src) {
			return l.errf(start, "unterminated string")
		}
		c := l.src[l.pos]
		l.pos++
		switch c {
		case quote:
			l.toks = append(l.toks, seTok{kind: seTkStr, pos: start, text: b.String()})
			return nil
		case '\\':
			if l.pos >= len(l.src) {
				return l.errf(start, "unterminated string")
			}
			b.WriteByte(l.src[l.pos])
			l.pos++
		default:
			b.WriteByte(c)
		}
	}
}

func (l *seLexer) lexNumber() *Error {
	start := l.pos
	neg := false
	if l.src[l.pos] == '-' {
		neg = true
		l.pos++
	}
	base := uint64(10)
	if l.pos+1 < len(l.src) && l.src[l.pos] == '0' && (l.src[l.pos+1] == 'x' || l.src[l.pos+1] == 'X') {
		base = 16
		l.pos += 2
	}
	digits := l.pos
	var v uint64
	for l.pos < len(l.src) && seIsIdentByte(l.src[l.pos]) {
		d := uint64(rnUnhex(l.src[l.pos]))
		if rnUnhex(l.src[l.pos]) < 0 || d >= base {
			return l.errf(start, "malformed number %q", l.src[start:l.pos+1])
		}
		if v > (^uint64(0)-d)/base {
			return l.errf(start, "number out of range")
		}
		v = v*base + d
		l.pos++
	}
	if l.pos == digits {
		return l.errf(start, "malformed number %q", l.src[start:l.pos])
	}
	n := seNum{mag: v, neg: neg && v != 0}
	l.toks = append(l.toks, seTok{kind: seTkNum, pos: start, num: n})
	return nil
}

// Parse tree.

type seExpr interface {
	eval(lookup func(string) (any, bool)) bool
}

type seOr struct{ l, r seExpr }
type seAnd struct{ l, r seExpr }
type seNot struct{ x seExpr }

func (e seOr) eval(f func(string) (any, bool)) bool  { return e.l.eval(f) || e.r.eval(f) }
func (e seAnd) eval(f func(string) (any, bool)) bool { return e.l.eval(f) && e.r.eval(f) }
func (e seNot) eval(f func(string) (any, bool)) bool { return !e.x.eval(f) }

type seOperandKind uint8

const (
	seOpAttr seOperandKind = iota
	seOpNum
	seOpStr
)

type seOperand struct {
	kind seOperandKind
	name string // attribute name for seOpAttr
	num  seNum
	str  string
}

type seCmp struct {
	op   string
	a, b seOperand
}

// value resolves an operand: ok is false when the attribute is missing or
// its Go type is not an integer, bool or string.
func (o seOperand) value(f func(string) (any, bool)) (n seNum, s string, isStr, ok bool) {
	switch o.kind {
	case seOpNum:
		return o.num, "", false, true
	case seOpStr:
		return seNum{}, o.str, true, true
	}
	v, found := f(o.name)
	if !found || v == nil {
		return seNum{}, "", false, false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return seNumInt(rv.Int()), "", false, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return seNum{mag: rv.Uint()}, "", false, true
	case reflect.Bool:
		if rv.Bool() {
			return seNum{mag: 1}, "", false, true
		}
		return seNum{}, "", false, true
	case reflect.String:
		return seNum{}, rv.String(), true, true
	}
	return seNum{}, "", false, false
}

func (e seCmp) eval(f func(string) (any, bool)) bool {
	an, as, aStr, aok := e.a.value(f)
	bn, bs, bStr, bok := e.b.value(f)
	if !aok || !bok || aStr != bStr {
		return false
	}
	if aStr {
		switch e.op {
		case "==":
			return as == bs
		case "!=":
			return as != bs
		}
		return false
	}
	c := an.cmp(bn)
	switch e.op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case ">":
		return c > 0
	case "<=":
		return c <= 0
	default: // ">="
		return c >= 0
	}
}

// seParser is a recursive-descent parser over the tokens.
type seParser struct {
	toks  []seTok
	i     int
	depth int
	names []string // attribute names used, in order of first use
	l     *seLexer
}

func (p *seParser) peek() seTok { return p.toks[p.i] }

func (p *seParser) enter(pos int) *Error {
	p.depth++
	if p.depth > maxSearchDepth {
		return p.l.errf(pos, "attribute expression nested deeper than %d", maxSearchDepth)
	}
	return nil
}

func (p *seParser) or() (seExpr, *Error) {
	x, err := p.and()
	for err == nil && p.peek().kind == seTkOr {
		p.i++
		var y seExpr
		if y, err = p.and(); err == nil {
			x = seOr{x, y}
		}
	}
	return x, err
}

func (p *seParser) and() (seExpr, *Error) {
	x, err := p.not()
	for err == nil && p.peek().kind == seTkAnd {
		p.i++
		var y seExpr
		if y, err = p.not(); err == nil {
			x = seAnd{x, y}
		}
	}
	return x, err
}

func (p *seParser) not() (seExpr, *Error) {
	t := p.peek()
	switch t.kind {
	case seTkNot:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		p.i++
		x, err := p.not()
		p.depth--
		return seNot{x}, err
	case seTkLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		p.i++
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek().kind != seTkRParen {
			return nil, p.l.errf(p.peek().pos, "expected ')' to close the '(' at column %d", t.pos+1)
		}
		p.i++
		p.depth--
		return x, nil
	}
	return p.comparison()
}

func (p *seParser) comparison() (seExpr, *Error) {
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	op := p.peek()
	if op.kind != seTkCmp {
		return nil, p.l.errf(op.pos, "expected a comparison operator (==, !=, <, >, <=, >=)")
	}
	p.i++
	b, err := p.operand()
	if err != nil {
		return nil, err
	}
	if op.text != "==" && op.text != "!=" && (a.kind == seOpStr || b.kind == seOpStr) {
		return nil, p.l.errf(op.pos, "strings can only be compared with == and !=")
	}
	return seCmp{op: op.text, a: a, b: b}, nil
}

func (p *seParser) operand() (seOperand, *Error) {
	t := p.peek()
	switch t.kind {
	case seTkNum:
		p.i++
		return seOperand{kind: seOpNum, num: t.num}, nil
	case seTkStr:
		p.i++
		return seOperand{kind: seOpStr, str: t.text}, nil
	case seTkIdent:
		p.i++
		switch {
		case t.text == "VI_TRUE":
			return seOperand{kind: seOpNum, num: seNum{mag: 1}}, nil
		case t.text == "VI_FALSE":
			return seOperand{kind: seOpNum}, nil
		case strings.HasPrefix(t.text, "VI_ATTR_") && len(t.text) > len("VI_ATTR_"):
			p.addName(t.text)
			return seOperand{kind: seOpAttr, name: t.text}, nil
		}
		return seOperand{}, p.l.errf(t.pos, "unknown name %q (expected a VI_ATTR_* attribute, VI_TRUE or VI_FALSE)", t.text)
	case seTkEnd:
		return seOperand{}, p.l.errf(t.pos, "attribute expression ends where an operand is expected")
	}
	return seOperand{}, p.l.errf(t.pos, "expected an attribute name, a number or a string")
}

func (p *seParser) addName(n string) {
	for _, x := range p.names {
		if x == n {
			return
		}
	}
	p.names = append(p.names, n)
}

// seParseAttrExpr parses the attribute part that starts after the '{' at
// offset open of the search expression src.
func seParseAttrExpr(src string, open int) (seExpr, []string, *Error) {
	l := &seLexer{src: src, pos: open + 1}
	if err := l.lex(); err != nil {
		return nil, nil, err
	}
	if len(l.toks) == 1 {
		return nil, nil, l.errf(open, "empty attribute expression")
	}
	p := &seParser{toks: l.toks, l: l}
	x, err := p.or()
	if err != nil {
		return nil, nil, err
	}
	if t := p.peek(); t.kind != seTkEnd {
		return nil, nil, l.errf(t.pos, "unexpected token (expected &&, || or '}')")
	}
	return x, p.names, nil
}
