package hislip

import (
	"context"
	"sync"
	"time"

	"github.com/govisa/govisa/transport"
)

// devState is what the sessions of one served device share: its lock
// table, its remote/local state, the turn-taking for its I/O and the
// service-request subscription.
type devState struct {
	srv   *Server
	dev   transport.Device
	locks transport.LockTable

	mu       sync.Mutex
	holder   *session // session whose I/O the device is serving
	changed  chan struct{}
	sessions map[*session]struct{}
	unsub    func()

	// Remote/local state variables of IVI-6.1 §6.11.
	remote, remoteEnable, localLockout bool
}

func newDevState(s *Server, dev transport.Device) *devState {
	d := &devState{srv: s, dev: dev, remoteEnable: true, sessions: map[*session]struct{}{}}
	if src, ok := dev.(transport.SRQSource); ok {
		d.unsub = src.SubscribeSRQ(d.srq)
	}
	return d
}

func (d *devState) close() {
	if d.unsub != nil {
		d.unsub()
	}
}

func (d *devState) addSession(s *session) {
	d.mu.Lock()
	d.sessions[s] = struct{}{}
	d.mu.Unlock()
}

// srq is called by the device; it must not block, so each session gets a
// non-blocking nudge and forwards AsyncServiceRequest from its own
// goroutine.
func (d *devState) srq() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for s := range d.sessions {
		select {
		case s.srqCh <- struct{}{}:
		default:
		}
	}
}

func (d *devState) notifyLocked() {
	if d.changed != nil {
		close(d.changed)
		d.changed = nil
	}
}

// acquire makes s the session whose I/O the device serves. A holder that is
// idle (no message half sent, no query awaiting its response, or a query
// older than ResponseTimeout) is preempted: its response reader stops
// without consuming output.
func (d *devState) acquire(ctx context.Context, s *session) error {
	respTO := d.srv.ResponseTimeout
	if respTO <= 0 {
		respTO = 10 * time.Second
	}
	for {
		d.mu.Lock()
		h := d.holder
		if h == s {
			d.mu.Unlock()
			return nil
		}
		if h == nil || !h.busyFor(respTO) {
			d.holder = s
			d.mu.Unlock()
			if h != nil {
				h.stopPump()
			}
			s.startPump()
			return nil
		}
		if d.changed == nil {
			d.changed = make(chan struct{})
		}
		wait := d.changed
		d.mu.Unlock()
		t := time.NewTimer(respTO / 4)
		select {
		case <-wait:
		case <-t.C: // re-check an overdue query
		case <-ctx.Done():
			t.Stop()
			return transport.NetError("device", ctx.Err())
		}
		t.Stop()
	}
}

// released is called when s's state changed (response done, session
// closed) so that waiting sessions re-check.
func (d *devState) released() {
	d.mu.Lock()
	d.notifyLocked()
	d.mu.Unlock()
}

func (d *devState) drop(s *session) {
	d.mu.Lock()
	if d.holder == s {
		d.holder = nil
	}
	delete(d.sessions, s)
	d.notifyLocked()
	d.mu.Unlock()
	d.locks.ReleaseAll(s)
}

func (d *devState) holderIs(s *session) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.holder == nil || d.holder == s
}

// touchRemote applies "any message sets Remote while RemoteEnable".
func (d *devState) touchRemote() {
	d.mu.Lock()
	if d.remoteEnable {
		d.remote = true
	}
	d.mu.Unlock()
}

// remoteLocal applies one AsyncRemoteLocalControl request (IVI-6.1 §6.11);
// it reports false for an unknown code.
func (d *devState) remoteLocal(ctx context.Context, code uint8) bool {
	d.mu.Lock()
	switch code {
	case 0, 2:
		d.remoteEnable, d.localLockout, d.remote = false, false, false
	case 1:
		d.remoteEnable = true
	case 3:
		d.remoteEnable, d.remote = true, true
	case 4:
		d.remoteEnable, d.localLockout = true, true
	case 5:
		d.remoteEnable, d.localLockout, d.remote = true, true, true
	case 6:
		d.remote = false
	default:
		d.mu.Unlock()
		return false
	}
	d.mu.Unlock()
	if rl, ok := d.dev.(transport.RemoteLocalDevice); ok {
		_ = rl.RemoteLocal(ctx, transport.RemoteLocal(code))
	}
	return true
}

// RemoteState reports the remote/local state variables of the device at
// subAddress: Remote, RemoteEnable and LocalLockout. ok is false when no
// session has opened it yet.
func (s *Server) RemoteState(subAddress string) (remote, remoteEnable, localLockout, ok bool) {
	_, name, found := s.lookup(subAddress)
	if !found {
		return
	}
	s.mu.Lock()
	d := s.devs[name]
	s.mu.Unlock()
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.remote, d.remoteEnable, d.localLockout, true
}
