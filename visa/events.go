package visa

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govisa/govisa/transport"
)

// events is a session's event state: which types are enabled for which
// mechanisms, the queue (bounded by VI_ATTR_MAX_QUEUE_LENGTH) and the
// handlers, which run on one dispatcher goroutine per session so that a
// slow handler never blocks the transport that raised the event.
type events struct {
	s        *session
	mu       sync.Mutex
	enabled  map[EventType]EventMechanism
	queue    []Event
	overflow bool
	signal   chan struct{} // closed and replaced when the queue grows
	handlers map[EventType][]handlerEntry
	nextH    HandlerID
	dispatch chan dispatchItem
	done     chan struct{}
	closed   bool
	srqOn    bool // service requests wanted (under mu)

	// srqMu orders the OnSRQ calls, which are made without mu: a transport
	// may wait in OnSRQ(nil) for its watcher goroutine to finish a
	// callback, and the callback (post) takes mu.
	srqMu      sync.Mutex
	srqApplied bool // what the transport was last told (under srqMu)
}

type handlerEntry struct {
	id HandlerID
	h  Handler
}

type dispatchItem struct {
	h  Handler
	ev Event
}

const dispatchQueue = 64

func (e *events) init(s *session) {
	e.s = s
	e.enabled = map[EventType]EventMechanism{}
	e.handlers = map[EventType][]handlerEntry{}
	e.signal = make(chan struct{})
}

// supported reports whether the session can raise events of type t.
func (e *events) supported(t EventType) bool {
	switch t {
	case VI_EVENT_IO_COMPLETION:
		return true
	case VI_EVENT_SERVICE_REQ:
		_, ok := e.s.conn.(transport.SRQNotifier)
		return ok
	}
	return false
}

func (e *events) close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	d, done := e.dispatch, e.done
	close(e.signal)
	e.mu.Unlock()
	e.syncSRQ()
	if d != nil {
		close(d)
		<-done
	}
}

// post delivers ev to the queue and the handlers enabled for its type.
func (e *events) post(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	mech := e.enabled[ev.Type]
	if mech&VI_QUEUE != 0 {
		max := maxQueueLen(e.s.attrs)
		if len(e.queue) >= max {
			e.overflow = true
		} else {
			e.queue = append(e.queue, ev)
			close(e.signal)
			e.signal = make(chan struct{})
		}
	}
	if mech&VI_HNDLR != 0 && e.dispatch != nil {
		for _, he := range e.handlers[ev.Type] {
			select {
			case e.dispatch <- dispatchItem{he.h, ev}:
			default:
				e.s.lib.log.Warn("visa: event handler queue full, event dropped", "session", e.s.id, "event", ev.Type)
			}
		}
	}
}

func (e *events) startDispatcherLocked() {
	if e.dispatch != nil {
		return
	}
	e.dispatch = make(chan dispatchItem, dispatchQueue)
	e.done = make(chan struct{})
	go func(d <-chan dispatchItem, done chan<- struct{}, id Session) {
		defer close(done)
		for it := range d {
			it.h(id, it.ev)
		}
	}(e.dispatch, e.done, e.s.id)
}

func (e *events) eventTypes(t EventType) []EventType {
	if t == VI_ALL_ENABLED_EVENTS {
		return []EventType{VI_EVENT_IO_COMPLETION, VI_EVENT_SERVICE_REQ}
	}
	return []EventType{t}
}

func (e *events) enable(t EventType, mech EventMechanism) error {
	const op = "viEnableEvent"
	if mech != VI_QUEUE && mech != VI_HNDLR && mech != VI_SUSPEND_HNDLR && mech != VI_QUEUE|VI_HNDLR && mech != VI_QUEUE|VI_SUSPEND_HNDLR {
		return &Error{Status: VI_ERROR_INV_MECH, Op: op, Resource: e.s.rsrc, Msg: fmt.Sprintf("mechanism %d", mech)}
	}
	for _, tt := range e.eventTypes(t) {
		if !e.supported(tt) {
			if t == VI_ALL_ENABLED_EVENTS {
				continue
			}
			return &Error{Status: VI_ERROR_INV_EVENT, Op: op, Resource: e.s.rsrc, Msg: fmt.Sprintf("%v is not supported by this resource", tt)}
		}
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return &Error{Status: VI_ERROR_INV_OBJECT, Op: op, Resource: e.s.rsrc, Msg: "session is closed"}
		}
		if mech&VI_HNDLR != 0 && len(e.handlers[tt]) == 0 {
			e.mu.Unlock()
			return &Error{Status: VI_ERROR_HNDLR_NINSTALLED, Op: op, Resource: e.s.rsrc, Msg: "install a handler before enabling VI_HNDLR"}
		}
		e.enabled[tt] |= mech
		if mech&VI_HNDLR != 0 {
			e.startDispatcherLocked()
		}
		wantSRQ := tt == VI_EVENT_SERVICE_REQ && !e.srqOn
		if wantSRQ {
			e.srqOn = true
		}
		e.mu.Unlock()
		if wantSRQ {
			e.syncSRQ()
		}
	}
	return nil
}

// syncSRQ tells the transport whether service requests are wanted now. It
// reads the wish under mu and acts outside it (see srqMu), so concurrent
// enables and disables end with the transport told the last wish.
func (e *events) syncSRQ() {
	e.srqMu.Lock()
	defer e.srqMu.Unlock()
	e.mu.Lock()
	want := e.srqOn && !e.closed
	e.mu.Unlock()
	if want == e.srqApplied {
		return
	}
	n := e.s.conn.(transport.SRQNotifier)
	if want {
		n.OnSRQ(func() { e.post(Event{Type: VI_EVENT_SERVICE_REQ}) })
	} else {
		n.OnSRQ(nil)
	}
	e.srqApplied = want
}

