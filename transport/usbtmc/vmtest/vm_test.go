package vmtest

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var modules = []string{"usb-common", "usbcore", "udc-core", "configfs", "libcomposite", "usb_f_fs", "dummy_hcd", "usbtmc"}

func cacheDir() string {
	if d := os.Getenv("GOVISA_USBVM_CACHE"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "govisa-usbvm")
}

// need skips (or, with GOVISA_REQUIRE_USBVM=1, fails) when a piece is missing.
func need(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("GOVISA_REQUIRE_USBVM") == "1" {
		t.Fatalf("USB VM test: %s (GOVISA_REQUIRE_USBVM=1)", what)
	}
	t.Skipf("USB VM test skipped: %s (see testdata/usbvm/fetch-kernel.sh)", what)
}

// buildInitramfs compiles the guest statically and packs it with the
// modules into a newc archive. When the host can build the gousb check
// (cgo, libusb-1.0 headers), it goes in too with its shared libraries.
func buildInitramfs(t testing.TB, cache string) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "init")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./guest")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the guest: %v\n%s", err, out)
	}
	initBytes, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := &cpioWriter{w: &buf}
	for _, d := range []string{"dev", "proc", "sys", "tmp", "modules"} {
		w.Dir(d)
	}
	w.CharDev("dev/console", 5, 1)
	w.CharDev("dev/null", 1, 3)
	w.File("init", 0o755, initBytes)
	for _, m := range modules {
		b, err := os.ReadFile(filepath.Join(cache, "modules", m+".ko"))
		if err != nil {
			t.Fatal(err)
		}
		w.File("modules/"+m+".ko", 0o644, b)
	}
	withGousb := addGousbCheck(t, w, dir)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "initramfs.cpio")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, withGousb
}

// addGousbCheck builds ./gousbcheck with -tags gousb and cgo and adds it
// as /gousbcheck with the dynamic loader and libraries ldd names, at the
// same paths. It reports false (and adds nothing) when that cannot be
// built here.
func addGousbCheck(t testing.TB, w *cpioWriter, dir string) bool {
	bin := filepath.Join(dir, "gousbcheck")
	cmd := exec.Command("go", "build", "-tags", "gousb", "-trimpath", "-o", bin, "./gousbcheck")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("GOVISA_REQUIRE_GOUSB") == "1" {
			t.Fatalf("gousb check not built (needs cgo and libusb-1.0-0-dev), and GOVISA_REQUIRE_GOUSB=1: %v\n%s", err, out)
		}
		t.Logf("gousb check not built (needs cgo and libusb-1.0-0-dev): %v\n%s", err, out)
		return false
	}
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		t.Logf("gousb check: ldd: %v", err)
		return false
	}
	var libs []string
	for _, line := range strings.Split(string(out), "\n") {
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "/") {
				libs = append(libs, f)
			}
		}
	}
	dirs := map[string]bool{}
	for _, l := range libs {
		if _, err := os.Stat(l); err != nil {
			t.Logf("gousb check: %v", err)
			return false
		}
		for d := filepath.Dir(strings.TrimPrefix(l, "/")); d != "." && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	var ds []string
	for d := range dirs {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return len(ds[i]) < len(ds[j]) }) // parents first
	for _, d := range ds {
		w.Dir(d)
	}
	for _, l := range libs {
		b, err := os.ReadFile(l)
		if err != nil {
			t.Logf("gousb check: %v", err)
			return false
		}
		w.File(strings.TrimPrefix(l, "/"), 0o755, b)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return false
	}
	w.File("gousbcheck", 0o755, b)
	return true
}

// runVM boots the VM and returns its console output, and whether the
// gousb check went into it.
func runVM(t testing.TB) (string, bool) {
	t.Helper()
	qemu, err := exec.LookPath("qemu-system-x86_64")
	need(t, err == nil, "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)")
	cache := cacheDir()
	_, err = os.Stat(filepath.Join(cache, "vmlinuz"))
	need(t, err == nil, "no kernel in "+cache)
	_, err = exec.LookPath("go")
	need(t, err == nil, "go tool not on PATH")
	initrd, withGousb := buildInitramfs(t, cache)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmdline := "console=ttyS0 quiet panic=-1"
	if os.Getenv("GOVISA_USBVM_DEBUG") == "1" {
		cmdline += " govisa.debug=1"
	}
	args := []string{"-m", "512", "-smp", "2", "-accel", "tcg", "-nographic", "-no-reboot", "-nic", "none",
		"-kernel", filepath.Join(cache, "vmlinuz"), "-initrd", initrd,
		"-append", cmdline}
	// Two vCPUs (multi-threaded TCG): with one, the guest's device and host
	// goroutines starve each other and the throughput figures turn bimodal.
	cmd := exec.CommandContext(ctx, qemu, args...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("VM did not power off within 5 minutes:\n%s", out)
	}
	if err != nil {
		t.Logf("qemu: %v", err)
	}
	return string(out), withGousb
}

