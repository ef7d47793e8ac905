package rpc

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/govisa/govisa/transport"
)

// RPCVersion is the only ONC-RPC protocol version (rpcvers) there is.
const RPCVersion = 2

// MaxAuthBody is the maximum length of an opaque_auth body (RFC 5531).
const MaxAuthBody = 400

// MsgType is the msg_type discriminant of an RPC message.
type MsgType uint32

// Message types.
const (
	Call  MsgType = 0
	Reply MsgType = 1
)

// AuthFlavor identifies an authentication flavor.
type AuthFlavor uint32

// Authentication flavors (RFC 5531 and its registry).
const (
	AuthNone  AuthFlavor = 0
	AuthSys   AuthFlavor = 1 // also known as AUTH_UNIX
	AuthShort AuthFlavor = 2
	AuthDH    AuthFlavor = 3
	RPCSecGSS AuthFlavor = 6
)

// AuthUnix is the traditional name of [AuthSys].
const AuthUnix = AuthSys

// OpaqueAuth is credentials or a verifier: a flavor and up to 400 bytes.
// The zero value is AUTH_NONE with an empty body.
type OpaqueAuth struct {
	Flavor AuthFlavor
	Body   []byte
}

// AppendXDR appends the encoding of a.
func (a OpaqueAuth) AppendXDR(dst []byte) []byte {
	dst = AppendUint32(dst, uint32(a.Flavor))
	return AppendOpaque(dst, a.Body)
}

// DecodeXDR decodes a; Body aliases the decoder's input.
func (a *OpaqueAuth) DecodeXDR(d *Decoder) error {
	f, _ := d.Uint32()
	b, err := d.Opaque(MaxAuthBody)
	if err != nil {
		return err
	}
	a.Flavor, a.Body = AuthFlavor(f), b
	return nil
}

// AuthSysParms is the body of AUTH_SYS (AUTH_UNIX) credentials.
type AuthSysParms struct {
	Stamp       uint32
	MachineName string // at most 255 bytes
	UID, GID    uint32
	GIDs        []uint32 // at most 16
}

// Limits of AUTH_SYS fields.
const (
	MaxMachineName = 255
	MaxAuthSysGIDs = 16
)

// AppendXDR appends the encoding of p.
func (p *AuthSysParms) AppendXDR(dst []byte) []byte {
	dst = AppendUint32(dst, p.Stamp)
	dst = AppendString(dst, p.MachineName)
	dst = AppendUint32(dst, p.UID)
	dst = AppendUint32(dst, p.GID)
	return AppendUint32s(dst, p.GIDs)
}

// DecodeXDR decodes p.
func (p *AuthSysParms) DecodeXDR(d *Decoder) error {
	p.Stamp, _ = d.Uint32()
	p.MachineName, _ = d.String(MaxMachineName)
	p.UID, _ = d.Uint32()
	p.GID, _ = d.Uint32()
	p.GIDs, _ = d.Uint32s(p.GIDs, MaxAuthSysGIDs)
	return d.Err()
}

// Auth returns p as AUTH_SYS credentials.
func (p *AuthSysParms) Auth() OpaqueAuth {
	return OpaqueAuth{Flavor: AuthSys, Body: p.AppendXDR(nil)}
}

// CallHeader is the part of a CALL message before the procedure arguments.
type CallHeader struct {
	XID     uint32
	RPCVers uint32 // 2; AppendXDR writes 2 when it is zero
	Prog    uint32
	Vers    uint32
	Proc    uint32
	Cred    OpaqueAuth
	Verf    OpaqueAuth
}

// AppendXDR appends the encoding of h, starting with xid and msg_type CALL.
func (h *CallHeader) AppendXDR(dst []byte) []byte {
	v := h.RPCVers
	if v == 0 {
		v = RPCVersion
	}
	dst = AppendUint32(dst, h.XID)
	dst = AppendUint32(dst, uint32(Call))
	dst = AppendUint32(dst, v)
	dst = AppendUint32(dst, h.Prog)
	dst = AppendUint32(dst, h.Vers)
	dst = AppendUint32(dst, h.Proc)
	dst = h.Cred.AppendXDR(dst)
	return h.Verf.AppendXDR(dst)
}

