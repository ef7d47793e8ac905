package visa_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAliases(t *testing.T) {
	a, err := visa.ParseAliases(strings.NewReader(`
# bench 3
; also a comment
scope = TCPIP0::192.168.1.20::hislip0::INSTR
  DMM=USB0::0x2A8D::0x0101::MY57700123::INSTR
dmm-2 = usb::0x2a8d::0x0101::MY1::instr
`), "bench3")
	require.NoError(t, err)
	assert.Equal(t, []string{"DMM", "dmm-2", "scope"}, a.Names())
	for _, tc := range []struct{ alias, want string }{
		{"scope", "TCPIP0::192.168.1.20::hislip0::INSTR"},
		{"SCOPE", "TCPIP0::192.168.1.20::hislip0::INSTR"},
		{"dmm", "USB0::0x2A8D::0x0101::MY57700123::0::INSTR"},
		{"DMM-2", "USB0::0x2a8d::0x0101::MY1::0::INSTR"},
		{"COM3", "ASRL3::INSTR"},
		{"com12", "ASRL12::INSTR"},
	} {
		rn, ok := a.Resolve(tc.alias)
		if assert.True(t, ok, tc.alias) {
			assert.Equal(t, tc.want, rn.String(), tc.alias)
		}
	}
	for _, miss := range []string{"scope2", "", "COM0", "COM03", "COM", "COMx", "COM1234"} {
		_, ok := a.Resolve(miss)
		assert.False(t, ok, "%q must not resolve", miss)
	}
	assert.Equal(t, "scope", a.AliasOf("TCPIP0::192.168.1.20::hislip0::INSTR"))
	assert.Equal(t, "", a.AliasOf("TCPIP0::192.168.1.21::hislip0::INSTR"))

	// The table wins over the built-in COMn; a replaced alias moves.
	require.NoError(t, a.Add("com3", "ASRL/dev/ttyUSB0::INSTR"))
	rn, _ := a.Resolve("COM3")
	assert.Equal(t, "ASRL/dev/ttyUSB0::INSTR", rn.String())
	require.NoError(t, a.Add("Scope", "TCPIP0::10.0.0.1::inst0::INSTR"))
	assert.Equal(t, "", a.AliasOf("TCPIP0::192.168.1.20::hislip0::INSTR"))
	assert.Equal(t, "Scope", a.AliasOf("TCPIP0::10.0.0.1::inst0::INSTR"))
	// Moving the reported alias of a resource away reports another one.
	require.NoError(t, a.Add("scope-b", "TCPIP0::10.0.0.1::inst0::INSTR"))
	require.NoError(t, a.Add("SCOPE", "TCPIP0::10.0.0.2::inst0::INSTR"))
	assert.Equal(t, "scope-b", a.AliasOf("TCPIP0::10.0.0.1::inst0::INSTR"))
	assert.Equal(t, "SCOPE", a.AliasOf("TCPIP0::10.0.0.2::inst0::INSTR"))
}

func TestParseAliasesErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"scope TCPIP0::1.2.3.4::INSTR", `f:1: expected "alias = resource"`},
		{"\n\n = TCPIP0::1.2.3.4::INSTR", "f:3: empty alias"},
		{"a::b = TCPIP0::1.2.3.4::INSTR", `f:1: alias "a::b" contains "::"`},
		{"my scope = TCPIP0::1.2.3.4::INSTR", "f:1: alias \"my scope\" contains a space"},
		{"GPIB0::5::INSTR = TCPIP0::1.2.3.4::INSTR", "contains \"::\""},
		{"ASRL1 = TCPIP0::1.2.3.4::INSTR", `f:1: alias "ASRL1" is itself a resource name`},
		{"scope = FOO0::1::INSTR", `f:1: alias "scope": `},
		{"scope =", `f:1: alias "scope": `},
	} {
		_, err := visa.ParseAliases(strings.NewReader(tc.in), "f")
		if assert.Error(t, err, tc.in) {
			assert.Contains(t, err.Error(), tc.want, tc.in)
			assert.ErrorIs(t, err, visa.VI_ERROR_INV_SETUP, tc.in)
		}
	}
	_, err := visa.ParseAliases(strings.NewReader(strings.Repeat("# x\n", 300_000)), "big")
	assert.ErrorContains(t, err, "larger than 1 MiB")
}

