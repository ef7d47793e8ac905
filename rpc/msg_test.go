package rpc

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/transport"
)

func TestVectorGetPort(t *testing.T) {
	h := CallHeader{XID: 1000, Prog: 100000, Vers: 2, Proc: 3}
	b := h.AppendXDR(nil)
	for _, v := range []uint32{0x0607AF, 1, 6, 0} {
		b = AppendUint32(b, v)
	}
	assert.Equal(t, vecGetPort, b)

	var got CallHeader
	d := NewDecoder(vecGetPort)
	require.NoError(t, got.DecodeXDR(d))
	assert.Equal(t, uint32(1000), got.XID)
	assert.Equal(t, uint32(2), got.RPCVers)
	assert.Equal(t, uint32(100000), got.Prog)
	assert.Equal(t, uint32(3), got.Proc)
	assert.Equal(t, AuthNone, got.Cred.Flavor)
	assert.Empty(t, got.Cred.Body)
	assert.Equal(t, 16, d.Len())
}

func TestVectorCreateLink(t *testing.T) {
	b := AppendRecordMark(nil)
	h := CallHeader{XID: 1, Prog: 0x0607AF, Vers: 1, Proc: 10}
	b = h.AppendXDR(b)
	b = AppendInt32(b, 0x12345678)
	b = AppendBool(b, false)
	b = AppendUint32(b, 10000)
	b = AppendString(b, "inst0")
	require.NoError(t, FinishRecord(b))
	assert.Equal(t, vecCreateLinkCall, b)

	// The reply: header then error, lid, abortPort, maxRecvSize.
	r := ReplyHeader{XID: 1}
	rb := AppendRecordMark(nil)
	rb = r.AppendXDR(rb)
	for _, v := range []uint32{0, 7, 0x1234, 1024} {
		rb = AppendUint32(rb, v)
	}
	require.NoError(t, FinishRecord(rb))
	assert.Equal(t, vecCreateLinkReply, rb)

	var got ReplyHeader
	d := NewDecoder(vecCreateLinkReply[4:])
	require.NoError(t, got.DecodeXDR(d))
	require.NoError(t, got.Err())
	assert.Equal(t, uint32(1), got.XID)
	assert.Equal(t, 16, d.Len())
}

func TestVectorWriteRead(t *testing.T) {
	b := AppendInt32(nil, 7)
	b = AppendUint32(b, 2000)
	b = AppendUint32(b, 10000)
	b = AppendInt32(b, 8)
	b = AppendOpaque(b, []byte("*IDN?\n"))
	assert.Equal(t, vecWriteArgs, b)

	b = AppendInt32(nil, 7)
	for _, v := range []uint32{1024, 2000, 10000, 0, 0} {
		b = AppendUint32(b, v)
	}
	assert.Equal(t, vecReadArgs, b)
}

func TestReplyHeaderRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		h    ReplyHeader
		is   []error
	}{
		{"success", ReplyHeader{XID: 9}, nil},
		{"prog unavail", ReplyHeader{Accept: ProgUnavail}, []error{ProgUnavail, transport.ErrNotSupported}},
		{"prog mismatch", ReplyHeader{Accept: ProgMismatch, Low: 1, High: 3}, []error{ProgMismatch, transport.ErrNotSupported}},
		{"proc unavail", ReplyHeader{Accept: ProcUnavail}, []error{ProcUnavail, transport.ErrNotSupported}},
		{"garbage args", ReplyHeader{Accept: GarbageArgs}, []error{GarbageArgs, transport.ErrInvalidArg}},
		{"system err", ReplyHeader{Accept: SystemErr}, []error{SystemErr, transport.ErrIO}},
		{"rpc mismatch", ReplyHeader{Stat: MsgDenied, Reject: RPCMismatch, Low: 2, High: 2}, []error{RPCMismatch, transport.ErrProtocol}},
		{"auth error", ReplyHeader{Stat: MsgDenied, Reject: AuthError, Auth: AuthTooWeak}, []error{AuthError, transport.ErrNotSupported}},
		{"verifier", ReplyHeader{Verf: OpaqueAuth{Flavor: AuthShort, Body: []byte{1, 2, 3}}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.h.AppendXDR(nil)
			var got ReplyHeader
			d := NewDecoder(b)
			require.NoError(t, got.DecodeXDR(d))
			require.NoError(t, d.End())
			if len(c.h.Verf.Body) == 0 {
				got.Verf.Body = nil
			}
			assert.Equal(t, c.h, got)
			err := got.Err()
			if c.is == nil {
				assert.NoError(t, err)
				return
			}
			for _, want := range c.is {
				assert.ErrorIs(t, err, want)
			}
			assert.NotEmpty(t, err.Error())
		})
	}
	var ae *AcceptError
	h := ReplyHeader{Accept: ProgMismatch, Low: 1, High: 3}
	require.True(t, errors.As(h.Err(), &ae))
	assert.Equal(t, uint32(3), ae.High)
	assert.Contains(t, ae.Error(), "1 to 3")
}

