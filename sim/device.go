package sim

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Device is a simulated instrument built from a definition file: a
// pyvisa-sim device (dialogues, properties, channels, error handling) on
// top of the IEEE 488.2 engine [Instrument], so every device also has the
// 488.2 status model, the common commands (unless a dialogue answers them),
// device clear, trigger and service requests. It implements
// transport.Device and is safe for concurrent use.
type Device struct {
	*Instrument
	def      *DeviceDef
	resource string
	eom      EOM
	framing  string

	// Everything below is used with the Instrument locked (hooks) or under
	// tmu (timers).
	dialogues map[string]directiveTemplate
	getters   map[string]*propState
	props     map[string]*propState
	propList  []*propState
	regs      []*regState
	queues    []*queueState
	chans     []*chanState
	errResp   map[string]directiveTemplate
	queryErr  bool
	vars      map[string]value

	tmu    sync.Mutex
	timers map[*time.Timer]struct{}
	closed bool
}

type propState struct {
	def  *PropertyDef
	val  value
	getR []segment
}

type regState struct {
	def RegisterDef
	val int
}

type queueState struct {
	def QueueDef
	q   []string
}

type chanState struct {
	def       *ChannelDef
	ids       []string
	dialogues map[string]directiveTemplate // q with ch_id filled in (can_select)
	getters   map[string]chanGetter
	props     map[string]*chanProp
	propList  []*chanProp
	selected  string
}

type chanGetter struct {
	p  *chanProp
	id string
}

type chanProp struct {
	def  *PropertyDef
	vals map[string]value
	getR []segment
}

// NewDevice instantiates def for one resource. The resource name selects
// the pyvisa-sim eom pair (by interface type and class; LF when the file
// gives none). Options apply to the underlying Instrument.
func NewDevice(def *DeviceDef, resource string, opts ...Option) (*Device, error) {
	return newDevice(def, resource, nil, opts)
}

// NewDevice instantiates the resource's device with its own state (and
// its channel_ids).
func (r *ResourceDef) NewDevice(opts ...Option) (*Device, error) {
	return newDevice(r.Device, r.Name, r.ChannelIDs, opts)
}

func newDevice(def *DeviceDef, resource string, channelIDs map[string][]string, opts []Option) (*Device, error) {
	iface, class, err := resourceKind(resource)
	if err != nil {
		return nil, fmt.Errorf("%w: resource %q: %v", ErrDefinition, resource, err)
	}
	d := &Device{
		def: def, resource: resource,
		dialogues: map[string]directiveTemplate{},
		getters:   map[string]*propState{},
		props:     map[string]*propState{},
		errResp:   map[string]directiveTemplate{},
		vars:      map[string]value{},
		timers:    map[*time.Timer]struct{}{},
	}
	eom, ok := def.EOM[iface+" "+class]
	if !ok {
		eom = EOM{Q: "\n", R: "\n"} // pyvisa-sim's fallback (it warns)
	}
	d.eom = eom
	if err := d.compile(channelIDs); err != nil {
		return nil, err
	}
	identity := "govisa,Simulated " + def.Name + ",0," + Version
	framing := "pyvisa"
	builtin := ""
	if def.Ext != nil {
		builtin = def.Ext.Builtin
		if builtin == BuiltinTestInstrument {
			identity, framing = "govisa,Test Instrument,0,"+Version, "ieee488.2"
		}
		if def.Ext.Identity != "" {
			identity = def.Ext.Identity
		}
		if def.Ext.Framing != "" {
			framing = def.Ext.Framing
		}
	}
	base := []Option{WithIdentity(identity), WithDelimiter(def.Delimiter), WithHooks(Hooks{
		Unit: d.unit, Undefined: d.undefined, Trigger: d.onTrigger, Clear: d.onClear, Reset: d.onReset,
	})}
	if q := eom.Q; q != "" {
		base = append(base, WithMessageTerminator(q[len(q)-1]))
	}
	if framing == "pyvisa" {
		base = append(base, WithResponseTerminator(eom.R), WithAccumulatedOutput(true))
	}
	d.framing = framing
	if builtin == BuiltinTestInstrument {
		d.Instrument = NewTestInstrument(append(base, opts...)...).Instrument
	} else {
		d.Instrument = NewInstrument(append(base, opts...)...)
	}
	return d, nil
}

