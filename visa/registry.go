package visa

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

// Backend is what a package registers to provide a VISA library under a
// name, the way database/sql drivers register themselves.
type Backend interface {
	// Open returns a Library. path is the part of the resource-manager
	// argument before "@" (a YAML file for @sim, a shared library for @ivi),
	// empty when none was given.
	Open(path string) (Library, error)
	// Info describes the backend and what it can do on this machine.
	Info() BackendInfo
}

// BackendInfo is a backend's debug description, shown by `govisa info`.
type BackendInfo struct {
	Name        string
	Description string
	Version     string
	// Capabilities lists what the backend supports and, for each, whether
	// it is usable on this machine and why not.
	Capabilities []Capability
}

// Capability is one feature of a backend (an interface type, a protocol).
type Capability struct {
	Name   string // "TCPIP SOCKET", "USB INSTR (usbfs)", ...
	Usable bool
	Reason string // why it is not usable, or a note
}

// LibraryEnv is the environment variable consulted when the resource
// manager argument is empty (PyVISA's PYVISA_LIBRARY).
const LibraryEnv = "GOVISA_LIBRARY"

// DefaultBackend is the backend used when nothing else is asked for.
const DefaultBackend = "go"

var (
	registryMu sync.RWMutex
	registry   = map[string]Backend{}
)

// Register makes a backend available under name. It panics if name is empty,
// b is nil or the name is taken, since that is a programming error found at
// init time (as database/sql.Register does).
func Register(name string, b Backend) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if name == "" || b == nil {
		panic("visa: Register with empty name or nil backend")
	}
	if _, dup := registry[name]; dup {
		panic("visa: Register called twice for backend " + name)
	}
	registry[name] = b
}

// Backends returns the registered backends' descriptions, sorted by name.
func Backends() []BackendInfo {
	registryMu.RLock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	registryMu.RUnlock()
	sort.Strings(names)
	out := make([]BackendInfo, 0, len(names))
	for _, n := range names {
		registryMu.RLock()
		b := registry[n]
		registryMu.RUnlock()
		info := b.Info()
		if info.Name == "" {
			info.Name = n
		}
		out = append(out, info)
	}
	return out
}

// SplitLibrarySpec splits a resource-manager argument into its path and
// backend name: "" → ("", "go") unless GOVISA_LIBRARY is set, "@sim" →
// ("", "sim"), "file.yaml@sim" → ("file.yaml", "sim"), and a bare path →
// (path, "ivi") as PyVISA does for a vendor library path.
func SplitLibrarySpec(spec string) (path, backend string) {
	if spec == "" {
		spec = os.Getenv(LibraryEnv)
	}
	if spec == "" {
		return "", DefaultBackend
	}
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		name := spec[i+1:]
		if name == "" {
			name = DefaultBackend
		}
		return spec[:i], name
	}
	return spec, "ivi"
}

// OpenLibrary opens the backend named by spec (see SplitLibrarySpec).
func OpenLibrary(spec string) (Library, error) {
	path, name := SplitLibrarySpec(spec)
	registryMu.RLock()
	b, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, &Error{Status: VI_ERROR_LIBRARY_NFOUND, Op: "OpenLibrary",
			Msg: fmt.Sprintf("no backend %q is registered (registered: %s); import the package that provides it", name, strings.Join(backendNames(), ", "))}
	}
	lib, err := b.Open(path)
	if err != nil {
		return nil, &Error{Status: VI_ERROR_LIBRARY_NFOUND, Op: "OpenLibrary", Msg: "backend " + name, Err: err}
	}
	return lib, nil
}

func backendNames() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
