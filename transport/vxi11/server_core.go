package vxi11

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

// DocmdDevice is implemented by Devices that act as IEEE 488.1 gateways
// (or any device with VXI-11 device_docmd commands). Without it the server
// answers device_docmd with error 8 (operation not supported). Returning an
// error wrapping transport.ErrNotSupported also gives error 8.
type DocmdDevice interface {
	Docmd(ctx context.Context, cmd int32, networkOrder bool, dataSize int32, data []byte) ([]byte, error)
}

// errClosing answers calls that arrive while the server shuts down.
var errClosing = transport.Errorf("vxi11 serve", transport.ErrClosed, nil)

// coreHandler serves DEVICE_CORE. Arguments are decoded and checked whole
// (Args.End) before anything is done with them.
func (s *Server) coreHandler(ctx context.Context, req *rpc.Request, res []byte) ([]byte, error) {
	cc, _ := ctx.Value(connKey{}).(*coreConn)
	if cc == nil {
		cc = &coreConn{s: s, links: map[LinkID]*link{}, closed: true}
	}
	if !s.enter() {
		return nil, errClosing
	}
	defer s.wg.Done()
	return s.dispatch(ctx, cc, req.Proc, req.Args, res)
}

func (s *Server) dispatch(ctx context.Context, cc *coreConn, proc uint32, d *rpc.Decoder, res []byte) ([]byte, error) {
	switch proc {
	case ProcCreateLink:
		var p CreateLinkParms
		if err := decodeArgs(d, &p); err != nil {
			return nil, err
		}
		r := s.createLink(ctx, cc, &p)
		return r.AppendXDR(res), nil
	case ProcDeviceWrite:
		// The connection's scratch arguments: calls on one connection
		// come one after the other, and a local would escape (one
		// allocation per call).
		p := &cc.wp
		*p = DeviceWriteParms{}
		err := decodeArgs(d, p)
		if err == nil {
			r := s.deviceWrite(ctx, cc, p)
			res = r.AppendXDR(res)
		}
		p.Data = nil // aliases the receive buffer
		return res, err
	case ProcDeviceRead:
		p := &cc.rp
		*p = DeviceReadParms{}
		if err := decodeArgs(d, p); err != nil {
			return nil, err
		}
		return s.deviceRead(ctx, cc, p, res), nil
	case ProcDeviceReadSTB, ProcDeviceTrigger, ProcDeviceClear, ProcDeviceRemote, ProcDeviceLocal:
		var p DeviceGenericParms
		if err := decodeArgs(d, &p); err != nil {
			return nil, err
		}
		return s.generic(ctx, cc, proc, &p, res), nil
	case ProcDeviceLock:
		var p DeviceLockParms
		if err := decodeArgs(d, &p); err != nil {
			return nil, err
		}
		r := DeviceError{Error: s.deviceLock(ctx, cc, &p)}
		return r.AppendXDR(res), nil
	case ProcDeviceUnlock, ProcDestroyLink:
		var p DeviceLink
		if err := decodeArgs(d, &p); err != nil {
			return nil, err
		}
		r := DeviceError{Error: s.unlinkOrUnlock(cc, proc, p.LID)}
		return r.AppendXDR(res), nil
	case ProcDeviceEnableSRQ:
		var p DeviceEnableSRQParms
		if err := decodeArgs(d, &p); err != nil {
			return nil, err
		}
		r := DeviceError{Error: s.enableSRQ(cc, &p)}
		return r.AppendXDR(res), nil
	case ProcDeviceDocmd:
		var p DeviceDocmdParms
		if err := decodeArgs(d, &p); err != nil {
			return nil, err
		}
		r := s.docmd(ctx, cc, &p)
		return r.AppendXDR(res), nil
	case ProcCreateIntrChan:
		var p DeviceRemoteFunc
		if err := decodeArgs(d, &p); err != nil {
			return nil, err
		}
		r := DeviceError{Error: s.createIntrChan(ctx, cc, &p)}
		return r.AppendXDR(res), nil
	case ProcDestroyIntrChan:
		if err := d.End(); err != nil {
			return nil, err
		}
		r := DeviceError{Error: cc.destroyIntr()}
		return r.AppendXDR(res), nil
	}
	return nil, rpc.ProcUnavail
}

func decodeArgs(d *rpc.Decoder, v rpc.Decodable) error {
	if err := v.DecodeXDR(d); err != nil {
		return err
	}
	return d.End()
}