// compile prepares the lookup tables of a new device.
func (d *Device) compile(channelIDs map[string][]string) error {
	for _, dl := range d.def.Dialogues {
		q, err := decodeBytes(dl.Q)
		if err != nil {
			return d.errf(dl.Line, "dialogue q: %v", err)
		}
		if _, dup := d.dialogues[q]; dup {
			continue // the first definition wins (the device's own over its bases')
		}
		t := directiveTemplate{}
		if !dl.NoResponse {
			if t, err = compileDirectives(dl.R); err != nil {
				return d.errf(dl.Line, "dialogue r: %v", err)
			}
		} else {
			t.segs = []segment{} // marks "no response"
		}
		d.dialogues[q] = t
	}
	for _, p := range d.def.Properties {
		ps, err := d.newProp(p)
		if err != nil {
			return err
		}
		d.props[p.Name] = ps
		d.propList = append(d.propList, ps)
		if p.Getter != nil {
			q, _ := decodeBytes(p.Getter.Q)
			d.getters[q] = ps
		}
	}
	for k, r := range d.def.Error.Response {
		t, err := compileDirectives(r)
		if err != nil {
			return d.errf(d.def.Line, "error %s: %v", k, err)
		}
		d.errResp[k] = t
	}
	_, d.queryErr = d.def.Error.Response["query_error"]
	for _, r := range d.def.Error.Registers {
		d.regs = append(d.regs, &regState{def: r})
		if _, ok := r.Bits["query_error"]; ok {
			d.queryErr = true
		}
	}
	for _, q := range d.def.Error.Queues {
		d.queues = append(d.queues, &queueState{def: q})
		if _, ok := q.Msgs["query_error"]; ok {
			d.queryErr = true
		}
	}
	for _, c := range d.def.Channels {
		cs, err := d.newChannel(c, channelIDs[c.Name])
		if err != nil {
			return err
		}
		d.chans = append(d.chans, cs)
	}
	if d.def.Ext != nil {
		for _, kv := range d.def.Ext.State {
			d.vars[kv.Key] = strValue(kv.Value)
		}
	}
	return nil
}

func (d *Device) errf(line int, format string, args ...any) error {
	return &DefinitionError{File: d.def.File, Line: line, Msg: fmt.Sprintf("device %q: ", d.def.Name) + fmt.Sprintf(format, args...)}
}

func (d *Device) newProp(p *PropertyDef) (*propState, error) {
	v, err := p.Specs.validate(p.Name, p.Default)
	if err != nil {
		return nil, d.errf(p.Line, "property %q: %v", p.Name, err)
	}
	ps := &propState{def: p, val: v}
	if p.Getter != nil {
		if ps.getR, err = parseTemplate(p.Getter.R); err != nil {
			return nil, d.errf(p.Line, "property %q getter: %v", p.Name, err)
		}
	}
	return ps, nil
}

func (d *Device) newChannel(c *ChannelDef, ids []string) (*chanState, error) {
	if len(ids) == 0 {
		ids = c.IDs
	}
	cs := &chanState{def: c, ids: ids, dialogues: map[string]directiveTemplate{}, getters: map[string]chanGetter{}, props: map[string]*chanProp{}}
	fill := func(q, id string) string { return strings.ReplaceAll(q, "{ch_id}", id) }
	for _, p := range c.Properties {
		v, err := p.Specs.validate(p.Name, p.Default)
		if err != nil {
			return nil, d.errf(p.Line, "channel %q property %q: %v", c.Name, p.Name, err)
		}
		cp := &chanProp{def: p, vals: map[string]value{}}
		for _, id := range ids {
			cp.vals[id] = v
		}
		if p.Getter != nil {
			if cp.getR, err = parseTemplate(p.Getter.R); err != nil {
				return nil, d.errf(p.Line, "channel %q property %q getter: %v", c.Name, p.Name, err)
			}
			q, _ := decodeBytes(p.Getter.Q)
			if c.CanSelect {
				for _, id := range ids {
					cs.getters[fill(q, id)] = chanGetter{cp, id}
				}
			} else {
				cs.getters[q] = chanGetter{cp, ""}
			}
		}
		cs.props[p.Name] = cp
		cs.propList = append(cs.propList, cp)
	}
	for _, dl := range c.Dialogues {
		q, err := decodeBytes(dl.Q)
		if err != nil {
			return nil, d.errf(dl.Line, "channel %q dialogue: %v", c.Name, err)
		}
		t := directiveTemplate{segs: []segment{}}
		if !dl.NoResponse {
			if t, err = compileDirectives(dl.R); err != nil {
				return nil, d.errf(dl.Line, "channel %q dialogue: %v", c.Name, err)
			}
		}
		if c.CanSelect {
			for _, id := range ids {
				cs.dialogues[fill(q, id)] = t
			}
		} else {
			cs.dialogues[q] = t
		}
	}
	return cs, nil
}

// Resource returns the resource name the device was made for.
func (d *Device) Resource() string { return d.resource }

// Framing returns "pyvisa" (each response followed by the r eom, unread
// output accumulates, commands may answer) or "ieee488.2" (IEEE 488.2
// message exchange: only queries answer, one response message per program
// message).
func (d *Device) Framing() string { return d.framing }

// Definition returns the device's definition.
func (d *Device) Definition() *DeviceDef { return d.def }

// EOM returns the query and response terminators in effect for the
// device's interface type.
func (d *Device) EOM() EOM { return d.eom }

