//go:build linux

package linuxgpib

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

func TestInstrAttrs(t *testing.T) {
	r := newRig(t)
	i5, _ := r.b.Instrument(5, -1)
	i7, _ := r.b.Instrument(7, 3)
	gets := []struct {
		in   *Instr
		id   uint32
		want any
	}{
		{i5, attrPrimaryAddr, uint16(5)},
		{i5, attrSecondaryAddr, uint16(noSecAddr)},
		{i7, attrPrimaryAddr, uint16(7)},
		{i7, attrSecondaryAddr, uint16(3)},
		{i5, attrReaddrEn, true},
		{i5, attrUnaddrEn, false},
		{i5, attrRENState, int16(LineUnasserted)},
		{i5, attrIOProt, uint16(protNormal)},
	}
	for _, g := range gets {
		v, ok := g.in.Attr(g.id)
		if !ok || v != g.want {
			t.Errorf("Attr(%#x) = %v %v, want %v", g.id, v, ok, g.want)
		}
	}
	if _, ok := i5.Attr(attrATNState); ok {
		t.Error("an INTFC attribute answered on INSTR")
	}
	sets := []struct {
		in   *Instr
		id   uint32
		v    any
		want error // nil: accepted
	}{
		{i5, attrPrimaryAddr, uint16(5), nil},
		{i5, attrPrimaryAddr, uint16(6), ErrReadOnly},
		{i7, attrSecondaryAddr, uint16(3), nil},
		{i7, attrSecondaryAddr, uint16(noSecAddr), ErrReadOnly},
		{i5, attrSecondaryAddr, uint16(noSecAddr), nil},
		{i5, attrRENState, int16(1), ErrReadOnly},
		{i5, attrIOProt, uint16(protNormal), nil},
		{i5, attrIOProt, uint16(3), ErrAttrValue}, // VI_PROT_HS488
		{i5, attrReaddrEn, "yes", ErrAttrValue},
		{i5, 0x3FFF0018, uint8('\r'), transport.ErrNotSupported}, // VI_ATTR_TERMCHAR: store only
		{i5, 0x3FFF0018, "x", transport.ErrNotSupported},
	}
	for _, s := range sets {
		err := s.in.SetAttr(s.id, s.v)
		if (s.want == nil) != (err == nil) || (s.want != nil && !errors.Is(err, s.want)) {
			t.Errorf("SetAttr(%#x, %v) = %v, want %v", s.id, s.v, err, s.want)
		}
	}
	for _, v := range []any{false, true} {
		if err := i5.SetAttr(attrUnaddrEn, v); err != nil {
			t.Fatal(err)
		}
		if got, _ := i5.Attr(attrUnaddrEn); got != v {
			t.Errorf("UNADDR_EN %v after setting %v", got, v)
		}
	}
	ctx := ctxT(t, time.Second)
	if err := i5.RemoteLocal(ctx, transport.RENAssert); err != nil {
		t.Fatal(err)
	}
	if v, _ := i5.Attr(attrRENState); v != int16(LineAsserted) {
		t.Errorf("REN state %v after asserting", v)
	}
}

