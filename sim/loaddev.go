package sim

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// eomTypes are the interface types an eom mapping may name.
var eomTypes = map[string]bool{
	"ASRL INSTR": true, "USB INSTR": true, "USB RAW": true, "TCPIP INSTR": true,
	"TCPIP SOCKET": true, "GPIB INSTR": true, "GPIB INTFC": true, "VICP INSTR": true,
}

// device builds one device definition, merging its bases.
func (l *loader) device(f *rawFile, name string, keyNode, n *yaml.Node) (*DeviceDef, error) {
	file := f.key.name
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "device %q must be a mapping", name)
	}
	d := &DeviceDef{Name: name, File: file, Line: keyNode.Line, EOM: map[string]EOM{}, Delimiter: ";"}
	var bases []*DeviceDef
	for _, kv := range pairs(n) {
		var err error
		switch kv.k.Value {
		case "eom":
			err = l.eom(file, d, kv.v)
		case "error":
			err = parseErrorDef(file, &d.Error, kv.v)
		case "dialogues":
			d.Dialogues, err = parseDialogues(file, kv.v)
		case "properties":
			d.Properties, err = parseProperties(file, kv.v)
		case "channels":
			d.Channels, err = parseChannels(file, kv.v)
		case "delimiter":
			d.Delimiter, err = scalar(file, kv.v, "delimiter")
			d.Delimiter = unescape(d.Delimiter)
		case "bases":
			bases, err = l.bases(f, kv.v)
		case "govisa":
			d.Ext, err = parseExtension(file, kv.v)
		case "connections":
			// pyvisa-sim parses connections between devices but never
			// uses them; accepted and ignored so such files load.
		default:
			err = errAt(file, kv.k, "unknown key %q in device %q (expected eom, error, dialogues, properties, channels, delimiter, bases, govisa)", kv.k.Value, name)
		}
		if err != nil {
			return nil, err
		}
	}
	for i := len(bases) - 1; i >= 0; i-- {
		mergeBase(d, bases[i])
	}
	if d.Ext != nil {
		if err := checkExtension(d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// bases resolves `bases: [name | {device: name, filename: f, bundled: b}]`.
func (l *loader) bases(f *rawFile, n *yaml.Node) ([]*DeviceDef, error) {
	file := f.key.name
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(file, n, "bases must be a list of device names or {device, filename} mappings")
	}
	var out []*DeviceDef
	for _, b := range n.Content {
		var devName, fileName *yaml.Node
		isBundled := false
		switch b.Kind {
		case yaml.ScalarNode:
			devName = b
		case yaml.MappingNode:
			for _, kv := range pairs(b) {
				switch kv.k.Value {
				case "device":
					devName = kv.v
				case "filename":
					fileName = kv.v
				case "bundled":
					isBundled = truthy(kv.v.Value)
				default:
					return nil, errAt(file, kv.k, "unknown key %q in a base (expected device, filename, bundled)", kv.k.Value)
				}
			}
		default:
			return nil, errAt(file, b, "a base is a device name or a {device, filename} mapping")
		}
		if devName == nil {
			return nil, errAt(file, b, "a base must name its device")
		}
		d, err := l.deviceRef(f, devName, fileName, isBundled)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// mergeBase adds what d does not define itself from base b. d's own
// dialogues and commands come first, so they win when both match.
func mergeBase(d, b *DeviceDef) {
	for k, v := range b.EOM {
		if _, ok := d.EOM[k]; !ok {
			d.EOM[k] = v
		}
	}
	if d.Error.Response == nil && d.Error.Registers == nil && d.Error.Queues == nil {
		d.Error = b.Error
	}
	d.Dialogues = append(d.Dialogues, b.Dialogues...)
	have := map[string]bool{}
	for _, p := range d.Properties {
		have[p.Name] = true
	}
	for _, p := range b.Properties {
		if !have[p.Name] {
			d.Properties = append(d.Properties, p)
		}
	}
	haveCh := map[string]bool{}
	for _, c := range d.Channels {
		haveCh[c.Name] = true
	}
	for _, c := range b.Channels {
		if !haveCh[c.Name] {
			d.Channels = append(d.Channels, c)
		}
	}
	if b.Ext == nil {
		return
	}
	if d.Ext == nil {
		e := *b.Ext
		d.Ext = &e
		return
	}
	e := d.Ext
	if e.Identity == "" {
		e.Identity = b.Ext.Identity
	}
	if e.Builtin == "" {
		e.Builtin = b.Ext.Builtin
	}
	if e.Framing == "" {
		e.Framing = b.Ext.Framing
	}
	e.State = append(append([]KV(nil), b.Ext.State...), e.State...) // later keys win
	e.Commands = append(e.Commands, b.Ext.Commands...)
	if e.OnTrigger == nil {
		e.OnTrigger = b.Ext.OnTrigger
	}
	if e.OnClear == nil {
		e.OnClear = b.Ext.OnClear
	}
}

func (l *loader) eom(file string, d *DeviceDef, n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errAt(file, n, "eom must map interface types (\"ASRL INSTR\", ...) to {q, r}")
	}
	for _, kv := range pairs(n) {
		t := kv.k.Value
		if !eomTypes[t] {
			return errAt(file, kv.k, "unknown interface type %q in eom (expected one of ASRL INSTR, GPIB INSTR, TCPIP INSTR, TCPIP SOCKET, USB INSTR, USB RAW, GPIB INTFC)", t)
		}
		var e EOM
		if kv.v.Kind != yaml.MappingNode {
			return errAt(file, kv.v, "eom %q must be a mapping {q, r}", t)
		}
		for _, p := range pairs(kv.v) {
			s, err := scalar(file, p.v, "eom "+p.k.Value)
			if err != nil {
				return err
			}
			switch p.k.Value {
			case "q":
				e.Q = unescape(s)
			case "r":
				e.R = unescape(s)
			default:
				return errAt(file, p.k, "unknown key %q in eom %q (expected q, r)", p.k.Value, t)
			}
		}
		d.EOM[t] = e
	}
	return nil
}

// unescape turns the two-character sequences \r and \n into control
// characters, as pyvisa-sim does for messages written in single quotes.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(s)
}

func parseDialogues(file string, n *yaml.Node) ([]Dialogue, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(file, n, "dialogues must be a list of {q, r}")
	}
	var out []Dialogue
	for _, item := range n.Content {
		d, err := parseDialogue(file, item, "dialogue")
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// parseDialogue reads {q, r}; a missing r (or "null_response") means no
// response.
func parseDialogue(file string, n *yaml.Node, what string) (*Dialogue, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "a %s must be a mapping {q, r}", what)
	}
	d := &Dialogue{NoResponse: true, Line: n.Line}
	hasQ := false
	for _, kv := range pairs(n) {
		s, err := scalar(file, kv.v, what+" "+kv.k.Value)
		if err != nil {
			return nil, err
		}
		switch kv.k.Value {
		case "q":
			d.Q, hasQ = unescape(strings.Trim(s, " ")), true
		case "r":
			if s != "null_response" {
				d.R, d.NoResponse = unescape(strings.Trim(s, " ")), false
			}
		default:
			return nil, errAt(file, kv.k, "unknown key %q in a %s (expected q, r)", kv.k.Value, what)
		}
	}
	if !hasQ {
		return nil, errAt(file, n, "a %s needs a query (q)", what)
	}
	if _, err := decodeBytes(d.Q); err != nil {
		return nil, errAt(file, n, "%s q: %v", what, err)
	}
	if !d.NoResponse && what == "dialogue" {
		if _, err := compileDirectives(d.R); err != nil {
			return nil, errAt(file, n, "%s r: %v", what, err)
		}
	}
	return d, nil
}

