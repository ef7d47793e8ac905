package rpc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	goxdr "github.com/davecgh/go-xdr/xdr2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The VXI-11 structures of the fact sheet §2.3, field by field. Narrow RPCL
// types (char, unsigned short) travel in 4-byte slots and are declared as
// 32-bit integers here. A `max` tag gives the declared bound of opaque<n>.
type (
	createLinkParms struct {
		ClientID    int32
		LockDevice  bool
		LockTimeout uint32
		Device      string
	}
	createLinkResp struct {
		Error       int32
		Lid         int32
		AbortPort   uint32
		MaxRecvSize uint32
	}
	deviceWriteParms struct {
		Lid         int32
		IOTimeout   uint32
		LockTimeout uint32
		Flags       int32
		Data        []byte
	}
	deviceWriteResp struct {
		Error int32
		Size  uint32
	}
	deviceReadParms struct {
		Lid         int32
		RequestSize uint32
		IOTimeout   uint32
		LockTimeout uint32
		Flags       int32
		TermChar    int32
	}
	deviceReadResp struct {
		Error  int32
		Reason int32
		Data   []byte
	}
	deviceReadStbResp struct {
		Error int32
		Stb   uint32
	}
	deviceGenericParms struct {
		Lid         int32
		Flags       int32
		LockTimeout uint32
		IOTimeout   uint32
	}
	deviceRemoteFunc struct {
		HostAddr   uint32
		HostPort   uint32
		ProgNum    uint32
		ProgVers   uint32
		ProgFamily int32
	}
	deviceEnableSrqParms struct {
		Lid    int32
		Enable bool
		Handle []byte `max:"40"`
	}
	deviceLockParms struct {
		Lid         int32
		Flags       int32
		LockTimeout uint32
	}
	deviceDocmdParms struct {
		Lid          int32
		Flags        int32
		IOTimeout    uint32
		LockTimeout  uint32
		Cmd          int32
		NetworkOrder bool
		DataSize     int32
		DataIn       []byte
	}
	deviceDocmdResp struct {
		Error   int32
		DataOut []byte
	}
	deviceSrqParms struct {
		Handle []byte
	}
	deviceError struct {
		Error int32
	}
	deviceLink struct {
		Lid int32
	}
)

var vxiStructs = []any{
	createLinkParms{}, createLinkResp{}, deviceWriteParms{}, deviceWriteResp{}, deviceReadParms{},
	deviceReadResp{}, deviceReadStbResp{}, deviceGenericParms{}, deviceRemoteFunc{}, deviceEnableSrqParms{},
	deviceLockParms{}, deviceDocmdParms{}, deviceDocmdResp{}, deviceSrqParms{}, deviceError{}, deviceLink{},
}

func fieldMax(f reflect.StructField) int {
	if s := f.Tag.Get("max"); s != "" {
		n, _ := strconv.Atoi(s)
		return n
	}
	return NoMax
}

// ourAppend encodes a struct of the shapes above with this package's
// primitives.
func ourAppend(dst []byte, v reflect.Value) []byte {
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int32:
			dst = AppendInt32(dst, int32(f.Int()))
		case reflect.Uint32:
			dst = AppendUint32(dst, uint32(f.Uint()))
		case reflect.Bool:
			dst = AppendBool(dst, f.Bool())
		case reflect.String:
			dst = AppendString(dst, f.String())
		case reflect.Slice:
			dst = AppendOpaque(dst, f.Bytes())
		default:
			panic("unsupported kind " + f.Kind().String())
		}
	}
	return dst
}

// ourDecode decodes into the struct v points to with this package's Decoder.
func ourDecode(d *Decoder, v reflect.Value) error {
	t := v.Type()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int32:
			x, _ := d.Int32()
			f.SetInt(int64(x))
		case reflect.Uint32:
			x, _ := d.Uint32()
			f.SetUint(uint64(x))
		case reflect.Bool:
			x, _ := d.Bool()
			f.SetBool(x)
		case reflect.String:
			x, _ := d.String(fieldMax(t.Field(i)))
			f.SetString(x)
		case reflect.Slice:
			x, _ := d.OpaqueCopy(fieldMax(t.Field(i)))
			f.SetBytes(x)
		}
	}
	return d.End()
}

