// Package sim holds simulated instruments that any govisa protocol server
// can host, and loads them from pyvisa-sim definition files.
//
// [Instrument] is a reusable IEEE 488.2 message engine: it implements
// transport.Device (plus SRQSource, RemoteLocalDevice and Identifier),
// keeps the 488.2 status model ([Status]), splits program messages into
// commands, dispatches them to registered [CommandFunc]s, and queues their
// responses with the 488.2 message exchange rules (MAV, query interrupted,
// one response message per program message). [TestInstrument] is the
// built-in test instrument on top of it.
//
// [LoadFile] reads a pyvisa-sim YAML file unchanged; [ResourceDef.NewDevice]
// makes a [Device] (an Instrument that answers as the file says) for each
// of its resources, with its own state. [Loopback] is a client-side
// transport.Conn over any Device; the "@sim" VISA backend in package
// sim/simvisa uses it, and `govisa serve --config FILE` puts the devices on
// the network.
//
// # pyvisa-sim definition files (spec 1.0 and 1.1)
//
// These keys behave as pyvisa-sim documents them:
//
//	spec: "1.1"                      required; 1.0 and 1.1 are read
//	devices:
//	  <name>:
//	    eom:                         per interface type: "ASRL INSTR", "GPIB INSTR",
//	      <type>: {q: "\r\n", r: "\n"}   "TCPIP INSTR", "TCPIP SOCKET", "USB INSTR",
//	                                 "USB RAW" (and "GPIB INTFC"); LF when absent
//	    error: ERROR                 the response to anything unmatched, or:
//	    error:
//	      response: {command_error: ..., query_error: ...}
//	      status_register: [{q: "*ESR?", command_error: 32, query_error: 4}]
//	      error_queue: [{q: ":SYST:ERR?", default: "0, No Error", command_error: "..."}]
//	    dialogues: [{q: "*IDN?", r: "..."}]   no r (or r: null_response): no reply
//	    properties:
//	      <name>:
//	        default: 1.0
//	        getter: {q: "VOLT?", r: "{:.3f}"}     r is a Python format of the value
//	        setter: {q: "VOLT {:.3f}", r: OK, e: ERR}  q is parsed like stringparser
//	        specs: {type: float|int|str, min: 0, max: 10, valid: [...]}
//	    channels:
//	      <name>:
//	        ids: [1, 2]
//	        can_select: True        {ch_id} in q picks the channel; False: the
//	        dialogues: [...]        device property selected_channel picks it
//	        properties: {...}
//	    delimiter: ";"              separates the units of one message
//	    bases: [<device> | {device: d, filename: f.yaml}]   inheritance (see below)
//	resources:
//	  <resource name>: {device: <name>, filename: other.yaml, bundled: true,
//	                    channel_ids: {<channel>: [ids]}}
//
// Messages match in pyvisa-sim's order: dialogues, property getters, status
// registers, error queues, setters, channels. An unmatched unit sets the
// registers' and queues' command_error entries (query_error for a unit that
// ends in '?' when the file defines query_error) and answers the error
// response. Each response is followed by the r eom; unread responses stay
// in the output buffer, as in pyvisa-sim. A message ends at the last byte of
// the q eom or at END. In responses, {RANDOM(min, max, n):fmt} gives n
// random numbers joined by commas, and BYTES(\xNN...) (in q and r) stands
// for raw bytes. The `connections` key is accepted and ignored, as in
// pyvisa-sim. Unknown keys are mistakes: every mistake is reported as a
// *[DefinitionError] with the file, the line and the reason.
//
// Beyond pyvisa-sim, every device has the IEEE 488.2 status model and the
// common commands of [Instrument] (*IDN?, *ESR?, *STB?, *SRE, *CLS, *OPC,
// *TRG, SYSTem:ERRor?, ...) behind its own dialogues: an unmatched unit
// also queues -113 "Undefined header" and sets CME, so STB, SRQ, device
// clear and trigger work for every device. bases, which pyvisa-sim parses
// but never implemented, works: a device gets the eom entries, error
// handling, dialogues, properties, channels and govisa keys it does not
// define itself from its bases (its own dialogues and commands win).
//
// # govisa extension keys (version 1)
//
// A device may carry a `govisa` mapping. pyvisa-sim ignores keys it does
// not know, so such a file still loads there, without the extensions.
//
//	govisa:
//	  version: 1                     required
//	  builtin: test-instrument       the device is the Go TestInstrument
//	  identity: "ACME,X,1,2"         the *IDN? answer (when no dialogue gives one)
//	  framing: pyvisa | ieee488.2    pyvisa (default): each response + r eom,
//	                                 unread output accumulates; ieee488.2: the
//	                                 responses of a message joined by ';' and one
//	                                 "\n", a new message discards unread output (-410)
//	  state: {mode: idle, volt1: "0"}      variables and their initial values
//	  commands:                            tried in order, after pyvisa-sim's keys
//	    - q: "SOURce<ch>:VOLTage[:LEVel] {v:float}"
//	      when: {mode: idle}               only when the variables have these values
//	      set: {"volt[ch]": "{v}"}         templates assigned to variables or properties
//	      r: "{volt[ch]:.3f}"              a response template
//	      block: {type: float32, values: "{RANDOM(-1, 1, n)}", endian: big}
//	      block: {data: "BYTES(\x01\x02)"} a response sent as an IEEE 488.2 block
//	      delay: 50ms                      the response becomes available later
//	      error: "-221,Settings conflict"  queue this error instead
//	      do: [<action>, ...]
//	  on_trigger: [<action>, ...]          on *TRG and on a device trigger (GET)
//	  on_clear: [<action>, ...]            on a device clear
//
// A command pattern is a SCPI header and an argument list. Header nodes
// match their short form (the upper-case letters) or their long form, in
// any case; [:NODE] is optional; NODE<name> takes a numeric suffix captured
// as name (1 when absent) and NODE# captures it as n; a trailing '?' makes
// it a query. Arguments are comma-separated {name[:type]} captures (str,
// int, float, bool: ON/OFF/1/0) or literal words; wrong arguments queue
// -104, -108, -109 or -224. Templates take {name[:python format]} fields:
// captured arguments, state variables and properties; name[index] is the
// variable whose name ends in the value of index (volt[ch] is volt2 for
// SOUR2); {RANDOM(min, max, n):fmt} may name variables as arguments.
//
// *RST puts the state variables and the properties of a device with govisa
// keys back to their initial values (pyvisa-sim has no *RST, so devices
// without govisa keys keep theirs).
//
// An action is a mapping of: after (a delay before it runs), set, stb (set
// device-specific status byte bits: with *SRE they request service),
// stb_clear, esr (set event status register bits) and error (queue a SCPI
// error).
package sim
