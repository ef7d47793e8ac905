package sim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dev wraps a device body (indented by four spaces) in a valid file: the
// body starts on line 4.
func dev(body string) string {
	return "spec: \"1.1\"\ndevices:\n  d:\n" + body + "resources:\n  GPIB0::1::INSTR: {device: d}\n"
}

// TestBadFiles: each kind of mistake is rejected with the file, the line
// and a reason that names what is wrong.
func TestBadFiles(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		line int
		want string
	}{
		{"malformed YAML", "spec: \"1.1\"\ndevices:\n  d: [unclosed\n", 2, "malformed YAML: did not find expected ',' or ']'"},
		{"empty file", "", 1, "empty file"},
		{"top level not a mapping", "- a\n- b\n", 1, "top level must be a mapping"},
		{"no spec", "devices: {}\n", 1, "does not give its spec version"},
		{"spec not X.Y", "spec: one\n", 1, `invalid spec version "one"`},
		{"spec too new", "spec: \"1.2\"\n", 1, "spec version 1.2 is not supported"},
		{"spec major 2", "spec: \"2.0\"\n", 1, "spec version 2.0 is not supported"},
		{"unknown top-level key", "spec: \"1.1\"\ndevice: {}\n", 2, `unknown top-level key "device"`},
		{"devices not a mapping", "spec: \"1.1\"\ndevices: [a]\n", 2, "devices must be a mapping"},
		{"duplicate device", "spec: \"1.1\"\ndevices:\n  d: {}\n  d: {}\n", 0, ""},
		{"unknown device key", dev("    dialogs: []\n"), 4, `unknown key "dialogs" in device "d"`},
		{"dialogue without q", dev("    dialogues:\n      - {r: x}\n"), 5, "needs a query (q)"},
		{"dialogue not a mapping", dev("    dialogues:\n      - x\n"), 5, "must be a mapping {q, r}"},
		{"dialogue unknown key", dev("    dialogues:\n      - {q: a, response: b}\n"), 5, `unknown key "response"`},
		{"eom interface type", dev("    eom:\n      SERIAL INSTR: {q: a, r: b}\n"), 5, `unknown interface type "SERIAL INSTR"`},
		{"specs type", dev("    properties:\n      p:\n        specs: {type: double}\n"), 6, `invalid type "double"`},
		{"specs without type", dev("    properties:\n      p:\n        specs: {min: 1}\n"), 6, "give no type"},
		{"specs min not a number", dev("    properties:\n      p:\n        specs: {type: float, min: low}\n"), 6, `"low" is not a number`},
		{"default out of range", dev("    properties:\n      p:\n        default: 9\n        specs: {type: int, max: 5}\n"), 5, "more than the maximum"},
		{"default not in valid", dev("    properties:\n      p:\n        default: C\n        specs: {type: str, valid: [A, B]}\n"), 5, "not one of the valid values"},
		{"setter pattern", dev("    properties:\n      p:\n        setter: {q: \"SET {:.2f\"}\n"), 6, "unclosed '{'"},
		{"getter format", dev("    properties:\n      p:\n        getter: {q: \"P?\", r: \"{:.2q}\"}\n"), 6, "unknown type"},
		{"getter without r", dev("    properties:\n      p:\n        getter: {q: \"P?\"}\n"), 6, "needs a response format"},
		{"register bits", dev("    error:\n      status_register:\n        - {q: \"*ESR?\", command_error: lots}\n"), 6, "must be a non-negative integer"},
		{"queue without default", dev("    error:\n      error_queue:\n        - {q: \"E?\", command_error: x}\n"), 6, "default response"},
		{"error kind", dev("    error:\n      response: {syntax_error: x}\n"), 5, `unknown error kind "syntax_error"`},
		{"channel without ids", dev("    channels:\n      ch: {can_select: True}\n"), 5, `channel "ch" lists no ids`},
		{"random arguments", dev("    dialogues:\n      - q: \"R?\"\n        r: \"{RANDOM(1, 2):.1f}\"\n"), 5, "RANDOM takes (min, max, n)"},
		{"bytes not closed", dev("    dialogues:\n      - {q: \"BYTES(\\xaa\", r: x}\n"), 5, "is not closed"},
		{"resource name", "spec: \"1.1\"\ndevices:\n  d: {}\nresources:\n  FOO0::1::INSTR: {device: d}\n", 5, "invalid resource name"},
		{"resource without device", "spec: \"1.1\"\ndevices:\n  d: {}\nresources:\n  GPIB0::1::INSTR: {filename: x.yaml}\n", 5, "does not name its device"},
		{"unknown device", "spec: \"1.1\"\ndevices:\n  d: {}\nresources:\n  GPIB0::1::INSTR: {device: e}\n", 5, `unknown device "e"`},
		{"duplicate resource", "spec: \"1.1\"\ndevices:\n  d: {}\nresources:\n  GPIB0::1::INSTR: {device: d}\n  gpib0::1::instr: {device: d}\n", 6, "same as the one on line 5"},
		{"missing include", "spec: \"1.1\"\nresources:\n  GPIB0::1::INSTR: {device: d, filename: nowhere.yaml}\n", 3, "included file"},
		{"bases cycle", "spec: \"1.1\"\ndevices:\n  a: {bases: [b]}\n  b: {bases: [a]}\nresources:\n  GPIB0::1::INSTR: {device: a}\n", 4, "bases cycle"},
		{"unknown base", dev("    bases: [nobody]\n"), 4, `unknown device "nobody"`},
		{"govisa without version", dev("    govisa: {identity: x}\n"), 4, "needs version: 1"},
		{"govisa version", dev("    govisa: {version: 7}\n"), 4, `govisa version "7" is not supported`},
		{"govisa unknown key", dev("    govisa: {version: 1, commandz: []}\n"), 4, `unknown govisa key "commandz"`},
		{"govisa builtin", dev("    govisa: {version: 1, builtin: scope}\n"), 4, `unknown builtin "scope"`},
		{"command pattern", dev("    govisa:\n      version: 1\n      commands:\n        - {q: \"VOLT[:DC {v:float}\", r: x}\n"), 7, "'[' without ']'"},
		{"command argument type", dev("    govisa:\n      version: 1\n      commands:\n        - {q: \"VOLT {v:complex}\"}\n"), 7, `unknown argument type "complex"`},
		{"command delay", dev("    govisa:\n      version: 1\n      commands:\n        - {q: \"WAIT\", delay: soon}\n"), 7, `"soon" is not a duration`},
		{"command unknown variable", dev("    govisa:\n      version: 1\n      commands:\n        - {q: \"V?\", r: \"{volts}\"}\n"), 7, `names "volts"`},
		{"command set undeclared", dev("    govisa:\n      version: 1\n      commands:\n        - {q: \"V {v:float}\", set: {volts: \"{v}\"}}\n"), 7, `set names "volts"`},
		{"command error form", dev("    govisa:\n      version: 1\n      commands:\n        - {q: \"V\", error: oops}\n"), 7, `error "oops"`},
		{"block values and data", dev("    govisa:\n      version: 1\n      commands:\n        - {q: \"D?\", block: {values: \"1\", data: \"x\"}}\n"), 7, "exactly one of values and data"},
		{"block type", dev("    govisa:\n      version: 1\n      commands:\n        - {q: \"D?\", block: {type: int64, values: \"1\"}}\n"), 7, `block type "int64"`},
		{"action stb", dev("    govisa:\n      version: 1\n      on_trigger:\n        - {stb: 300}\n"), 7, "stb must be a byte"},
		{"action unknown key", dev("    govisa:\n      version: 1\n      on_clear:\n        - {beep: 1}\n"), 7, `unknown action key "beep"`},
		{"framing", dev("    govisa: {version: 1, framing: json}\n"), 4, `framing "json"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "duplicate device" {
				// YAML itself refuses duplicate keys.
				_, err := Load("bad.yaml", []byte(c.yaml))
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrDefinition))
				assert.Contains(t, err.Error(), "bad.yaml:4:")
				return
			}
			_, err := Load("bad.yaml", []byte(c.yaml))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrDefinition), "%v", err)
			var de *DefinitionError
			require.True(t, errors.As(err, &de), "%T", err)
			assert.Equal(t, "bad.yaml", de.File)
			assert.Equal(t, c.line, de.Line, "%v", err)
			assert.Contains(t, de.Msg, c.want)
			assert.True(t, strings.HasPrefix(err.Error(), "bad.yaml:"), err.Error())
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml"))
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrDefinition))
	assert.Contains(t, err.Error(), "cannot read")

	// A bad included file reports its own name and line.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.yaml"), []byte("spec: \"1.1\"\nresources:\n  GPIB0::1::INSTR: {device: d, filename: other.yaml}\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.yaml"), []byte("spec: \"1.0\"\ndevices:\n  d:\n    dialogues: [{r: x}]\n"), 0o600))
	_, err = LoadFile(filepath.Join(dir, "main.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "other.yaml:4: a dialogue needs a query (q)")
}

func TestConnectionsKeyIgnored(t *testing.T) {
	// pyvisa-sim parses but never uses device connections; files with
	// them load.
	_, err := Load("c.yaml", []byte(dev("    connections:\n      power: {q: READ1}\n")))
	require.NoError(t, err)
}
