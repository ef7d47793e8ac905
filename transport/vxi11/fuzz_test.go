package vxi11

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

// fuzzDevice answers everything at once, so that a fuzzed call never
// waits.
type fuzzDevice struct{}

func (fuzzDevice) Write(context.Context, []byte, bool) error { return nil }
func (fuzzDevice) Read(_ context.Context, p []byte) (int, bool, error) {
	n := copy(p, "1,2\n")
	return n, n == 4, nil
}
func (fuzzDevice) ReadSTB(context.Context) (byte, error) { return 0x10, nil }
func (fuzzDevice) Clear(context.Context) error           { return nil }
func (fuzzDevice) Trigger(context.Context) error         { return nil }
func (fuzzDevice) RemoteLocal(context.Context, transport.RemoteLocal) error {
	return nil
}
func (fuzzDevice) Docmd(_ context.Context, cmd int32, _ bool, _ int32, data []byte) ([]byte, error) {
	if cmd == DocmdSendCommand {
		return data, nil
	}
	return nil, transport.ErrNotSupported
}

// resultOf returns a decoder for the result of a core procedure.
func resultOf(proc uint32) rpc.Decodable {
	switch proc {
	case ProcCreateLink:
		return &CreateLinkResp{}
	case ProcDeviceWrite:
		return &DeviceWriteResp{}
	case ProcDeviceRead:
		return &DeviceReadResp{}
	case ProcDeviceReadSTB:
		return &DeviceReadSTBResp{}
	case ProcDeviceDocmd:
		return &DeviceDocmdResp{}
	}
	return &DeviceError{}
}

// argsOf returns a decoder for the arguments of a core procedure (nil for
// void, and for unknown procedures).
func argsOf(proc uint32) rpc.Decodable {
	switch proc {
	case ProcCreateLink:
		return &CreateLinkParms{}
	case ProcDeviceWrite:
		return &DeviceWriteParms{}
	case ProcDeviceRead:
		return &DeviceReadParms{}
	case ProcDeviceReadSTB, ProcDeviceTrigger, ProcDeviceClear, ProcDeviceRemote, ProcDeviceLocal:
		return &DeviceGenericParms{}
	case ProcDeviceLock:
		return &DeviceLockParms{}
	case ProcDeviceUnlock, ProcDestroyLink:
		return &DeviceLink{}
	case ProcDeviceEnableSRQ:
		return &DeviceEnableSRQParms{}
	case ProcDeviceDocmd:
		return &DeviceDocmdParms{}
	case ProcCreateIntrChan:
		return &DeviceRemoteFunc{}
	}
	return nil
}

// FuzzServerArgs feeds arbitrary argument bytes to every core procedure of
// a server with one link (lid 1) and checks that the server never panics
// or blocks, that arguments which decode are served, that the others are
// refused as garbage, and that every result decodes.
func FuzzServerArgs(f *testing.F) {
	for _, s := range codecSamples() {
		b := s.AppendXDR(nil)
		for proc := uint32(10); proc <= 26; proc++ {
			if a := argsOf(proc); a != nil && reflect.TypeOf(a) == reflect.TypeOf(s) {
				f.Add(uint8(proc), b)
			}
		}
	}
	f.Add(uint8(ProcDeviceRead), (&DeviceReadParms{LID: 1, RequestSize: 3, IOTimeout: 10, Flags: FlagTermCharSet, TermChar: ','}).AppendXDR(nil))
	f.Add(uint8(ProcDeviceWrite), (&DeviceWriteParms{LID: 1, Flags: FlagEnd, Data: make([]byte, 2000)}).AppendXDR(nil))
	f.Add(uint8(ProcDeviceLock), (&DeviceLockParms{LID: 1, Flags: FlagWaitLock, LockTimeout: 5}).AppendXDR(nil))
	f.Add(uint8(ProcDestroyIntrChan), []byte{})
	f.Add(uint8(21), []byte{0, 0, 0, 1})
	f.Add(uint8(ProcDeviceWrite), []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff})

	f.Fuzz(func(t *testing.T, proc uint8, args []byte) {
		s := NewServer(ServerOptions{MaxRecvSize: 1024, MaxReadSize: 64 << 10, MaxLinks: 4})
		defer s.cancel()
		if err := s.AddDevice("inst0", fuzzDevice{}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		cc := &coreConn{s: s, links: map[LinkID]*link{}}
		defer cc.close()
		if r := s.createLink(ctx, cc, &CreateLinkParms{Device: "inst0"}); r.Error != NoError || r.LID != 1 {
			t.Fatalf("setup link: %+v", r)
		}

		start := time.Now()
		d := rpc.NewDecoder(args)
		res, err := s.dispatch(ctx, cc, uint32(proc), d, nil)
		if time.Since(start) > 50*time.Millisecond {
			t.Fatalf("proc %d took %v", proc, time.Since(start))
		}

		a := argsOf(uint32(proc))
		known := a != nil || proc == ProcDestroyIntrChan
		if !known {
			if err == nil {
				t.Fatalf("unknown proc %d served", proc)
			}
			return
		}
		argsOK := proc == ProcDestroyIntrChan && len(args) == 0
		if a != nil {
			argsOK = decodeArgs(rpc.NewDecoder(args), a) == nil
		}
		if argsOK != (err == nil) {
			t.Fatalf("proc %d: args decode ok=%v but handler err=%v", proc, argsOK, err)
		}
		if err != nil {
			if d.Err() == nil && d.Len() == 0 {
				t.Fatalf("proc %d: error %v with arguments consumed cleanly", proc, err)
			}
			return
		}
		if derr := decodeArgs(rpc.NewDecoder(res), resultOf(uint32(proc))); derr != nil {
			t.Fatalf("proc %d: result %x does not decode: %v", proc, res, derr)
		}
	})
}

// FuzzCodec decodes arbitrary bytes as each VXI-11 structure; what decodes
// must survive an encode/decode round trip unchanged.
func FuzzCodec(f *testing.F) {
	samples := codecSamples()
	for i, s := range samples {
		f.Add(uint8(i), s.AppendXDR(nil))
	}
	f.Add(uint8(0), []byte{0, 0, 0, 0, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		typ := reflect.TypeOf(samples[int(which)%len(samples)]).Elem()
		v := reflect.New(typ).Interface().(interface {
			rpc.Appender
			rpc.Decodable
		})
		if decodeArgs(rpc.NewDecoder(data), v) != nil {
			return
		}
		again := reflect.New(typ).Interface().(rpc.Decodable)
		enc := v.AppendXDR(nil)
		if err := decodeArgs(rpc.NewDecoder(enc), again); err != nil {
			t.Fatalf("%s: re-encoding %x does not decode: %v", typ.Name(), enc, err)
		}
		if !reflect.DeepEqual(normalize(v), normalize(again)) {
			t.Fatalf("%s: %+v != %+v", typ.Name(), v, again)
		}
	})
}

// normalize treats nil and empty byte slices alike.
func normalize(v any) string {
	rv := reflect.ValueOf(v).Elem()
	out := reflect.New(rv.Type()).Elem()
	out.Set(rv)
	for i := range out.NumField() {
		if fl := out.Field(i); fl.Kind() == reflect.Slice && fl.Len() == 0 {
			fl.Set(reflect.Zero(fl.Type()))
		}
	}
	return reflect.TypeOf(v).String() + ":" + fmtValue(out)
}

func fmtValue(v reflect.Value) string { return fmtAny(v.Interface()) }

func fmtAny(v any) string { return fmt.Sprintf("%#v", v) }
