package discovery

import (
	"time"

	"github.com/govisa/govisa/transport/discovery/dnsmsg"
)

// querier schedules questions: each is sent at once, then again after an
// interval that doubles each time (RFC 6762 §5.2), until it is no longer
// wanted. Persistent questions (the PTR browse) stay wanted for the whole
// discovery.
type querier struct {
	first time.Duration
	qs    map[qkey]*qstate
}

type qkey struct {
	name string
	typ  dnsmsg.Type
}

type qstate struct {
	q          dnsmsg.Question
	at         time.Time // next send; zero: now
	interval   time.Duration
	persistent bool
}

func newQuerier(first time.Duration) *querier {
	if first <= 0 {
		first = time.Second
	}
	return &querier{first: first, qs: map[qkey]*qstate{}}
}

func (q *querier) want(qu dnsmsg.Question, persistent bool) {
	k := qkey{dnsmsg.Canonical(qu.Name), qu.Type}
	if _, ok := q.qs[k]; !ok {
		q.qs[k] = &qstate{q: qu, interval: q.first, persistent: persistent}
	}
}

// retain makes qs the set of wanted non-persistent questions: new ones are
// added (due now) and answered ones dropped.
func (q *querier) retain(qs []dnsmsg.Question) {
	keep := make(map[qkey]bool, len(qs))
	for _, qu := range qs {
		keep[qkey{dnsmsg.Canonical(qu.Name), qu.Type}] = true
		q.want(qu, false)
	}
	for k, s := range q.qs {
		if !s.persistent && !keep[k] {
			delete(q.qs, k)
		}
	}
}

// due returns the questions to send now and schedules their next sending.
func (q *querier) due(now time.Time) []dnsmsg.Question {
	var out []dnsmsg.Question
	for _, s := range q.qs {
		if s.at.After(now) {
			continue
		}
		out = append(out, s.q)
		if s.at.IsZero() {
			s.at = now.Add(s.interval)
		} else {
			s.interval *= 2
			s.at = now.Add(s.interval)
		}
	}
	return out
}

// next returns how long until a question is due (an hour when none is).
func (q *querier) next(now time.Time) time.Duration {
	d := time.Hour
	for _, s := range q.qs {
		if w := s.at.Sub(now); w < d {
			d = w
		}
	}
	return max(d, 0)
}