// DecodeBody decodes the call body that follows xid and msg_type (see
// [DecodeMessageHead]); h.XID is left as it is. The caller must check
// RPCVers. After it, d is positioned at the arguments.
func (h *CallHeader) DecodeBody(d *Decoder) error {
	h.RPCVers, _ = d.Uint32()
	h.Prog, _ = d.Uint32()
	h.Vers, _ = d.Uint32()
	h.Proc, _ = d.Uint32()
	_ = h.Cred.DecodeXDR(d)
	_ = h.Verf.DecodeXDR(d)
	return d.Err()
}

// DecodeXDR decodes a whole call header, xid and msg_type included; a
// message that is not a CALL is a protocol error.
func (h *CallHeader) DecodeXDR(d *Decoder) error {
	xid, t, err := DecodeMessageHead(d)
	if err != nil {
		return err
	}
	if t != Call {
		return transport.Errorf("rpc", transport.ErrProtocol, fmt.Errorf("msg_type %d is not CALL", t))
	}
	h.XID = xid
	return h.DecodeBody(d)
}

// DecodeMessageHead decodes the xid and msg_type that start every message.
func DecodeMessageHead(d *Decoder) (xid uint32, t MsgType, err error) {
	xid, _ = d.Uint32()
	v, err := d.Uint32()
	return xid, MsgType(v), err
}

// ReplyStat is the reply_stat discriminant of a REPLY.
type ReplyStat uint32

// Reply statuses.
const (
	MsgAccepted ReplyStat = 0
	MsgDenied   ReplyStat = 1
)

// AcceptStat is the status of an accepted call. It implements error so that
// a [Handler] can return one (for example ProcUnavail) and a caller can test
// a reply error with errors.Is(err, rpc.ProgUnavail).
type AcceptStat uint32

// Accept statuses.
const (
	Success      AcceptStat = 0 // results follow
	ProgUnavail  AcceptStat = 1 // program not exported here
	ProgMismatch AcceptStat = 2 // version not supported; low and high follow
	ProcUnavail  AcceptStat = 3 // procedure not supported
	GarbageArgs  AcceptStat = 4 // arguments could not be decoded
	SystemErr    AcceptStat = 5 // server-side failure (memory, panic, ...)
)

var acceptNames = [...]string{"SUCCESS", "PROG_UNAVAIL", "PROG_MISMATCH", "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR"}

