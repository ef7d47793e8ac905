//go:build linux

package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc/kdriver"
)

// kdriverCancel checks that a read through /dev/usbtmcN with no deadline
// and no response pending ends when its context is cancelled (the driver
// cannot interrupt a read(), so the Conn waits in short slices), and that
// the next query works.
func kdriverCancel(kc *kdriver.Conn) {
	kc.SetCancelSlice(200 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := kc.Read(ctx, make([]byte, 100), transport.ReadOptions{})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // past the first slice: the read is in its second kernel wait
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !errors.Is(err, transport.ErrAborted) {
			fail("kdriver-cancel", "cancelled read returned %v, want ErrAborted wrapping context.Canceled", err)
			return
		}
	case <-time.After(10 * time.Second):
		fail("kdriver-cancel", "the cancelled read did not return")
		return
	}
	if s, err := query(kc, "*IDN?\n", 1000); err != nil || !strings.Contains(s, "Test Instrument") {
		fail("kdriver-cancel", "after the cancelled read: %q %v", s, err)
		return
	}
	pass("kdriver-cancel")
}
