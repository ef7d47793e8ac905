package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govisa/govisa/visa"
)

var readChecks = []Check{
	{Name: "read/end", Doc: "with the termination character disabled a read ends on END and reports VI_SUCCESS", Needs: FeatEND, run: checkReadEND},
	{Name: "read/termchar", Doc: "with the termination character enabled a read ends on it (VI_SUCCESS_TERM_CHAR) and the rest stays for the next read", run: checkReadTermChar},
	{Name: "read/termchar-disabled", Doc: "with the termination character disabled, that character does not end a read", run: checkReadTermCharDisabled},
	{Name: "read/count", Doc: "a read ends when the count is reached (VI_SUCCESS_MAX_CNT) and the rest stays for the next read", run: checkReadCount},
	{Name: "read/suppress-end", Doc: "with VI_ATTR_SUPPRESS_END_EN set, END does not end a read", run: checkSuppressEND},
	{Name: "write/send-end", Doc: "VI_ATTR_SEND_END_EN: a write without END does not end the program message; one with END does", Needs: FeatEND, run: checkSendEND},
	{Name: "read/chunked", Doc: "reads of 1 byte to 1 MiB (100 MiB in long mode) each return exactly their count until the response ends, with the data intact", Needs: FeatTestInstrument, run: checkChunked},
}

// rawRead performs one viRead of n bytes.
func rawRead(ctx context.Context, r *visa.Resource, n int) ([]byte, visa.Status, error) {
	buf := make([]byte, n)
	m, st, err := r.Library().Read(ctx, r.Session(), buf)
	return buf[:m], st, err
}

// setAttrs sets attributes in order and stops at the first error.
func setAttrs(r *visa.Resource, kv ...any) error {
	for i := 0; i+1 < len(kv); i += 2 {
		id := kv[i].(visa.Attr)
		if err := r.SetAttribute(id, kv[i+1]); err != nil {
			return fmt.Errorf("set %v: %w", id, err)
		}
	}
	return nil
}

// readRest reads with LF as termination character until a read ends on
// something other than the count, and returns everything read.
func readRest(ctx context.Context, r *visa.Resource) ([]byte, error) {
	if err := setAttrs(r, visa.VI_ATTR_TERMCHAR, uint8('\n'), visa.VI_ATTR_TERMCHAR_EN, true); err != nil {
		return nil, err
	}
	var out []byte
	for range 64 {
		p, st, err := rawRead(ctx, r, 4096)
		out = append(out, p...)
		if err != nil || st != visa.VI_SUCCESS_MAX_CNT {
			return out, err
		}
	}
	return out, errors.New("response never ended")
}

func checkReadEND(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	if err := setAttrs(r, visa.VI_ATTR_TERMCHAR_EN, false); err != nil {
		return err
	}
	if _, err := r.Write(ctx, "*IDN?"); err != nil {
		return err
	}
	p, st, err := rawRead(ctx, r, 4096)
	if err != nil {
		return fmt.Errorf("viRead: %w", err)
	}
	if st != visa.VI_SUCCESS {
		return fmt.Errorf("read of a response ending with END reported %v, want VI_SUCCESS", st)
	}
	if want := e.prof.Identity + "\n"; string(p) != want {
		return fmt.Errorf("read %q, want %q", p, want)
	}
	return nil
}

func checkReadTermChar(ctx context.Context, e *Env) error {
	i := strings.IndexByte(e.prof.Identity, ',')
	if i < 0 {
		return notApplicable("the *IDN? answer %q has no comma to use as termination character", e.prof.Identity)
	}
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	if _, err := r.Write(ctx, "*IDN?"); err != nil {
		return err
	}
	if err := setAttrs(r, visa.VI_ATTR_TERMCHAR, uint8(','), visa.VI_ATTR_TERMCHAR_EN, true); err != nil {
		return err
	}
	p, st, err := rawRead(ctx, r, 4096)
	if err != nil {
		return fmt.Errorf("viRead: %w", err)
	}
	if want := e.prof.Identity[:i+1]; string(p) != want || st != visa.VI_SUCCESS_TERM_CHAR {
		return fmt.Errorf("read with termination character ',' got %q (%v), want %q (VI_SUCCESS_TERM_CHAR)", p, st, want)
	}
	rest, err := readRest(ctx, r)
	if err != nil {
		return fmt.Errorf("reading the rest: %w", err)
	}
	if want := e.prof.Identity[i+1:] + "\n"; string(rest) != want {
		return fmt.Errorf("the rest after the termination character is %q, want %q", rest, want)
	}
	return nil
}

