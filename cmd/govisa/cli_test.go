package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// buildCLI builds the govisa binary once per test binary.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "govisa")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

// startServe runs `govisa serve` with args and returns the resource names
// it printed before "ready".
func startServe(t *testing.T, bin string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			assert.NoError(t, err, "serve must stop cleanly on SIGINT; stderr: %s", stderr.String())
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Error("serve did not stop on SIGINT")
		}
	})
	var names []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if line == "ready" {
			go func() { _, _ = bufio.NewReader(stdout).WriteTo(new(bytes.Buffer)) }()
			return names
		}
		names = append(names, line)
	}
	t.Fatalf("serve exited before ready: %s", stderr.String())
	return nil
}

func TestCLI(t *testing.T) {
	bin := buildCLI(t)
	names := startServe(t, bin, "--socket", "127.0.0.1:0")
	require.Len(t, names, 1)
	assert.True(t, strings.HasSuffix(names[0], "::SOCKET"), names[0])

	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
		return string(out), err
	}
	t.Run("query", func(t *testing.T) {
		out, err := run("query", "--timeout", "2s", names[0], "*IDN?")
		require.NoError(t, err, out)
		assert.True(t, strings.HasPrefix(out, "govisa,"), out)
	})
	t.Run("query error", func(t *testing.T) {
		out, err := run("query", "TCPIP::127.0.0.1::1::SOCKET", "*IDN?")
		require.Error(t, err)
		assert.Contains(t, out, "VI_ERROR_RSRC_NFOUND")
	})
	t.Run("list json", func(t *testing.T) {
		out, err := run("list", "--json", "?*")
		require.NoError(t, err, out)
		var entries []struct{ Resource, Interface, Class string }
		require.NoError(t, json.Unmarshal([]byte(out), &entries), out)
		for _, e := range entries {
			assert.NotEmpty(t, e.Resource)
			assert.NotEmpty(t, e.Class)
		}
	})
	t.Run("info", func(t *testing.T) {
		out, err := run("info")
		require.NoError(t, err, out)
		assert.Contains(t, out, "@go")
		assert.Contains(t, out, "TCPIP SOCKET")
	})
	t.Run("alias", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "aliases")
		require.NoError(t, os.WriteFile(file, []byte("bench = "+names[0]+"\nsimdmm = GPIB0::8::INSTR\n"), 0o600))
		withAliases := func(args ...string) (string, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Env = append(os.Environ(), visa.AliasesEnv+"="+file)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		out, err := withAliases("query", "--timeout", "2s", "BENCH", "*IDN?")
		require.NoError(t, err, out)
		assert.True(t, strings.HasPrefix(out, "govisa,"), out)
		out, err = withAliases("info")
		require.NoError(t, err, out)
		assert.Contains(t, out, "bench            "+names[0])
		out, err = withAliases("list", "--backend", "@sim", "GPIB?*")
		require.NoError(t, err, out)
		assert.Contains(t, out, "GPIB0::8::INSTR  (alias simdmm)")
		out, err = withAliases("list", "--backend", "@sim", "--json", "GPIB?*")
		require.NoError(t, err, out)
		var entries []struct{ Resource, Alias string }
		require.NoError(t, json.Unmarshal([]byte(out), &entries), out)
		assert.Contains(t, entries, struct{ Resource, Alias string }{"GPIB0::8::INSTR", "simdmm"})
	})
	t.Run("help", func(t *testing.T) {
		out, err := run("--help")
		require.NoError(t, err, out)
		assert.Contains(t, out, "serve")
		_, err = run("nosuchcommand")
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee))
		assert.Equal(t, 2, ee.ExitCode())
	})
	t.Run("demo", func(t *testing.T) {
		out, err := run("demo", "--queries", "20", "--block", "100000")
		require.NoError(t, err, out)
		assert.Contains(t, out, "content verified")
	})
}

// pyvisaPython returns Debian's python3 with pyvisa-py, or skips. .ci/run
// installs the packages and sets GOVISA_REQUIRE_INTEROP=1 so that CI fails
// instead of skipping when the client is missing.
func pyvisaPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("GOVISA_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import pyvisa, pyvisa_py").Run(); err != nil {
		if os.Getenv("GOVISA_REQUIRE_INTEROP") != "" {
			t.Fatalf("pyvisa-py is required (GOVISA_REQUIRE_INTEROP is set) but %s cannot import it: %v", py, err)
		}
		t.Skipf("pyvisa-py not importable by %s (install python3-pyvisa-py): %v", py, err)
	}
	return py
}

// pyvisaScript queries *IDN? and a block through pyvisa-py's "@py" backend.
const pyvisaScript = `
import sys, pyvisa
rm = pyvisa.ResourceManager("@py")
inst = rm.open_resource(sys.argv[1], read_termination="\n", write_termination="\n", timeout=10000)
print(inst.query("*IDN?"))
n = int(sys.argv[2])
data = inst.query_binary_values("TEST:BLOCK? %d" % n, datatype="B", container=bytes)
assert len(data) == n, len(data)
assert all(b == i % 256 for i, b in enumerate(data)), "block content"
print("block ok", len(data))
print(inst.query("TEST:ECHO? after block"))
inst.close()
rm.close()
`

func runPyVISA(t *testing.T, py, resource string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", pyvisaScript, resource, fmt.Sprint(n)).CombinedOutput()
	require.NoError(t, err, string(out))
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 3, string(out))
	assert.True(t, strings.HasPrefix(lines[0], "govisa,"), lines[0])
	assert.Equal(t, fmt.Sprintf("block ok %d", n), lines[1])
	assert.Equal(t, "after block", lines[2])
}

// TestPyVISAInterop: Debian's python3-pyvisa-py client queries the test
// instrument served by `govisa serve --socket`.
func TestPyVISAInterop(t *testing.T) {
	py := pyvisaPython(t)
	bin := buildCLI(t)
	names := startServe(t, bin, "--socket", "127.0.0.1:0")
	runPyVISA(t, py, names[0], 100000)
}

// TestPyVISAInteropVXI11: pyvisa-py's VXI-11 client finds `govisa serve
// --vxi11` through the portmapper on 127.0.0.1:111 (ours, or the system
// rpcbind we register with) and reads a large block.
func TestPyVISAInteropVXI11(t *testing.T) {
	py := pyvisaPython(t)
	if l, err := net.Listen("tcp", "127.0.0.1:111"); err != nil {
		if c, derr := net.Dial("tcp", "127.0.0.1:111"); derr == nil {
			c.Close() // a system portmapper is there: serve registers with it
		} else if os.Getenv("GOVISA_REQUIRE_INTEROP") != "" {
			t.Fatalf("cannot bind the portmapper port 127.0.0.1:111: %v", err)
		} else {
			t.Skipf("cannot bind 127.0.0.1:111 (needs root): %v", err)
		}
	} else {
		l.Close()
	}
	bin := buildCLI(t)
	names := startServe(t, bin, "--socket", "", "--vxi11", "127.0.0.1:0", "--portmapper", "127.0.0.1:111")
	require.Len(t, names, 1)
	require.Equal(t, "TCPIP0::127.0.0.1::inst0::INSTR", names[0])
	runPyVISA(t, py, names[0], 2000000)
}
