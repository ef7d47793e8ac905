package sim

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxBlockValues bounds the elements of a block response built from a
// template.
const maxBlockValues = 1 << 22

// lookup resolves a template variable: captured arguments first, then the
// state variables, then the device's properties.
func (d *Device) lookup(caps map[string]value) func(string) (value, bool) {
	var look func(string) (value, bool)
	look = func(name string) (value, bool) {
		if base, idx, ok := splitIndex(name); ok {
			iv, ok := look(idx)
			if !ok {
				return value{}, false
			}
			name = base + iv.String()
		}
		if v, ok := caps[name]; ok {
			return v, true
		}
		if v, ok := d.vars[name]; ok {
			return v, true
		}
		if p, ok := d.props[name]; ok {
			return p.val, true
		}
		return value{}, false
	}
	return look
}

// command runs the first govisa command whose pattern and conditions fit.
func (d *Device) command(st *State, u string) (Response, bool, error) {
	cmd := parseUnit(u)
	var argErr *Error
	for _, c := range d.def.Ext.Commands {
		caps := map[string]value{}
		if !c.pat.matchHeader(cmd.Header, caps) {
			continue
		}
		if e := c.pat.matchArgs(cmd.Args, caps); e != nil {
			if argErr == nil {
				argErr = e
			}
			continue
		}
		look := d.lookup(caps)
		if !d.when(c, look) {
			continue
		}
		resp, err := d.run(st, c, caps, look)
		return resp, true, err
	}
	if argErr != nil {
		return nil, true, argErr
	}
	return nil, false, nil
}

func (d *Device) when(c *CommandDef, look func(string) (value, bool)) bool {
	for _, kv := range c.When {
		v, ok := look(kv.Key)
		if !ok || !sameValue(v, kv.Value) {
			return false
		}
	}
	return true
}

// sameValue compares a variable with a condition: as numbers when both are
// numbers, otherwise as case-insensitive text.
func sameValue(v value, want string) bool {
	if a, ok := v.float(); ok {
		if b, err := strconv.ParseFloat(strings.TrimSpace(want), 64); err == nil {
			return a == b
		}
	}
	return strings.EqualFold(v.String(), want)
}

func (d *Device) run(st *State, c *CommandDef, caps map[string]value, look func(string) (value, bool)) (Response, error) {
	if c.Error != nil {
		return nil, c.Error
	}
	if err := d.assign(c.Set, c.setT, look); err != nil {
		return nil, err
	}
	for _, a := range c.Do {
		d.schedule(st, a, caps)
	}
	if c.Delay > 0 {
		st.SetResponseDelay(c.Delay)
	}
	switch {
	case c.HasR:
		s, err := expandTemplate(c.rT, look)
		if err != nil {
			return nil, &Error{-300, "Device-specific error;" + err.Error()}
		}
		return Text(s), nil
	case c.Block != nil:
		data, err := d.blockData(c.Block, c.blockT, look)
		if err != nil {
			return nil, err
		}
		return Block(Text(string(data))), nil
	}
	return nil, nil
}

// assign evaluates set templates and stores the results; a property is
// validated against its specs (-222 when out of range).
func (d *Device) assign(kvs []KV, ts [][]segment, look func(string) (value, bool)) error {
	vals := make([]string, len(kvs))
	for i := range kvs {
		s, err := expandTemplate(ts[i], look)
		if err != nil {
			return &Error{-300, "Device-specific error;" + err.Error()}
		}
		vals[i] = s
	}
	for i, kv := range kvs {
		key := kv.Key
		if base, idx, ok := splitIndex(key); ok {
			iv, ok := look(idx)
			if !ok {
				return &Error{-300, "Device-specific error;unknown index " + idx}
			}
			key = base + iv.String()
			if _, declared := d.vars[key]; !declared {
				if _, prop := d.props[key]; !prop {
					return ErrDataOutOfRange // e.g. a channel that does not exist
				}
			}
		}
		if p, ok := d.props[key]; ok {
			v, err := p.def.Specs.validate(p.def.Name, vals[i])
			if err != nil {
				return ErrDataOutOfRange
			}
			p.val = v
			continue
		}
		d.vars[key] = strValue(vals[i])
	}
	return nil
}