func (e *events) disable(t EventType, mech EventMechanism) error {
	e.mu.Lock()
	stopSRQ := false
	for _, tt := range e.eventTypes(t) {
		e.enabled[tt] &^= mech
		if e.enabled[tt] == 0 {
			delete(e.enabled, tt)
			if tt == VI_EVENT_SERVICE_REQ && e.srqOn {
				e.srqOn = false
				stopSRQ = true
			}
		}
	}
	e.mu.Unlock()
	if stopSRQ {
		e.syncSRQ()
	}
	return nil
}

func (e *events) discard(t EventType, mech EventMechanism) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if mech&VI_QUEUE == 0 {
		return
	}
	kept := e.queue[:0]
	for _, ev := range e.queue {
		if t != VI_ALL_ENABLED_EVENTS && ev.Type != t {
			kept = append(kept, ev)
		}
	}
	e.queue = kept
	e.overflow = false
}

func (e *events) wait(ctx context.Context, t EventType, timeout time.Duration) (Event, error) {
	const op = "viWaitOnEvent"
	e.mu.Lock()
	queued := false
	for _, tt := range e.eventTypes(t) {
		if e.enabled[tt]&VI_QUEUE != 0 {
			queued = true
		}
	}
	e.mu.Unlock()
	if !queued {
		return Event{}, &Error{Status: VI_ERROR_NENABLED, Op: op, Resource: e.s.rsrc, Msg: "enable the event for VI_QUEUE first"}
	}
	wctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	for {
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return Event{}, &Error{Status: VI_ERROR_INV_OBJECT, Op: op, Resource: e.s.rsrc, Msg: "session closed"}
		}
		for i, ev := range e.queue {
			if t == VI_ALL_ENABLED_EVENTS || ev.Type == t {
				e.queue = append(e.queue[:i], e.queue[i+1:]...)
				e.mu.Unlock()
				return ev, nil
			}
		}
		sig := e.signal
		e.mu.Unlock()
		select {
		case <-sig:
		case <-wctx.Done():
			err := wctx.Err()
			if errors.Is(err, context.DeadlineExceeded) {
				return Event{}, &Error{Status: VI_ERROR_TMO, Op: op, Resource: e.s.rsrc, Err: err}
			}
			return Event{}, &Error{Status: VI_ERROR_ABORT, Op: op, Resource: e.s.rsrc, Err: err}
		}
	}
}

func (e *events) install(t EventType, h Handler) (HandlerID, error) {
	if h == nil {
		return 0, &Error{Status: VI_ERROR_INV_HNDLR_REF, Op: "viInstallHandler", Resource: e.s.rsrc}
	}
	if !e.supported(t) {
		return 0, &Error{Status: VI_ERROR_INV_EVENT, Op: "viInstallHandler", Resource: e.s.rsrc, Msg: fmt.Sprintf("%v is not supported by this resource", t)}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextH++
	e.handlers[t] = append(e.handlers[t], handlerEntry{e.nextH, h})
	return e.nextH, nil
}

func (e *events) uninstall(t EventType, id HandlerID) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	hs := e.handlers[t]
	for i, he := range hs {
		if he.id == id {
			e.handlers[t] = append(hs[:i], hs[i+1:]...)
			return nil
		}
	}
	return &Error{Status: VI_ERROR_INV_HNDLR_REF, Op: "viUninstallHandler", Resource: e.s.rsrc, Msg: fmt.Sprintf("handler %d is not installed for %v", id, t)}
}

// EnableEvent implements viEnableEvent.
func (l *ConnLibrary) EnableEvent(id Session, t EventType, mech EventMechanism) error {
	s, err := l.session(id, "viEnableEvent")
	if err != nil {
		return err
	}
	return s.ev.enable(t, mech)
}

// DisableEvent implements viDisableEvent.
func (l *ConnLibrary) DisableEvent(id Session, t EventType, mech EventMechanism) error {
	s, err := l.session(id, "viDisableEvent")
	if err != nil {
		return err
	}
	return s.ev.disable(t, mech)
}

// DiscardEvents implements viDiscardEvents.
func (l *ConnLibrary) DiscardEvents(id Session, t EventType, mech EventMechanism) error {
	s, err := l.session(id, "viDiscardEvents")
	if err != nil {
		return err
	}
	s.ev.discard(t, mech)
	return nil
}

// WaitOnEvent implements viWaitOnEvent. timeout < 0 waits forever.
func (l *ConnLibrary) WaitOnEvent(ctx context.Context, id Session, t EventType, timeout time.Duration) (Event, error) {
	s, err := l.session(id, "viWaitOnEvent")
	if err != nil {
		return Event{}, err
	}
	return s.ev.wait(ctx, t, timeout)
}

// InstallHandler implements viInstallHandler.
func (l *ConnLibrary) InstallHandler(id Session, t EventType, h Handler) (HandlerID, error) {
	s, err := l.session(id, "viInstallHandler")
	if err != nil {
		return 0, err
	}
	return s.ev.install(t, h)
}

// UninstallHandler implements viUninstallHandler.
func (l *ConnLibrary) UninstallHandler(id Session, t EventType, hid HandlerID) error {
	s, err := l.session(id, "viUninstallHandler")
	if err != nil {
		return err
	}
	return s.ev.uninstall(t, hid)
}
