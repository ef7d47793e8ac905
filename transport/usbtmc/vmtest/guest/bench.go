//go:build linux

package main

import (
	"fmt"
	"sort"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc/host"
)

const benchSize = 4 << 20

// bench measures block-read throughput through the USBTMC engine over
// usbfs, and the raw bulk rate of the same dummy_hcd path: the same
// simulated instrument behind a vendor-specific interface with plain bulk
// pipes (no USBTMC headers, no REQUEST_DEV_DEP_MSG_IN round trips).
func bench(c transport.Conn) {
	cmd := fmt.Sprintf("TEST:BLOCK? %d\n", benchSize)
	m := host.Match{VendorID: vendorID, ProductID: productID, Serial: serial, Interface: 1}
	rc, err := host.OpenRaw(ctxFor(5*time.Second), m)
	if err != nil {
		fail("bench-raw-open", "%v", err)
		return
	}
	defer rc.Close()
	want := benchSize + len(fmt.Sprintf("#%d%d", len(fmt.Sprint(benchSize)), benchSize)) + 1
	buf := make([]byte, 1<<20)
	// Both loops read into the same 1 MiB buffer and discard the data.
	viaTMC := func() error {
		if _, err := c.Write(ctxFor(5*time.Second), []byte(cmd), true); err != nil {
			return err
		}
		for got := 0; ; {
			n, why, err := c.Read(ctxFor(10*time.Second), buf, transport.ReadOptions{})
			if err != nil {
				return err
			}
			if got += n; why.Has(transport.ReasonEND) {
				if got != want {
					return fmt.Errorf("read %d bytes, want %d", got, want)
				}
				return nil
			}
		}
	}
	viaRaw := func() error {
		if _, err := rc.Write(ctxFor(5*time.Second), []byte(cmd), true); err != nil {
			return err
		}
		for got := 0; got < want; {
			n, _, err := rc.Read(ctxFor(10*time.Second), buf, transport.ReadOptions{})
			if err != nil {
				return err
			}
			got += n
		}
		return nil
	}
	tmc, raw := rates(viaTMC, viaRaw)
	if tmc <= 0 || raw <= 0 {
		fail("bench", "usbtmc %.1f MB/s raw %.1f MB/s", tmc, raw)
		return
	}
	fmt.Printf("GOVISA-USBVM BENCH usbfs_block_read %.1f MB/s\n", tmc)
	fmt.Printf("GOVISA-USBVM BENCH raw_bulk %.1f MB/s\n", raw)
	fmt.Printf("GOVISA-USBVM BENCH ratio_vs_raw %.3f x\n", tmc/raw)
	pass("bench")
}

// rates alternates the two measurements (TCG timing drifts, so both see
// the same conditions) after a warm-up and returns the median MB/s of each.
func rates(a, b func() error) (float64, float64) {
	if a() != nil || b() != nil {
		return -1, -1
	}
	var ra, rb []float64
	for range 7 {
		for _, x := range []struct {
			f   func() error
			out *[]float64
		}{{a, &ra}, {b, &rb}} {
			t := time.Now()
			if err := x.f(); err != nil {
				fmt.Printf("guest: bench: %v\n", err)
				return -1, -1
			}
			*x.out = append(*x.out, float64(benchSize)/time.Since(t).Seconds()/1e6)
		}
	}
	return median(ra), median(rb)
}

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}
