// Package conformance checks VISA semantics through govisa's public API
// against any resource name: a simulated instrument served in-process, a
// govisa server, or a real instrument on the bench.
//
// Each [Check] declares the protocol features it needs (an END indicator,
// an out-of-band status byte, device clear, triggers, service requests,
// device-side locks, a way to drop the connection, the govisa test
// instrument's commands). A check whose needs the resource does not meet
// is reported as not applicable with the reason; a check never skips
// silently. Checks that need commands use the govisa test instrument's
// (TEST:ECHO?, TEST:BLOCK?, TEST:DELAY, TEST:SRQ, TEST:TRIG:COUNT?) when
// the device identifies as it, and otherwise only the IEEE 488.2 common
// commands (*IDN?, *STB?, *CLS, *SRE, *OPC?).
//
//	rm, _ := visa.NewResourceManager("")
//	rep := conformance.Run(ctx, conformance.Config{RM: rm, Resource: "TCPIP::10.0.0.5::hislip0::INSTR"})
//	rep.Table(os.Stdout)
//	json.NewEncoder(f).Encode(rep)
//
// `govisa conformance RESOURCE` runs the suite from the command line and
// prints the table and the JSON report a user attaches to a bug report.
package conformance