// abortHandler serves DEVICE_ASYNC: device_abort ends the call in progress
// on any active link with error 23.
func (s *Server) abortHandler(ctx context.Context, req *rpc.Request, res []byte) ([]byte, error) {
	if req.Proc != ProcDeviceAbort {
		return nil, rpc.ProcUnavail
	}
	var p DeviceLink
	if err := decodeArgs(req.Args, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	l := s.links[p.LID]
	s.mu.Unlock()
	r := DeviceError{Error: ErrInvalidLink}
	if l != nil {
		l.abortCall()
		r.Error = NoError
	}
	return r.AppendXDR(res), nil
}

func (s *Server) createLink(ctx context.Context, cc *coreConn, p *CreateLinkParms) CreateLinkResp {
	key, err := CanonicalDeviceName(p.Device)
	if err != nil {
		if errors.Is(err, errBadAddress) {
			return CreateLinkResp{Error: ErrInvalidAddress}
		}
		return CreateLinkResp{Error: ErrDeviceNotAccessible}
	}
	s.mu.Lock()
	h := s.devices[key]
	abortPort := 0
	if a, ok := s.abortAddr.(*net.TCPAddr); ok {
		abortPort = a.Port
	}
	s.mu.Unlock()
	if h == nil {
		s.log.Debug("vxi11: create_link for an unknown device", "device", p.Device)
		return CreateLinkResp{Error: ErrDeviceNotAccessible}
	}
	l, code := s.newLink(cc, h)
	if code != NoError {
		return CreateLinkResp{Error: code}
	}
	if p.LockDevice {
		lctx, cancel := context.WithTimeout(ctx, time.Duration(p.LockTimeout)*time.Millisecond)
		err := h.locks.Lock(lctx, l, transport.LockExclusive, "", time.Duration(p.LockTimeout)*time.Millisecond)
		cancel()
		if err != nil {
			cc.mu.Lock()
			delete(cc.links, l.id)
			cc.mu.Unlock()
			s.dropLink(l)
			return CreateLinkResp{Error: ErrDeviceLocked}
		}
	}
	s.log.Debug("vxi11: link created", "lid", l.id, "device", key, "remote", cc.remote)
	return CreateLinkResp{LID: l.id, AbortPort: uint16(abortPort), MaxRecvSize: s.opts.MaxRecvSize}
}

func (s *Server) unlinkOrUnlock(cc *coreConn, proc uint32, lid LinkID) ErrorCode {
	l := cc.link(lid)
	if l == nil {
		return ErrInvalidLink
	}
	if proc == ProcDeviceUnlock {
		if _, err := l.dev.locks.Unlock(l); err != nil {
			return ErrNoLockHeld
		}
		return NoError
	}
	cc.mu.Lock()
	delete(cc.links, lid)
	cc.mu.Unlock()
	s.dropLink(l)
	return NoError
}

func (s *Server) deviceWrite(ctx context.Context, cc *coreConn, p *DeviceWriteParms) DeviceWriteResp {
	l := cc.link(p.LID)
	if l == nil {
		return DeviceWriteResp{Error: ErrInvalidLink}
	}
	if uint64(len(p.Data)) > uint64(s.opts.MaxRecvSize) {
		return DeviceWriteResp{Error: ErrParameter}
	}
	oc := l.begin(ctx, p.IOTimeout)
	defer l.end(oc)
	ctx = oc
	if code := l.access(ctx, p.Flags, p.LockTimeout); code != NoError {
		return DeviceWriteResp{Error: code}
	}
	if len(p.Data) == 0 && p.Flags&FlagEnd == 0 {
		return DeviceWriteResp{}
	}
	if err := l.dev.dev.Write(ctx, p.Data, p.Flags&FlagEnd != 0); err != nil {
		return DeviceWriteResp{Error: callCode(ctx, err)}
	}
	return DeviceWriteResp{Size: uint32(len(p.Data))}
}

// deviceRead reads from the device straight into the reply: the data is
// copied once, from the device into the bytes that go on the wire.
func (s *Server) deviceRead(ctx context.Context, cc *coreConn, p *DeviceReadParms, res []byte) []byte {
	l := cc.link(p.LID)
	if l == nil {
		r := DeviceReadResp{Error: ErrInvalidLink}
		return r.AppendXDR(res)
	}
	oc := l.begin(ctx, p.IOTimeout)
	defer l.end(oc)
	ctx = oc
	if code := l.access(ctx, p.Flags, p.LockTimeout); code != NoError {
		r := DeviceReadResp{Error: code}
		return r.AppendXDR(res)
	}
	want := int(min(p.RequestSize, s.opts.MaxReadSize))
	if p.RequestSize == 0 {
		r := DeviceReadResp{Reason: ReasonReqCnt}
		return r.AppendXDR(res)
	}
	// res is the connection's reply buffer, which the RPC server keeps
	// from call to call up to its MaxReplyBuffer (see Start): a grown
	// buffer serves the next reads of the same size.
	out := res
	hdr := len(out)
	need := hdr + 12 + want + 3
	if cap(out) < need {
		nb := make([]byte, hdr, need)
		copy(nb, out)
		out = nb
	}
	out = out[:hdr+12+want]
	data := out[hdr+12:]

	n, reason, code := l.fill(ctx, data, p)
	out = out[:hdr+12+n]
	binary.BigEndian.PutUint32(out[hdr:], uint32(code))
	binary.BigEndian.PutUint32(out[hdr+4:], uint32(reason))
	binary.BigEndian.PutUint32(out[hdr+8:], uint32(n))
	for n&3 != 0 {
		out = append(out, 0)
		n++
	}
	return out
}

// fill reads from the device into data until END, the termination
// character, a full buffer, or an error. Bytes the device returned past a
// termination character are kept in l.pending (with whether the last of
// them carried END) and served first by the next read.
func (l *link) fill(ctx context.Context, data []byte, p *DeviceReadParms) (int, Reason, ErrorCode) {
	n := 0
	if len(l.pending) > 0 {
		k := copy(data, l.pending)
		l.pending = l.pending[k:]
		eom := len(l.pending) == 0 && l.pendingEnd
		if cut, r, done := l.scan(data, 0, k, eom, p); done {
			return cut, r, NoError
		}
		n = k
	}
	for n < len(data) {
		k, eom, err := l.dev.dev.Read(ctx, data[n:])
		if k < 0 || k > len(data)-n {
			return n, 0, ErrIOError
		}
		start := n
		n += k
		if cut, r, done := l.scan(data, start, n, eom, p); done {
			return cut, r, NoError
		}
		if err != nil {
			return n, 0, callCode(ctx, err)
		}
	}
	return n, l.reason(n, p, 0), NoError
}

// scan looks at the bytes data[start:n] just received (eom: the last of them
// ends a response message) and decides whether the read is complete.
func (l *link) scan(data []byte, start, n int, eom bool, p *DeviceReadParms) (int, Reason, bool) {
	if p.Flags&FlagTermCharSet != 0 {
		if i := bytes.IndexByte(data[start:n], p.TermChar); i >= 0 {
			cut := start + i + 1
			if cut < n {
				// Copy: data is the reply buffer, reused by the next call.
				rest := make([]byte, 0, n-cut+len(l.pending))
				rest = append(rest, data[cut:n]...)
				if len(l.pending) == 0 {
					l.pendingEnd = eom
				}
				l.pending = append(rest, l.pending...)
				eom = false
			}
			r := ReasonChr
			if eom {
				r |= ReasonEnd
			}
			return cut, l.reason(cut, p, r), true
		}
	}
	if eom {
		return n, l.reason(n, p, ReasonEnd), true
	}
	return n, 0, false
}

// reason adds REQCNT when the client's requestSize is reached (and not
// merely the server's reply cap).
func (l *link) reason(n int, p *DeviceReadParms, r Reason) Reason {
	if uint64(n) == uint64(p.RequestSize) {
		r |= ReasonReqCnt
	}
	return r
}

func (s *Server) generic(ctx context.Context, cc *coreConn, proc uint32, p *DeviceGenericParms, res []byte) []byte {
	l := cc.link(p.LID)
	if l == nil {
		return errReply(proc, ErrInvalidLink, res)
	}
	oc := l.begin(ctx, p.IOTimeout)
	defer l.end(oc)
	ctx = oc
	if code := l.access(ctx, p.Flags, p.LockTimeout); code != NoError {
		return errReply(proc, code, res)
	}
	dev := l.dev.dev
	var err error
	switch proc {
	case ProcDeviceReadSTB:
		var stb byte
		stb, err = dev.ReadSTB(ctx)
		r := DeviceReadSTBResp{Error: callCode(ctx, err), STB: stb}
		return r.AppendXDR(res)
	case ProcDeviceTrigger:
		err = dev.Trigger(ctx)
	case ProcDeviceClear:
		l.pending, l.pendingEnd = nil, false
		err = dev.Clear(ctx)
	case ProcDeviceRemote, ProcDeviceLocal:
		rl, ok := dev.(transport.RemoteLocalDevice)
		if !ok {
			return errReply(proc, ErrOperationNotSupported, res)
		}
		mode := transport.RENAssertAddress
		if proc == ProcDeviceLocal {
			mode = transport.RENAddressGTL
		}
		err = rl.RemoteLocal(ctx, mode)
	}
	r := DeviceError{Error: callCode(ctx, err)}
	return r.AppendXDR(res)
}

func errReply(proc uint32, code ErrorCode, res []byte) []byte {
	if proc == ProcDeviceReadSTB {
		r := DeviceReadSTBResp{Error: code}
		return r.AppendXDR(res)
	}
	r := DeviceError{Error: code}
	return r.AppendXDR(res)
}

func (s *Server) deviceLock(ctx context.Context, cc *coreConn, p *DeviceLockParms) ErrorCode {
	l := cc.link(p.LID)
	if l == nil {
		return ErrInvalidLink
	}
	oc := l.begin(ctx, 0xFFFFFFFF)
	defer l.end(oc)
	ctx = oc
	timeout := time.Duration(0)
	if p.Flags&FlagWaitLock != 0 {
		timeout = time.Duration(p.LockTimeout) * time.Millisecond
	}
	err := l.dev.locks.Lock(ctx, l, transport.LockExclusive, "", timeout)
	switch {
	case err == nil:
		return NoError
	case aborted(ctx):
		return ErrAbort
	default:
		// Held elsewhere past the timeout, or already held by this link:
		// both are error 11 in VXI-11.
		return ErrDeviceLocked
	}
}

func (s *Server) enableSRQ(cc *coreConn, p *DeviceEnableSRQParms) ErrorCode {
	l := cc.link(p.LID)
	if l == nil {
		return ErrInvalidLink
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.srq = p.Enable
	// The handle aliases the receive buffer: keep a copy.
	l.handle = append(l.handle[:0:0], p.Handle...)
	return NoError
}

func (s *Server) docmd(ctx context.Context, cc *coreConn, p *DeviceDocmdParms) DeviceDocmdResp {
	l := cc.link(p.LID)
	if l == nil {
		return DeviceDocmdResp{Error: ErrInvalidLink}
	}
	dd, ok := l.dev.dev.(DocmdDevice)
	if !ok {
		return DeviceDocmdResp{Error: ErrOperationNotSupported}
	}
	oc := l.begin(ctx, p.IOTimeout)
	defer l.end(oc)
	ctx = oc
	if code := l.access(ctx, p.Flags, p.LockTimeout); code != NoError {
		return DeviceDocmdResp{Error: code}
	}
	out, err := dd.Docmd(ctx, p.Cmd, p.NetworkOrder, p.DataSize, p.DataIn)
	if err != nil {
		return DeviceDocmdResp{Error: callCode(ctx, err)}
	}
	return DeviceDocmdResp{DataOut: out}
}

func (s *Server) createIntrChan(ctx context.Context, cc *coreConn, p *DeviceRemoteFunc) ErrorCode {
	if p.ProgNum != ProgIntr || p.ProgVers != ProgVersion || p.ProgFamily != FamilyTCP {
		return ErrOperationNotSupported
	}
	cc.mu.Lock()
	exists := cc.intr != nil
	cc.mu.Unlock()
	if exists {
		return ErrChannelAlreadyEstablished
	}
	var ip [4]byte
	binary.BigEndian.PutUint32(ip[:], p.HostAddr)
	host := net.IP(ip[:])
	ra, ok := cc.remote.(*net.TCPAddr)
	if !ok {
		return ErrChannelNotEstablished
	}
	if !s.opts.AllowAnyInterruptHost && !ra.IP.Equal(host) {
		s.log.Debug("vxi11: create_intr_chan to another host refused", "host", host, "remote", ra)
		return ErrChannelNotEstablished
	}
	if p.HostPort == 0 || p.HostPort > 0xFFFF {
		return ErrParameter
	}
	addr := net.JoinHostPort(host.String(), strconv.Itoa(int(p.HostPort)))
	ic, err := s.startIntr(ctx, addr)
	if err != nil {
		s.log.Debug("vxi11: cannot connect the interrupt channel", "addr", addr, "err", err)
		return ErrChannelNotEstablished
	}
	cc.mu.Lock()
	if cc.intr != nil || cc.closed {
		cc.mu.Unlock()
		ic.close()
		return ErrChannelAlreadyEstablished
	}
	cc.intr = ic
	cc.mu.Unlock()
	return NoError
}

func (cc *coreConn) destroyIntr() ErrorCode {
	cc.mu.Lock()
	ic := cc.intr
	cc.intr = nil
	cc.mu.Unlock()
	if ic == nil {
		return ErrChannelNotEstablished
	}
	ic.close()
	return NoError
}

// String describes the server for logs.
func (s *Server) String() string {
	return fmt.Sprintf("vxi11 server core=%v abort=%v", s.CoreAddr(), s.AbortAddr())
}