// TestReaddressing: with VI_ATTR_GPIB_READDR_EN false a transfer in the
// same direction to the same device sends no addressing bytes; anything
// else on the bus (another device, another Board on the same bus, a
// serial poll) makes the next transfer address again.
func TestReaddressing(t *testing.T) {
	r := newRig(t)
	i5, _ := r.b.Instrument(5, -1)
	i7, _ := r.b.Instrument(7, 3)
	ctx := ctxT(t, 2*time.Second)
	sent := func(f func()) int {
		t.Helper()
		n := len(r.fake.cmds)
		f()
		return len(r.fake.cmds) - n
	}
	write := func(in *Instr, s string) {
		t.Helper()
		if _, err := in.Write(ctx, []byte(s), true); err != nil {
			t.Fatal(err)
		}
	}
	// Re-addressing on (the default): every write addresses.
	write(i5, "*CLS\n")
	if n := sent(func() { write(i5, "*CLS\n") }); n != 3 {
		t.Fatalf("READDR on: %d command bytes, want 3 (MTA UNL MLA)", n)
	}
	if err := i5.SetAttr(attrReaddrEn, false); err != nil {
		t.Fatal(err)
	}
	if n := sent(func() { write(i5, "*CLS\n") }); n != 0 {
		t.Fatalf("READDR off, already addressed: %d command bytes", n)
	}
	// Another device in between: address again.
	write(i7, "*CLS\n")
	if n := sent(func() { write(i5, "*CLS\n") }); n != 3 {
		t.Fatalf("after another device: %d command bytes, want 3", n)
	}
	// A query: the read turns the device into the talker (addressing
	// needed once), and a second read continues without any.
	var got string
	if n := sent(func() { got, _ = query(t, i5, "*IDN?\n", lineOpt) }); n != 3 {
		t.Fatalf("query: %d command bytes, want 3 (UNL MLA MTA for the read only)", n)
	}
	if !strings.HasPrefix(got, "govisa,Test Instrument") {
		t.Fatalf("reply %q", got)
	}
	// Another Board on the same bus (another session) addresses device 7:
	// this Board must not trust its own record.
	b2, err := r.fake.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	o7, _ := b2.Instrument(7, 3)
	write(o7, "*IDN?\n")
	if n := sent(func() { got, _ = query(t, i5, "*IDN?\n", lineOpt) }); n != 6 {
		t.Fatalf("after another Board: %d command bytes, want 6", n)
	}
	if !strings.HasPrefix(got, "govisa,Test Instrument") {
		t.Fatalf("reply %q went to the wrong device", got)
	}
	// A serial poll leaves the bus differently addressed.
	if _, err := i5.ReadSTB(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sent(func() { write(i5, "*CLS\n") }); n != 3 {
		t.Fatalf("after a serial poll: %d command bytes, want 3", n)
	}
}

func TestUnaddressing(t *testing.T) {
	r := newRig(t)
	i5, _ := r.b.Instrument(5, -1)
	if err := i5.SetAttr(attrUnaddrEn, true); err != nil {
		t.Fatal(err)
	}
	got, _ := query(t, i5, "*IDN?\n", lineOpt)
	if !strings.HasPrefix(got, "govisa,Test Instrument") {
		t.Fatalf("reply %q", got)
	}
	// Write: MTA UNL MLA, UNT UNL; read: UNL MLA MTA, UNT UNL.
	want := []byte{0x40, cmdUNL, 0x25, cmdUNT, cmdUNL, cmdUNL, 0x20, 0x45, cmdUNT, cmdUNL}
	if !bytes.Equal(r.fake.cmds, want) {
		t.Fatalf("command bytes % x, want % x", r.fake.cmds, want)
	}
	if r.fake.talker != [2]int{-1, -1} || len(r.fake.listeners) != 0 {
		t.Fatal("bus still addressed")
	}
	// With unaddressing, READDR off cannot skip anything.
	i5.SetAttr(attrReaddrEn, false)
	n := len(r.fake.cmds)
	query(t, i5, "*IDN?\n", lineOpt)
	if len(r.fake.cmds)-n != len(want) {
		t.Fatalf("%d command bytes, want %d", len(r.fake.cmds)-n, len(want))
	}
}

func TestBoardAttrs(t *testing.T) {
	r := newRig(t)
	b := r.b
	i5, _ := b.Instrument(5, -1)
	ctx := ctxT(t, 2*time.Second)
	get := func(id uint32) any {
		t.Helper()
		v, ok := b.Attr(id)
		if !ok {
			t.Fatalf("Attr(%#x) not answered", id)
		}
		return v
	}
	initial := []struct {
		id   uint32
		want any
	}{
		{attrPrimaryAddr, uint16(0)},
		{attrSecondaryAddr, uint16(noSecAddr)},
		{attrRENState, int16(LineUnasserted)},
		{attrATNState, int16(LineUnasserted)},
		{attrNDACState, int16(LineUnasserted)},
		{attrSRQState, int16(LineUnasserted)},
		{attrCICState, true},
		{attrSysCntrlState, true},
		{attrAddrState, int16(Unaddressed)},
		{attrHS488CblLen, int16(hs488NImpl)},
		{attrDevStatusByte, uint8(0)},
	}
	for _, c := range initial {
		if v := get(c.id); v != c.want {
			t.Errorf("Attr(%#x) = %v (%T), want %v (%T)", c.id, v, v, c.want, c.want)
		}
	}
	if _, ok := b.Attr(attrReaddrEn); ok {
		t.Error("an INSTR attribute answered on INTFC")
	}

	// Line and address states follow the bus.
	if _, err := i5.Write(ctx, []byte("*SRE 1;TEST:SRQ\n"), true); err != nil {
		t.Fatal(err)
	}
	if v := get(attrAddrState); v != int16(Talker) {
		t.Errorf("after a write the board is %v, want talker", v)
	}
	if v := get(attrSRQState); v != int16(LineAsserted) {
		t.Errorf("SRQ %v", v)
	}
	if v := get(attrNDACState); v != int16(LineAsserted) {
		t.Errorf("NDAC %v with a device listening", v)
	}
	i5.Read(ctxT(t, 20*time.Millisecond), make([]byte, 8), lineOpt)
	if v := get(attrAddrState); v != int16(Listener) {
		t.Errorf("after a read the board is %v, want listener", v)
	}
	b.ControlATN(ctx, ATNAssert)
	b.ControlREN(ctx, transport.RENAssert)
	if get(attrATNState) != int16(LineAsserted) || get(attrRENState) != int16(LineAsserted) {
		t.Error("ATN/REN not asserted")
	}

	sets := []struct {
		id   uint32
		v    any
		want error
	}{
		{attrPrimaryAddr, uint16(3), nil},
		{attrPrimaryAddr, uint16(31), ErrAttrValue},
		{attrSecondaryAddr, uint16(2), nil},
		{attrSecondaryAddr, uint16(96), ErrAttrValue},
		{attrSysCntrlState, false, nil},
		{attrDevStatusByte, uint8(0x41), nil},
		{attrDevStatusByte, 300, ErrAttrValue},
		{attrHS488CblLen, int16(hs488NImpl), nil},
		{attrHS488CblLen, int16(5), ErrAttrValue},
		{attrHS488CblLen, int16(0), ErrAttrValue},
		{attrCICState, false, ErrReadOnly},
		{attrNDACState, int16(1), ErrReadOnly},
		{attrPrimaryAddr, "3", ErrAttrValue},
		{0x3FFF0018, uint8('\n'), transport.ErrNotSupported},
	}
	for _, s := range sets {
		err := b.SetAttr(s.id, s.v)
		if (s.want == nil) != (err == nil) || (s.want != nil && !errors.Is(err, s.want)) {
			t.Errorf("SetAttr(%#x, %v) = %v, want %v", s.id, s.v, err, s.want)
		}
	}
	// The driver saw the values, and they read back.
	if r.fake.pad != 3 || r.fake.sad != 2 || r.fake.sysCtrl || r.fake.rsv != 0x41 {
		t.Fatalf("driver state pad %d sad %d sysctrl %v rsv %#x", r.fake.pad, r.fake.sad, r.fake.sysCtrl, r.fake.rsv)
	}
	for _, c := range []struct {
		id   uint32
		want any
	}{{attrPrimaryAddr, uint16(3)}, {attrSecondaryAddr, uint16(2)}, {attrSysCntrlState, false}, {attrDevStatusByte, uint8(0x41)}} {
		if v := get(c.id); v != c.want {
			t.Errorf("Attr(%#x) = %v after set, want %v", c.id, v, c.want)
		}
	}
	// Devices are addressed from the board's new address: MTA(3) MSA(2).
	n := len(r.fake.cmds)
	if _, err := i5.Write(ctx, []byte("*CLS\n"), true); err != nil {
		t.Fatal(err)
	}
	if got := r.fake.cmds[n:]; !bytes.Equal(got, []byte{0x43, 0x62, cmdUNL, 0x25}) {
		t.Fatalf("addressing from the new board address: % x", got)
	}
	if err := b.SetAttr(attrSecondaryAddr, uint16(noSecAddr)); err != nil || r.fake.sad != -1 {
		t.Fatalf("no secondary address: %v, driver %d", err, r.fake.sad)
	}
	// Passing control away: no longer CIC.
	if err := b.PassControl(ctx, 7, 3); err != nil {
		t.Fatal(err)
	}
	if get(attrCICState) != false {
		t.Error("still CIC after passing control")
	}

	// A closed board answers nothing from the driver.
	b.Close()
	if _, ok := b.Attr(attrCICState); ok {
		t.Error("CIC answered on a closed board")
	}
	if v := get(attrRENState); v != int16(LineUnknown) {
		t.Errorf("REN on a closed board %v", v)
	}
	if err := b.SetAttr(attrPrimaryAddr, uint16(4)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("set on a closed board: %v", err)
	}
}

func TestLineState(t *testing.T) {
	cases := []struct {
		bits uint16
		l    BusLine
		want LineState
	}{
		{0, LineREN, LineUnknown},
		{0x1000, LineREN, LineUnknown}, // state without the valid bit
		{0x0010, LineREN, LineUnasserted},
		{0x1010, LineREN, LineAsserted},
		{0x0202, LineNDAC, LineAsserted},
		{0xFFFF &^ 0x8000, LineEOI, LineUnasserted},
	}
	for _, c := range cases {
		if got := lineState(c.bits, c.l); got != c.want {
			t.Errorf("lineState(%#04x, %#x) = %d, want %d", c.bits, c.l, got, c.want)
		}
	}
}

// TestBoardAddressShared: a Board changing the board's own address (an
// INTFC session) is seen by the other Boards of the process on the same
// bus (INSTR sessions), which address devices from the new address.
func TestBoardAddressShared(t *testing.T) {
	r := newRig(t)
	intfc, err := r.fake.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer intfc.Close()
	ctx := ctxT(t, 2*time.Second)
	if err := intfc.SetPrimaryAddress(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if pad, _ := r.b.Address(); pad != 9 {
		t.Fatalf("other Board sees pad %d", pad)
	}
	i5, _ := r.b.Instrument(5, -1)
	got, _ := query(t, i5, "*IDN?\n", lineOpt)
	if !strings.HasPrefix(got, "govisa,Test Instrument") {
		t.Fatalf("reply %q", got)
	}
	if !bytes.Contains(r.fake.cmds, []byte{0x49, cmdUNL, 0x25}) {
		t.Fatalf("not addressed from pad 9: % x", r.fake.cmds)
	}
}

// TestAttrSets: the id sets SetAttr consults are exactly the ids Attr
// answers.
func TestAttrSets(t *testing.T) {
	r := newRig(t)
	i5, _ := r.b.Instrument(5, -1)
	for id := uint32(0x3FFF0000); id < 0x3FFF0200; id++ {
		if _, ok := i5.Attr(id); ok != instrAttrs[id] {
			t.Errorf("INSTR %#x: Attr %v, set %v", id, ok, instrAttrs[id])
		}
		if _, ok := r.b.Attr(id); ok != boardAttrs[id] {
			t.Errorf("INTFC %#x: Attr %v, set %v", id, ok, boardAttrs[id])
		}
	}
}