func (s AcceptStat) String() string {
	if int(s) < len(acceptNames) {
		return acceptNames[s]
	}
	return "accept_stat(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// Error returns the status name prefixed with "rpc: ".
func (s AcceptStat) Error() string { return "rpc: " + s.String() }

// RejectStat is the status of a denied call.
type RejectStat uint32

// Reject statuses.
const (
	RPCMismatch RejectStat = 0 // rpcvers not supported; low and high follow
	AuthError   RejectStat = 1 // authentication failed; an AuthStat follows
)

func (s RejectStat) String() string {
	switch s {
	case RPCMismatch:
		return "RPC_MISMATCH"
	case AuthError:
		return "AUTH_ERROR"
	}
	return "reject_stat(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// Error returns the status name prefixed with "rpc: ".
func (s RejectStat) Error() string { return "rpc: " + s.String() }

// AuthStat says why authentication failed.
type AuthStat uint32

// Authentication statuses.
const (
	AuthOK           AuthStat = 0
	AuthBadCred      AuthStat = 1
	AuthRejectedCred AuthStat = 2
	AuthBadVerf      AuthStat = 3
	AuthRejectedVerf AuthStat = 4
	AuthTooWeak      AuthStat = 5
	AuthInvalidResp  AuthStat = 6
	AuthFailed       AuthStat = 7
)

var authNames = [...]string{"AUTH_OK", "AUTH_BADCRED", "AUTH_REJECTEDCRED", "AUTH_BADVERF",
	"AUTH_REJECTEDVERF", "AUTH_TOOWEAK", "AUTH_INVALIDRESP", "AUTH_FAILED"}

func (s AuthStat) String() string {
	if int(s) < len(authNames) {
		return authNames[s]
	}
	return "auth_stat(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// ReplyHeader is the part of a REPLY message before the procedure results.
// Which fields matter depends on Stat:
//
//   - MsgAccepted: Verf and Accept; Low and High when Accept is ProgMismatch.
//   - MsgDenied: Reject; Low and High when Reject is RPCMismatch, Auth when
//     Reject is AuthError.
type ReplyHeader struct {
	XID       uint32
	Stat      ReplyStat
	Verf      OpaqueAuth
	Accept    AcceptStat
	Reject    RejectStat
	Low, High uint32
	Auth      AuthStat
}

// AppendXDR appends the encoding of h, starting with xid and msg_type REPLY.
// For an accepted SUCCESS the procedure results are appended after it.
func (h *ReplyHeader) AppendXDR(dst []byte) []byte {
	dst = AppendUint32(dst, h.XID)
	dst = AppendUint32(dst, uint32(Reply))
	dst = AppendUint32(dst, uint32(h.Stat))
	if h.Stat == MsgAccepted {
		dst = h.Verf.AppendXDR(dst)
		dst = AppendUint32(dst, uint32(h.Accept))
		if h.Accept == ProgMismatch {
			dst = AppendUint32(dst, h.Low)
			dst = AppendUint32(dst, h.High)
		}
		return dst
	}
	dst = AppendUint32(dst, uint32(h.Reject))
	switch h.Reject {
	case RPCMismatch:
		dst = AppendUint32(dst, h.Low)
		dst = AppendUint32(dst, h.High)
	case AuthError:
		dst = AppendUint32(dst, uint32(h.Auth))
	}
	return dst
}

var errBadReply = &transport.Error{Op: "rpc", Kind: transport.ErrProtocol, Cause: errors.New("malformed reply header")}

// DecodeBody decodes the reply body that follows xid and msg_type; h.XID is
// left as it is. An unknown reply_stat or reject_stat is a protocol error;
// an unknown accept_stat is kept (see [ReplyHeader.Err]). After it, d is
// positioned at the results.
func (h *ReplyHeader) DecodeBody(d *Decoder) error {
	s, err := d.Uint32()
	if err != nil {
		return err
	}
	h.Stat = ReplyStat(s)
	switch h.Stat {
	case MsgAccepted:
		_ = h.Verf.DecodeXDR(d)
		a, _ := d.Uint32()
		h.Accept = AcceptStat(a)
		if h.Accept == ProgMismatch {
			h.Low, _ = d.Uint32()
			h.High, _ = d.Uint32()
		}
	case MsgDenied:
		r, _ := d.Uint32()
		h.Reject = RejectStat(r)
		switch h.Reject {
		case RPCMismatch:
			h.Low, _ = d.Uint32()
			h.High, _ = d.Uint32()
		case AuthError:
			a, _ := d.Uint32()
			h.Auth = AuthStat(a)
		default:
			if d.Err() == nil {
				return d.fail(errBadReply)
			}
		}
	default:
		return d.fail(errBadReply)
	}
	return d.Err()
}

// DecodeXDR decodes a whole reply header, xid and msg_type included.
func (h *ReplyHeader) DecodeXDR(d *Decoder) error {
	xid, t, err := DecodeMessageHead(d)
	if err != nil {
		return err
	}
	if t != Reply {
		return transport.Errorf("rpc", transport.ErrProtocol, fmt.Errorf("msg_type %d is not REPLY", t))
	}
	h.XID = xid
	return h.DecodeBody(d)
}

// Err returns nil for an accepted SUCCESS reply, an [*AcceptError] for any
// other accepted reply and a [*RejectError] for a denied one.
func (h *ReplyHeader) Err() error {
	if h.Stat == MsgAccepted {
		if h.Accept == Success {
			return nil
		}
		return &AcceptError{Stat: h.Accept, Low: h.Low, High: h.High}
	}
	return &RejectError{Stat: h.Reject, Low: h.Low, High: h.High, Auth: h.Auth}
}
