package conformance_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govisa/govisa/conformance"
	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFeatures(t *testing.T) {
	f, err := conformance.ParseFeatures("END, status-byte|TRIGGER")
	require.NoError(t, err)
	assert.Equal(t, conformance.FeatEND|conformance.FeatSTB|conformance.FeatTrigger, f)
	assert.Equal(t, "END|status-byte|trigger", f.String())
	_, err = conformance.ParseFeatures("END,warp-drive")
	assert.ErrorContains(t, err, `unknown feature "warp-drive"`)

	for name, want := range map[string]conformance.Feature{
		"TCPIP::1.2.3.4::5025::SOCKET":   0,
		"TCPIP::1.2.3.4::inst0::INSTR":   conformance.FeatEND | conformance.FeatDeviceClear | conformance.FeatSTB | conformance.FeatTrigger | conformance.FeatSRQ | conformance.FeatDeviceLocks,
		"TCPIP::1.2.3.4::hislip0::INSTR": conformance.FeatEND | conformance.FeatDeviceClear | conformance.FeatSTB | conformance.FeatTrigger | conformance.FeatSRQ | conformance.FeatDeviceLocks,
		"GPIB0::5::INSTR":                conformance.FeatEND | conformance.FeatDeviceClear | conformance.FeatSTB | conformance.FeatTrigger | conformance.FeatSRQ,
		"USB0::1::2::SN::INSTR":          conformance.FeatEND | conformance.FeatDeviceClear | conformance.FeatSTB | conformance.FeatTrigger | conformance.FeatSRQ,
		"ASRL1::INSTR":                   0,
	} {
		rn, err := visa.ParseResourceName(name)
		require.NoError(t, err)
		assert.Equal(t, want, conformance.DetectFeatures(rn, "ACME,X,1,2"), name)
		assert.Equal(t, want|conformance.FeatTestInstrument, conformance.DetectFeatures(rn, "govisa,Test Instrument,0,1"), name)
	}
}

func TestChecksDeclared(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range conformance.Checks() {
		assert.False(t, seen[c.Name], "duplicate check %s", c.Name)
		seen[c.Name] = true
		assert.Contains(t, c.Name, "/")
		assert.NotEmpty(t, c.Doc, c.Name)
	}
}

func TestReportJSONAndTable(t *testing.T) {
	s := serveSocket(t, sim.NewTestInstrument())
	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	rep := conformance.Run(context.Background(), conformance.Config{RM: rm, Resource: s.name,
		Checks: []string{"attr/", "read/end", "session/connection-loss"}})
	require.Empty(t, rep.Error)
	require.Len(t, rep.Results, 6)
	pass, fail, na := rep.Counts()
	assert.Equal(t, [3]int{4, 0, 2}, [3]int{pass, fail, na})
	assert.True(t, rep.OK())

	b, err := json.Marshal(rep)
	require.NoError(t, err)
	var back conformance.Report
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, rep.Results, back.Results)
	assert.Equal(t, s.name, back.Resource)
	assert.Contains(t, string(b), `"outcome":"n/a"`)

	var sb strings.Builder
	require.NoError(t, rep.Table(&sb))
	out := sb.String()
	assert.Contains(t, out, "attr/defaults")
	assert.Regexp(t, `read/end\s+N/A\s+needs END`, out)
	assert.Regexp(t, `session/connection-loss\s+N/A\s+needs disconnect`, out)
	assert.Contains(t, out, "4 passed, 0 failed, 2 not applicable")
}

func TestRunErrors(t *testing.T) {
	rep := conformance.Run(context.Background(), conformance.Config{})
	assert.NotEmpty(t, rep.Error)
	assert.False(t, rep.OK())

	rm, err := visa.NewResourceManager("")
	require.NoError(t, err)
	defer rm.Close()
	rep = conformance.Run(context.Background(), conformance.Config{RM: rm, Resource: "TCPIP::127.0.0.1::1::SOCKET"})
	assert.Contains(t, rep.Error, "cannot open")
	assert.Empty(t, rep.Results)
	var sb strings.Builder
	require.NoError(t, rep.Table(&sb))
	assert.Contains(t, sb.String(), "error:")
}

// hangLib's reads ignore every timeout and block until the session closes.
type hangLib struct {
	visa.Library
	mu     sync.Mutex
	opens  int
	closed map[visa.Session]chan struct{}
}

func (h *hangLib) Open(ctx context.Context, rm visa.Session, name string, mode visa.AccessMode, tmo time.Duration) (visa.Session, error) {
	s, err := h.Library.Open(ctx, rm, name, mode, tmo)
	h.mu.Lock()
	h.opens++
	if h.opens > 1 {
		h.closed[s] = make(chan struct{})
	}
	h.mu.Unlock()
	return s, err
}

func (h *hangLib) Close(s visa.Session) error {
	h.mu.Lock()
	if c, ok := h.closed[s]; ok {
		close(c)
		delete(h.closed, s)
	}
	h.mu.Unlock()
	return h.Library.Close(s)
}

func (h *hangLib) Read(ctx context.Context, s visa.Session, p []byte) (int, visa.Status, error) {
	h.mu.Lock()
	c := h.closed[s]
	h.mu.Unlock()
	if c != nil {
		<-c
		return 0, 0, &visa.Error{Status: visa.VI_ERROR_INV_OBJECT, Op: "viRead"}
	}
	return h.Library.Read(ctx, s, p)
}

func TestCheckThatHangsFails(t *testing.T) {
	s := serveSocket(t, sim.NewTestInstrument())
	lib, err := visa.OpenLibrary("")
	require.NoError(t, err)
	rm, err := visa.NewResourceManagerFor(&hangLib{Library: lib, closed: map[visa.Session]chan struct{}{}})
	require.NoError(t, err)
	defer rm.Close()
	rep := conformance.Run(context.Background(), conformance.Config{RM: rm, Resource: s.name,
		Checks: []string{"timing/timeout"}, CheckTimeout: 300 * time.Millisecond})
	require.Empty(t, rep.Error)
	res, ok := rep.Result("timing/timeout")
	require.True(t, ok)
	assert.Equal(t, conformance.Fail, res.Outcome)
	assert.Less(t, res.Duration, 5*time.Second)
}
