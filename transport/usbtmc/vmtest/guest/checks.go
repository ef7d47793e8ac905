//go:build linux

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/usbtmc"
	"github.com/govisa/govisa/transport/usbtmc/host"
	"github.com/govisa/govisa/transport/usbtmc/kdriver"
	"github.com/govisa/govisa/transport/usbtmc/usbfs"
)

func ctxFor(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	time.AfterFunc(d+time.Second, cancel) // after the deadline, so Err() is DeadlineExceeded
	return ctx
}

func query(c transport.Conn, cmd string, max int) (string, error) {
	if _, err := c.Write(ctxFor(5*time.Second), []byte(cmd), true); err != nil {
		return "", err
	}
	return readAll(c, max)
}

func readAll(c transport.Conn, max int) (string, error) {
	var out []byte
	buf := make([]byte, 1<<20)
	for len(out) < max {
		n, why, err := c.Read(ctxFor(10*time.Second), buf, transport.ReadOptions{})
		out = append(out, buf[:n]...)
		if err != nil {
			return string(out), err
		}
		if why.Has(transport.ReasonEND) {
			break
		}
	}
	return string(out), nil
}

func checkBlock(s string, n int) error {
	hdr := fmt.Sprintf("#%d%d", len(fmt.Sprint(n)), n)
	if !strings.HasPrefix(s, hdr) {
		return fmt.Errorf("block header %q", s[:min(len(s), 16)])
	}
	body := s[len(hdr):]
	if len(body) < n {
		return fmt.Errorf("block of %d bytes, want %d", len(body), n)
	}
	for i := 0; i < n; i++ {
		if body[i] != byte(i) {
			return fmt.Errorf("byte %d = %d", i, body[i])
		}
	}
	return nil
}

// common runs the checks both access paths share.
func common(prefix string, c transport.Conn) {
	if s, err := query(c, "*IDN?\n", 1000); err != nil || !strings.Contains(s, "Test Instrument") {
		fail(prefix+"-idn", "%q %v", s, err)
	} else {
		pass(prefix + "-idn")
	}
	if s, err := query(c, "TEST:BLOCK? 1000000\n", 2_000_000); err != nil {
		fail(prefix+"-block", "%v", err)
	} else if err := checkBlock(s, 1000000); err != nil {
		fail(prefix+"-block", "%v", err)
	} else {
		pass(prefix + "-block")
	}
	cl := c.(transport.Clearer)
	if _, err := c.Write(ctxFor(5*time.Second), []byte("TEST:ECHO? stale\n"), true); err != nil {
		fail(prefix+"-clear", "write: %v", err)
	} else if err := cl.Clear(ctxFor(5 * time.Second)); err != nil {
		fail(prefix+"-clear", "%v", err)
	} else if s, err := query(c, "TEST:ECHO? fresh\n", 100); err != nil || s != "fresh\n" {
		fail(prefix+"-clear", "after clear: %q %v", s, err)
	} else {
		pass(prefix + "-clear")
	}
	st := c.(transport.STBReader)
	if _, err := c.Write(ctxFor(5*time.Second), []byte("*SRE 1;TEST:SRQ\n"), true); err != nil {
		fail(prefix+"-stb", "write: %v", err)
	} else {
		// The device executes the command after the bulk transfer
		// completes, as a real instrument does: poll until it has.
		var stb byte
		var err error
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if stb, err = st.ReadSTB(ctxFor(5 * time.Second)); err != nil || stb&0x41 == 0x41 {
				break
			}
		}
		if err != nil || stb&0x41 != 0x41 {
			fail(prefix+"-stb", "stb %#x %v", stb, err)
		} else {
			pass(prefix + "-stb")
		}
	}
	query(c, "*CLS;*SRE 0\n", 0)
	if err := c.(transport.Triggerer).Trigger(ctxFor(5 * time.Second)); err != nil {
		fail(prefix+"-trigger", "%v", err)
	} else if s, err := query(c, "TEST:TRIG:COUN?\n", 100); err != nil || s == "0\n" {
		fail(prefix+"-trigger", "count %q %v", s, err)
	} else {
		pass(prefix + "-trigger")
	}
	_, _, err := c.Read(ctxFor(300*time.Millisecond), make([]byte, 100), transport.ReadOptions{})
	if !isTimeout(err) {
		fail(prefix+"-timeout", "read without a query: %v", err)
	} else if s, err := query(c, "*IDN?\n", 1000); err != nil || !strings.Contains(s, "Test Instrument") {
		fail(prefix+"-timeout", "after the timeout: %q %v", s, err)
	} else {
		pass(prefix + "-timeout")
	}
}

func isTimeout(err error) bool {
	return err != nil && strings.Contains(err.Error(), transport.ErrTimeout.Error())
}

func runChecks() {
	lsusb()
	m := host.Match{VendorID: vendorID, ProductID: productID, Serial: serial, Interface: -1}
	found, err := usbfs.Find(usbfs.SysfsRoot, m)
	if err != nil {
		fail("find", "%v", err)
		return
	}
	in := found[0]
	fmt.Printf("guest: found %s interface %d driver %q misc %q endpoints %+v\n", in.Device.Node(), in.Interface.Number, in.Interface.Driver, in.Interface.Misc, in.Interface.Endpoints)
	if in.Interface.Driver == "usbtmc" {
		pass("find")
	} else {
		fail("find", "usbtmc driver not bound: %q", in.Interface.Driver)
	}

	c, err := host.Open(ctxFor(5*time.Second), m)
	if err != nil {
		fail("usbfs-open", "%v", err)
	} else {
		uc, ok := c.(*host.Session).Conn().(*usbtmc.Conn)
		if !ok {
			fail("usbfs-open", "opened through %T, not usbfs", c.(*host.Session).Conn())
			c.Close()
			return
		}
		fmt.Printf("guest: usbfs interface %+v caps %+v\n", uc.Interface(), uc.Capabilities())
		pass("usbfs-open")
		srq := make(chan struct{}, 1)
		c.(transport.SRQNotifier).OnSRQ(func() {
			select {
			case srq <- struct{}{}:
			default:
			}
		})
		common("usbfs", c)
		select {
		case <-srq:
			pass("usbfs-srq")
		case <-time.After(2 * time.Second):
			fail("usbfs-srq", "no service request notification")
		}
		vendorChecks(c.(*host.Session))
		bench(c)
		c.Close()
	}

	// Closing the usbfs session reattached the kernel driver.
	if !waitFor("/dev/usbtmc0", 5*time.Second) {
		fail("kdriver-open", "/dev/usbtmc0 did not come back")
		return
	}
	time.Sleep(200 * time.Millisecond)
	kc, err := kdriver.Open("/dev/usbtmc0", nil)
	if err != nil {
		fail("kdriver-open", "%v", err)
		return
	}
	pass("kdriver-open")
	fmt.Printf("guest: usbtmc driver API %d caps %#x\n", kc.APIVersion(), kc.USB488Caps())
	common("kdriver", kc)
	kdriverCancel(kc)
	kc.Close()
	runConformance()
	runGousbCheck()
}
