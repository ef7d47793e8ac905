package sim

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// BuiltinTestInstrument is the value of the govisa builtin key that makes a
// device the Go [TestInstrument] (TEST:ECHO?, TEST:BLOCK?, ...), with any
// dialogues and commands of the file added on top.
const BuiltinTestInstrument = "test-instrument"

// parseExtension reads the govisa mapping of a device.
func parseExtension(file string, n *yaml.Node) (*Extension, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "govisa must be a mapping with version: %d", ExtensionVersion)
	}
	e := &Extension{}
	hasVersion := false
	for _, kv := range pairs(n) {
		var err error
		switch kv.k.Value {
		case "version":
			v, perr := strconv.Atoi(kv.v.Value)
			if perr != nil || v < 1 || v > ExtensionVersion {
				return nil, errAt(file, kv.v, "govisa version %q is not supported (this loader reads 1..%d)", kv.v.Value, ExtensionVersion)
			}
			e.Version, hasVersion = v, true
		case "identity":
			e.Identity, err = scalar(file, kv.v, "identity")
		case "builtin":
			e.Builtin = kv.v.Value
			if e.Builtin != BuiltinTestInstrument {
				err = errAt(file, kv.v, "unknown builtin %q (the only one is %s)", e.Builtin, BuiltinTestInstrument)
			}
		case "framing":
			e.Framing, err = scalar(file, kv.v, "framing")
			if err == nil && e.Framing != "pyvisa" && e.Framing != "ieee488.2" {
				err = errAt(file, kv.v, "framing %q: expected pyvisa or ieee488.2", e.Framing)
			}
		case "state":
			e.State, err = kvs(file, kv.v, "state")
		case "commands":
			if kv.v.Kind != yaml.SequenceNode {
				return nil, errAt(file, kv.v, "commands must be a list")
			}
			for _, c := range kv.v.Content {
				cd, err := parseCommand(file, c)
				if err != nil {
					return nil, err
				}
				e.Commands = append(e.Commands, cd)
			}
		case "on_trigger":
			e.OnTrigger, err = parseActions(file, kv.v)
		case "on_clear":
			e.OnClear, err = parseActions(file, kv.v)
		default:
			err = errAt(file, kv.k, "unknown govisa key %q (expected version, builtin, identity, framing, state, commands, on_trigger, on_clear)", kv.k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	if !hasVersion {
		return nil, errAt(file, n, "govisa needs version: %d (the extension keys are versioned)", ExtensionVersion)
	}
	return e, nil
}

func kvs(file string, n *yaml.Node, what string) ([]KV, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "%s must be a mapping", what)
	}
	var out []KV
	for _, kv := range pairs(n) {
		s, err := scalar(file, kv.v, what+" "+kv.k.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, KV{kv.k.Value, s})
	}
	return out, nil
}

func parseDuration(file string, n *yaml.Node) (time.Duration, error) {
	d, err := time.ParseDuration(n.Value)
	if err != nil || d < 0 || d > time.Hour {
		return 0, errAt(file, n, "%q is not a duration between 0 and 1h (write 50ms, 1.5s, ...)", n.Value)
	}
	return d, nil
}

func parseSCPIError(file string, n *yaml.Node) (*Error, error) {
	code, msg, _ := strings.Cut(n.Value, ",")
	c, err := strconv.Atoi(strings.TrimSpace(code))
	if err != nil || c == 0 {
		return nil, errAt(file, n, "error %q: expected <negative or positive code>,<message>", n.Value)
	}
	return &Error{c, strings.Trim(strings.TrimSpace(msg), `"`)}, nil
}

