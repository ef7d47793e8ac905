//go:build linux

package main

import (
	"fmt"
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
	tmc := rate(func() error {
		_, err := query(c, cmd, 2*benchSize)
		return err
	})
	m := host.Match{VendorID: vendorID, ProductID: productID, Serial: serial, Interface: 1}
	rc, err := host.OpenRaw(ctxFor(5*time.Second), m)
	if err != nil {
		fail("bench-raw-open", "%v", err)
		return
	}
	defer rc.Close()
	want := benchSize + len(fmt.Sprintf("#%d%d", len(fmt.Sprint(benchSize)), benchSize)) + 1
	buf := make([]byte, 1<<20)
	raw := rate(func() error {
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
	})
	if tmc <= 0 || raw <= 0 {
		fail("bench", "usbtmc %.1f MB/s raw %.1f MB/s", tmc, raw)
		return
	}
	fmt.Printf("GOVISA-USBVM BENCH usbfs_block_read %.1f MB/s\n", tmc)
	fmt.Printf("GOVISA-USBVM BENCH raw_bulk %.1f MB/s\n", raw)
	fmt.Printf("GOVISA-USBVM BENCH ratio_vs_raw %.3f x\n", tmc/raw)
	pass("bench")
}

// rate runs f three times after a warm-up and returns the best MB/s.
func rate(f func() error) float64 {
	if err := f(); err != nil {
		fmt.Printf("guest: bench warm-up: %v\n", err)
		return -1
	}
	best := 0.0
	for range 3 {
		t := time.Now()
		if err := f(); err != nil {
			fmt.Printf("guest: bench: %v\n", err)
			return -1
		}
		best = max(best, float64(benchSize)/time.Since(t).Seconds()/1e6)
	}
	return best
}