func TestReplyHeaderMalformed(t *testing.T) {
	for _, b := range [][]byte{
		{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2},             // reply_stat 2
		{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9}, // reject_stat 9
		{0, 0, 0, 1, 0, 0, 0, 0},                         // a CALL
		{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, // truncated verifier
	} {
		var h ReplyHeader
		assert.ErrorIs(t, h.DecodeXDR(NewDecoder(b)), transport.ErrProtocol, "%x", b)
	}
}

func TestAuthSys(t *testing.T) {
	p := AuthSysParms{Stamp: 42, MachineName: "bench", UID: 1000, GID: 100, GIDs: []uint32{4, 24}}
	a := p.Auth()
	assert.Equal(t, AuthUnix, a.Flavor)
	var got AuthSysParms
	d := NewDecoder(a.Body)
	require.NoError(t, got.DecodeXDR(d))
	require.NoError(t, d.End())
	assert.Equal(t, p, got)

	// 17 gids is over the limit.
	bad := AppendUint32(nil, 0)
	bad = AppendString(bad, "x")
	bad = AppendUint32(bad, 0)
	bad = AppendUint32(bad, 0)
	bad = AppendUint32s(bad, make([]uint32, 17))
	assert.ErrorIs(t, got.DecodeXDR(NewDecoder(bad)), ErrTooLong)

	// A 401-byte auth body is refused.
	body := AppendUint32(nil, 1)
	body = AppendUint32(body, 401)
	body = append(body, make([]byte, 404)...)
	var oa OpaqueAuth
	assert.ErrorIs(t, oa.DecodeXDR(NewDecoder(body)), ErrTooLong)
}

func TestCallHeaderRPCVers(t *testing.T) {
	h := CallHeader{XID: 5, RPCVers: 3, Prog: 1, Vers: 1}
	b := h.AppendXDR(nil)
	assert.Equal(t, uint32(3), binary.BigEndian.Uint32(b[8:]))
	var got CallHeader
	require.NoError(t, got.DecodeXDR(NewDecoder(b)))
	assert.Equal(t, uint32(3), got.RPCVers)
	assert.Error(t, got.DecodeXDR(NewDecoder((&ReplyHeader{}).AppendXDR(nil))))
}

func TestStatStrings(t *testing.T) {
	assert.Equal(t, "PROG_MISMATCH", ProgMismatch.String())
	assert.Equal(t, "accept_stat(77)", AcceptStat(77).String())
	assert.Equal(t, "AUTH_ERROR", AuthError.String())
	assert.Equal(t, "reject_stat(5)", RejectStat(5).String())
	assert.Equal(t, "AUTH_TOOWEAK", AuthTooWeak.String())
	assert.Equal(t, "auth_stat(99)", AuthStat(99).String())
	assert.Contains(t, (&RejectError{Stat: AuthError, Auth: AuthBadCred}).Error(), "AUTH_BADCRED")
	assert.Contains(t, (&RejectError{Stat: RejectStat(5)}).Error(), "reject_stat(5)")
}
