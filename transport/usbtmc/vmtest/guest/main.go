//go:build linux

// Command guest is the /init of the USB test VM: it loads the USB modules,
// builds a dummy_hcd gadget whose FunctionFS functions are served by the
// simulated USBTMC device, then tests the host side against the kernel's
// USB stack through usbfs and through /dev/usbtmc0, prints one marker line
// per check and powers the VM off.
//
// Marker lines: "GOVISA-USBVM PASS <name>", "GOVISA-USBVM FAIL <name>: <why>",
// "GOVISA-USBVM BENCH <name> <value> <unit>", and finally
// "GOVISA-USBVM DONE pass=N fail=M".
package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport/usbtmc"
	"github.com/govisa/govisa/transport/usbtmc/ffs"
)

// The gadget's identity, matched by the host-side checks.
const (
	vendorID  = 0x1209 // pid.codes test vendor
	productID = 0x0001
	serial    = "GOVISA-VM-1"
	vendorMax = 64 << 10 // the gadget's vendor echo refuses more (and halts Bulk-OUT)
)

var modules = []string{"usb-common", "usbcore", "udc-core", "configfs", "libcomposite", "usb_f_fs", "dummy_hcd", "usbtmc"}

var passed, failed int

func pass(name string) {
	passed++
	fmt.Printf("GOVISA-USBVM PASS %s\n", name)
}

func fail(name string, format string, a ...any) {
	failed++
	fmt.Printf("GOVISA-USBVM FAIL %s: %s\n", name, fmt.Sprintf(format, a...))
}

func main() {
	if os.Getpid() != 1 {
		fmt.Println("guest: not running as init; refusing to set up a gadget")
		os.Exit(2)
	}
	defer func() {
		if r := recover(); r != nil {
			fail("panic", "%v", r)
		}
		if failed > 0 {
			dmesg()
		}
		fmt.Printf("GOVISA-USBVM DONE pass=%d fail=%d\n", passed, failed)
		unix.Sync()
		unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	}()
	// Endpoint files block in read/write syscalls that the Go runtime only
	// hands off after a sysmon tick; with one vCPU and GOMAXPROCS=1 every
	// device/host hand-off could wait for that. More Ps avoid the stalls.
	runtime.GOMAXPROCS(4)
	if err := setup(); err != nil {
		fail("setup", "%v", err)
		return
	}
	pass("setup")
	runChecks()
}

func setup() error {
	for _, m := range []struct{ src, dst, typ string }{
		{"proc", "/proc", "proc"}, {"sysfs", "/sys", "sysfs"}, {"devtmpfs", "/dev", "devtmpfs"},
	} {
		os.MkdirAll(m.dst, 0o755)
		if err := unix.Mount(m.src, m.dst, m.typ, 0, ""); err != nil && err != unix.EBUSY {
			return fmt.Errorf("mount %s: %w", m.dst, err)
		}
	}
	for _, m := range modules {
		f, err := os.Open(filepath.Join("/modules", m+".ko"))
		if err != nil {
			return err
		}
		err = unix.FinitModule(int(f.Fd()), "", 0)
		f.Close()
		if err != nil && err != unix.EEXIST {
			return fmt.Errorf("insmod %s: %w", m, err)
		}
	}
	if err := unix.Mount("configfs", ffs.ConfigfsRoot, "configfs", 0, ""); err != nil && err != unix.EBUSY {
		return fmt.Errorf("mount configfs: %w", err)
	}
	g := ffs.Gadget{Name: "g1", VendorID: vendorID, ProductID: productID, Serial: serial,
		Manufacturer: "govisa", Product: "VM Test Instrument", Functions: []string{"usbtmc", "raw"}}
	mounts, err := g.Create()
	if err != nil {
		return err
	}
	var log *slog.Logger
	if cmdline, _ := os.ReadFile("/proc/cmdline"); strings.Contains(string(cmdline), "govisa.debug=1") {
		log = slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	inst := sim.NewTestInstrument()
	if _, err := ffs.Serve(mounts[0], ffs.USB488, usbtmc.NewDevice(inst, usbtmc.DeviceOptions{Vendor: &usbtmc.VendorEcho{Max: vendorMax}}), log); err != nil {
		return fmt.Errorf("serve usbtmc: %w", err)
	}
	// A second instrument behind plain bulk pipes: the raw-transfer baseline.
	if _, err := ffs.Serve(mounts[1], ffs.Raw, usbtmc.NewDevice(sim.NewTestInstrument(), usbtmc.DeviceOptions{Raw: true}), nil); err != nil {
		return fmt.Errorf("serve raw: %w", err)
	}
	udc, err := ffs.FirstUDC()
	if err != nil {
		return err
	}
	if err := g.Bind(udc); err != nil {
		return fmt.Errorf("bind %s: %w", udc, err)
	}
	if !waitFor("/dev/usbtmc0", 10*time.Second) {
		return fmt.Errorf("/dev/usbtmc0 did not appear")
	}
	return nil
}

func waitFor(path string, d time.Duration) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// lsusb prints what the host side sees, for the log.
func lsusb() {
	ents, _ := os.ReadDir("/sys/bus/usb/devices")
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	fmt.Printf("guest: usb devices %s\n", strings.Join(names, " "))
}

// dmesg prints the kernel's USB messages after a failure.
func dmesg() {
	// Raw syscalls: an os.File would park a non-blocking read in the
	// poller instead of returning EAGAIN at the end of the log.
	fd, err := unix.Open("/dev/kmsg", unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	buf := make([]byte, 8192)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			return
		}
		line := string(buf[:n])
		if _, msg, ok := strings.Cut(line, ";"); ok && strings.Contains(msg, "tmc") {
			msg, _, _ = strings.Cut(msg, "\n")
			fmt.Printf("guest: kernel: %s\n", msg)
		}
	}
}
