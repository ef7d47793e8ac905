package discovery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"github.com/govisa/govisa/transport/discovery/dnsmsg"
)

// Probing parameters of RFC 6762 §8.1.
const (
	probeCount    = 3
	probeInterval = 250 * time.Millisecond
	maxRenames    = 16
)

// probe asks, three times 250 ms apart, whether anyone already answers for
// our instance names (a query of type ANY per name, our proposed records in
// the authority section). A name that shows up in someone's response is
// taken: the instance is renamed "Name (2)", "Name (3)", ... and probing
// starts over. The simultaneous-probe tie-break of §8.2 is not done.
func (a *Announcer) probe(ctx context.Context) {
	every := a.probeEvery
	if every <= 0 {
		every = probeInterval
	}
	for range maxRenames {
		a.mu.Lock()
		a.conflicts = make(chan string, 64)
		a.mu.Unlock()
		if !sleepCtx(ctx, rand.N(every)) {
			return
		}
		for range probeCount {
			a.sendProbes()
			if a.probeHook != nil {
				a.probeHook()
			}
			if !sleepCtx(ctx, every) {
				return
			}
		}
		a.mu.Lock()
		ch := a.conflicts
		a.conflicts = nil
		taken := map[string]bool{}
	drain:
		for {
			select {
			case n := <-ch:
				taken[n] = true
			default:
				break drain
			}
		}
		for i := range a.z.svcs {
			s := &a.z.svcs[i]
			if taken[dnsmsg.Canonical(a.z.instName(s))] {
				old := s.Instance
				s.Instance = nextInstanceName(s.Instance)
				a.log.Debug("mdns name conflict, renamed", "from", old, "to", s.Instance)
			}
		}
		a.mu.Unlock()
		if len(taken) == 0 {
			return
		}
	}
	a.log.Debug("mdns probing gave up renaming; announcing anyway")
}

func (a *Announcer) sendProbes() {
	for _, ep := range a.eps {
		a.mu.RLock()
		m := &dnsmsg.Message{}
		for i := range a.z.svcs {
			s := &a.z.svcs[i]
			m.Questions = append(m.Questions, dnsmsg.Question{Name: a.z.instName(s), Type: dnsmsg.TypeANY, Class: dnsmsg.ClassINET})
			m.Authorities = append(m.Authorities, a.z.srv(s), a.z.txt(s))
		}
		a.mu.RUnlock()
		a.send(ep, m, ep.group)
	}
}

// noteConflicts records our instance names found in a response while
// probing is on.
func (a *Announcer) noteConflicts(m *dnsmsg.Message) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.conflicts == nil {
		return
	}
	mine := map[string]bool{}
	for i := range a.z.svcs {
		mine[dnsmsg.Canonical(a.z.instName(&a.z.svcs[i]))] = true
	}
	for _, sec := range [][]dnsmsg.Record{m.Answers, m.Additionals} {
		for _, r := range sec {
			if n := dnsmsg.Canonical(r.Name); mine[n] {
				select {
				case a.conflicts <- n:
				default:
				}
			}
		}
	}
}

// nextInstanceName turns "Name" into "Name (2)" and "Name (n)" into
// "Name (n+1)", keeping within one 63-byte label.
func nextInstanceName(s string) string {
	base, n := s, 2
	if i := strings.LastIndex(s, " ("); i >= 0 && strings.HasSuffix(s, ")") {
		var k int
		if _, err := fmt.Sscanf(s[i+2:], "%d)", &k); err == nil && k >= 2 {
			base, n = s[:i], k+1
		}
	}
	suffix := fmt.Sprintf(" (%d)", n)
	if len(base)+len(suffix) > dnsmsg.MaxLabel {
		base = base[:dnsmsg.MaxLabel-len(suffix)]
	}
	return base + suffix
}

// hasShared reports whether rs holds a shared record (a PTR).
func hasShared(rs []dnsmsg.Record) bool {
	for _, r := range rs {
		if r.Type == dnsmsg.TypePTR {
			return true
		}
	}
	return false
}

// sendLater sends m after d unless the responder stops first.
func (a *Announcer) sendLater(ep *endpoint, m *dnsmsg.Message, to netip.AddrPort, d time.Duration) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if sleepCtx(a.ctx, d) {
			a.send(ep, m, to)
		}
	}()
}

// sleepCtx waits d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
