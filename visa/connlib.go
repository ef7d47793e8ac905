package visa

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govisa/govisa/transport"
)

// Dialer opens transport connections for parsed resource names. The native
// backend is a [ConnLibrary] over the built-in transports; the @sim backend
// is one over simulated devices, so both share this session layer and the
// VISA semantics under test are the same code.
type Dialer interface {
	// Dial connects to the resource. attrs holds the session's attributes
	// with their defaults; Dial may read them (for example the HiSLIP
	// maximum message size) and may set read-only ones with SetInternal.
	Dial(ctx context.Context, name ResourceName, attrs *AttrStore) (transport.Conn, error)
	// List returns the resource names the dialer can find now.
	List(ctx context.Context) ([]string, error)
	// Info describes the dialer for BackendInfo.
	Info() BackendInfo
}

// ConnLibrary is a [Library] that implements VISA sessions over
// transport.Conn values obtained from a Dialer: attributes, VPP-4.3 read
// termination, timeouts, locks, events, asynchronous and buffered I/O.
type ConnLibrary struct {
	UnsupportedLibrary
	dialer Dialer
	log    *slog.Logger

	next     atomic.Uint32
	mu       sync.RWMutex
	sessions map[Session]*session
	rms      map[Session]*rmState
	locks    *resourceLocks

	aliasOnce sync.Once
	aliases   atomic.Pointer[Aliases]
	aliasErr  error // from loading the default alias file; set under aliasOnce
}

// rmState is one resource-manager session and the sessions it opened.
type rmState struct {
	id    Session
	mu    sync.Mutex
	owned map[Session]struct{}
}

// NewConnLibrary returns a Library over d. A nil logger is silent.
func NewConnLibrary(d Dialer, log *slog.Logger) *ConnLibrary {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ConnLibrary{
		dialer:   d,
		log:      log,
		sessions: map[Session]*session{},
		rms:      map[Session]*rmState{},
		locks:    newResourceLocks(),
	}
}

// Dialer returns the dialer behind l.
func (l *ConnLibrary) Dialer() Dialer { return l.dialer }

func (l *ConnLibrary) newID() Session {
	for {
		if id := Session(l.next.Add(1)); id != 0 {
			return id
		}
	}
}

// OpenDefaultRM opens a resource-manager session.
func (l *ConnLibrary) OpenDefaultRM(context.Context) (Session, error) {
	rm := &rmState{id: l.newID(), owned: map[Session]struct{}{}}
	l.mu.Lock()
	l.rms[rm.id] = rm
	l.mu.Unlock()
	return rm.id, nil
}

func (l *ConnLibrary) rm(id Session, op string) (*rmState, error) {
	l.mu.RLock()
	rm := l.rms[id]
	l.mu.RUnlock()
	if rm == nil {
		return nil, &Error{Status: VI_ERROR_INV_OBJECT, Op: op, Msg: fmt.Sprintf("session %d is not an open resource manager", id)}
	}
	return rm, nil
}

func (l *ConnLibrary) session(id Session, op string) (*session, error) {
	l.mu.RLock()
	s := l.sessions[id]
	l.mu.RUnlock()
	if s == nil {
		return nil, &Error{Status: VI_ERROR_INV_OBJECT, Op: op, Msg: fmt.Sprintf("session %d is not open", id)}
	}
	return s, nil
}

// ParseResource parses name (viParseRsrcEx).
func (l *ConnLibrary) ParseResource(rm Session, name string) (ResourceInfo, error) {
	if _, err := l.rm(rm, "viParseRsrcEx"); err != nil {
		return ResourceInfo{}, err
	}
	rn, err := l.resolveName(name)
	if err != nil {
		return ResourceInfo{}, err
	}
	info := rn.Info()
	l.loadAliases()
	info.Alias = l.aliases.Load().AliasOf(info.ResourceName)
	return info, nil
}

// ListResources lists what the dialer finds that matches query (a VISA
// search expression; "" means "?*::INSTR").
func (l *ConnLibrary) ListResources(ctx context.Context, rm Session, query string) ([]string, error) {
	if _, err := l.rm(rm, "viFindRsrc"); err != nil {
		return nil, err
	}
	if query == "" {
		query = "?*::INSTR"
	}
	expr, err := CompileSearch(query)
	if err != nil {
		return nil, err
	}
	names, err := l.dialer.List(ctx)
	if err != nil {
		return nil, mapError("viFindRsrc", "", err)
	}
	var out []string
	for _, n := range names {
		rn, perr := ParseResourceName(n)
		if perr != nil {
			continue
		}
		if expr.Match(n, resourceAttrLookup(rn)) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, &Error{Status: VI_ERROR_RSRC_NFOUND, Op: "viFindRsrc", Msg: "no resource matches " + query}
	}
	return out, nil
}

// resourceAttrLookup answers attribute-expression lookups in a search from
// what the resource name tells, without opening the resource.
func resourceAttrLookup(rn ResourceName) func(string) (any, bool) {
	st := NewAttrStore(rn.Interface, rn.Class)
	fillNameAttrs(st, rn)
	return func(name string) (any, bool) {
		info, ok := LookupAttrName(name)
		if !ok {
			return nil, false
		}
		v, err := st.Get(info.ID)
		return v, err == nil
	}
}

