package visa

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/govisa/govisa/transport/gpib/linuxgpib"
)

// gpibListBound bounds the GPIB part of List when ctx has no deadline: a
// scan of a full bus takes a fraction of it; a wedged driver must not hold
// ListResources up for longer.
const gpibListBound = 3 * time.Second

// gpibResources lists, for every linux-gpib board present, its INTFC
// resource and the instruments a listener scan finds on its bus. Boards
// are scanned concurrently (each bus on its own, addresses one after the
// other, since a bus is shared). The result is whatever was found when
// every scan ended or ctx (or gpibListBound) expired, whichever is first:
// a scan stuck in the driver is left to finish in the background and
// close its board. No /dev/gpib* means no work at all.
func gpibResources(ctx context.Context) []string {
	boards := linuxgpib.Boards()
	if len(boards) == 0 {
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, gpibListBound)
		defer cancel()
	}
	var mu sync.Mutex
	found := make(map[int][]string, len(boards))
	done := make(chan struct{}, len(boards)) // buffered: late scans never block
	for _, n := range boards {
		go func() {
			defer func() { done <- struct{}{} }()
			scanGPIBBoard(ctx, n, func(name string) {
				mu.Lock()
				found[n] = append(found[n], name)
				mu.Unlock()
			})
		}()
	}
	for range boards {
		select {
		case <-done:
		case <-ctx.Done():
			return gpibNames(&mu, found, boards)
		}
	}
	return gpibNames(&mu, found, boards)
}

// gpibNames flattens what was found so far in board order.
func gpibNames(mu *sync.Mutex, found map[int][]string, boards []int) []string {
	mu.Lock()
	defer mu.Unlock()
	var out []string
	for _, n := range boards {
		out = append(out, found[n]...)
	}
	return out
}

// scanGPIBBoard opens board n and reports its INTFC resource, then the
// instruments found listening, in address order.
func scanGPIBBoard(ctx context.Context, n int, add func(string)) {
	b, err := linuxgpib.Open(n)
	if err != nil {
		return // not configured (offline) or not ours to open: nothing usable
	}
	defer b.Close()
	add(fmt.Sprintf("GPIB%d::INTFC", n))
	addrs, _ := b.FindListeners(ctx, linuxgpib.DefaultScanTimeout)
	slices.SortFunc(addrs, func(x, y linuxgpib.Address) int {
		if x.Pad != y.Pad {
			return x.Pad - y.Pad
		}
		return x.Sad - y.Sad
	})
	for _, a := range addrs {
		if a.Sad >= 0 {
			add(fmt.Sprintf("GPIB%d::%d::%d::INSTR", n, a.Pad, a.Sad))
		} else {
			add(fmt.Sprintf("GPIB%d::%d::INSTR", n, a.Pad))
		}
	}
}

// SetAttr gives the linux-gpib attribute errors their VISA status: a
// device's address is read-only on an INSTR session, and values the driver
// cannot do (HS488) are VI_ERROR_NSUP_ATTR_STATE.
func (g *gpibSession) SetAttr(id uint32, v any) error { return gpibAttrErr(g.Instr.SetAttr(id, v)) }

// SetAttr: see gpibSession.SetAttr.
func (g *gpibBoard) SetAttr(id uint32, v any) error { return gpibAttrErr(g.Board.SetAttr(id, v)) }

func gpibAttrErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, linuxgpib.ErrReadOnly):
		return &Error{Status: VI_ERROR_ATTR_READONLY, Op: "viSetAttribute", Err: err}
	case errors.Is(err, linuxgpib.ErrAttrValue):
		return &Error{Status: VI_ERROR_NSUP_ATTR_STATE, Op: "viSetAttribute", Err: err}
	}
	return err
}
