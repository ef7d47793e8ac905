package prologix

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/govisa/govisa/transport"
)

// DefaultListenerTimeout is the per-address wait of [Adapter.FindListeners]
// when none is given.
const DefaultListenerTimeout = 20 * time.Millisecond

// FindListeners looks for devices on the adapter's bus: it serial-polls
// (++spoll) every primary address 0-30 in turn (one bus, so one at a time)
// and returns those that answered. For the scan the adapter's read timeout
// (++read_tmo_ms) is set to timeout (1 ms-3 s; DefaultListenerTimeout when
// zero or negative) and restored afterwards, so the whole scan takes at
// most about 31 × (timeout + Options.Slack), and less when ctx ends first
// (then the addresses found so far are returned with the error). The
// adapter is locked during the scan; other instruments wait.
//
// Secondary addresses are not scanned. How a real adapter answers a poll
// of an empty address is not confirmed (fact sheet §6.4 lists only the
// command); this assumes, as the emulator does, that it answers nothing.
// Polling also clears a pending RQS in the devices found.
func (a *Adapter) FindListeners(ctx context.Context, timeout time.Duration) ([]Address, error) {
	if timeout <= 0 {
		timeout = DefaultListenerTimeout
	}
	timeout = min(max(timeout, time.Millisecond), 3000*time.Millisecond)
	var found []Address
	err := a.locked(ctx, "find_listeners", func() (err error) {
		if err := a.setReadTimeout(ctx, timeout); err != nil {
			return err
		}
		defer func() {
			// Restore even when ctx has ended; a broken link is set up
			// afresh by the reconnect anyway.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			if rerr := a.setReadTimeout(rctx, a.opts.ReadTimeout); rerr != nil && err == nil {
				err = rerr
			}
		}()
		for pad := 0; pad <= 30; pad++ {
			ad := Address{PAD: pad, SAD: -1}
			s, err := a.queryWithin(ctx, "spoll "+ad.args(), timeout+a.opts.Slack)
			switch {
			case err == nil:
				if _, perr := strconv.ParseUint(s, 10, 8); perr != nil {
					return transport.Errorf("find_listeners", transport.ErrProtocol, fmt.Errorf("++spoll %d answered %q", pad, s))
				}
				found = append(found, ad)
			case errors.Is(err, transport.ErrTimeout) && ctxAlive(ctx):
				// Nobody at pad.
			default:
				return err
			}
		}
		return nil
	})
	return found, err
}

// setReadTimeout sets ++read_tmo_ms and records it. The caller holds mu.
func (a *Adapter) setReadTimeout(ctx context.Context, d time.Duration) error {
	if a.readTmo == d {
		return nil
	}
	if err := a.command(ctx, "read_tmo_ms "+strconv.Itoa(int(d/time.Millisecond))); err != nil {
		return err
	}
	a.readTmo = d
	return nil
}