func randomize(r *rand.Rand, v reflect.Value) {
	t := v.Type()
	for i := range v.NumField() {
		f := v.Field(i)
		n := r.IntN(18)
		if m := fieldMax(t.Field(i)); n > m {
			n = m
		}
		switch f.Kind() {
		case reflect.Int32:
			f.SetInt(int64(int32(r.Uint32())))
		case reflect.Uint32:
			f.SetUint(uint64(r.Uint32()))
		case reflect.Bool:
			f.SetBool(r.IntN(2) == 1)
		case reflect.String:
			b := make([]byte, n)
			for j := range b {
				b[j] = byte('a' + r.IntN(26))
			}
			f.SetString(string(b))
		case reflect.Slice:
			b := make([]byte, n)
			for j := range b {
				b[j] = byte(r.Uint32())
			}
			f.SetBytes(b)
		}
	}
}

// TestDifferentialGoXDR checks every VXI-11 structure both ways against an
// independent XDR implementation: go-xdr's encoding must equal ours, ours
// must decode go-xdr's bytes, and go-xdr must decode ours.
func TestDifferentialGoXDR(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, proto := range vxiStructs {
		typ := reflect.TypeOf(proto)
		t.Run(typ.Name(), func(t *testing.T) {
			for iter := range 60 {
				orig := reflect.New(typ).Elem()
				if iter > 0 { // iteration 0 checks the zero value
					randomize(r, orig)
				}
				var theirs bytes.Buffer
				_, err := goxdr.Marshal(&theirs, orig.Addr().Interface())
				require.NoError(t, err)
				ours := ourAppend(nil, orig)
				require.Equal(t, theirs.Bytes(), ours, "encodings differ for %+v", orig.Interface())

				got := reflect.New(typ)
				require.NoError(t, ourDecode(NewDecoder(theirs.Bytes()), got.Elem()))
				assertSame(t, orig.Interface(), got.Elem().Interface())

				back := reflect.New(typ)
				_, err = goxdr.Unmarshal(bytes.NewReader(ours), back.Interface())
				require.NoError(t, err)
				assertSame(t, orig.Interface(), back.Elem().Interface())
			}
		})
	}
}

// assertSame compares structs treating nil and empty slices alike.
func assertSame(t *testing.T, want, got any) {
	t.Helper()
	assert.Equal(t, fmt.Sprintf("%v", want), fmt.Sprintf("%v", got))
}

// TestDifferentialBounds: a handle longer than its opaque<40> bound, which
// go-xdr encodes without complaint, is refused by our decoder.
func TestDifferentialBounds(t *testing.T) {
	v := deviceEnableSrqParms{Lid: 1, Enable: true, Handle: make([]byte, 41)}
	var buf bytes.Buffer
	_, err := goxdr.Marshal(&buf, &v)
	require.NoError(t, err)
	var got deviceEnableSrqParms
	assert.ErrorIs(t, ourDecode(NewDecoder(buf.Bytes()), reflect.ValueOf(&got).Elem()), ErrTooLong)
}

// TestDifferentialVectors decodes the fact sheet's argument vectors with
// go-xdr into the VXI-11 structures.
func TestDifferentialVectors(t *testing.T) {
	var w deviceWriteParms
	_, err := goxdr.Unmarshal(bytes.NewReader(vecWriteArgs), &w)
	require.NoError(t, err)
	assert.Equal(t, deviceWriteParms{Lid: 7, IOTimeout: 2000, LockTimeout: 10000, Flags: 8, Data: []byte("*IDN?\n")}, w)
	var rd deviceReadParms
	_, err = goxdr.Unmarshal(bytes.NewReader(vecReadArgs), &rd)
	require.NoError(t, err)
	assert.Equal(t, deviceReadParms{Lid: 7, RequestSize: 1024, IOTimeout: 2000, LockTimeout: 10000}, rd)
	var cl createLinkParms
	_, err = goxdr.Unmarshal(bytes.NewReader(vecCreateLinkCall[4+40:]), &cl)
	require.NoError(t, err)
	assert.Equal(t, createLinkParms{ClientID: 0x12345678, LockTimeout: 10000, Device: "inst0"}, cl)
	var resp createLinkResp
	_, err = goxdr.Unmarshal(bytes.NewReader(vecCreateLinkReply[4+24:]), &resp)
	require.NoError(t, err)
	assert.Equal(t, createLinkResp{Lid: 7, AbortPort: 0x1234, MaxRecvSize: 1024}, resp)
}