func (d *Device) blockData(b *BlockDef, t []segment, look func(string) (value, bool)) ([]byte, error) {
	s, err := expandTemplate(t, look)
	if err != nil {
		return nil, &Error{-300, "Device-specific error;" + err.Error()}
	}
	if b.Data != "" {
		return []byte(s), nil
	}
	var order binary.ByteOrder = binary.BigEndian
	if b.Little {
		order = binary.LittleEndian
	}
	size := blockTypes[b.Type]
	var out []byte
	n := 0
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if n++; n > maxBlockValues {
			return nil, ErrTooMuchData
		}
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, &Error{-300, "Device-specific error;block value " + strconv.Quote(f) + " is not a number"}
		}
		var buf [8]byte
		switch b.Type {
		case "uint8", "int8":
			buf[0] = byte(int64(x))
		case "int16", "uint16":
			order.PutUint16(buf[:], uint16(int64(x)))
		case "int32", "uint32":
			order.PutUint32(buf[:], uint32(int64(x)))
		case "float32":
			order.PutUint32(buf[:], math.Float32bits(float32(x)))
		case "float64":
			order.PutUint64(buf[:], math.Float64bits(x))
		}
		out = append(out, buf[:size]...)
	}
	return out, nil
}

// schedule runs an action now or after its delay.
func (d *Device) schedule(st *State, a *Action, caps map[string]value) {
	if a.After <= 0 {
		d.act(st, a, caps)
		return
	}
	d.tmu.Lock()
	defer d.tmu.Unlock()
	if d.closed {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(a.After, func() {
		d.tmu.Lock()
		_, live := d.timers[t]
		delete(d.timers, t)
		d.tmu.Unlock()
		if live {
			d.Update(func(st *State) { d.act(st, a, caps) })
		}
	})
	d.timers[t] = struct{}{}
}

// act applies an action to the state and the status model.
func (d *Device) act(st *State, a *Action, caps map[string]value) {
	if err := d.assign(a.Set, a.setT, d.lookup(caps)); err != nil {
		if e, ok := err.(*Error); ok {
			st.PushError(*e)
		}
	}
	if a.STBClear != 0 {
		st.ClearDeviceBits(a.STBClear)
	}
	if a.STB != 0 {
		st.SetDeviceBits(a.STB)
	}
	if a.ESR != 0 {
		st.SetESRBits(a.ESR)
	}
	if a.Error != nil {
		st.PushError(*a.Error)
	}
}

func (d *Device) onTrigger(st *State) {
	if d.def.Ext == nil {
		return
	}
	for _, a := range d.def.Ext.OnTrigger {
		d.schedule(st, a, nil)
	}
}

func (d *Device) onClear(st *State) {
	if d.def.Ext == nil {
		return
	}
	for _, a := range d.def.Ext.OnClear {
		d.schedule(st, a, nil)
	}
}

// onReset is *RST for devices with govisa keys: state variables and
// properties (channel ones too) go back to their initial values, as an
// instrument's settings do. pyvisa-sim has no *RST, so devices without
// govisa keys keep their values.
func (d *Device) onReset(*State) {
	if d.def.Ext == nil {
		return
	}
	for _, kv := range d.def.Ext.State {
		d.vars[kv.Key] = strValue(kv.Value)
	}
	for _, p := range d.propList {
		if v, err := p.def.Specs.validate(p.def.Name, p.def.Default); err == nil {
			p.val = v
		}
	}
	for _, c := range d.chans {
		for _, p := range c.propList {
			if v, err := p.def.Specs.validate(p.def.Name, p.def.Default); err == nil {
				for id := range p.vals {
					p.vals[id] = v
				}
			}
		}
	}
}