// Open opens a session to name. mode may ask for an exclusive or shared
// lock on open (VI_EXCLUSIVE_LOCK, VI_SHARED_LOCK); openTimeout bounds the
// connection and the lock wait.
func (l *ConnLibrary) Open(ctx context.Context, rmID Session, name string, mode AccessMode, openTimeout time.Duration) (Session, error) {
	const op = "viOpen"
	rm, err := l.rm(rmID, op)
	if err != nil {
		return 0, err
	}
	rn, err := l.resolveName(name)
	if err != nil {
		return 0, err
	}
	if mode&^(VI_EXCLUSIVE_LOCK|VI_SHARED_LOCK|VI_LOAD_CONFIG) != 0 || mode&(VI_EXCLUSIVE_LOCK|VI_SHARED_LOCK) == VI_EXCLUSIVE_LOCK|VI_SHARED_LOCK {
		return 0, &Error{Status: VI_ERROR_INV_ACC_MODE, Op: op, Resource: name, Msg: fmt.Sprintf("access mode %d", mode)}
	}
	attrs := NewAttrStore(rn.Interface, rn.Class)
	fillNameAttrs(attrs, rn)
	dctx, cancel := withTimeout(ctx, dialTimeout(openTimeout, attrs))
	defer cancel()
	conn, err := l.dialer.Dial(dctx, rn, attrs)
	if err != nil {
		return 0, mapDialError(name, err)
	}
	s := newSession(l, rm, rn, attrs, conn)
	attrs.SetInternal(VI_ATTR_RM_SESSION, uint32(rm.id))
	l.mu.Lock()
	l.sessions[s.id] = s
	l.mu.Unlock()
	rm.mu.Lock()
	rm.owned[s.id] = struct{}{}
	rm.mu.Unlock()
	l.log.Debug("visa open", "session", s.id, "resource", s.rsrc)
	if mode&(VI_EXCLUSIVE_LOCK|VI_SHARED_LOCK) != 0 {
		lockMode := VI_EXCLUSIVE_LOCK
		if mode&VI_SHARED_LOCK != 0 {
			lockMode = VI_SHARED_LOCK
		}
		if _, err := l.Lock(ctx, s.id, lockMode, openTimeout, ""); err != nil {
			l.Close(s.id)
			return 0, err
		}
	}
	return s.id, nil
}

// dialTimeout is the time allowed to connect: the open timeout when given,
// otherwise the session timeout, and at least a few seconds, because VISA's
// default open timeout of 0 ("immediate") cannot mean "do not connect".
func dialTimeout(open time.Duration, attrs *AttrStore) time.Duration {
	t := open
	if t <= 0 {
		t = attrs.Timeout()
	}
	if t >= 0 && t < 5*time.Second {
		t = 5 * time.Second
	}
	return t
}

func mapDialError(name string, err error) error {
	e := mapError("viOpen", name, err)
	if ve, ok := e.(*Error); ok && (ve.Status == VI_ERROR_CONN_LOST || ve.Status == VI_ERROR_SYSTEM_ERROR) {
		// A connection that cannot be made means the resource is not there.
		ve.Status = VI_ERROR_RSRC_NFOUND
	}
	return e
}

// Close closes a session, or a resource manager and every session it
// opened.
func (l *ConnLibrary) Close(id Session) error {
	l.mu.Lock()
	if rm, ok := l.rms[id]; ok {
		delete(l.rms, id)
		l.mu.Unlock()
		rm.mu.Lock()
		owned := make([]Session, 0, len(rm.owned))
		for sid := range rm.owned {
			owned = append(owned, sid)
		}
		rm.mu.Unlock()
		var first error
		for _, sid := range owned {
			if err := l.Close(sid); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	s := l.sessions[id]
	delete(l.sessions, id)
	l.mu.Unlock()
	if s == nil {
		return &Error{Status: VI_ERROR_INV_OBJECT, Op: "viClose", Msg: fmt.Sprintf("session %d is not open", id)}
	}
	s.rm.mu.Lock()
	delete(s.rm.owned, id)
	s.rm.mu.Unlock()
	l.log.Debug("visa close", "session", id, "resource", s.rsrc)
	return s.close()
}

// GetAttribute returns an attribute of a session or resource manager.
func (l *ConnLibrary) GetAttribute(id Session, a Attr) (any, error) {
	if rm, _ := l.rm(id, ""); rm != nil {
		switch a {
		case VI_ATTR_RSRC_NAME:
			return "", nil
		case VI_ATTR_RSRC_IMPL_VERSION, VI_ATTR_RSRC_SPEC_VERSION:
			return implVersion, nil
		case VI_ATTR_RSRC_MANF_NAME:
			return manufacturerName, nil
		case VI_ATTR_RSRC_MANF_ID:
			return uint16(manufacturerID), nil
		case VI_ATTR_RSRC_LOCK_STATE:
			return uint32(VI_NO_LOCK), nil
		case VI_ATTR_TMO_VALUE:
			return uint32(2000), nil
		}
		return nil, &Error{Status: VI_ERROR_NSUP_ATTR, Op: "viGetAttribute", Msg: a.String() + " on a resource manager"}
	}
	s, err := l.session(id, "viGetAttribute")
	if err != nil {
		return nil, err
	}
	return s.getAttr(a)
}

// SetAttribute sets an attribute of a session.
func (l *ConnLibrary) SetAttribute(id Session, a Attr, v any) error {
	if rm, _ := l.rm(id, ""); rm != nil {
		return &Error{Status: VI_ERROR_NSUP_ATTR, Op: "viSetAttribute", Msg: a.String() + " on a resource manager"}
	}
	s, err := l.session(id, "viSetAttribute")
	if err != nil {
		return err
	}
	return s.setAttr(a, v)
}

// StatusDesc returns the description of st.
func (l *ConnLibrary) StatusDesc(_ Session, st Status) string { return st.Error() }