func checkReadTermCharDisabled(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	if err := setAttrs(r, visa.VI_ATTR_TERMCHAR, uint8(','), visa.VI_ATTR_TERMCHAR_EN, false); err != nil {
		return err
	}
	if _, err := r.Write(ctx, "*IDN?"); err != nil {
		return err
	}
	want := e.prof.Identity + "\n"
	p, st, err := rawRead(ctx, r, len(want))
	if err != nil {
		return fmt.Errorf("viRead: %w", err)
	}
	if string(p) != want || st == visa.VI_SUCCESS_TERM_CHAR {
		return fmt.Errorf("read with the termination character disabled got %q (%v), want %q ending on END or count", p, st, want)
	}
	return nil
}

func checkReadCount(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	if len(e.prof.Identity) < 6 {
		return notApplicable("the *IDN? answer %q is too short", e.prof.Identity)
	}
	if _, err := r.Write(ctx, "*IDN?"); err != nil {
		return err
	}
	p, st, err := rawRead(ctx, r, 5)
	if err != nil {
		return fmt.Errorf("viRead of 5 bytes: %w", err)
	}
	if string(p) != e.prof.Identity[:5] || st != visa.VI_SUCCESS_MAX_CNT {
		return fmt.Errorf("read of 5 bytes got %q (%v), want %q (VI_SUCCESS_MAX_CNT)", p, st, e.prof.Identity[:5])
	}
	rest, err := readRest(ctx, r)
	if err != nil {
		return fmt.Errorf("reading the rest: %w", err)
	}
	if want := e.prof.Identity[5:] + "\n"; string(rest) != want {
		return fmt.Errorf("the rest after a count-limited read is %q, want %q", rest, want)
	}
	return nil
}

func checkSuppressEND(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	if _, err := r.GetAttribute(visa.VI_ATTR_SUPPRESS_END_EN); errors.Is(err, visa.ErrAttrNotSupp) {
		return notApplicable("VI_ATTR_SUPPRESS_END_EN does not apply to %s %s sessions", e.prof.Interface, e.prof.Class)
	}
	// With END suppressed and no termination character, only the count
	// or the timeout can end the read.
	const tmo = 300 * time.Millisecond
	if err := setAttrs(r, visa.VI_ATTR_TERMCHAR_EN, false, visa.VI_ATTR_SUPPRESS_END_EN, true); err != nil {
		return err
	}
	if err := r.SetTimeout(tmo); err != nil {
		return err
	}
	if _, err := r.Write(ctx, "*IDN?"); err != nil {
		return err
	}
	p, st, err := rawRead(ctx, r, 4096)
	if !errors.Is(err, visa.ErrTimeout) {
		return fmt.Errorf("read with END suppressed and no termination character ended with %q (%v, %v), want VI_ERROR_TMO", p, st, err)
	}
	// With END suppressed and LF enabled, the read ends on LF alone.
	if _, err := r.Write(ctx, "*IDN?"); err != nil {
		return err
	}
	if err := setAttrs(r, visa.VI_ATTR_TERMCHAR, uint8('\n'), visa.VI_ATTR_TERMCHAR_EN, true); err != nil {
		return err
	}
	p, st, err = rawRead(ctx, r, 4096)
	if err != nil {
		return fmt.Errorf("viRead: %w", err)
	}
	if st != visa.VI_SUCCESS_TERM_CHAR {
		return fmt.Errorf("read with END suppressed ending on LF reported %v, want VI_SUCCESS_TERM_CHAR (END must not be reported)", st)
	}
	if want := e.prof.Identity + "\n"; string(p) != want {
		return fmt.Errorf("read %q, want %q", p, want)
	}
	return nil
}

