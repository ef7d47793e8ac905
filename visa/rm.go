package visa

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// ResourceManager is the entry point of the frontend: it opens sessions on
// one backend (Library). Resource managers are independent: closing one
// closes only the resources it opened (unlike PyVISA's per-library
// singleton). A ResourceManager is safe for concurrent use.
type ResourceManager struct {
	lib Library
	id  Session

	mu     sync.Mutex
	open   map[Session]*Resource
	closed bool
}

// NewResourceManager opens a resource manager on the backend named by spec:
// "" (or GOVISA_LIBRARY unset) for the native backend, "@sim" for the
// simulator, "file.yaml@sim", "@name" for any registered backend. When the
// GOVISA_TRACE environment variable asks for it, every VISA call is logged
// (see TraceFromEnv).
func NewResourceManager(spec string) (*ResourceManager, error) {
	lib, err := OpenLibrary(spec)
	if err != nil {
		return nil, err
	}
	return NewResourceManagerFor(TraceFromEnv(lib))
}

// NewResourceManagerFor opens a resource manager on lib directly.
func NewResourceManagerFor(lib Library) (*ResourceManager, error) {
	id, err := lib.OpenDefaultRM(context.Background())
	if err != nil {
		return nil, err
	}
	return &ResourceManager{lib: lib, id: id, open: map[Session]*Resource{}}, nil
}

// Library returns the backend behind rm, for level-2 calls.
func (rm *ResourceManager) Library() Library { return rm.lib }

// Session returns the resource-manager session handle.
func (rm *ResourceManager) Session() Session { return rm.id }

// ListResources returns the resources matching query, a VISA search
// expression (default "?*::INSTR"). It returns an error matching
// ErrResourceNFound when nothing matches.
func (rm *ResourceManager) ListResources(ctx context.Context, query ...string) ([]string, error) {
	q := "?*::INSTR"
	if len(query) > 0 {
		q = query[0]
	}
	return rm.lib.ListResources(ctx, rm.id, q)
}

// ListResourcesInfo returns ResourceInfo for every resource matching query.
func (rm *ResourceManager) ListResourcesInfo(ctx context.Context, query ...string) (map[string]ResourceInfo, error) {
	names, err := rm.ListResources(ctx, query...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ResourceInfo, len(names))
	for _, n := range names {
		if info, err := rm.lib.ParseResource(rm.id, n); err == nil {
			out[n] = info
		}
	}
	return out, nil
}

// ResourceInfo parses name without opening it (viParseRsrcEx).
func (rm *ResourceManager) ResourceInfo(name string) (ResourceInfo, error) {
	return rm.lib.ParseResource(rm.id, name)
}

// ListOpenedResources returns the resources opened through rm and not yet
// closed, sorted by session.
func (rm *ResourceManager) ListOpenedResources() []*Resource {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	out := make([]*Resource, 0, len(rm.open))
	for _, r := range rm.open {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].session < out[j].session })
	return out
}

// OpenResource opens a session to name and applies opts (timeout,
// termination, access mode, attribute values). Attribute options are
// checked after the open; if one fails the session is closed again.
func (rm *ResourceManager) OpenResource(ctx context.Context, name string, opts ...OpenOption) (*Resource, error) {
	rm.mu.Lock()
	closed := rm.closed
	rm.mu.Unlock()
	if closed {
		return nil, &Error{Status: VI_ERROR_INV_OBJECT, Op: "viOpen", Resource: name, Msg: "resource manager is closed"}
	}
	cfg := openConfig{openTimeout: 0}
	for _, o := range opts {
		o(&cfg)
	}
	sid, err := rm.lib.Open(ctx, rm.id, name, cfg.accessMode, cfg.openTimeout)
	if err != nil {
		return nil, err
	}
	r := newResource(rm, sid)
	if err := r.apply(&cfg); err != nil {
		_ = rm.lib.Close(sid)
		return nil, err
	}
	rm.mu.Lock()
	rm.open[sid] = r
	rm.mu.Unlock()
	return r, nil
}

func (rm *ResourceManager) forget(id Session) {
	rm.mu.Lock()
	delete(rm.open, id)
	rm.mu.Unlock()
}

// Close closes every resource opened through rm, then rm itself.
func (rm *ResourceManager) Close() error {
	rm.mu.Lock()
	if rm.closed {
		rm.mu.Unlock()
		return nil
	}
	rm.closed = true
	rs := make([]*Resource, 0, len(rm.open))
	for _, r := range rm.open {
		rs = append(rs, r)
	}
	rm.mu.Unlock()
	var errs []error
	for _, r := range rs {
		if err := r.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := rm.lib.Close(rm.id); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// OpenOption configures OpenResource.
type OpenOption func(*openConfig)

type openConfig struct {
	accessMode  AccessMode
	openTimeout time.Duration
	timeout     *time.Duration
	readTerm    *string
	writeTerm   *string
	queryDelay  time.Duration
	attrs       []attrValue
}

type attrValue struct {
	id Attr
	v  any
}

// WithTimeout sets VI_ATTR_TMO_VALUE; a negative duration means infinite.
func WithTimeout(d time.Duration) OpenOption { return func(c *openConfig) { c.timeout = &d } }

// WithReadTermination sets the read termination (see Resource.SetReadTermination).
func WithReadTermination(s string) OpenOption { return func(c *openConfig) { c.readTerm = &s } }

// WithWriteTermination sets the write termination appended by Write.
func WithWriteTermination(s string) OpenOption { return func(c *openConfig) { c.writeTerm = &s } }

// WithAccessMode opens with a lock: VI_EXCLUSIVE_LOCK or VI_SHARED_LOCK.
func WithAccessMode(m AccessMode) OpenOption { return func(c *openConfig) { c.accessMode = m } }

// WithOpenTimeout bounds the connection and any lock-on-open wait.
func WithOpenTimeout(d time.Duration) OpenOption { return func(c *openConfig) { c.openTimeout = d } }

// WithQueryDelay sets the pause between the write and the read of Query.
func WithQueryDelay(d time.Duration) OpenOption { return func(c *openConfig) { c.queryDelay = d } }

// WithAttribute sets any VISA attribute after the open.
func WithAttribute(id Attr, v any) OpenOption {
	return func(c *openConfig) { c.attrs = append(c.attrs, attrValue{id, v}) }
}
