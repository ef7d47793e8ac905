// Package visa is govisa's VISA frontend: resource managers, sessions and
// the VISA vocabulary (status codes, attributes, events, resource names)
// over pluggable backends.
//
// # Opening instruments
//
// [NewResourceManager] opens a resource manager on a backend and
// [ResourceManager.OpenResource] opens a session, a [*Resource], by VISA
// resource name ("TCPIP::10.0.0.5::INSTR", "USB::0x0957::0x1755::MY123::INSTR",
// "ASRL/dev/ttyUSB0::INSTR", "GPIB0::5::INSTR", an alias). The methods follow
// PyVISA's in Go casing: Write, Read, Query (atomic), ReadBytes, ReadRaw,
// WriteRaw, QueryBlock and ReadBlock for IEEE 488.2 blocks,
// [QueryBinaryValues] and [QueryASCIIValues], ReadSTB, Clear, AssertTrigger,
// locks, events, and GetAttribute/SetAttribute with the VI_ATTR_* ids.
//
// # Backends
//
// The frontend drives a [Library], the VPP-4.3 level-2 contract; backends
// register by name with [Register] as database/sql drivers do, and
// [OpenLibrary] resolves a PyVISA-style argument: "" or "@go" is the native
// backend (pure-Go protocol stacks in govisa/transport), "@sim" the simulated
// instruments of package govisa/sim/simvisa (import it for its side effect),
// "file.yaml@sim" a pyvisa-sim definition file. An operation a backend or a
// resource does not support fails with VI_ERROR_NSUP_OPER
// ([ErrNotSupported]).
//
// # Errors
//
// Every failure is a [*Error] carrying a VISA status code; [StatusOf]
// extracts it and errors.Is matches the sentinels (ErrTimeout,
// ErrNotSupported, ErrLocked, …). Completion codes that are not errors
// (VI_SUCCESS_TERM_CHAR, VI_SUCCESS_MAX_CNT) are never returned as errors:
// the Library's Read reports them as its status, and the Resource methods
// use them to decide when a response is complete.
//
// # Concurrency and cancellation
//
// A ResourceManager and a Resource are safe for concurrent use. A Resource
// serialises its operations (Query is one write and one read that no other
// caller interleaves with); different resources run in parallel. Every
// blocking call takes a context.Context: the earlier of its deadline and the
// session's VI_ATTR_TMO_VALUE applies, and cancelling unblocks the call
// promptly and leaves the session usable. Event handlers run on a
// dispatcher goroutine of their session, so a slow handler never blocks the
// transport that raised the event. Closing a resource manager closes only
// the resources it opened.
//
// # Environment
//
//   - GOVISA_LIBRARY ([LibraryEnv]): the backend used when the argument of
//     NewResourceManager is empty.
//   - GOVISA_TRACE ([TraceEnv]): "1" or "json" logs every VISA call with its
//     arguments, status and duration through log/slog ([NewTraceLibrary]);
//     the library is silent otherwise.
//   - GOVISA_ALIASES ([AliasesEnv]): the alias file (default
//     ~/.config/govisa/aliases, see [DefaultAliasFile]).
//   - GOVISA_DISCOVERY ([DiscoveryEnv]): network discovery for
//     ListResources ("all" or a list of interfaces); off by default because
//     it multicasts and broadcasts.
package visa
