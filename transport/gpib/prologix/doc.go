// Package prologix drives Prologix GPIB-USB and GPIB-ETHERNET controllers
// (fact sheet §6.4) and emulates one for tests.
//
// An [Adapter] is one controller, reached over TCP ([Dial], port 1234, the
// PRLGX-TCPIP::host[::port]::INTFC resource) or a serial port
// ([OpenSerial], PRLGX-ASRL::/dev/ttyUSB0::INTFC). At start it sends
// "++savecfg 0" (so the settings that follow are not written to the
// adapter's flash), then "++mode 1", "++auto 0", "++eos 3", "++eoi 1",
// "++eot_enable", "++read_tmo_ms" and "++ver". Instruments behind it
// ([Adapter.Instrument], the GPIBn::pad[::sad]::INSTR resources bound to
// the board) share the connection: every operation locks the adapter and
// re-sends "++addr" only when the target changes.
//
// Data is sent as one line per Write with CR, LF, ESC and '+' escaped by
// ESC ([Escape]); EOI follows the end flag ("++eoi 0/1" when it changes).
// Reads use "++read eoi" or "++read <termchar>". The adapter does not tell
// the host where a response ended, so END is either the EOT character
// (Options.UseEOT) or inferred when the adapter falls silent for its read
// timeout after sending data (pyvisa-py's setting). A termination character
// ends reads at once; use it (VI_ATTR_TERMCHAR_EN) for fast text queries.
//
// Service requests: the adapter cannot announce SRQ by itself, so while an
// instrument has a function registered with [Instr.OnSRQ] one goroutine per
// adapter polls "++srq" every Options.SRQPollInterval (between operations,
// never during a read), serial-polls the registered instruments when the
// line is asserted, and calls the functions of those with RQS. The next
// [Instr.ReadSTB] still reports the RQS that poll consumed.
//
// Lost links: when the TCP connection to a GPIB-ETHERNET adapter fails
// (power cycle, network trouble) the operation in progress returns an
// error wrapping transport.ErrConnLost and the next operation redials
// within its deadline, repeats the setup above and re-addresses its
// instrument (Options.Reconnect). A serial adapter that vanished stays
// failed. [Adapter.FindListeners] scans the bus for devices.
//
// [Server] is an emulator hosting any transport.Device (for example
// sim.NewTestInstrument) at GPIB addresses, over TCP or over any byte
// stream such as a pseudo-terminal. The answer format of ++ queries (CR LF
// after the value) is taken from the manuals and not verified on hardware.
package prologix