func parseCommand(file string, n *yaml.Node) (*CommandDef, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "a command must be a mapping with q")
	}
	c := &CommandDef{Line: n.Line}
	for _, kv := range pairs(n) {
		var err error
		switch kv.k.Value {
		case "q":
			c.Pattern = kv.v.Value
			c.pat, err = compilePattern(c.Pattern)
			if err != nil {
				err = errAt(file, kv.v, "%v", err)
			}
		case "r":
			c.R, c.HasR = kv.v.Value, true
		case "when":
			c.When, err = kvs(file, kv.v, "when")
		case "set":
			c.Set, err = kvs(file, kv.v, "set")
		case "delay":
			c.Delay, err = parseDuration(file, kv.v)
		case "error":
			c.Error, err = parseSCPIError(file, kv.v)
		case "do":
			c.Do, err = parseActions(file, kv.v)
		case "block":
			c.Block, err = parseBlock(file, kv.v)
		default:
			err = errAt(file, kv.k, "unknown command key %q (expected q, when, set, r, block, delay, error, do)", kv.k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	if c.pat == nil {
		return nil, errAt(file, n, "a command needs its pattern (q)")
	}
	if c.HasR && c.Block != nil {
		return nil, errAt(file, n, "a command answers with r or with block, not both")
	}
	return c, nil
}

var blockTypes = map[string]int{"uint8": 1, "int8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4, "float32": 4, "float64": 8}

func parseBlock(file string, n *yaml.Node) (*BlockDef, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "block must be a mapping {type, values | data, endian}")
	}
	b := &BlockDef{Type: "uint8"}
	for _, kv := range pairs(n) {
		switch kv.k.Value {
		case "type":
			if _, ok := blockTypes[kv.v.Value]; !ok {
				return nil, errAt(file, kv.v, "block type %q: expected uint8, int8, int16, uint16, int32, uint32, float32, float64", kv.v.Value)
			}
			b.Type = kv.v.Value
		case "endian":
			switch kv.v.Value {
			case "big":
			case "little":
				b.Little = true
			default:
				return nil, errAt(file, kv.v, "endian %q: expected big or little", kv.v.Value)
			}
		case "values":
			b.Values = kv.v.Value
		case "data":
			b.Data = kv.v.Value
		default:
			return nil, errAt(file, kv.k, "unknown block key %q (expected type, endian, values, data)", kv.k.Value)
		}
	}
	if (b.Values == "") == (b.Data == "") {
		return nil, errAt(file, n, "a block needs exactly one of values and data")
	}
	return b, nil
}

func parseActions(file string, n *yaml.Node) ([]*Action, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(file, n, "actions must be a list")
	}
	var out []*Action
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return nil, errAt(file, item, "an action must be a mapping (after, set, stb, stb_clear, esr, error)")
		}
		a := &Action{Line: item.Line}
		for _, kv := range pairs(item) {
			var err error
			switch kv.k.Value {
			case "after":
				a.After, err = parseDuration(file, kv.v)
			case "set":
				a.Set, err = kvs(file, kv.v, "set")
			case "stb", "stb_clear", "esr":
				v, perr := strconv.ParseUint(kv.v.Value, 0, 8)
				if perr != nil {
					return nil, errAt(file, kv.v, "%s must be a byte (0..255, 0x.. allowed), not %q", kv.k.Value, kv.v.Value)
				}
				switch kv.k.Value {
				case "stb":
					a.STB = byte(v)
				case "stb_clear":
					a.STBClear = byte(v)
				default:
					a.ESR = byte(v)
				}
			case "error":
				a.Error, err = parseSCPIError(file, kv.v)
			default:
				err = errAt(file, kv.k, "unknown action key %q (expected after, set, stb, stb_clear, esr, error)", kv.k.Value)
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// checkExtension compiles the templates of a device's extension and checks
// that they only name variables that exist.
func checkExtension(d *DeviceDef) error {
	known := map[string]bool{}
	for _, kv := range d.Ext.State {
		known[kv.Key] = true
	}
	for _, p := range d.Properties {
		known[p.Name] = true
	}
	// isKnown accepts a declared name, a capture, or name[index] where
	// index is known and some declared variable starts with name.
	isKnown := func(name string, extra []string) bool {
		if known[name] || contains(extra, name) {
			return true
		}
		base, idx, ok := splitIndex(name)
		if !ok || !(known[idx] || contains(extra, idx)) {
			return false
		}
		for k := range known {
			if strings.HasPrefix(k, base) {
				return true
			}
		}
		return false
	}
	compile := func(line int, t string, extra []string) ([]segment, error) {
		segs, err := compileTemplate(t)
		if err != nil {
			return nil, &DefinitionError{File: d.File, Line: line, Msg: "template " + strconv.Quote(t) + ": " + err.Error()}
		}
		for _, s := range segs {
			if !s.field || isDirective(s.name) || isKnown(s.name, extra) {
				continue
			}
			return nil, &DefinitionError{File: d.File, Line: line, Msg: "template " + strconv.Quote(t) + " names " + strconv.Quote(s.name) + ", which is neither captured by the pattern nor a state variable or property"}
		}
		return segs, nil
	}
	checkActions := func(as []*Action, extra []string) error {
		for _, a := range as {
			a.setT = a.setT[:0]
			for _, kv := range a.Set {
				if !isKnown(kv.Key, extra) || contains(extra, kv.Key) {
					return &DefinitionError{File: d.File, Line: a.Line, Msg: "set names " + strconv.Quote(kv.Key) + ", which is not declared in state nor a property"}
				}
				segs, err := compile(a.Line, kv.Value, extra)
				if err != nil {
					return err
				}
				a.setT = append(a.setT, segs)
			}
		}
		return nil
	}
	for _, c := range d.Ext.Commands {
		extra := c.pat.vars()
		var err error
		if c.HasR {
			if c.rT, err = compile(c.Line, c.R, extra); err != nil {
				return err
			}
		}
		if c.Block != nil {
			t := c.Block.Values
			if t == "" {
				t = c.Block.Data
			}
			if c.blockT, err = compile(c.Line, t, extra); err != nil {
				return err
			}
		}
		c.setT = c.setT[:0]
		for _, kv := range c.Set {
			if !isKnown(kv.Key, extra) || contains(extra, kv.Key) {
				return &DefinitionError{File: d.File, Line: c.Line, Msg: "set names " + strconv.Quote(kv.Key) + ", which is not declared in state nor a property"}
			}
			segs, err := compile(c.Line, kv.Value, extra)
			if err != nil {
				return err
			}
			c.setT = append(c.setT, segs)
		}
		for _, kv := range c.When {
			if !isKnown(kv.Key, extra) {
				return &DefinitionError{File: d.File, Line: c.Line, Msg: "when names " + strconv.Quote(kv.Key) + ", which is not declared in state nor a property"}
			}
		}
		if err := checkActions(c.Do, extra); err != nil {
			return err
		}
	}
	if err := checkActions(d.Ext.OnTrigger, nil); err != nil {
		return err
	}
	return checkActions(d.Ext.OnClear, nil)
}

// splitIndex splits "name[index]" (an indexed variable: the variable whose
// name is name followed by the value of index, as in volt[ch] -> volt2).
func splitIndex(s string) (base, idx string, ok bool) {
	i := strings.IndexByte(s, '[')
	if i <= 0 || !strings.HasSuffix(s, "]") {
		return "", "", false
	}
	return s[:i], s[i+1 : len(s)-1], i+1 < len(s)-1
}
