package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govisa/govisa/visa"
)

var timingChecks = []Check{
	{Name: "timing/query-delay", Doc: "Query waits the query delay between its write and its read", run: checkQueryDelay},
	{Name: "timing/timeout", Doc: "a read with nothing to read fails with VI_ERROR_TMO after VI_ATTR_TMO_VALUE (within the tolerance) and the session works afterwards", run: checkTimeout},
	{Name: "timing/timeout-late-response", Doc: "a response later than the timeout gives VI_ERROR_TMO; the late response never reaches the next query (where the device is told of a new message it discards it; over a raw socket viClear drops it once it has come)", Needs: FeatTestInstrument, run: checkTimeoutLate},
	{Name: "timing/cancel", Doc: "cancelling the context unblocks a read promptly, the error matches context.Canceled, and the session works afterwards", run: checkCancel},
	{Name: "timing/deadline", Doc: "a context deadline earlier than the VISA timeout ends a read at the deadline", run: checkDeadline},
	{Name: "device/clear", Doc: "viClear discards a pending response (also one not yet produced) and the session works afterwards", Needs: FeatDeviceClear, run: checkClear},
}

func checkQueryDelay(ctx context.Context, e *Env) error {
	const delay = 200 * time.Millisecond
	r, err := e.open(ctx, visa.WithQueryDelay(delay))
	if err != nil {
		return err
	}
	start := time.Now()
	got, err := r.Query(ctx, "*IDN?")
	took := time.Since(start)
	if err != nil {
		return err
	}
	if strings.TrimSpace(got) != e.prof.Identity {
		return fmt.Errorf("query answered %q", got)
	}
	return e.within("a query with a 200 ms query delay answered", took, delay)
}

func checkTimeout(ctx context.Context, e *Env) error {
	const tmo = 200 * time.Millisecond
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	if err := r.SetTimeout(tmo); err != nil {
		return err
	}
	if got := r.Timeout(); got != tmo {
		return fmt.Errorf("timeout reads back %v after setting %v", got, tmo)
	}
	start := time.Now()
	got, err := r.Read(ctx)
	took := time.Since(start)
	if !errors.Is(err, visa.ErrTimeout) {
		return fmt.Errorf("a read with nothing to read: got %q, %v; want VI_ERROR_TMO", got, err)
	}
	if err := e.within("the read timed out", took, tmo); err != nil {
		return err
	}
	if err := r.SetTimeout(e.cfg.Timeout); err != nil {
		return err
	}
	return e.usable(ctx, r, "a timeout")
}

func checkTimeoutLate(ctx context.Context, e *Env) error {
	const tmo = 150 * time.Millisecond
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	if _, err := r.Write(ctx, "TEST:DELAY 600"); err != nil {
		return err
	}
	if err := r.SetTimeout(tmo); err != nil {
		return err
	}
	start := time.Now()
	got, err := r.Query(ctx, e.echo("late"))
	took := time.Since(start)
	if !errors.Is(err, visa.ErrTimeout) {
		return fmt.Errorf("a response 600 ms late with a 150 ms timeout: got %q, %v; want VI_ERROR_TMO", got, err)
	}
	if err := e.within("the query timed out", took, tmo); err != nil {
		return err
	}
	if err := r.SetTimeout(e.cfg.Timeout); err != nil {
		return err
	}
	if !e.has(FeatDeviceClear) {
		// Without a device clear the late response still comes (a raw
		// socket cannot take it back): wait for it and discard it.
		time.Sleep(600*time.Millisecond - took + 100*time.Millisecond)
		if err := r.Clear(ctx); err != nil {
			return fmt.Errorf("discarding the late response: %w", err)
		}
	}
	return e.usable(ctx, r, "a timed-out query")
}

func checkCancel(ctx context.Context, e *Env) error {
	const after = 150 * time.Millisecond
	r, err := e.open(ctx, visa.WithTimeout(30*time.Second))
	if err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	t := time.AfterFunc(after, cancel)
	defer t.Stop()
	start := time.Now()
	got, err := r.Read(cctx)
	took := time.Since(start)
	cancel()
	if err == nil {
		return fmt.Errorf("a cancelled read returned %q without error", got)
	}
	if !errors.Is(err, context.Canceled) {
		return fmt.Errorf("a cancelled read returned %v, which does not match context.Canceled", err)
	}
	if err := e.within("the cancelled read returned", took, after); err != nil {
		return err
	}
	return e.usable(ctx, r, "a cancelled read")
}

func checkDeadline(ctx context.Context, e *Env) error {
	const after = 150 * time.Millisecond
	r, err := e.open(ctx, visa.WithTimeout(30*time.Second))
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, after)
	defer cancel()
	start := time.Now()
	got, err := r.Read(dctx)
	took := time.Since(start)
	if err == nil {
		return fmt.Errorf("a read past its deadline returned %q without error", got)
	}
	if !errors.Is(err, visa.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("a read past its context deadline returned %v, want VI_ERROR_TMO or context.DeadlineExceeded", err)
	}
	if err := e.within("the read with a 150 ms context deadline returned", took, after); err != nil {
		return err
	}
	return e.usable(ctx, r, "a context deadline")
}

func checkClear(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	// A response ready in the output queue.
	if _, err := r.Write(ctx, "*IDN?"); err != nil {
		return err
	}
	time.Sleep(50 * time.Millisecond) // let the device produce it
	if err := r.Clear(ctx); err != nil {
		return fmt.Errorf("viClear: %w", err)
	}
	if err := r.SetTimeout(200 * time.Millisecond); err != nil {
		return err
	}
	if got, err := r.Read(ctx); !errors.Is(err, visa.ErrTimeout) {
		return fmt.Errorf("after viClear the pending response was still read: %q, %v", got, err)
	}
	if err := r.SetTimeout(e.cfg.Timeout); err != nil {
		return err
	}
	if err := e.usable(ctx, r, "viClear"); err != nil {
		return err
	}
	if !e.has(FeatTestInstrument) {
		return nil
	}
	// A response the device has not produced yet.
	if _, err := r.Write(ctx, "TEST:DELAY 300;"+e.echo("late")); err != nil {
		return err
	}
	if err := r.Clear(ctx); err != nil {
		return fmt.Errorf("viClear: %w", err)
	}
	time.Sleep(400 * time.Millisecond)
	return e.usable(ctx, r, "viClear of a delayed response")
}
