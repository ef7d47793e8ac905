package rpc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"reflect"
	"testing"

	"github.com/govisa/govisa/transport"
)

// FuzzXDRDecoder decodes arbitrary bytes as each VXI-11 structure: no
// panic, and whatever decodes re-encodes to bytes that decode the same.
func FuzzXDRDecoder(f *testing.F) {
	f.Add(vecWriteArgs)
	f.Add(vecReadArgs)
	f.Add(vecCreateLinkCall[44:])
	f.Add(vecCreateLinkReply[28:])
	f.Add(vecGetPort)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, proto := range vxiStructs {
			typ := reflect.TypeOf(proto)
			v := reflect.New(typ).Elem()
			if ourDecode(NewDecoder(data), v) != nil {
				continue
			}
			enc := ourAppend(nil, v)
			if len(enc) != len(data) {
				t.Fatalf("%s: decoded %d bytes, re-encoded %d", typ.Name(), len(data), len(enc))
			}
			w := reflect.New(typ).Elem()
			if err := ourDecode(NewDecoder(enc), w); err != nil {
				t.Fatalf("%s: re-encoding does not decode: %v", typ.Name(), err)
			}
			if !bytes.Equal(ourAppend(nil, w), enc) {
				t.Fatalf("%s: round trip differs", typ.Name())
			}
		}
		// Primitive readers on the raw input.
		d := NewDecoder(data)
		for d.Err() == nil && d.Len() > 0 {
			switch d.Len() % 5 {
			case 0:
				_, _ = d.Opaque(64)
			case 1:
				_, _ = d.Uint32s(nil, 8)
			case 2:
				_, _ = d.Uint64()
			case 3:
				_, _ = d.Bool()
			default:
				_, _ = d.String(NoMax)
			}
		}
	})
}

// FuzzRPCMessage decodes arbitrary messages as call and reply headers, and
// runs them through the server's dispatch: no panic, and every reply the
// server produces is a well-formed reply to the same xid.
func FuzzRPCMessage(f *testing.F) {
	f.Add(vecGetPort)
	f.Add(vecCreateLinkCall[4:])
	f.Add(vecCreateLinkReply[4:])
	f.Add((&CallHeader{XID: 1, Prog: testProg, Vers: 1, Proc: procAdd}).AppendXDR(nil))
	f.Add(append((&CallHeader{XID: 1, Prog: testProg, Vers: 1, Proc: procEcho}).AppendXDR(nil), 0, 0, 0, 1, 9, 0, 0, 0))
	f.Add((&CallHeader{XID: 2, RPCVers: 3}).AppendXDR(nil))
	f.Add((&ReplyHeader{XID: 3, Stat: MsgDenied, Reject: AuthError, Auth: AuthTooWeak}).AppendXDR(nil))
	f.Add((&ReplyHeader{XID: 3, Accept: ProgMismatch, Low: 1, High: 2}).AppendXDR(nil))
	ts := &testServer{oneway: make(chan uint32, 1)}
	srv := NewServer()
	h := testHandler(ts)
	srv.Register(testProg, 1, func(ctx context.Context, req *Request, res []byte) ([]byte, error) {
		if req.Proc == procSleep || req.Proc == procOneWay {
			return nil, NoReply // no waiting, no channel in a fuzz run
		}
		return h(ctx, req, res)
	})
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ch CallHeader
		if ch.DecodeXDR(NewDecoder(data)) == nil {
			var again CallHeader
			if err := again.DecodeXDR(NewDecoder(ch.AppendXDR(nil))); err != nil {
				t.Fatalf("call header round trip: %v", err)
			}
		}
		var rh ReplyHeader
		if rh.DecodeXDR(NewDecoder(data)) == nil {
			_ = rh.Err()
			var again ReplyHeader
			if err := again.DecodeXDR(NewDecoder(rh.AppendXDR(nil))); err != nil {
				t.Fatalf("reply header round trip: %v", err)
			}
		}
		out, reply := srv.handle(context.Background(), new(callState), data, nil, "tcp", addr, addr)
		if !reply {
			return
		}
		var got ReplyHeader
		d := NewDecoder(out)
		if err := got.DecodeXDR(d); err != nil {
			t.Fatalf("server produced a bad reply %x: %v", out, err)
		}
		xid, _, _ := DecodeMessageHead(NewDecoder(data))
		if got.XID != xid {
			t.Fatalf("reply xid %d for call xid %d", got.XID, xid)
		}
	})
}

// FuzzRecordReader reads arbitrary streams as records under a 1 KiB cap,
// and checks that writing what was read, split into fragments, reads back
// the same.
func FuzzRecordReader(f *testing.F) {
	f.Add(vecCreateLinkCall, uint8(0))
	f.Add(vecCreateLinkReply, uint8(3))
	f.Add([]byte{0, 0, 0, 2, 1, 2, 0x80, 0, 0, 1, 3}, uint8(1))
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, frag uint8) {
		rr := NewRecordReader(bytes.NewReader(data), 1024)
		var recs [][]byte
		for {
			rec, err := rr.ReadRecord()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, transport.ErrTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				break
			}
			if len(rec) > 1024 {
				t.Fatalf("record of %d bytes over the cap", len(rec))
			}
			recs = append(recs, append([]byte(nil), rec...))
		}
		var buf bytes.Buffer
		w := NewRecordWriter(&buf, int(frag))
		for _, r := range recs {
			if err := w.WriteRecord(r); err != nil {
				t.Fatal(err)
			}
		}
		rr = NewRecordReader(&buf, 1024)
		for i, want := range recs {
			got, err := rr.ReadRecord()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("record %d: %v", i, err)
			}
		}
	})
}