func parseProperties(file string, n *yaml.Node) ([]*PropertyDef, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "properties must map property names to definitions")
	}
	var out []*PropertyDef
	for _, kv := range pairs(n) {
		p, err := parseProperty(file, kv.k, kv.v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parseProperty(file string, k, n *yaml.Node) (*PropertyDef, error) {
	name := k.Value
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "property %q must be a mapping", name)
	}
	p := &PropertyDef{Name: name, Line: k.Line}
	for _, kv := range pairs(n) {
		var err error
		switch kv.k.Value {
		case "default":
			p.Default, err = scalar(file, kv.v, "default")
		case "getter":
			p.Getter, err = parseDialogue(file, kv.v, "getter")
			if err == nil && p.Getter.NoResponse {
				err = errAt(file, kv.v, "the getter of property %q needs a response format (r)", name)
			}
			if err == nil {
				if err = checkTemplate(p.Getter.R); err != nil {
					err = errAt(file, kv.v, "getter r of property %q: %v", name, err)
				}
			}
		case "setter":
			p.Setter, err = parseSetter(file, name, kv.v)
		case "specs":
			p.Specs, err = parseSpecs(file, name, kv.v)
		default:
			err = errAt(file, kv.k, "unknown key %q in property %q (expected default, getter, setter, specs)", kv.k.Value, name)
		}
		if err != nil {
			return nil, err
		}
	}
	if _, err := p.Specs.validate(name, p.Default); err != nil {
		return nil, errAt(file, k, "default of property %q: %v", name, err)
	}
	return p, nil
}

