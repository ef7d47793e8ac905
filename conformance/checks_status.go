package conformance

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govisa/govisa/visa"
)

// IEEE 488.2 status byte bits.
const (
	stbMAV = 0x10
	stbRQS = 0x40
)

var statusChecks = []Check{
	{Name: "status/stb-mav", Doc: "viReadSTB shows MAV while a response waits and clears it once the response is read", Needs: FeatSTB, run: checkSTBMAV},
	{Name: "status/trigger", Doc: "viAssertTrigger reaches the device once per call", Needs: FeatTrigger | FeatTestInstrument, run: checkTrigger},
	{Name: "event/srq-queue", Doc: "a service request (*SRE 16 with MAV) is queued as VI_EVENT_SERVICE_REQ for viWaitOnEvent, and the status byte then has RQS", Needs: FeatSRQ | FeatSTB, run: checkSRQQueue},
	{Name: "event/srq-handler", Doc: "a service request calls the handler installed for VI_EVENT_SERVICE_REQ; nothing is delivered once it is uninstalled", Needs: FeatSRQ | FeatSTB, run: checkSRQHandler},
	{Name: "event/not-enabled", Doc: "viWaitOnEvent on an event type that is not enabled fails with VI_ERROR_NENABLED at once", run: checkEventNotEnabled},
}