func checkSendEND(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	const tmo = 300 * time.Millisecond
	if err := r.SetTimeout(tmo); err != nil {
		return err
	}
	if err := setAttrs(r, visa.VI_ATTR_SEND_END_EN, false); err != nil {
		return err
	}
	if _, err := r.WriteRaw(ctx, []byte("*IDN?")); err != nil {
		return err
	}
	if got, err := r.Read(ctx); !errors.Is(err, visa.ErrTimeout) {
		return fmt.Errorf("a write without END (and without LF) was executed: read %q, %v; want VI_ERROR_TMO", got, err)
	}
	if err := setAttrs(r, visa.VI_ATTR_SEND_END_EN, true); err != nil {
		return err
	}
	// Completing the message with END makes the device execute it.
	if _, err := r.WriteRaw(ctx, []byte(";")); err != nil {
		return err
	}
	if err := r.SetTimeout(e.cfg.Timeout); err != nil {
		return err
	}
	got, err := r.Read(ctx)
	if err != nil {
		return fmt.Errorf("after a write with END: %w", err)
	}
	if strings.TrimSpace(got) != e.prof.Identity {
		return fmt.Errorf("after a write with END: read %q, want %q", got, e.prof.Identity)
	}
	// A single write with END and no LF is a whole message.
	if _, err := r.WriteRaw(ctx, []byte("*IDN?")); err != nil {
		return err
	}
	if got, err := r.Read(ctx); err != nil || strings.TrimSpace(got) != e.prof.Identity {
		return fmt.Errorf("a write of \"*IDN?\" with END: read %q, %v", got, err)
	}
	return nil
}

func checkChunked(ctx context.Context, e *Env) error {
	cases := []struct{ chunk, total int }{
		{1, 3000}, {7, 20000}, {1000, 200000}, {64 << 10, 4 << 20}, {1 << 20, 8 << 20},
	}
	if e.has(FeatLong) {
		cases = append(cases, struct{ chunk, total int }{1 << 20, 100 << 20})
	}
	r, err := e.open(ctx, visa.WithTimeout(max(e.cfg.Timeout, 10*time.Second)))
	if err != nil {
		return err
	}
	if err := setAttrs(r, visa.VI_ATTR_TERMCHAR_EN, false); err != nil {
		return err
	}
	for _, c := range cases {
		if err := chunkedOnce(ctx, e, r, c.chunk, c.total); err != nil {
			return fmt.Errorf("%d-byte block in %d-byte reads: %w", c.total, c.chunk, err)
		}
	}
	return nil
}

func chunkedOnce(ctx context.Context, e *Env, r *visa.Resource, chunk, n int) error {
	if _, err := r.Write(ctx, fmt.Sprintf("TEST:BLOCK? %d", n)); err != nil {
		return err
	}
	hdr := blockHeader(n)
	total := len(hdr) + n + 1
	buf := make([]byte, chunk)
	got := 0
	for got < total {
		want := min(chunk, total-got)
		m, st, err := r.Library().Read(ctx, r.Session(), buf[:want])
		if err != nil {
			return fmt.Errorf("viRead at offset %d: %w", got, err)
		}
		if m != want {
			return fmt.Errorf("viRead at offset %d returned %d bytes (%v), want %d: a read ends only on END, termination character or count", got, m, st, want)
		}
		last := got+m == total
		if !last && st != visa.VI_SUCCESS_MAX_CNT {
			return fmt.Errorf("viRead at offset %d reported %v before the end of the response", got, st)
		}
		if last && e.has(FeatEND) && st != visa.VI_SUCCESS {
			return fmt.Errorf("the last read reported %v, want VI_SUCCESS (END)", st)
		}
		if err := verifyStream(buf[:m], got, hdr, n); err != nil {
			return err
		}
		got += m
	}
	return nil
}

// verifyStream checks p, found at offset off of header+data+LF.
func verifyStream(p []byte, off int, hdr string, n int) error {
	for i, b := range p {
		pos := off + i
		var want byte
		switch {
		case pos < len(hdr):
			want = hdr[pos]
		case pos < len(hdr)+n:
			want = byte(pos - len(hdr))
		default:
			want = '\n'
		}
		if b != want {
			return fmt.Errorf("byte %d of the response is 0x%02X, want 0x%02X", pos, b, want)
		}
	}
	return nil
}