func parseSetter(file, prop string, n *yaml.Node) (*Setter, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "the setter of property %q must be a mapping {q, r, e}", prop)
	}
	s := &Setter{}
	hasQ := false
	for _, kv := range pairs(n) {
		v, err := scalar(file, kv.v, "setter "+kv.k.Value)
		if err != nil {
			return nil, err
		}
		v = strings.Trim(v, " ")
		switch kv.k.Value {
		case "q":
			s.Q, hasQ = unescape(v), true
		case "r":
			if v != "null_response" {
				s.R, s.HasR = unescape(v), true
			}
		case "e":
			if v != "null_response" {
				s.E, s.HasE = unescape(v), true
			}
		default:
			return nil, errAt(file, kv.k, "unknown key %q in the setter of property %q (expected q, r, e)", kv.k.Value, prop)
		}
	}
	if !hasQ {
		return nil, errAt(file, n, "the setter of property %q needs a query pattern (q)", prop)
	}
	p, err := compileSetter(s.Q)
	if err != nil {
		return nil, errAt(file, n, "setter q of property %q: %v", prop, err)
	}
	s.parser = p
	return s, nil
}

func parseSpecs(file, prop string, n *yaml.Node) (*Specs, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "specs of property %q must be a mapping", prop)
	}
	sp := &Specs{}
	hasType := false
	var minN, maxN *yaml.Node
	for _, kv := range pairs(n) {
		switch kv.k.Value {
		case "type":
			hasType = true
			sp.Type = kv.v.Value
			if sp.Type != "float" && sp.Type != "int" && sp.Type != "str" {
				return nil, errAt(file, kv.v, "invalid type %q for property %q: valid types are int, float, str", sp.Type, prop)
			}
		case "min":
			minN = kv.v
		case "max":
			maxN = kv.v
		case "valid":
			vs, err := stringList(file, kv.v)
			if err != nil {
				return nil, err
			}
			sp.Valid = vs
		default:
			return nil, errAt(file, kv.k, "unknown key %q in specs of property %q (expected type, min, max, valid)", kv.k.Value, prop)
		}
	}
	if !hasType {
		return nil, errAt(file, n, "specs of property %q give no type (int, float or str)", prop)
	}
	for _, b := range []struct {
		n   *yaml.Node
		dst **float64
	}{{minN, &sp.Min}, {maxN, &sp.Max}} {
		if b.n == nil {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(b.n.Value), 64)
		if err != nil {
			return nil, errAt(file, b.n, "%q is not a number (property %q)", b.n.Value, prop)
		}
		*b.dst = &f
	}
	for _, v := range sp.Valid {
		if _, err := (&Specs{Type: sp.Type}).validate(prop, v); err != nil {
			return nil, errAt(file, n, "valid value of property %q: %v", prop, err)
		}
	}
	return sp, nil
}

