// Package benchutil measures govisa operations against a bare baseline
// (plain TCP, a pipe) in the same benchmark run.
//
// The machines that run the benchmarks are small and often busy, so a
// baseline measured first and the operation measured afterwards can see
// different loads. Compare interleaves the two, one iteration each, and
// reports the ratio of their medians, which drifting load affects equally.
package benchutil

import (
	"slices"
	"testing"
	"time"
)

// Result holds the medians of one Compare run.
type Result struct {
	Baseline, Ours time.Duration
}

// Ratio is Ours/Baseline (for latencies: lower is better).
func (r Result) Ratio() float64 { return float64(r.Ours) / float64(r.Baseline) }

// Compare runs baseline and ours alternately b.N times each and returns
// their median durations. The benchmark timer runs through both (stopping
// and starting it per iteration reads memory statistics, which stops the
// world and adds noise to both sides), so ns/op and allocs/op cover one
// baseline plus one govisa operation; the reported medians are the
// figures to read. Baselines are bare sockets that allocate next to
// nothing, so allocs/op is, in practice, the govisa operation's.
func Compare(b *testing.B, baseline, ours func()) Result {
	b.Helper()
	base := make([]time.Duration, 0, b.N)
	mine := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		baseline()
		t1 := time.Now()
		ours()
		t2 := time.Now()
		base = append(base, t1.Sub(t0))
		mine = append(mine, t2.Sub(t1))
	}
	b.StopTimer()
	return Result{Baseline: median(base), Ours: median(mine)}
}

// ReportLatency reports the medians and rt_ratio_vs_<name>.
func ReportLatency(b *testing.B, r Result, name string) {
	b.ReportMetric(float64(r.Baseline.Nanoseconds()), name+"-median-ns")
	b.ReportMetric(float64(r.Ours.Nanoseconds()), "median-ns")
	b.ReportMetric(r.Ratio(), "rt_ratio_vs_"+name)
}

// ReportThroughput reports MB/s of both for size bytes per operation and
// tput_ratio_vs_<name> (higher is better).
func ReportThroughput(b *testing.B, r Result, size int64, name string) {
	mbs := func(d time.Duration) float64 { return float64(size) / d.Seconds() / 1e6 }
	b.ReportMetric(mbs(r.Baseline), name+"-MB/s")
	b.ReportMetric(mbs(r.Ours), "median-MB/s")
	b.ReportMetric(float64(r.Baseline)/float64(r.Ours), "tput_ratio_vs_"+name)
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}