// pollSTB polls the status byte until all bits of mask are set (or, with
// clear, until none is), up to the session timeout.
func pollSTB(ctx context.Context, r *visa.Resource, mask byte, set bool, within time.Duration) (byte, error) {
	deadline := time.Now().Add(within)
	for {
		b, err := r.ReadSTB(ctx)
		if err != nil {
			return b, fmt.Errorf("viReadSTB: %w", err)
		}
		if (b&mask == mask) == set {
			return b, nil
		}
		if time.Now().After(deadline) {
			return b, fmt.Errorf("status byte stayed 0x%02X for %v", b, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func checkSTBMAV(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	if _, err := r.Write(ctx, "*CLS"); err != nil {
		return err
	}
	if b, err := pollSTB(ctx, r, stbMAV, false, time.Second); err != nil {
		return fmt.Errorf("MAV set with nothing to read: %w", err)
	} else if b&stbMAV != 0 {
		return fmt.Errorf("MAV set with nothing to read (STB 0x%02X)", b)
	}
	if _, err := r.Write(ctx, "*IDN?"); err != nil {
		return err
	}
	if _, err := pollSTB(ctx, r, stbMAV, true, e.cfg.Timeout); err != nil {
		return fmt.Errorf("MAV never set while a response waits: %w", err)
	}
	got, err := r.Read(ctx)
	if err != nil {
		return err
	}
	if strings.TrimSpace(got) != e.prof.Identity {
		return fmt.Errorf("read %q after polling", got)
	}
	b, err := r.ReadSTB(ctx)
	if err != nil {
		return err
	}
	if b&stbMAV != 0 {
		return fmt.Errorf("MAV still set after the response was read (STB 0x%02X)", b)
	}
	return nil
}

func triggerCount(ctx context.Context, r *visa.Resource) (uint64, error) {
	s, err := r.Query(ctx, "TEST:TRIG:COUNT?")
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(s), 10, 64)
}

func checkTrigger(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	before, err := triggerCount(ctx, r)
	if err != nil {
		return err
	}
	for range 3 {
		if err := r.AssertTrigger(ctx); err != nil {
			return fmt.Errorf("viAssertTrigger: %w", err)
		}
	}
	after, err := triggerCount(ctx, r)
	if err != nil {
		return err
	}
	if after != before+3 {
		return fmt.Errorf("three triggers moved the device's count from %d to %d", before, after)
	}
	return nil
}

// requestService makes a 488.2 device request service: *SRE 16 (MAV)
// and a query whose response sets MAV.
func requestService(ctx context.Context, r *visa.Resource) error {
	if _, err := r.Write(ctx, "*CLS;*SRE 16"); err != nil {
		return err
	}
	_, err := r.Write(ctx, "*IDN?")
	return err
}

func endService(ctx context.Context, e *Env, r *visa.Resource) error {
	b, err := r.ReadSTB(ctx)
	if err != nil {
		return fmt.Errorf("viReadSTB after the service request: %w", err)
	}
	got, err := r.Read(ctx)
	if err != nil {
		return fmt.Errorf("reading the response that requested service: %w", err)
	}
	if strings.TrimSpace(got) != e.prof.Identity {
		return fmt.Errorf("read %q", got)
	}
	if _, err := r.Write(ctx, "*SRE 0;*CLS"); err != nil {
		return err
	}
	if b&stbRQS == 0 || b&stbMAV == 0 {
		return fmt.Errorf("status byte after a service request for MAV is 0x%02X, want RQS and MAV set", b)
	}
	return nil
}

func checkSRQQueue(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	if err := r.EnableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE); err != nil {
		return fmt.Errorf("viEnableEvent: %w", err)
	}
	if err := requestService(ctx, r); err != nil {
		return err
	}
	ev, err := r.WaitOnEvent(ctx, visa.VI_EVENT_SERVICE_REQ, e.cfg.Timeout)
	if err != nil {
		return fmt.Errorf("viWaitOnEvent: %w", err)
	}
	if ev.Type != visa.VI_EVENT_SERVICE_REQ {
		return fmt.Errorf("event type %v", ev.Type)
	}
	if err := endService(ctx, e, r); err != nil {
		return err
	}
	if err := r.DisableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_QUEUE); err != nil {
		return fmt.Errorf("viDisableEvent: %w", err)
	}
	return nil
}

func checkSRQHandler(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	got := make(chan visa.Event, 8)
	id, err := r.InstallHandler(visa.VI_EVENT_SERVICE_REQ, func(_ *visa.Resource, ev visa.Event) {
		select {
		case got <- ev:
		default:
		}
	})
	if err != nil {
		return fmt.Errorf("viInstallHandler: %w", err)
	}
	if err := r.EnableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_HNDLR); err != nil {
		return fmt.Errorf("viEnableEvent: %w", err)
	}
	if err := requestService(ctx, r); err != nil {
		return err
	}
	select {
	case ev := <-got:
		if ev.Type != visa.VI_EVENT_SERVICE_REQ {
			return fmt.Errorf("handler got event type %v", ev.Type)
		}
	case <-time.After(e.cfg.Timeout):
		return fmt.Errorf("the handler was not called within %v of a service request", e.cfg.Timeout)
	}
	if err := endService(ctx, e, r); err != nil {
		return err
	}
	if err := r.DisableEvent(visa.VI_EVENT_SERVICE_REQ, visa.VI_HNDLR); err != nil {
		return fmt.Errorf("viDisableEvent: %w", err)
	}
	if err := r.UninstallHandler(visa.VI_EVENT_SERVICE_REQ, id); err != nil {
		return fmt.Errorf("viUninstallHandler: %w", err)
	}
	if err := r.UninstallHandler(visa.VI_EVENT_SERVICE_REQ, id); err == nil {
		return errors.New("uninstalling a handler twice succeeded")
	}
	return nil
}

func checkEventNotEnabled(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	_, err = r.WaitOnEvent(ctx, visa.VI_EVENT_SERVICE_REQ, 2*time.Second)
	if statusOf(err) != visa.VI_ERROR_NENABLED {
		return fmt.Errorf("viWaitOnEvent on a type not enabled: got %v, want VI_ERROR_NENABLED", err)
	}
	if took := time.Since(start); took > e.cfg.Tolerance {
		return fmt.Errorf("viWaitOnEvent on a type not enabled waited %v", took.Round(time.Millisecond))
	}
	return nil
}
