package benchutil

import (
	"testing"
	"time"
)

func TestMedianAndRatio(t *testing.T) {
	d := []time.Duration{5, 1, 3, 9, 7}
	if m := median(d); m != 5 {
		t.Fatalf("median = %v, want 5", m)
	}
	if m := median(nil); m != 0 {
		t.Fatalf("median(nil) = %v", m)
	}
	r := Result{Baseline: 10, Ours: 15}
	if r.Ratio() != 1.5 {
		t.Fatalf("ratio = %v", r.Ratio())
	}
}

func BenchmarkCompareSleep(b *testing.B) {
	r := Compare(b, func() { time.Sleep(time.Microsecond) }, func() { time.Sleep(2 * time.Microsecond) })
	ReportLatency(b, r, "sleep")
}
