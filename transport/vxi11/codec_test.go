package vxi11

import (
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "\t", "", "|", "").Replace(s))
	require.NoError(t, err)
	return b
}

// callRecord builds a record-marked CALL of proc with args, as a client
// sends it.
func callRecord(xid uint32, proc uint32, args rpc.Appender) []byte {
	b := rpc.AppendRecordMark(nil)
	h := rpc.CallHeader{XID: xid, Prog: ProgCore, Vers: ProgVersion, Proc: proc}
	b = h.AppendXDR(b)
	b = args.AppendXDR(b)
	if err := rpc.FinishRecord(b); err != nil {
		panic(err)
	}
	return b
}

const callHead = "00 00 00 01  00 00 00 00  00 00 00 02  00 06 07 af  00 00 00 01"

// TestVectors checks the fact sheet's §2.11 vectors byte for byte, both
// ways.
func TestVectors(t *testing.T) {
	t.Run("create_link", func(t *testing.T) {
		want := unhex(t, `80 00 00 40 `+callHead+` 00 00 00 0a
			00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
			12 34 56 78  00 00 00 00  00 00 27 10
			00 00 00 05  69 6e 73 74 30 00 00 00`)
		p := CreateLinkParms{ClientID: 0x12345678, LockTimeout: 10000, Device: "inst0"}
		assert.Equal(t, want, callRecord(1, ProcCreateLink, &p))
		var got CreateLinkParms
		require.NoError(t, decodeArgs(rpc.NewDecoder(want[4+40:]), &got))
		assert.Equal(t, p, got)
	})
	t.Run("create_link reply", func(t *testing.T) {
		rec := unhex(t, `80 00 00 28 | 00 00 00 01 | 00 00 00 01 | 00 00 00 00 | 00 00 00 00 00 00 00 00 | 00 00 00 00 | 00 00 00 00 | 00 00 00 07 | 00 00 12 34 | 00 00 04 00`)
		r := CreateLinkResp{LID: 7, AbortPort: 0x1234, MaxRecvSize: 1024}
		b := rpc.AppendRecordMark(nil)
		h := rpc.ReplyHeader{XID: 1}
		b = r.AppendXDR(h.AppendXDR(b))
		require.NoError(t, rpc.FinishRecord(b))
		assert.Equal(t, rec, b)
		d := rpc.NewDecoder(rec[4:])
		var rh rpc.ReplyHeader
		require.NoError(t, rh.DecodeXDR(d))
		var got CreateLinkResp
		require.NoError(t, decodeArgs(d, &got))
		assert.Equal(t, r, got)
	})
	t.Run("device_write", func(t *testing.T) {
		args := unhex(t, "00 00 00 07 00 00 07 d0 00 00 27 10 00 00 00 08 00 00 00 06 2a 49 44 4e 3f 0a 00 00")
		p := DeviceWriteParms{LID: 7, IOTimeout: 2000, LockTimeout: 10000, Flags: FlagEnd, Data: []byte("*IDN?\n")}
		rec := callRecord(2, ProcDeviceWrite, &p)
		assert.Len(t, rec, 72)
		assert.Equal(t, args, rec[44:])
		assert.Equal(t, byte(0x0b), rec[4+23])
		var got DeviceWriteParms
		require.NoError(t, decodeArgs(rpc.NewDecoder(args), &got))
		assert.Equal(t, p, got)
	})
	t.Run("device_read", func(t *testing.T) {
		args := unhex(t, "00 00 00 07 00 00 04 00 00 00 07 d0 00 00 27 10 00 00 00 00 00 00 00 00")
		p := DeviceReadParms{LID: 7, RequestSize: 1024, IOTimeout: 2000, LockTimeout: 10000}
		rec := callRecord(3, ProcDeviceRead, &p)
		assert.Equal(t, args, rec[44:])
		assert.Equal(t, byte(0x0c), rec[4+23])
		var got DeviceReadParms
		require.NoError(t, decodeArgs(rpc.NewDecoder(args), &got))
		assert.Equal(t, p, got)
	})
}

// codecSamples holds one non-trivial value of every VXI-11 structure.
func codecSamples() []interface {
	rpc.Appender
	rpc.Decodable
} {
	return []interface {
		rpc.Appender
		rpc.Decodable
	}{
		&CreateLinkParms{ClientID: -5, LockDevice: true, LockTimeout: 1234, Device: "gpib0,5,3"},
		&CreateLinkResp{Error: ErrDeviceLocked, LID: 99, AbortPort: 65535, MaxRecvSize: 1 << 20},
		&DeviceWriteParms{LID: 3, IOTimeout: 1, LockTimeout: 2, Flags: FlagEnd | FlagWaitLock, Data: []byte("abcde")},
		&DeviceWriteResp{Error: ErrIOTimeout, Size: 17},
		&DeviceReadParms{LID: 3, RequestSize: 4096, IOTimeout: 5, LockTimeout: 6, Flags: FlagTermCharSet, TermChar: '\n'},
		&DeviceReadResp{Error: NoError, Reason: ReasonEnd | ReasonChr, Data: []byte("hello\n")},
		&DeviceReadSTBResp{STB: 0x51},
		&DeviceGenericParms{LID: 1, Flags: FlagWaitLock, LockTimeout: 7, IOTimeout: 8},
		&DeviceRemoteFunc{HostAddr: 0xC0A8010A, HostPort: 5555, ProgNum: ProgIntr, ProgVers: 1, ProgFamily: FamilyTCP},
		&DeviceEnableSRQParms{LID: 2, Enable: true, Handle: []byte("srq")},
		&DeviceLockParms{LID: 2, Flags: FlagWaitLock, LockTimeout: 100},
		&DeviceLink{LID: 42},
		&DeviceError{Error: ErrAbort},
		&DeviceDocmdParms{LID: 4, Flags: 0, IOTimeout: 9, LockTimeout: 10, Cmd: DocmdBusStatus, NetworkOrder: true, DataSize: 2, DataIn: []byte{0, 3}},
		&DeviceDocmdResp{DataOut: []byte{0, 1}},
		&DeviceSRQParms{Handle: []byte("govisa\x00\x00\x00\x01")},
	}
}