// Close stops the timers of pending delayed actions. The device stays
// usable; Close only makes sure nothing fires later.
func (d *Device) Close() error {
	d.tmu.Lock()
	defer d.tmu.Unlock()
	d.closed = true
	for t := range d.timers {
		t.Stop()
	}
	clear(d.timers)
	return nil
}

// dialogueResponse turns a compiled dialogue into a Response (nil: none).
func dialogueResponse(t directiveTemplate) Response {
	if t.segs != nil && len(t.segs) == 0 {
		return nil
	}
	return Text(t.expand())
}

// unit is the Instrument hook: the pyvisa-sim match order (dialogues,
// getters, status registers, error queues, setters, channels), then the
// govisa commands.
func (d *Device) unit(st *State, u string) (Response, bool, error) {
	if t, ok := d.dialogues[u]; ok {
		return dialogueResponse(t), true, nil
	}
	if p, ok := d.getters[u]; ok {
		s, err := formatSegs(p.getR, p.val)
		return Text(s), true, err
	}
	for _, r := range d.regs {
		if r.def.Q == u {
			v := r.val
			r.val = 0
			return Text(fmt.Sprint(v)), true, nil
		}
	}
	for _, q := range d.queues {
		if q.def.Q == u {
			if len(q.q) == 0 {
				return Text(q.def.Default), true, nil
			}
			e := q.q[0]
			q.q = q.q[1:]
			return Text(e), true, nil
		}
	}
	for _, p := range d.propList {
		if resp, ok := d.trySetter(st, p.def, u, func(v value, _ map[string]string) { p.val = v }); ok {
			return resp, true, nil
		}
	}
	for _, c := range d.chans {
		if resp, ok := d.matchChannel(st, c, u); ok {
			return resp, true, nil
		}
	}
	if d.def.Ext != nil {
		return d.command(st, u)
	}
	return nil, false, nil
}

// trySetter applies a setter; ok=false when the message does not fit it
// (or the value is invalid and the setter has no error response, in which
// case pyvisa-sim moves on to the next setter).
func (d *Device) trySetter(st *State, p *PropertyDef, u string, set func(value, map[string]string)) (Response, bool) {
	if p.Setter == nil {
		return nil, false
	}
	fields := p.Setter.parser.match(u)
	if fields == nil {
		return nil, false
	}
	raw, ok := fields["0"]
	if !ok {
		for k, v := range fields {
			if k != "ch_id" {
				raw = v
				break
			}
		}
	}
	v, err := p.Specs.validate(p.Name, raw)
	if err != nil {
		st.PushError(*ErrDataOutOfRange)
		if p.Setter.HasE {
			return Text(p.Setter.E), true
		}
		return nil, false
	}
	set(v, fields)
	if p.Setter.HasR {
		return Text(p.Setter.R), true
	}
	return nil, true
}

func (d *Device) matchChannel(st *State, c *chanState, u string) (Response, bool) {
	if !c.def.CanSelect {
		sel, ok := d.props["selected_channel"]
		if !ok || !contains(c.ids, sel.val.String()) {
			return nil, false
		}
		c.selected = sel.val.String()
	}
	if t, ok := c.dialogues[u]; ok {
		return dialogueResponse(t), true
	}
	if g, ok := c.getters[u]; ok {
		id := g.id
		if id == "" {
			id = c.selected
		}
		s, err := formatSegs(g.p.getR, g.p.vals[id])
		if err != nil {
			st.PushError(Error{-300, "Device-specific error;" + err.Error()})
			return nil, true
		}
		return Text(s), true
	}
	for _, p := range c.propList {
		resp, ok := d.trySetter(st, p.def, u, func(v value, fields map[string]string) {
			id := c.selected
			if c.def.CanSelect {
				if f, ok := fields["ch_id"]; ok {
					id = f
				}
			}
			if contains(c.ids, id) {
				p.vals[id] = v
			}
		})
		if ok {
			return resp, true
		}
	}
	return nil, false
}

func formatSegs(segs []segment, v value) (string, error) {
	var sb strings.Builder
	for _, s := range segs {
		if !s.field {
			sb.WriteString(s.lit)
			continue
		}
		var out string
		var err error
		if isDirective(s.name) {
			out, err = expandDirective(s.name, s.spec, nil)
		} else {
			out, err = pyFormat(s.spec, v)
		}
		if err != nil {
			return "", err
		}
		sb.WriteString(out)
	}
	return sb.String(), nil
}

// undefined is pyvisa-sim's error_response: status register bits, error
// queue entries and the error response string.
func (d *Device) undefined(st *State, u string) Response {
	key := "command_error"
	if d.queryErr && strings.HasSuffix(u, "?") {
		key = "query_error"
	}
	for _, r := range d.regs {
		r.val |= r.def.Bits[key]
	}
	for _, q := range d.queues {
		if m, ok := q.def.Msgs[key]; ok {
			q.q = append(q.q, m)
		}
	}
	if t, ok := d.errResp[key]; ok {
		return Text(t.expand())
	}
	return nil
}
