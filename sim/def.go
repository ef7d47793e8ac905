package sim

import (
	"errors"
	"fmt"
	"time"
)

// ErrDefinition is matched (with errors.Is) by every error about a bad
// definition file.
var ErrDefinition = errors.New("sim: bad definition file")

// DefinitionError reports a mistake in a definition file: where it is and
// why it is rejected.
type DefinitionError struct {
	File string // path of the file (or the bundled name)
	Line int    // 1-based line, 0 when unknown
	Msg  string
}

// Error formats the error as file:line: reason.
func (e *DefinitionError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Is makes errors.Is(err, ErrDefinition) true.
func (e *DefinitionError) Is(target error) bool { return target == ErrDefinition }

// SpecVersion is the newest pyvisa-sim definition spec this loader reads.
const SpecVersion = "1.1"

// ExtensionVersion is the newest version of the govisa extension keys
// (the `govisa:` mapping of a device) this loader reads.
const ExtensionVersion = 1

// Definitions is a loaded definition file: the devices it defines and the
// resources that bind them to VISA resource names.
type Definitions struct {
	File      string
	Spec      string
	Devices   map[string]*DeviceDef
	Resources []*ResourceDef // in file order
}

// ResourceDef binds a device to a resource name. Each resource gets its own
// device instance with its own state.
type ResourceDef struct {
	Name       string // as written in the file
	Interface  string // "ASRL", "GPIB", "TCPIP", "USB", ... (upper case)
	Class      string // "INSTR", "SOCKET", "RAW", "INTFC", ...
	Device     *DeviceDef
	ChannelIDs map[string][]string // per-resource channel ids (channel_ids)
	Line       int
}

// EOM is a pyvisa-sim end-of-message pair for one interface type.
type EOM struct{ Q, R string }

// Dialogue is a fixed query and its response.
type Dialogue struct {
	Q, R       string
	NoResponse bool // r missing or null_response: nothing is sent back
	Line       int
}

// Setter is the write side of a property.
type Setter struct {
	Q      string // a Python-format pattern, parsed like pyvisa-sim's stringparser
	R, E   string
	HasR   bool
	HasE   bool
	parser *setterParser
}

// Specs constrain a property value.
type Specs struct {
	Type     string // "float", "int", "str" ("" = str without checks)
	Min, Max *float64
	Valid    []string
}

// PropertyDef is a pyvisa-sim property: a value with a getter and setter.
type PropertyDef struct {
	Name    string
	Default string
	Getter  *Dialogue
	Setter  *Setter
	Specs   *Specs
	Line    int
}

// ChannelDef is a pyvisa-sim channel group.
type ChannelDef struct {
	Name       string
	IDs        []string
	CanSelect  bool
	Dialogues  []Dialogue
	Properties []*PropertyDef
	Line       int
}

// RegisterDef is an error status register (error.status_register).
type RegisterDef struct {
	Q    string
	Bits map[string]int
}

// QueueDef is an error queue (error.error_queue).
type QueueDef struct {
	Q       string
	Default string
	Msgs    map[string]string
}

// ErrorDef is a device's pyvisa-sim error handling.
type ErrorDef struct {
	Response  map[string]string // command_error / query_error response strings
	Registers []RegisterDef
	Queues    []QueueDef
}

// DeviceDef is one device definition after its bases were merged.
type DeviceDef struct {
	Name       string
	File       string
	Line       int
	EOM        map[string]EOM // key: "ASRL INSTR", "TCPIP SOCKET", ...
	Error      ErrorDef
	Dialogues  []Dialogue
	Properties []*PropertyDef
	Channels   []*ChannelDef
	Delimiter  string
	Ext        *Extension // nil without a govisa key
}

// Extension holds the govisa keys of a device (`govisa:` mapping, version
// ExtensionVersion).
type Extension struct {
	Version   int
	Builtin   string // "test-instrument": the device is the Go TestInstrument
	Identity  string
	Framing   string // "pyvisa" (default) or "ieee488.2"
	State     []KV
	Commands  []*CommandDef
	OnTrigger []*Action
	OnClear   []*Action
}

// KV is one ordered key/value pair of a mapping.
type KV struct{ Key, Value string }

// CommandDef is one SCPI command of the govisa extension.
type CommandDef struct {
	Pattern string
	pat     *scpiPattern
	When    []KV
	Set     []KV
	R       string
	HasR    bool
	Block   *BlockDef
	Delay   time.Duration
	Error   *Error
	Do      []*Action
	Line    int

	rT     []segment
	setT   [][]segment
	blockT []segment
}

// BlockDef describes a response sent as an IEEE 488.2 definite block.
type BlockDef struct {
	Type   string // uint8 (default), int8, int16, uint16, int32, uint32, float32, float64
	Little bool
	Values string // template giving comma-separated numbers
	Data   string // template giving the raw bytes (instead of Values)
}

// Action changes the instrument when an event happens.
type Action struct {
	After    time.Duration
	Set      []KV
	STB      byte
	STBClear byte
	ESR      byte
	Error    *Error
	Line     int

	setT [][]segment
}