// knownConformanceFailures are failing checks whose cause is outside the
// USB transport; each names it. A known failure that passes is reported so
// that the entry can go.
var knownConformanceFailures = map[string]string{}

var benchRE = regexp.MustCompile(`GOVISA-USBVM BENCH (\S+) ([0-9.]+) (\S+)`)

// TestUSBVM checks the marker lines: usbfs and /dev/usbtmc0 round trips
// (*IDN?, a 1 MB block, clear, STB, trigger, timeout recovery), SRQ over
// the interrupt endpoint, and the throughput comparison.
func TestUSBVM(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a VM")
	}
	out, withGousb := runVM(t)
	if os.Getenv("GOVISA_USBVM_DEBUG") == "1" {
		t.Log(out)
	}
	var done bool
	sc := bufio.NewScanner(strings.NewReader(out))
	seen := map[string]bool{}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		// The first console line carries terminal escapes before the marker.
		if i := strings.Index(line, "GOVISA-USBVM"); i >= 0 {
			line = line[i:]
		} else if !strings.HasPrefix(line, "guest:") {
			continue
		}
		t.Log(line)
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[1] == "PASS":
			seen[f[2]] = true
		case len(f) >= 3 && f[1] == "FAIL":
			t.Errorf("%s", line)
		case len(f) >= 4 && f[1] == "CONF":
			seen["conf:"+f[2]] = true
			switch why, known := knownConformanceFailures[f[2]]; {
			case f[3] == "fail" && known:
				t.Logf("known conformance failure %s (%s)", f[2], why)
			case f[3] == "fail":
				t.Errorf("conformance: %s", line)
			case known:
				t.Logf("conformance %s now %s: remove it from knownConformanceFailures", f[2], f[3])
			}
		case len(f) >= 2 && f[1] == "SKIP":
			t.Logf("not run in the VM: %s", line)
		case len(f) >= 2 && f[1] == "DONE":
			done = true
		}
	}
	if !done {
		t.Fatalf("no DONE marker; console:\n%s", out)
	}
	conf := 0
	for k := range seen {
		if strings.HasPrefix(k, "conf:") {
			conf++
		}
	}
	if conf == 0 {
		t.Errorf("the conformance suite reported no check on the USB INSTR resource")
	}
	if withGousb && !seen["gousb-idn"] {
		t.Errorf("check gousb-idn did not pass (the gousb check was built into the VM)")
	}
	for _, name := range []string{"setup", "find", "usbfs-open", "usbfs-idn", "usbfs-block", "usbfs-clear", "usbfs-stb",
		"usbfs-trigger", "usbfs-timeout", "usbfs-srq", "usbfs-vendor", "usbfs-vendor-stall", "bench", "kdriver-open", "kdriver-idn", "kdriver-block",
		"kdriver-clear", "kdriver-stb", "kdriver-trigger", "kdriver-timeout", "kdriver-cancel"} {
		if !seen[name] {
			t.Errorf("check %s did not pass", name)
		}
	}
}

// BenchmarkUSBVMBlockRead boots the VM once and reports the guest's
// measurements: block-read throughput through the USBTMC engine over
// usbfs, the raw bulk rate of the same dummy_hcd path, and their ratio.
func BenchmarkUSBVMBlockRead(b *testing.B) {
	out, _ := runVM(b)
	got := map[string]float64{}
	for _, m := range benchRE.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		got[m[1]] = v
	}
	if len(got) < 3 {
		b.Fatalf("no benchmark lines; console:\n%s", out)
	}
	for i := 0; i < b.N; i++ {
	}
	b.ReportMetric(got["usbfs_block_read"], "MB/s")
	b.ReportMetric(got["raw_bulk"], "raw_MB/s")
	b.ReportMetric(got["ratio_vs_raw"], "ratio_vs_raw")
}
