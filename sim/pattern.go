package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// scpiPattern is a compiled govisa command pattern:
//
//	SOURce<ch>:VOLTage[:LEVel][:IMMediate][:AMPLitude] {v:float}
//	MEASure:VOLTage?
//	OUTPut# {state:bool}
//
// Header nodes match their short form (the upper-case letters) or their
// long form, case-insensitively; [..] nodes are optional; a node ending in
// <name> takes a numeric suffix captured as name (1 when absent), and #
// does the same under the name "n". Arguments are comma-separated
// {name[:type]} captures (type str, int, float, bool; default str) or
// literal words.
type scpiPattern struct {
	nodes []patNode
	query bool
	args  []patArg
}

type patNode struct {
	long, short string
	optional    bool
	suffix      string // capture name of a numeric suffix, "" = none
}

type patArg struct {
	name, typ string
	lit       string
}

func compilePattern(p string) (*scpiPattern, error) {
	p = strings.TrimSpace(p)
	head, args, _ := strings.Cut(p, " ")
	sp := &scpiPattern{}
	if strings.HasSuffix(head, "?") {
		sp.query = true
		head = head[:len(head)-1]
	}
	head = strings.TrimPrefix(head, ":")
	if head == "" {
		return nil, fmt.Errorf("pattern %q has no header", p)
	}
	for len(head) > 0 {
		optional := false
		var tok string
		if head[0] == '[' {
			end := strings.IndexByte(head, ']')
			if end < 0 {
				return nil, fmt.Errorf("pattern %q: '[' without ']'", p)
			}
			tok, head, optional = head[1:end], head[end+1:], true
			tok = strings.TrimPrefix(tok, ":")
		} else {
			head = strings.TrimPrefix(head, ":")
			end := strings.IndexAny(head, ":[")
			if end < 0 {
				end = len(head)
			}
			tok, head = head[:end], head[end:]
		}
		n, err := compileNode(tok)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %v", p, err)
		}
		n.optional = optional
		sp.nodes = append(sp.nodes, n)
	}
	args = strings.TrimSpace(args)
	if args == "" {
		return sp, nil
	}
	seen := map[string]bool{}
	for _, a := range strings.Split(args, ",") {
		a = strings.TrimSpace(a)
		if strings.HasPrefix(a, "{") && strings.HasSuffix(a, "}") {
			name, typ, _ := strings.Cut(a[1:len(a)-1], ":")
			if typ == "" {
				typ = "str"
			}
			switch typ {
			case "str", "int", "float", "bool":
			default:
				return nil, fmt.Errorf("pattern %q: unknown argument type %q (str, int, float, bool)", p, typ)
			}
			if name == "" || seen[name] {
				return nil, fmt.Errorf("pattern %q: argument names must be given and unique", p)
			}
			seen[name] = true
			sp.args = append(sp.args, patArg{name: name, typ: typ})
			continue
		}
		if a == "" || strings.ContainsAny(a, "{}") {
			return nil, fmt.Errorf("pattern %q: bad argument %q", p, a)
		}
		sp.args = append(sp.args, patArg{lit: strings.ToUpper(a)})
	}
	return sp, nil
}

func compileNode(tok string) (patNode, error) {
	var n patNode
	switch {
	case strings.HasSuffix(tok, "#"):
		n.suffix, tok = "n", tok[:len(tok)-1]
	case strings.HasSuffix(tok, ">"):
		i := strings.LastIndexByte(tok, '<')
		if i < 0 || i == len(tok)-2 {
			return n, fmt.Errorf("bad suffix capture in %q", tok)
		}
		n.suffix, tok = tok[i+1:len(tok)-1], tok[:i]
	}
	if tok == "" {
		return n, fmt.Errorf("empty node")
	}
	for _, c := range tok {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '*' || c == '_') {
			return n, fmt.Errorf("node %q holds %q", tok, c)
		}
	}
	short := tok
	for i, c := range tok {
		if c >= 'a' && c <= 'z' {
			short = tok[:i]
			break
		}
	}
	if short == "" {
		short = tok
	}
	n.long, n.short = strings.ToUpper(tok), strings.ToUpper(short)
	return n, nil
}

// vars returns the names the pattern captures.
func (sp *scpiPattern) vars() []string {
	var out []string
	for _, n := range sp.nodes {
		if n.suffix != "" {
			out = append(out, n.suffix)
		}
	}
	for _, a := range sp.args {
		if a.name != "" {
			out = append(out, a.name)
		}
	}
	return out
}

// matchHeader reports whether header (as received) fits and stores numeric
// suffixes in caps.
func (sp *scpiPattern) matchHeader(header string, caps map[string]value) bool {
	header = strings.TrimPrefix(header, ":")
	q := strings.HasSuffix(header, "?")
	if q != sp.query {
		return false
	}
	if q {
		header = header[:len(header)-1]
	}
	in := strings.Split(header, ":")
	return matchNodes(sp.nodes, in, caps)
}

func matchNodes(nodes []patNode, in []string, caps map[string]value) bool {
	if len(nodes) == 0 {
		return len(in) == 0
	}
	n := nodes[0]
	if len(in) > 0 {
		if num, ok := n.match(in[0]); ok {
			if n.suffix != "" {
				caps[n.suffix] = value{kind: 'i', i: num}
			}
			if matchNodes(nodes[1:], in[1:], caps) {
				return true
			}
		}
	}
	if n.optional {
		if n.suffix != "" {
			caps[n.suffix] = value{kind: 'i', i: 1}
		}
		return matchNodes(nodes[1:], in, caps)
	}
	return false
}

func (n patNode) match(s string) (int64, bool) {
	s = strings.ToUpper(s)
	num := int64(1)
	if n.suffix != "" {
		i := len(s)
		for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
			i--
		}
		if i < len(s) {
			v, err := strconv.ParseInt(s[i:], 10, 32)
			if err != nil {
				return 0, false
			}
			num, s = v, s[:i]
		}
	}
	return num, s == n.long || s == n.short
}

// matchArgs parses the argument text into caps, or returns the SCPI error
// that describes the mismatch.
func (sp *scpiPattern) matchArgs(args string, caps map[string]value) *Error {
	var in []string
	if strings.TrimSpace(args) != "" {
		for a := range splitArgs(args) {
			in = append(in, strings.TrimSpace(a))
		}
	}
	switch {
	case len(in) < len(sp.args):
		return ErrMissingParam
	case len(in) > len(sp.args):
		return ErrParamNotAllowed
	}
	for i, a := range sp.args {
		s := in[i]
		if a.lit != "" {
			if strings.ToUpper(s) != a.lit {
				return &Error{-224, "Illegal parameter value"}
			}
			continue
		}
		switch a.typ {
		case "str":
			if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
				s = s[1 : len(s)-1]
			}
			caps[a.name] = strValue(s)
		case "int":
			n, err := (Command{Args: s}).Int(-1<<62, 1<<62)
			if err != nil {
				return err.(*Error)
			}
			caps[a.name] = value{kind: 'i', i: n}
		case "float":
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return ErrDataType
			}
			caps[a.name] = value{kind: 'f', f: f}
		case "bool":
			switch strings.ToUpper(s) {
			case "ON", "1":
				caps[a.name] = value{kind: 'i', i: 1}
			case "OFF", "0":
				caps[a.name] = value{kind: 'i', i: 0}
			default:
				return ErrDataType
			}
		}
	}
	return nil
}

// splitArgs yields comma-separated arguments, ignoring commas in quotes.
func splitArgs(s string) func(func(string) bool) { return splitQuoted(s, ',') }
