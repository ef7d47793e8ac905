// Package asrl is the VISA serial (ASRL) transport: a client [Conn] for
// serial ports and USB-serial adapters with VISA semantics, a server
// ([Serve]) that hosts a [transport.Device] on a serial line, and port
// discovery ([List]).
//
// # Port names
//
// The "board" part of an ASRL resource name is resolved by [ResolvePort]
// per operating system, following NI-VISA and pyvisa-py:
//
//   - a number n is the n-th COM port: ASRL1 is COM1 on Windows and
//     /dev/ttyS0 on Linux (ASRLn = /dev/ttyS(n-1)); on macOS and the BSDs,
//     which have no numbered ports, n is the n-th port of [List] in order;
//   - a device path is used as it is: ASRL/dev/ttyUSB0::INSTR;
//   - COMn is a Windows port name (on Linux it means /dev/ttyS(n-1));
//   - a bare Linux device name such as ttyUSB0 gets /dev/ prefixed.
//
// # Linux
//
// On Linux the port is driven with termios ioctls from golang.org/x/sys
// (protocols fact sheet §7.2) instead of go.bug.st/serial, because VISA needs
// what that package cannot set: mark and space parity (CMSPAR), arbitrary
// baud rates (BOTHER), XON/XOFF characters, break of a chosen length, and
// pseudo-terminals for tests. The file descriptor is non-blocking and
// registered with the Go runtime poller, so a read waits in epoll until data,
// the VISA timeout (ctx.Deadline) or cancellation (ctx.Done) arrives; there
// is no polling loop.
//
// On other systems the port is opened with go.bug.st/serial. A blocked read
// there wakes at most every [PollSlice] to notice cancellation, because
// go.bug.st/serial has no way to interrupt a read other than closing the port.
//
// # Termination (VPP-4.3 rule 6.1)
//
// A read ends when the buffer is full ([transport.ReasonCount]), on the
// termination character when ReadOptions.TermCharEnabled
// ([transport.ReasonTermChar]), or on END as Config.EndIn defines it:
// EndTermChar makes the termination character END, EndLastBit makes a byte
// with its highest data bit set END, EndNone has no END. ReadOptions.SuppressEND
// keeps END from ending the read. Bytes after the terminating byte stay
// buffered for the next read.
//
// On output Config.EndOut says how END is sent when Write is called with end
// true: nothing (EndNone), the termination character appended (EndTermChar),
// the highest data bit set on the last byte with every other byte masked
// (EndLastBit), or a break after the data (EndBreak).
//
// # IEEE 488.2 over serial
//
// With Config.Protocol = Prot4882Strings (VI_PROT_4882_STRS) ReadSTB sends
// "*STB?" and parses the answer, Trigger sends "*TRG" and Clear flushes the
// buffers and sends "*CLS". With the normal protocol Clear only flushes, and
// ReadSTB and Trigger fail with [transport.ErrNotSupported].
package asrl
