package prologix

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govisa/govisa/transport"
)

// A Prologix controller has no asynchronous SRQ notification: the host
// learns of a service request only by asking (++srq). So while at least one
// instrument of an adapter wants SRQ events, one goroutine per adapter polls
// the line every Options.SRQPollInterval. A poll takes the adapter lock
// briefly between operations, never during one, and skips its turn while a
// response is only partly read (a ++ command would abort the adapter's
// ++read and mix its answer into the data). When the line is asserted it
// serial-polls (++spoll) each instrument that registered a function and
// calls the function of those whose status byte has RQS.

// rqsBit is RQS in a serial-poll status byte.
const rqsBit = 0x40

// maxPollBackoff bounds how far the poller backs off after failed polls
// (an adapter that is unplugged, a redial that fails).
const maxPollBackoff = 2 * time.Second

// errPollStop ends a polling round: polling was stopped or the adapter
// closed.
var errPollStop = errors.New("prologix: SRQ polling stopped")

// srqWatch is the SRQ polling state of an adapter.
type srqWatch struct {
	mu   sync.Mutex
	subs map[*Instr]func()
	stop chan struct{} // closed to stop the running poller; nil when none runs
	wg   sync.WaitGroup
}

// OnSRQ implements transport.SRQNotifier: f is called (from the adapter's
// polling goroutine; it must not block) each time this instrument requests
// service. A nil f stops the notification; once it returns, no new ++srq
// for this instrument is started (a poll already on the wire completes).
// See Options.SRQPollInterval.
func (in *Instr) OnSRQ(f func()) { in.a.onSRQ(in, f) }

func (a *Adapter) onSRQ(in *Instr, f func()) {
	w := &a.srq
	w.mu.Lock()
	defer w.mu.Unlock()
	if f == nil {
		delete(w.subs, in)
	} else {
		if a.closed.Load() {
			return
		}
		if w.subs == nil {
			w.subs = map[*Instr]func(){}
		}
		w.subs[in] = f
	}
	switch {
	case len(w.subs) > 0 && w.stop == nil:
		w.stop = make(chan struct{})
		w.wg.Add(1)
		go a.pollSRQ(w.stop)
	case len(w.subs) == 0 && w.stop != nil:
		// Not waiting for the poller here: the caller may hold a lock
		// that the function the poller is calling right now needs (the
		// VISA session's event lock). The poller checks stop under the
		// adapter lock before every bus operation, so none starts after
		// this; Close waits for it.
		close(w.stop)
		w.stop = nil
	}
}

// stopSRQ ends polling and waits for the poller (Close).
func (a *Adapter) stopSRQ() {
	w := &a.srq
	w.mu.Lock()
	if w.stop != nil {
		close(w.stop)
		w.stop = nil
	}
	w.subs = nil
	w.mu.Unlock()
	w.wg.Wait()
}

func (a *Adapter) pollSRQ(stop <-chan struct{}) {
	defer a.srq.wg.Done()
	ctx, cancel := context.WithCancel(a.closeCtx)
	defer cancel()
	interval := a.opts.SRQPollInterval
	wait := interval
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		err := a.srqRound(ctx, stop)
		switch {
		case errors.Is(err, errPollStop):
			return
		case err != nil:
			a.debug("prologix: SRQ poll failed", "err", err)
			wait = min(max(2*wait, interval), maxPollBackoff)
		default:
			wait = interval
		}
		t.Reset(wait)
	}
}

// srqRound polls the SRQ line once and, when it is asserted, serial-polls
// the instruments that want events and notifies those requesting service.
func (a *Adapter) srqRound(ctx context.Context, stop <-chan struct{}) error {
	var on bool
	ran, err := a.pollLocked(ctx, stop, func(ctx context.Context) (err error) {
		on, err = a.srqLine(ctx)
		return err
	})
	if err != nil || !ran || !on {
		return err
	}
	a.srq.mu.Lock()
	subs := make(map[*Instr]func(), len(a.srq.subs))
	for in, f := range a.srq.subs {
		subs[in] = f
	}
	a.srq.mu.Unlock()
	var firstErr error
	for in, f := range subs {
		var stb byte
		ran, err := a.pollLocked(ctx, stop, func(ctx context.Context) (err error) {
			if in.closed {
				return nil
			}
			stb, err = a.spoll(ctx, in.addr)
			if err == nil && stb&rqsBit != 0 {
				in.rqs = true
			}
			return err
		})
		if errors.Is(err, errPollStop) {
			return err
		}
		if err != nil {
			// One instrument that does not answer must not hide the
			// others' requests.
			firstErr = cmpErr(firstErr, fmt.Errorf("serial poll of %s: %w", in.addr.args(), err))
			continue
		}
		if ran && stb&rqsBit != 0 {
			a.debug("prologix: service request", "addr", in.addr.args(), "stb", stb)
			f()
		}
	}
	return firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// pollLocked runs f with the adapter locked and a bounded context, unless
// polling stopped (errPollStop) or a response is only partly read (ran is
// false: the next round tries again). A broken link is redialled first,
// so SRQ events resume after an adapter comes back.
func (a *Adapter) pollLocked(ctx context.Context, stop <-chan struct{}, f func(context.Context) error) (ran bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-stop:
		return false, errPollStop
	default:
	}
	if a.closed.Load() {
		return false, errPollStop
	}
	if a.reading || a.r < len(a.buf) {
		return false, nil
	}
	// An answer comes within the adapter's read timeout or never; a
	// redial gets a fixed budget.
	octx, cancel := context.WithTimeout(ctx, a.opts.ReadTimeout+a.opts.Slack+time.Second)
	defer cancel()
	if err := a.ready(octx, "srq_poll"); err != nil {
		return false, err
	}
	return true, f(octx)
}

// srqLine asks the adapter for the SRQ line state (++srq). The caller
// holds mu.
func (a *Adapter) srqLine(ctx context.Context) (bool, error) {
	s, err := a.query(ctx, "srq")
	if err != nil {
		return false, err
	}
	switch s {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, transport.Errorf("srq", transport.ErrProtocol, fmt.Errorf("++srq answered %q", s))
}
