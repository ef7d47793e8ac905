package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runBin runs the built binary with stdin and returns stdout, stderr and
// the exit code.
func runBin(t *testing.T, bin, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String(), errb.String(), code
}

func TestCLITools(t *testing.T) {
	bin := buildCLI(t)
	names := startServe(t, bin, "--socket", "127.0.0.1:0")
	require.NotEmpty(t, names)
	sock := names[0]

	t.Run("help", func(t *testing.T) {
		out, _, code := runBin(t, bin, "", "--help")
		require.Equal(t, 0, code)
		for _, c := range []string{"shell", "bench", "conformance"} {
			assert.Contains(t, out, "\n  "+c+" ")
		}
		out, _, code = runBin(t, bin, "", "conformance", "--list")
		require.Equal(t, 0, code)
		assert.Contains(t, out, "read/termchar")
		assert.Contains(t, out, "lock/device")
	})

	t.Run("list", func(t *testing.T) {
		out, stderr, code := runBin(t, bin, "", "list", "--backend", "@sim", "?*::SOCKET")
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "TCPIP0::localhost::5025::SOCKET")
	})

	t.Run("shell over a pipe", func(t *testing.T) {
		script := strings.Join([]string{
			"# a comment",
			"open " + sock,
			"query *IDN?",
			"write TEST:ECHO? piped",
			"read",
			"timeout 750",
			"attr VI_ATTR_TMO_VALUE",
			"attr send_end_en false",
			"attr VI_ATTR_SEND_END_EN",
			"termchar CRLF LF",
			"termchar LF",
			"attr",
			"close",
			"exit",
			"query never reached",
		}, "\n")
		out, stderr, code := runBin(t, bin, script, "shell")
		require.Equal(t, 0, code, stderr)
		assert.Empty(t, stderr)
		assert.Contains(t, out, "has been opened")
		assert.Contains(t, out, "Response: govisa,Test Instrument,")
		assert.Contains(t, out, "\npiped\n")
		assert.Contains(t, out, "Timeout: 750 ms")
		assert.Contains(t, out, "VI_ATTR_TMO_VALUE: 750")
		assert.Contains(t, out, "VI_ATTR_SEND_END_EN: VI_FALSE")
		assert.Contains(t, out, "Termchar read: CRLF write: LF")
		assert.Contains(t, out, "Termchar read: LF write: LF")
		assert.Regexp(t, `VI_ATTR_RSRC_NAME\s+0xBFFF0002\s+ViString\s+RO\s+"`+strings.ReplaceAll(sock, ".", `\.`), out)
		assert.Contains(t, out, "The resource has been closed.")
		assert.NotContains(t, out, "never reached")
	})

	t.Run("shell errors", func(t *testing.T) {
		out, stderr, code := runBin(t, bin, "read\nopen 99\nnosuch\nattr NO_SUCH_ATTR\n", "shell")
		assert.Equal(t, 1, code, "a script with failing commands exits non-zero")
		assert.Contains(t, stderr, "no resource is open")
		assert.Contains(t, stderr, "no resource 99")
		assert.Contains(t, stderr, `unknown command "nosuch"`)
		assert.Empty(t, out)
	})

	t.Run("bench --json", func(t *testing.T) {
		out, stderr, code := runBin(t, bin, "", "bench", "--json", "--n", "50", "--block", "200000", "--blocks", "2", sock)
		require.Equal(t, 0, code, stderr)
		var rep benchReport
		require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
		assert.Equal(t, 50, rep.Query.N)
		assert.Greater(t, rep.Query.P50US, 0.0)
		assert.LessOrEqual(t, rep.Query.MinUS, rep.Query.P50US)
		assert.LessOrEqual(t, rep.Query.P50US, rep.Query.P99US)
		assert.LessOrEqual(t, rep.Query.P99US, rep.Query.MaxUS)
		require.NotNil(t, rep.Block)
		assert.Equal(t, 200000, rep.Block.Bytes)
		assert.Greater(t, rep.Block.BestMBs, 0.0)
		assert.Empty(t, stderr, "no progress bar when stderr is not a terminal")
	})

	t.Run("conformance --json", func(t *testing.T) {
		out, stderr, code := runBin(t, bin, "", "conformance", "--json", sock)
		require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr, out)
		var rep struct {
			Resource string `json:"resource"`
			Results  []struct {
				Check, Outcome, Reason string
			} `json:"results"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
		assert.Equal(t, sock, rep.Resource)
		outcomes := map[string]string{}
		for _, r := range rep.Results {
			outcomes[r.Check] = r.Outcome
			if r.Outcome == "n/a" {
				assert.NotEmpty(t, r.Reason, r.Check)
			}
		}
		assert.Equal(t, "pass", outcomes["read/termchar"])
		assert.Equal(t, "n/a", outcomes["read/end"], "a socket has no END")
		assert.NotContains(t, outcomes, "")
	})

	t.Run("conformance table and failure exit", func(t *testing.T) {
		out, _, code := runBin(t, bin, "", "conformance", "--checks", "session/,read/count", sock)
		require.Equal(t, 0, code, out)
		assert.Contains(t, out, "session/open-close")
		assert.Contains(t, out, "PASS")
		assert.NotContains(t, out, "lock/")
		// Declaring a feature the socket lacks makes its check fail.
		_, _, code = runBin(t, bin, "", "conformance", "--checks", "read/end", "--features", "END,test-instrument", "--timeout", "300ms", sock)
		assert.Equal(t, 1, code)
	})

	t.Run("trace", func(t *testing.T) {
		_, stderr, code := runBin(t, bin, "", "bench", "--trace", "--n", "1", "--warmup", "0", "--block", "0", sock)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stderr, "msg=viOpen")
		assert.Contains(t, stderr, "msg=viWrite")
		assert.Contains(t, stderr, "status=VI_SUCCESS")

		// query and list take --trace too.
		qout, stderr, code := runBin(t, bin, "", "query", "--trace", sock, "*IDN?")
		require.Equal(t, 0, code, stderr)
		assert.True(t, strings.HasPrefix(qout, "govisa,"), qout)
		assert.Contains(t, stderr, "msg=viRead")
		_, stderr, code = runBin(t, bin, "", "list", "--trace", "--backend", "@sim", "?*::SOCKET")
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stderr, "msg=viFindRsrc")

		// GOVISA_TRACE=json does the same for every command, as JSON.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "query", sock, "*IDN?")
		cmd.Env = append(cmd.Environ(), "GOVISA_TRACE=json")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		require.NoError(t, cmd.Run(), errb.String())
		assert.True(t, strings.HasPrefix(out.String(), "govisa,"), out.String())
		assert.Contains(t, errb.String(), `"msg":"viRead"`)
	})
}

func TestLineEditor(t *testing.T) {
	complete := func(head string) []string {
		var out []string
		for _, c := range []string{"open TCPIP0::1.2.3.4::INSTR", "open TCPIP0::1.2.3.5::INSTR", "query"} {
			if strings.HasPrefix(strings.ToUpper(c), strings.ToUpper(head)) {
				out = append(out, c)
			}
		}
		return out
	}
	ed := newLineEditor(strings.NewReader(
		"hello\r"+ // plain
			"abc\x1b[D\x1b[DX\r"+ // left twice, insert
			"abcdef\x01\x06\x0b\r"+ // Ctrl-A, Ctrl-F, Ctrl-K
			"one two\x17\r"+ // Ctrl-W
			"xy\x7f\x7fz\r"+ // backspaces
			"\x1b[A\x1b[A\r"+ // history: two up
			"qu\t*IDN?\r"+ // single completion adds a space
			"op\t\t4\t\r"+ // common prefix, list, then unique
			"abc\x1b[H\x1b[3~\x1b[F!\r"+ // Home, Delete, End
			"\x03"+ // Ctrl-C
			"\x04"), io.Discard, complete)
	for _, want := range []string{"hello", "aXbc", "a", "one ", "z", "one ", "query *IDN?", "open TCPIP0::1.2.3.4::INSTR ", "bc!"} {
		got, err := ed.readLine("> ")
		require.NoError(t, err)
		assert.Equal(t, want, got)
		ed.addHistory(got)
	}
	_, err := ed.readLine("> ")
	assert.ErrorIs(t, err, errInterrupt)
	_, err = ed.readLine("> ")
	assert.ErrorIs(t, err, io.EOF)
}

func TestRenderProgress(t *testing.T) {
	s := renderProgress("block", 512<<10, 1<<20, time.Second)
	assert.Contains(t, s, " 50%")
	assert.Contains(t, s, "512.0 KiB/1.0 MiB")
	assert.Contains(t, s, "MB/s")
	assert.Contains(t, renderProgress("block", 3<<30, -1, 0), "3.0 GiB")
	p, finish := newProgress(&bytes.Buffer{}, "x")
	assert.Nil(t, p, "no progress bar on a non-terminal")
	finish()
}

func TestPercentileAndTerms(t *testing.T) {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i+1) * time.Millisecond
	}
	assert.Equal(t, 50*time.Millisecond, percentile(d, 50))
	assert.Equal(t, 99*time.Millisecond, percentile(d, 99))
	assert.Equal(t, 100*time.Millisecond, percentile(d, 100))
	assert.Equal(t, time.Millisecond, percentile(d[:1], 99))
	for in, want := range map[string]string{"CRLF": "\r\n", "lf": "\n", "none": "", `\r`: "\r", "NUL": "\x00"} {
		got, err := parseTerm(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := parseTerm(`\q`)
	assert.Error(t, err)
}

// The conformance command against the VXI-11 and HiSLIP servers of
// `govisa serve`, where END, the status byte, triggers and SRQ exist.
func TestCLIConformanceINSTR(t *testing.T) {
	bin := buildCLI(t)
	names := startServe(t, bin, "--socket", "", "--vxi11", "127.0.0.1:0", "--portmapper", "none", "--hislip", "127.0.0.1:0")
	require.Len(t, names, 2)
	for _, name := range names {
		out, stderr, code := runBin(t, bin, "", "conformance", "--json", "--checks", "session/,read/end,read/count,status/,device/,timing/timeout", name)
		require.Equal(t, 0, code, "%s\nstderr: %s\nstdout: %s", name, stderr, out)
		var rep struct {
			Features string `json:"features"`
			Results  []struct{ Check, Outcome string }
		}
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		assert.Contains(t, rep.Features, "END")
		for _, r := range rep.Results {
			if r.Check != "session/connection-loss" {
				assert.Equal(t, "pass", r.Outcome, "%s %s", name, r.Check)
			}
		}
	}
}