func TestLoadAliasesMissingFileIsEmpty(t *testing.T) {
	a, err := visa.LoadAliases(filepath.Join(t.TempDir(), "none"))
	require.NoError(t, err)
	assert.Empty(t, a.Names())
}

// An alias opens the resource it names, through the same session layer:
// viOpen, viParseRsrcEx and the attributes of the session.
func TestOpenByAlias(t *testing.T) {
	name := serveSocket(t, sim.NewTestInstrument(), "127.0.0.1:0")
	file := filepath.Join(t.TempDir(), "aliases")
	require.NoError(t, os.WriteFile(file, []byte("bench-sock = "+name+"\n"), 0o600))
	t.Setenv(visa.AliasesEnv, file)
	assert.Equal(t, file, visa.DefaultAliasFile())

	lib := visa.NewConnLibrary(visa.NewNativeDialer(), nil) // reads the file on first use
	rm, err := visa.NewResourceManagerFor(lib)
	require.NoError(t, err)
	defer rm.Close()
	ctx := context.Background()

	info, err := rm.ResourceInfo("BENCH-SOCK")
	require.NoError(t, err)
	assert.Equal(t, name, info.ResourceName)
	assert.Equal(t, "bench-sock", info.Alias)
	info, err = rm.ResourceInfo(name)
	require.NoError(t, err)
	assert.Equal(t, "bench-sock", info.Alias, "viParseRsrcEx reports the alias of a resource name")

	r, err := rm.OpenResource(ctx, "Bench-Sock", visa.WithTimeout(2*time.Second))
	require.NoError(t, err)
	defer r.Close()
	idn, err := r.Query(ctx, "*IDN?")
	require.NoError(t, err)
	assert.Contains(t, idn, "govisa")
	got, err := r.GetAttribute(visa.VI_ATTR_RSRC_NAME)
	require.NoError(t, err)
	assert.Equal(t, name, got, "the session names the resource, not the alias")

	_, err = rm.OpenResource(ctx, "no-such-alias")
	assert.ErrorIs(t, err, visa.VI_ERROR_INV_RSRC_NAME)

	// SetAliases replaces the table.
	lib.SetAliases(nil)
	_, err = rm.ResourceInfo("bench-sock")
	assert.ErrorIs(t, err, visa.VI_ERROR_INV_RSRC_NAME)
	info, err = rm.ResourceInfo("COM2")
	require.NoError(t, err)
	assert.Equal(t, "ASRL2::INSTR", info.ResourceName)
}

// A broken alias file does not break resource names, and the error of a
// name that is neither says why the aliases were not available.
func TestBrokenAliasFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "aliases")
	require.NoError(t, os.WriteFile(file, []byte("scope TCPIP0::1.2.3.4::INSTR\n"), 0o600))
	t.Setenv(visa.AliasesEnv, file)
	lib := visa.NewConnLibrary(visa.NewNativeDialer(), nil)
	a, err := lib.Aliases()
	assert.ErrorContains(t, err, file+":1:")
	assert.Empty(t, a.Names())
	rm, err := visa.NewResourceManagerFor(lib)
	require.NoError(t, err)
	defer rm.Close()
	_, err = rm.ResourceInfo("TCPIP0::1.2.3.4::INSTR")
	require.NoError(t, err)
	_, err = rm.ResourceInfo("scope")
	var ve *visa.Error
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Equal(t, visa.VI_ERROR_INV_RSRC_NAME, ve.Status)
	assert.Contains(t, err.Error(), "alias file was not read")
}

func FuzzParseAliases(f *testing.F) {
	for _, s := range []string{
		"scope = TCPIP0::1.2.3.4::INSTR\n",
		"# c\n;c\n\nA=GPIB0::5::INSTR\nb = USB::1::2::s::INSTR\n",
		"x = ", "=", "a::b=c", "COM3 = ASRL/dev/ttyUSB0::INSTR",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := visa.ParseAliases(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		for _, n := range a.Names() {
			rn, ok := a.Resolve(n)
			if !ok {
				t.Fatalf("alias %q listed but does not resolve", n)
			}
			if _, err := visa.ParseResourceName(rn.String()); err != nil {
				t.Fatalf("alias %q resolves to %q, which does not parse: %v", n, rn, err)
			}
		}
	})
}