func parseChannels(file string, n *yaml.Node) ([]*ChannelDef, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "channels must map channel names to definitions")
	}
	var out []*ChannelDef
	for _, kv := range pairs(n) {
		if kv.v.Kind != yaml.MappingNode {
			return nil, errAt(file, kv.v, "channel %q must be a mapping", kv.k.Value)
		}
		c := &ChannelDef{Name: kv.k.Value, CanSelect: true, Line: kv.k.Line}
		for _, p := range pairs(kv.v) {
			var err error
			switch p.k.Value {
			case "ids":
				c.IDs, err = stringList(file, p.v)
			case "can_select":
				c.CanSelect = !(p.v.Value == "False" || p.v.Value == "false" || p.v.Value == "no")
			case "dialogues":
				c.Dialogues, err = parseDialogues(file, p.v)
			case "properties":
				c.Properties, err = parseProperties(file, p.v)
			default:
				err = errAt(file, p.k, "unknown key %q in channel %q (expected ids, can_select, dialogues, properties)", p.k.Value, c.Name)
			}
			if err != nil {
				return nil, err
			}
		}
		if len(c.IDs) == 0 {
			return nil, errAt(file, kv.k, "channel %q lists no ids", c.Name)
		}
		out = append(out, c)
	}
	return out, nil
}

func parseErrorDef(file string, e *ErrorDef, n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		e.Response = map[string]string{"command_error": unescape(n.Value), "query_error": unescape(n.Value)}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return errAt(file, n, "error must be a string or a mapping with response, status_register, error_queue")
	}
	for _, kv := range pairs(n) {
		switch kv.k.Value {
		case "response":
			if kv.v.Kind != yaml.MappingNode {
				return errAt(file, kv.v, "error response must be a mapping {command_error, query_error}")
			}
			e.Response = map[string]string{}
			for _, r := range pairs(kv.v) {
				if r.k.Value != "command_error" && r.k.Value != "query_error" {
					return errAt(file, r.k, "unknown error kind %q (expected command_error, query_error)", r.k.Value)
				}
				s, err := scalar(file, r.v, r.k.Value)
				if err != nil {
					return err
				}
				e.Response[r.k.Value] = unescape(s)
			}
		case "status_register":
			if kv.v.Kind != yaml.SequenceNode {
				return errAt(file, kv.v, "status_register must be a list of {q, command_error, query_error}")
			}
			for _, item := range kv.v.Content {
				if item.Kind != yaml.MappingNode {
					return errAt(file, item, "a status register must be a mapping {q, command_error: bits, query_error: bits}")
				}
				r := RegisterDef{Bits: map[string]int{}}
				for _, p := range pairs(item) {
					if p.k.Value == "q" {
						r.Q = unescape(p.v.Value)
						continue
					}
					b, err := strconv.ParseInt(strings.TrimSpace(p.v.Value), 0, 32)
					if err != nil || b < 0 {
						return errAt(file, p.v, "status register bits for %q must be a non-negative integer, not %q", p.k.Value, p.v.Value)
					}
					r.Bits[p.k.Value] = int(b)
				}
				if r.Q == "" {
					return errAt(file, item, "a status register needs its query (q)")
				}
				e.Registers = append(e.Registers, r)
			}
		case "error_queue":
			if kv.v.Kind != yaml.SequenceNode {
				return errAt(file, kv.v, "error_queue must be a list of {q, default, command_error, ...}")
			}
			for _, item := range kv.v.Content {
				if item.Kind != yaml.MappingNode {
					return errAt(file, item, "an error queue must be a mapping {q, default, command_error, query_error}")
				}
				q := QueueDef{Msgs: map[string]string{}}
				hasDefault := false
				for _, p := range pairs(item) {
					s, err := scalar(file, p.v, p.k.Value)
					if err != nil {
						return err
					}
					switch p.k.Value {
					case "q":
						q.Q = unescape(s)
					case "default":
						q.Default, hasDefault = unescape(s), true
					case "strict":
					default:
						q.Msgs[p.k.Value] = unescape(s)
					}
				}
				if q.Q == "" || !hasDefault {
					return errAt(file, item, "an error queue needs its query (q) and a default response")
				}
				e.Queues = append(e.Queues, q)
			}
		default:
			return errAt(file, kv.k, "unknown key %q in error (expected response, status_register, error_queue)", kv.k.Value)
		}
	}
	return nil
}