// TestCodecRoundTrip encodes every structure, checks XDR alignment, decodes
// it back, and checks that every truncation of the encoding is refused.
func TestCodecRoundTrip(t *testing.T) {
	for _, v := range codecSamples() {
		typ := reflect.TypeOf(v).Elem()
		t.Run(typ.Name(), func(t *testing.T) {
			b := v.AppendXDR(nil)
			assert.Zero(t, len(b)%4, "XDR is 4-byte aligned")
			got := reflect.New(typ).Interface().(rpc.Decodable)
			require.NoError(t, decodeArgs(rpc.NewDecoder(b), got))
			assert.Equal(t, v, got)
			for i := 0; i < len(b); i += 4 {
				short := reflect.New(typ).Interface().(rpc.Decodable)
				err := decodeArgs(rpc.NewDecoder(b[:i]), short)
				assert.ErrorIs(t, err, transport.ErrProtocol, "truncated at %d", i)
			}
			trailing := append(append([]byte{}, b...), 0, 0, 0, 0)
			assert.ErrorIs(t, decodeArgs(rpc.NewDecoder(trailing), reflect.New(typ).Interface().(rpc.Decodable)), rpc.ErrTrailing)
		})
	}
}

// TestCodecLimits: declared maxima are enforced before anything is
// allocated, and narrow fields keep only their low bits.
func TestCodecLimits(t *testing.T) {
	long := DeviceEnableSRQParms{LID: 1, Handle: make([]byte, MaxHandle+1)}
	var p DeviceEnableSRQParms
	assert.ErrorIs(t, decodeArgs(rpc.NewDecoder(long.AppendXDR(nil)), &p), rpc.ErrTooLong)

	name := CreateLinkParms{Device: strings.Repeat("x", MaxDeviceName+1)}
	var c CreateLinkParms
	assert.ErrorIs(t, decodeArgs(rpc.NewDecoder(name.AppendXDR(nil)), &c), transport.ErrTooLarge)

	// A length word claiming 2 GiB with 4 bytes behind it.
	huge := unhex(t, "00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 7f ff ff ff 41 41 41 41")
	var w DeviceWriteParms
	assert.Error(t, decodeArgs(rpc.NewDecoder(huge), &w))

	stb := unhex(t, "00 00 00 00 00 00 01 41")
	var s DeviceReadSTBResp
	require.NoError(t, decodeArgs(rpc.NewDecoder(stb), &s))
	assert.Equal(t, byte(0x41), s.STB)

	bad := unhex(t, "00 00 00 01 00 00 00 02 00 00 00 00") // bool 2
	var e DeviceEnableSRQParms
	assert.ErrorIs(t, decodeArgs(rpc.NewDecoder(bad), &e), rpc.ErrBadBool)
}

func TestErrorCodes(t *testing.T) {
	cases := map[ErrorCode]error{
		ErrSyntax: transport.ErrInvalidArg, ErrDeviceNotAccessible: transport.ErrNotFound,
		ErrInvalidLink: transport.ErrConnLost, ErrParameter: transport.ErrInvalidArg,
		ErrChannelNotEstablished: transport.ErrInvalidArg, ErrOperationNotSupported: transport.ErrNotSupported,
		ErrOutOfResources: transport.ErrBusy, ErrDeviceLocked: transport.ErrLocked,
		ErrNoLockHeld: transport.ErrNotLocked, ErrIOTimeout: transport.ErrTimeout, ErrIOError: transport.ErrIO,
		ErrInvalidAddress: transport.ErrNotFound, ErrAbort: transport.ErrAborted,
		ErrChannelAlreadyEstablished: transport.ErrInvalidArg, ErrorCode(77): transport.ErrIO,
	}
	for code, sentinel := range cases {
		err := codeErr("op", code)
		assert.ErrorIs(t, err, sentinel, "code %d", code)
		assert.ErrorIs(t, err, code)
		assert.Contains(t, err.Error(), "vxi11 error ")
	}
	assert.NoError(t, codeErr("op", NoError))
	assert.Contains(t, ErrDeviceLocked.Error(), "11")
	assert.Equal(t, "unknown error", ErrorCode(77).String())
}

func TestCanonicalDeviceName(t *testing.T) {
	ok := map[string]string{
		"inst0": "inst0", "INST0": "inst0", " inst1 ": "inst1", "gpib0,5": "gpib0,5",
		"GPIB0,05": "gpib0,5", "gpib1,5,0": "gpib1,5,0", "gpib0": "gpib0", "COM1": "com1",
		"usb0[2391::1031::MY1::0]": "usb0[2391::1031::my1::0]", "gpibx,3": "gpibx,3",
	}
	for in, want := range ok {
		got, err := CanonicalDeviceName(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"gpib0,45", "gpib0,5,31", "gpib0,a", "gpib0,1,2,3", ""} {
		_, err := CanonicalDeviceName(in)
		assert.Error(t, err, in)
	}
}
