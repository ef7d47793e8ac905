package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progressBar draws a one-line progress bar for long block reads. It
// draws only on a terminal (see newProgress) and at most every 100 ms, so
// it costs nothing measurable on a fast transfer.
type progressBar struct {
	w     io.Writer
	label string
	start time.Time

	mu    sync.Mutex
	last  time.Time
	drawn bool
}

// newProgress returns a visa.BlockOptions.Progress function drawing on w,
// or nil when w is not a terminal (progress never goes into pipes or logs).
func newProgress(w io.Writer, label string) (report func(done, total int64), finish func()) {
	if !isTerminal(w) {
		return nil, func() {}
	}
	p := &progressBar{w: w, label: label, start: time.Now()}
	return p.update, p.finish
}

func (p *progressBar) update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last = now
	p.drawn = true
	fmt.Fprint(p.w, "\r"+renderProgress(p.label, done, total, now.Sub(p.start)))
}

func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// renderProgress formats one progress line; total < 0 means unknown (an
// indefinite block).
func renderProgress(label string, done, total int64, elapsed time.Duration) string {
	const width = 30
	rate := ""
	if s := elapsed.Seconds(); s > 0 {
		rate = fmt.Sprintf(" %.1f MB/s", float64(done)/s/1e6)
	}
	if total <= 0 {
		return fmt.Sprintf("%s %s%s", label, humanBytes(done), rate)
	}
	frac := min(float64(done)/float64(total), 1)
	n := int(frac * width)
	return fmt.Sprintf("%s [%s%s] %3.0f%% %s/%s%s", label, strings.Repeat("=", n), strings.Repeat(" ", width-n),
		frac*100, humanBytes(done), humanBytes(total), rate)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
