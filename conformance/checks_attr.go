package conformance

import (
	"context"
	"errors"
	"fmt"

	"github.com/govisa/govisa/visa"
)

var attrChecks = []Check{
	{Name: "attr/defaults", Doc: "a fresh viOpen session has VISA's default attribute values (timeout 2000 ms, termination character LF disabled, END sent, unlocked, interface type and class of the name)", run: checkAttrDefaults},
	{Name: "attr/read-only", Doc: "setting a read-only attribute answers VI_ERROR_ATTR_READONLY and leaves it unchanged", run: checkAttrReadOnly},
	{Name: "attr/unsupported", Doc: "attributes of other interfaces and unknown ids answer VI_ERROR_NSUP_ATTR; invalid values answer VI_ERROR_NSUP_ATTR_STATE", run: checkAttrUnsupported},
	{Name: "attr/round-trip", Doc: "writable attributes read back what was set, per session", run: checkAttrRoundTrip},
}

// defaultAttrs are the attributes whose defaults VPP-4.3 fixes for every
// message-based session.
var defaultAttrs = []visa.Attr{
	visa.VI_ATTR_TMO_VALUE, visa.VI_ATTR_TERMCHAR, visa.VI_ATTR_TERMCHAR_EN, visa.VI_ATTR_SEND_END_EN,
	visa.VI_ATTR_RSRC_LOCK_STATE, visa.VI_ATTR_MAX_QUEUE_LENGTH,
}

func checkAttrDefaults(ctx context.Context, e *Env) error {
	// A level-2 open, so that no frontend option changes anything.
	lib := e.cfg.RM.Library()
	s, err := lib.Open(ctx, e.cfg.RM.Session(), e.cfg.Resource, visa.VI_NO_LOCK, 0)
	if err != nil {
		return fmt.Errorf("viOpen: %w", err)
	}
	defer lib.Close(s)
	for _, id := range defaultAttrs {
		want, applies := visa.DefaultAttr(id, e.prof.Interface, e.prof.Class)
		if !applies {
			continue
		}
		got, err := lib.GetAttribute(s, id)
		if err != nil {
			return fmt.Errorf("%v: %w", id, err)
		}
		if got != want {
			return fmt.Errorf("%v is %v (%T), VISA's default is %v", id, got, got, want)
		}
	}
	if v, err := lib.GetAttribute(s, visa.VI_ATTR_INTF_TYPE); err != nil || v != uint16(e.prof.Interface) {
		return fmt.Errorf("VI_ATTR_INTF_TYPE is %v (%v), want %d", v, err, e.prof.Interface)
	}
	if v, err := lib.GetAttribute(s, visa.VI_ATTR_RSRC_CLASS); err != nil || v != string(e.prof.Class) {
		return fmt.Errorf("VI_ATTR_RSRC_CLASS is %v (%v), want %s", v, err, e.prof.Class)
	}
	return nil
}

func checkAttrReadOnly(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		id visa.Attr
		v  any
	}{
		{visa.VI_ATTR_RSRC_NAME, "TCPIP::elsewhere::INSTR"},
		{visa.VI_ATTR_INTF_TYPE, uint16(visa.VI_INTF_GPIB)},
		{visa.VI_ATTR_RSRC_LOCK_STATE, uint32(visa.VI_EXCLUSIVE_LOCK)},
		{visa.VI_ATTR_RSRC_SPEC_VERSION, uint32(1)},
	} {
		before, err := r.GetAttribute(c.id)
		if err != nil {
			return fmt.Errorf("%v: %w", c.id, err)
		}
		if err := r.SetAttribute(c.id, c.v); !errors.Is(err, visa.ErrAttrReadOnly) {
			return fmt.Errorf("setting read-only %v: got %v, want VI_ERROR_ATTR_READONLY", c.id, err)
		}
		if after, _ := r.GetAttribute(c.id); after != before {
			return fmt.Errorf("read-only %v changed from %v to %v", c.id, before, after)
		}
	}
	return nil
}

func checkAttrUnsupported(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	// An attribute of another interface type.
	foreign := visa.VI_ATTR_GPIB_PRIMARY_ADDR
	if e.prof.Interface == visa.VI_INTF_GPIB {
		foreign = visa.VI_ATTR_TCPIP_PORT
	}
	if _, err := r.GetAttribute(foreign); !errors.Is(err, visa.ErrAttrNotSupp) {
		return fmt.Errorf("getting %v on a %s session: got %v, want VI_ERROR_NSUP_ATTR", foreign, e.prof.Interface, err)
	}
	const unknown = visa.Attr(0x3FFF7F01)
	if _, err := r.GetAttribute(unknown); !errors.Is(err, visa.ErrAttrNotSupp) {
		return fmt.Errorf("getting unknown attribute %v: got %v, want VI_ERROR_NSUP_ATTR", unknown, err)
	}
	if err := r.SetAttribute(unknown, uint32(1)); !errors.Is(err, visa.ErrAttrNotSupp) {
		return fmt.Errorf("setting unknown attribute %v: got %v, want VI_ERROR_NSUP_ATTR", unknown, err)
	}
	// VI_ATTR_MAX_QUEUE_LENGTH must be at least 1.
	if err := r.SetAttribute(visa.VI_ATTR_MAX_QUEUE_LENGTH, uint32(0)); !errors.Is(err, visa.ErrAttrState) {
		return fmt.Errorf("setting VI_ATTR_MAX_QUEUE_LENGTH to 0: got %v, want VI_ERROR_NSUP_ATTR_STATE", err)
	}
	return nil
}

func checkAttrRoundTrip(ctx context.Context, e *Env) error {
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	b, err := e.open(ctx)
	if err != nil {
		return err
	}
	sets := []struct {
		id visa.Attr
		v  any
	}{
		{visa.VI_ATTR_TMO_VALUE, uint32(1234)},
		{visa.VI_ATTR_TERMCHAR, uint8('X')},
		{visa.VI_ATTR_TERMCHAR_EN, true},
		{visa.VI_ATTR_SEND_END_EN, false},
	}
	before := map[visa.Attr]any{}
	for _, c := range sets {
		before[c.id], _ = b.GetAttribute(c.id)
		if err := a.SetAttribute(c.id, c.v); err != nil {
			return fmt.Errorf("set %v = %v: %w", c.id, c.v, err)
		}
		got, err := a.GetAttribute(c.id)
		if err != nil {
			return fmt.Errorf("get %v: %w", c.id, err)
		}
		if got != c.v {
			return fmt.Errorf("%v reads back %v (%T) after setting %v (%T)", c.id, got, got, c.v, c.v)
		}
	}
	for _, c := range sets {
		if got, _ := b.GetAttribute(c.id); got != before[c.id] {
			return fmt.Errorf("setting local %v on one session changed another session's value to %v", c.id, got)
		}
	}
	return nil
}
