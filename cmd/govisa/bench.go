package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govisa/govisa/visa"
)

// benchReport is what `govisa bench` measures; it marshals to the JSON
// that --json prints.
type benchReport struct {
	Resource string      `json:"resource"`
	Identity string      `json:"identity"`
	Query    queryStats  `json:"query"`
	Block    *blockStats `json:"block,omitempty"`
	// BlockSkipped says why no block throughput was measured.
	BlockSkipped string `json:"block_skipped,omitempty"`
}

// queryStats are query round-trip times in microseconds.
type queryStats struct {
	Command   string  `json:"command"`
	N         int     `json:"n"`
	MinUS     float64 `json:"min_us"`
	P50US     float64 `json:"p50_us"`
	P90US     float64 `json:"p90_us"`
	P99US     float64 `json:"p99_us"`
	MaxUS     float64 `json:"max_us"`
	MeanUS    float64 `json:"mean_us"`
	PerSecond float64 `json:"queries_per_s"`
}

// blockStats is binary block throughput.
type blockStats struct {
	Command string  `json:"command"`
	Bytes   int     `json:"bytes"`
	N       int     `json:"n"`
	BestMBs float64 `json:"best_mb_s"`
	P50MBs  float64 `json:"p50_mb_s"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf rmFlags
	rf.register(fs)
	asJSON := fs.Bool("json", false, "print the results as JSON")
	n := fs.Int("n", 1000, "number of timed queries")
	warmup := fs.Int("warmup", 20, "untimed queries first")
	cmd := fs.String("cmd", "*IDN?", "query to time")
	blockSize := fs.Int("block", 16<<20, "block size in bytes (0: no block test)")
	blocks := fs.Int("blocks", 5, "number of timed block reads")
	blockCmd := fs.String("block-cmd", "", `query answering a binary block; "%d" is replaced by --block (default: TEST:BLOCK? on the govisa test instrument)`)
	timeout := fs.Duration("timeout", 10*time.Second, "I/O timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *n <= 0 {
		return errors.New("usage: govisa bench [--json] [--n N] [--cmd Q] [--block BYTES] [--blocks K] [--block-cmd Q] [--backend X] [--trace] RESOURCE")
	}
	rm, err := rf.open(stderr)
	if err != nil {
		return err
	}
	defer rm.Close()
	r, err := rm.OpenResource(ctx, fs.Arg(0), visa.WithTimeout(*timeout))
	if err != nil {
		return err
	}
	defer r.Close()
	rep := benchReport{Resource: r.Name()}
	if rep.Identity, err = r.Query(ctx, "*IDN?"); err != nil {
		return fmt.Errorf("*IDN?: %w", err)
	}
	if rep.Query, err = benchQueries(ctx, r, *cmd, *warmup, *n); err != nil {
		return err
	}
	bc := *blockCmd
	if bc == "" && strings.HasPrefix(rep.Identity, "govisa,Test Instrument,") {
		bc = "TEST:BLOCK? %d"
	}
	switch {
	case *blockSize <= 0 || *blocks <= 0:
		rep.BlockSkipped = "disabled (--block 0)"
	case bc == "":
		rep.BlockSkipped = "the device is not the govisa test instrument; give --block-cmd"
	default:
		if strings.Contains(bc, "%d") {
			bc = fmt.Sprintf(bc, *blockSize)
		}
		bs, err := benchBlocks(ctx, r, bc, *blockSize, *blocks, stderr)
		if err != nil {
			return err
		}
		rep.Block = &bs
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.table(stdout)
}

func benchQueries(ctx context.Context, r *visa.Resource, cmd string, warmup, n int) (queryStats, error) {
	for range warmup {
		if _, err := r.Query(ctx, cmd); err != nil {
			return queryStats{}, fmt.Errorf("%s: %w", cmd, err)
		}
	}
	d := make([]time.Duration, n)
	start := time.Now()
	for i := range d {
		t := time.Now()
		if _, err := r.Query(ctx, cmd); err != nil {
			return queryStats{}, fmt.Errorf("%s: %w", cmd, err)
		}
		d[i] = time.Since(t)
	}
	total := time.Since(start)
	slices.Sort(d)
	us := func(x time.Duration) float64 { return math.Round(float64(x)/float64(time.Microsecond)*10) / 10 }
	return queryStats{
		Command: cmd, N: n,
		MinUS: us(d[0]), P50US: us(percentile(d, 50)), P90US: us(percentile(d, 90)), P99US: us(percentile(d, 99)),
		MaxUS: us(d[n-1]), MeanUS: us(total / time.Duration(n)),
		PerSecond: math.Round(float64(n) / total.Seconds()),
	}, nil
}

// percentile returns the p-th percentile of sorted d (nearest rank).
func percentile(d []time.Duration, p int) time.Duration {
	i := (len(d)*p + 99) / 100
	return d[min(max(i-1, 0), len(d)-1)]
}

func benchBlocks(ctx context.Context, r *visa.Resource, cmd string, size, n int, stderr io.Writer) (blockStats, error) {
	buf := make([]byte, 0, size)
	rates := make([]float64, 0, n)
	for i := range n + 1 { // the first read is a warm-up
		progress, finish := newProgress(stderr, fmt.Sprintf("block %d/%d", i, n))
		t := time.Now()
		data, err := r.QueryBlock(ctx, cmd, visa.BlockOptions{MaxBytes: int64(size), Buffer: buf, Progress: progress})
		el := time.Since(t)
		finish()
		if err != nil {
			return blockStats{}, fmt.Errorf("%s: %w", cmd, err)
		}
		if len(data) != size {
			return blockStats{}, fmt.Errorf("%s: got %d bytes, want %d", cmd, len(data), size)
		}
		if i > 0 {
			rates = append(rates, float64(size)/el.Seconds()/1e6)
		}
	}
	slices.Sort(rates)
	r1 := func(x float64) float64 { return math.Round(x*10) / 10 }
	return blockStats{Command: cmd, Bytes: size, N: n, BestMBs: r1(rates[len(rates)-1]), P50MBs: r1(rates[len(rates)/2])}, nil
}

func (rep benchReport) table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "resource:\t%s\n", rep.Resource)
	fmt.Fprintf(tw, "identity:\t%s\n\n", strings.TrimSpace(rep.Identity))
	q := rep.Query
	fmt.Fprintf(tw, "query %q × %d\tmin\tp50\tp90\tp99\tmax\tmean\tqueries/s\n", q.Command, q.N)
	fmt.Fprintf(tw, "round trip (µs)\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\n", q.MinUS, q.P50US, q.P90US, q.P99US, q.MaxUS, q.MeanUS, q.PerSecond)
	if b := rep.Block; b != nil {
		fmt.Fprintf(tw, "\nblock %q × %d\t%s\tbest %.1f MB/s\tmedian %.1f MB/s\n", b.Command, b.N, humanBytes(int64(b.Bytes)), b.BestMBs, b.P50MBs)
	} else {
		fmt.Fprintf(tw, "\nblock throughput:\tnot measured: %s\n", rep.BlockSkipped)
	}
	return tw.Flush()
}
