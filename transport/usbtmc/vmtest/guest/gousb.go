//go:build linux

package main

import (
	"os"
	"os/exec"
	"time"
)

// runGousbCheck runs /gousbcheck, the cgo binary the host test adds when
// it can build the gousb (libusb) path; it prints its own marker lines.
func runGousbCheck() {
	if _, err := os.Stat("/gousbcheck"); err != nil {
		return
	}
	cmd := exec.Command("/gousbcheck")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		fail("gousb-idn", "start: %v", err)
		return
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			failed++ // the binary printed its FAIL line
		} else {
			passed++
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		fail("gousb-idn", "no answer within 30 s")
	}
}
