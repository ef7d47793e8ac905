package visa

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Resource is an open session, with PyVISA's message-based methods in Go
// casing. A Resource is safe for concurrent use: its operations are
// serialised, and Query (write then read) is atomic, so two goroutines
// never see each other's answers.
type Resource struct {
	rm      *ResourceManager
	lib     Library
	session Session
	name    string

	// mu serialises frontend operations; everything below is guarded by it.
	mu         sync.Mutex
	readTerm   string
	writeTerm  string
	queryDelay time.Duration
	chunkSize  int
	rbuf       []byte
	wbuf       []byte
	closed     atomic.Bool
}

// DefaultChunkSize is the size of each viRead issued by ReadRaw (PyVISA
// uses 20 KiB; larger chunks cost nothing here and cut round trips).
const DefaultChunkSize = 64 << 10

func newResource(rm *ResourceManager, id Session) *Resource {
	r := &Resource{rm: rm, lib: rm.lib, session: id, writeTerm: "\n", chunkSize: DefaultChunkSize}
	if v, err := rm.lib.GetAttribute(id, VI_ATTR_RSRC_NAME); err == nil {
		r.name, _ = v.(string)
	}
	return r
}

// apply sets the open options on a freshly opened resource.
func (r *Resource) apply(c *openConfig) error {
	// SOCKET reads end at "\n" by default: a raw socket has no END, so a
	// read without a termination character could only end by timeout.
	if v, _ := r.lib.GetAttribute(r.session, VI_ATTR_RSRC_CLASS); v == string(ClassSOCKET) {
		if err := r.SetReadTermination("\n"); err != nil {
			return err
		}
	}
	if c.timeout != nil {
		if err := r.SetTimeout(*c.timeout); err != nil {
			return err
		}
	}
	if c.readTerm != nil {
		if err := r.SetReadTermination(*c.readTerm); err != nil {
			return err
		}
	}
	if c.writeTerm != nil {
		r.SetWriteTermination(*c.writeTerm)
	}
	r.queryDelay = c.queryDelay
	for _, a := range c.attrs {
		if err := r.SetAttribute(a.id, a.v); err != nil {
			return err
		}
	}
	return nil
}

// Name returns the canonical resource name.
func (r *Resource) Name() string { return r.name }

// Session returns the session handle, for level-2 calls on the Library.
func (r *Resource) Session() Session { return r.session }

// Library returns the backend behind r.
func (r *Resource) Library() Library { return r.lib }

// Info parses the resource's name (interface type, board, class).
func (r *Resource) Info() (ResourceInfo, error) { return r.lib.ParseResource(r.rm.id, r.name) }

// Close closes the session. Closing twice is harmless.
func (r *Resource) Close() error {
	if !r.closed.CompareAndSwap(false, true) {
		return nil
	}
	r.rm.forget(r.session)
	return r.lib.Close(r.session)
}

// GetAttribute returns the value of a VISA attribute (viGetAttribute).
func (r *Resource) GetAttribute(id Attr) (any, error) { return r.lib.GetAttribute(r.session, id) }

// SetAttribute sets a VISA attribute (viSetAttribute).
func (r *Resource) SetAttribute(id Attr, v any) error { return r.lib.SetAttribute(r.session, id, v) }

// Timeout returns VI_ATTR_TMO_VALUE; a negative duration means infinite.
func (r *Resource) Timeout() time.Duration {
	v, err := r.GetAttribute(VI_ATTR_TMO_VALUE)
	if err != nil {
		return 0
	}
	ms, _ := v.(uint32)
	if ms == VI_TMO_INFINITE {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// SetTimeout sets VI_ATTR_TMO_VALUE, rounded up to whole milliseconds. A
// negative duration means infinite; 0 means immediate.
func (r *Resource) SetTimeout(d time.Duration) error {
	ms := uint32(VI_TMO_INFINITE)
	if d >= 0 {
		ms64 := (d + time.Millisecond - 1) / time.Millisecond
		if ms64 >= time.Duration(VI_TMO_INFINITE) {
			ms64 = time.Duration(VI_TMO_INFINITE) - 1
		}
		ms = uint32(ms64)
	}
	return r.SetAttribute(VI_ATTR_TMO_VALUE, ms)
}

// ReadTermination returns the read termination sequence ("" for none).
func (r *Resource) ReadTermination() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.readTerm
}

// SetReadTermination sets the sequence that ends a read, as PyVISA does:
// its last byte becomes VI_ATTR_TERMCHAR with VI_ATTR_TERMCHAR_EN set, and
// Read strips the whole sequence from the end of what it returns. "" turns
// termination-character reads off (reads end on END or count).
func (r *Resource) SetReadTermination(term string) error {
	if len(term) > 1 && containsByte(term[:len(term)-1], term[len(term)-1]) {
		return &Error{Status: VI_ERROR_INV_PARAMETER, Op: "SetReadTermination", Resource: r.name,
			Msg: fmt.Sprintf("ambiguous termination %q: its last byte also occurs earlier", term)}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if term == "" {
		if err := r.SetAttribute(VI_ATTR_TERMCHAR_EN, false); err != nil {
			return err
		}
	} else {
		if err := r.SetAttribute(VI_ATTR_TERMCHAR, term[len(term)-1]); err != nil {
			return err
		}
		if err := r.SetAttribute(VI_ATTR_TERMCHAR_EN, true); err != nil {
			return err
		}
	}
	r.readTerm = term
	return nil
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// WriteTermination returns the sequence Write appends ("\n" by default;
// PyVISA's default is "\r\n", but SCPI instruments all accept a bare LF
// and the IEEE 488.2 program message terminator is LF).
func (r *Resource) WriteTermination() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writeTerm
}

// SetWriteTermination sets the sequence Write appends.
func (r *Resource) SetWriteTermination(term string) {
	r.mu.Lock()
	r.writeTerm = term
	r.mu.Unlock()
}

// SetQueryDelay sets the pause between the write and the read of Query.
func (r *Resource) SetQueryDelay(d time.Duration) {
	r.mu.Lock()
	r.queryDelay = d
	r.mu.Unlock()
}

// SetChunkSize sets the size of each device read issued by ReadRaw.
func (r *Resource) SetChunkSize(n int) {
	if n <= 0 {
		n = DefaultChunkSize
	}
	r.mu.Lock()
	r.chunkSize = n
	r.mu.Unlock()
}
