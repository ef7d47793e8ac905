package rpc

import (
	"context"
	"errors"
	"net"
	"runtime/debug"
)

// callState is the per-connection scratch space of handle, reused from
// call to call so that dispatching does not allocate.
type callState struct {
	req Request
	d   Decoder
}

// handle decodes one call message and appends the reply to out. It returns
// reply false when nothing is to be sent: a message that is not a call, a
// call too short to answer, or a one-way procedure.
func (s *Server) handle(ctx context.Context, st *callState, msg, out []byte, network string, local, remote net.Addr) ([]byte, bool) {
	d := &st.d
	d.Reset(msg)
	xid, t, err := DecodeMessageHead(d)
	if err != nil || t != Call {
		// Replies arriving at a server, and fragments of noise, are ignored.
		return out, false
	}
	st.req = Request{Network: network, LocalAddr: local, RemoteAddr: remote}
	req := &st.req
	req.XID = xid
	rh := ReplyHeader{XID: xid}
	start := len(out)
	if err := req.CallHeader.DecodeBody(d); err != nil {
		if d.Offset() < 24 {
			// Not even rpcvers/prog/vers/proc: nothing sensible to answer.
			s.log().Debug("rpc server: truncated call header", "remote", remote, "xid", xid)
			return out, false
		}
		if req.RPCVers != RPCVersion {
			return denyVersion(out, &rh), true
		}
		rh.Stat, rh.Reject, rh.Auth = MsgDenied, AuthError, AuthBadCred
		return rh.AppendXDR(out), true
	}
	if req.RPCVers != RPCVersion {
		return denyVersion(out, &rh), true
	}
	if as := checkAuth(&req.Cred); as != AuthOK {
		rh.Stat, rh.Reject, rh.Auth = MsgDenied, AuthError, as
		return rh.AppendXDR(out), true
	}
	h, stat, lo, hi := s.lookup(req.Prog, req.Vers)
	if h == nil {
		rh.Accept, rh.Low, rh.High = stat, lo, hi
		return rh.AppendXDR(out), true
	}
	if req.Proc == 0 {
		if d.Len() != 0 {
			rh.Accept = GarbageArgs
		}
		return rh.AppendXDR(out), true
	}
	out = rh.AppendXDR(out)
	req.Args = d
	res, err := s.call(ctx, h, req, out)
	switch {
	case err == nil && d.Err() == nil && d.Len() == 0:
		if res == nil {
			res = out
		}
		return res, true
	case errors.Is(err, NoReply):
		return out[:start], false
	}
	var as AcceptStat
	switch {
	case errors.Is(err, errPanic):
		rh.Accept = SystemErr
	case err != nil && errors.As(err, &as) && as != Success && as != ProgMismatch:
		rh.Accept = as
	case d.Err() != nil || d.Len() != 0:
		rh.Accept = GarbageArgs
	default:
		rh.Accept = SystemErr
		s.log().Error("rpc server: handler failed", "prog", req.Prog, "vers", req.Vers, "proc", req.Proc, "err", err)
	}
	return rh.AppendXDR(out[:start]), true
}

func denyVersion(out []byte, rh *ReplyHeader) []byte {
	rh.Stat, rh.Reject, rh.Low, rh.High = MsgDenied, RPCMismatch, RPCVersion, RPCVersion
	return rh.AppendXDR(out)
}

// checkAuth accepts AUTH_NONE and well-formed AUTH_SYS credentials (which
// are otherwise ignored) and rejects every other flavor.
func checkAuth(cred *OpaqueAuth) AuthStat {
	switch cred.Flavor {
	case AuthNone:
		return AuthOK
	case AuthSys:
		var p AuthSysParms
		d := Decoder{buf: cred.Body}
		if p.DecodeXDR(&d) != nil || d.End() != nil {
			return AuthBadCred
		}
		return AuthOK
	}
	return AuthRejectedCred
}

var errPanic = errors.New("rpc: handler panicked")

// call runs the handler, turning a panic into an error so that one bad
// call cannot take the server down.
func (s *Server) call(ctx context.Context, h Handler, req *Request, out []byte) (res []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log().Error("rpc server: handler panicked", "prog", req.Prog, "vers", req.Vers, "proc", req.Proc,
				"panic", r, "stack", string(debug.Stack()))
			res, err = nil, errPanic
		}
	}()
	return h(ctx, req, out)
}
