package visa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the handler goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) records(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func TestTraceLibraryLogsCalls(t *testing.T) {
	name := serveSocket(t, sim.NewTestInstrument(), "127.0.0.1:0")
	var buf syncBuffer
	lib, err := visa.OpenLibrary("")
	require.NoError(t, err)
	traced := visa.NewTraceLibrary(lib, slog.New(slog.NewJSONHandler(&buf, nil)))
	rm, err := visa.NewResourceManagerFor(traced)
	require.NoError(t, err)
	defer rm.Close()
	ctx := context.Background()
	r, err := rm.OpenResource(ctx, name, visa.WithTimeout(2*time.Second))
	require.NoError(t, err)
	got, err := r.Query(ctx, "TEST:ECHO? hello trace")
	require.NoError(t, err)
	assert.Equal(t, "hello trace", got)
	// A failing call is traced with its error status.
	_, err = r.ReadSTB(ctx)
	require.ErrorIs(t, err, visa.ErrNotSupported)
	require.NoError(t, r.Close())

	recs := buf.records(t)
	byOp := map[string]map[string]any{}
	for _, rec := range recs {
		byOp[rec["msg"].(string)] = rec
		assert.Contains(t, rec, "duration")
		assert.Contains(t, rec, "status")
	}
	require.Contains(t, byOp, "viOpen")
	assert.Equal(t, name, byOp["viOpen"]["name"])
	require.Contains(t, byOp, "viWrite")
	w := byOp["viWrite"]["buf"].(map[string]any)
	assert.Equal(t, `"TEST:ECHO? hello trace\n"`, w["data"])
	require.Contains(t, byOp, "viRead")
	assert.Contains(t, []string{"VI_SUCCESS", "VI_SUCCESS_TERM_CHAR"}, byOp["viRead"]["status"])
	assert.Contains(t, byOp["viRead"]["got"].(map[string]any)["data"], "hello trace")
	require.Contains(t, byOp, "viReadSTB")
	assert.Equal(t, "VI_ERROR_NSUP_OPER", byOp["viReadSTB"]["status"])
	assert.Equal(t, "WARN", byOp["viReadSTB"]["level"])
	require.Contains(t, byOp, "viClose")
	require.Contains(t, byOp, "viSetAttribute")
}

func TestTracePreviewBounded(t *testing.T) {
	name := serveSocket(t, sim.NewTestInstrument(), "127.0.0.1:0")
	var buf syncBuffer
	lib, err := visa.OpenLibrary("")
	require.NoError(t, err)
	rm, err := visa.NewResourceManagerFor(visa.NewTraceLibrary(lib, slog.New(slog.NewJSONHandler(&buf, nil))))
	require.NoError(t, err)
	defer rm.Close()
	r, err := rm.OpenResource(context.Background(), name, visa.WithTimeout(2*time.Second))
	require.NoError(t, err)
	data, err := r.QueryBlock(context.Background(), "TEST:BLOCK? 100000", visa.BlockOptions{})
	require.NoError(t, err)
	require.Len(t, data, 100000)
	for _, rec := range buf.records(t) {
		if rec["msg"] != "viRead" {
			continue
		}
		got := rec["got"].(map[string]any)
		assert.LessOrEqual(t, len(got["data"].(string)), 4*64+8, "preview must stay bounded")
	}
}

func TestTraceNilLoggerAndEnv(t *testing.T) {
	lib, err := visa.OpenLibrary("")
	require.NoError(t, err)
	assert.Same(t, lib, visa.NewTraceLibrary(lib, nil), "a nil logger means no tracing")

	t.Setenv(visa.TraceEnv, "")
	assert.Same(t, lib, visa.TraceFromEnv(lib))
	t.Setenv(visa.TraceEnv, "0")
	assert.Same(t, lib, visa.TraceFromEnv(lib))
	for _, v := range []string{"1", "true", "json", "TEXT"} {
		t.Setenv(visa.TraceEnv, v)
		tl, ok := visa.TraceFromEnv(lib).(*visa.TraceLibrary)
		require.True(t, ok, v)
		assert.Same(t, lib, tl.Unwrap())
	}
}

func TestTraceHandlerCalls(t *testing.T) {
	var buf syncBuffer
	lib, err := visa.OpenLibrary("")
	require.NoError(t, err)
	traced := visa.NewTraceLibrary(lib, slog.New(slog.NewJSONHandler(&buf, nil)))
	// Operations the library rejects are traced with their status too.
	_, err = traced.Open(context.Background(), 9999, "TCPIP::127.0.0.1::1::SOCKET", 0, 0)
	require.Error(t, err)
	_, err = traced.In(context.Background(), 1, visa.VI_A16_SPACE, 0, visa.VI_WIDTH_8)
	require.Error(t, err)
	recs := buf.records(t)
	require.Len(t, recs, 2)
	assert.Equal(t, "viOpen", recs[0]["msg"])
	assert.Equal(t, "VI_ERROR_INV_OBJECT", recs[0]["status"])
	assert.Equal(t, "viIn", recs[1]["msg"])
}
