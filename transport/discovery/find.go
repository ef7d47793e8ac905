package discovery

import (
	"context"
	"errors"
	"sync"
)

// Find runs the mDNS browser and the VXI-11 portmapper probe concurrently
// under one deadline (ctx's, or opts.Timeout) and returns every resource
// found, sorted by resource name and without duplicates: the same resource
// seen by both mechanisms is reported once, keeping the DNS-SD instance
// name.
//
// An error is returned only when every enabled mechanism failed to start
// (no interface, bad options); results that did arrive are returned with
// it. A mechanism that found nothing is not an error.
func Find(ctx context.Context, opts Options) ([]Found, error) {
	ctx, cancel := opts.withDeadline(ctx)
	defer cancel()
	type result struct {
		found []Found
		err   error
	}
	var runs []func(context.Context, Options) ([]Found, error)
	if !opts.NoMDNS {
		runs = append(runs, BrowseMDNS)
	}
	if !opts.NoVXI11 {
		runs = append(runs, ProbeVXI11)
	}
	results := make([]result, len(runs))
	var wg sync.WaitGroup
	for i, run := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := run(ctx, opts)
			results[i] = result{f, err}
		}()
	}
	wg.Wait()

	var all []Found
	var errs []error
	for _, r := range results {
		all = append(all, r.found...)
		if r.err != nil {
			errs = append(errs, r.err)
			opts.logger().Debug("discovery", "err", r.err)
		}
	}
	out := merge(all)
	if len(runs) > 0 && len(errs) == len(runs) {
		return out, errors.Join(errs...)
	}
	return out, nil
}

// merge removes duplicate resources, preferring the entry that carries a
// DNS-SD instance name.
func merge(fs []Found) []Found {
	idx := map[string]int{}
	var out []Found
	for _, f := range fs {
		if i, ok := idx[f.Resource]; ok {
			if out[i].Name == "" && f.Name != "" {
				out[i] = f
			}
			continue
		}
		idx[f.Resource] = len(out)
		out = append(out, f)
	}
	sortFound(out)
	return out
}
