package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/govisa/govisa/ieee4882"
	"github.com/govisa/govisa/visa"
)

var blockChecks = []Check{
	{Name: "block/definite", Doc: "definite-length binary blocks (#NLLL…) of 0 bytes to 1 MiB (100 MiB in long mode) arrive intact, with progress reported, and the session stays in step", Needs: FeatTestInstrument, run: checkBlockDefinite},
	{Name: "block/indefinite", Doc: "an indefinite-length block (#0…) is read up to END", Needs: FeatEND | FeatTestInstrument, run: checkBlockIndefinite},
	{Name: "block/extended-header", Doc: "the ≥1 GB header form (#A…#F, 10 to 15 length digits) is parsed on a small block, and a header announcing more than the limit is refused before anything is allocated", Needs: FeatTestInstrument, run: checkBlockExtended},
}

func checkBlockDefinite(ctx context.Context, e *Env) error {
	sizes := []int{0, 1, 10, 255, 256, 100000, 1 << 20}
	if e.has(FeatLong) {
		sizes = append(sizes, 100<<20)
	}
	r, err := e.open(ctx, visa.WithTimeout(max(e.cfg.Timeout, 20*time.Second)))
	if err != nil {
		return err
	}
	var buf []byte
	for _, n := range sizes {
		var last, announced int64 = -1, -1
		opt := visa.BlockOptions{MaxBytes: int64(max(n, 1)), Buffer: buf,
			Progress: func(done, total int64) { last, announced = done, total }}
		data, err := r.QueryBlock(ctx, fmt.Sprintf("TEST:BLOCK? %d", n), opt)
		if err != nil {
			return fmt.Errorf("%d-byte block: %w", n, err)
		}
		if len(data) != n {
			return fmt.Errorf("%d-byte block: got %d bytes", n, len(data))
		}
		if err := checkPattern(data, 0); err != nil {
			return fmt.Errorf("%d-byte block: %w", n, err)
		}
		// Blocks that arrive with their header (in the first 64 bytes) are
		// not reported; larger ones must end with a report of the whole.
		if n > 64 && (last != int64(n) || announced != int64(n)) {
			return fmt.Errorf("%d-byte block: last progress report was %d of %d", n, last, announced)
		}
		buf = data[:0]
		if err := e.usable(ctx, r, fmt.Sprintf("a %d-byte block", n)); err != nil {
			return err
		}
	}
	return nil
}

func checkBlockIndefinite(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	const payload = "indefinite-block-0123456789"
	data, err := r.QueryBlock(ctx, e.echo("#0"+payload), visa.BlockOptions{MaxBytes: 1 << 10})
	if err != nil {
		return fmt.Errorf("indefinite block: %w", err)
	}
	if string(data) != payload {
		return fmt.Errorf("indefinite block data %q, want %q", data, payload)
	}
	return e.usable(ctx, r, "an indefinite block")
}

func checkBlockExtended(ctx context.Context, e *Env) error {
	// The codec first: a ≥1 GB header announces its length in 10+ digits.
	h, err := ieee4882.ParseBlockHeader([]byte("#A1073741824"))
	if err != nil || h.DataLen != 1<<30 || h.HeaderLen != 12 {
		return fmt.Errorf("parsing \"#A1073741824\": %+v, %v", h, err)
	}
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	const payload = "small-block"
	data, err := r.QueryBlock(ctx, e.echo(fmt.Sprintf("#A%010d%s", len(payload), payload)), visa.BlockOptions{MaxBytes: 1 << 10})
	if err != nil {
		return fmt.Errorf("block with a #A header: %w", err)
	}
	if string(data) != payload {
		return fmt.Errorf("block with a #A header: data %q, want %q", data, payload)
	}
	if err := e.usable(ctx, r, "a #A block"); err != nil {
		return err
	}
	// A header announcing 1 GiB against a 1 KiB limit is refused.
	r2, err := e.open(ctx)
	if err != nil {
		return err
	}
	_, err = r2.QueryBlock(ctx, e.echo("#A1073741824abc"), visa.BlockOptions{MaxBytes: 1 << 10})
	if err == nil {
		return fmt.Errorf("a block announcing 1 GiB was accepted with a 1 KiB limit")
	}
	return nil
}
