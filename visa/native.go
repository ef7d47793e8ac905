package visa

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/socket"
)

// The native backend, registered as "go": govisa's own protocol stacks.
func init() { Register(DefaultBackend, nativeBackend{}) }

type nativeBackend struct{}

func (nativeBackend) Open(path string) (Library, error) {
	if path != "" {
		return nil, fmt.Errorf("the native backend takes no path (got %q)", path)
	}
	return NewConnLibrary(NativeDialer{}, nil), nil
}

func (nativeBackend) Info() BackendInfo { return NativeDialer{}.Info() }

// NativeDialer connects to resources with govisa's own transports. It is
// exported so that programs can build a ConnLibrary with their own logger.
type NativeDialer struct{}

// Info reports which interface types the native backend supports here.
func (NativeDialer) Info() BackendInfo {
	return BackendInfo{
		Name:        DefaultBackend,
		Description: "govisa native backend: pure-Go protocol stacks",
		Version:     versionString(implVersion),
		Capabilities: []Capability{
			{Name: "TCPIP SOCKET", Usable: true},
			{Name: "TCPIP INSTR (VXI-11)", Usable: false, Reason: "not implemented yet (VI_ERROR_NSUP_OPER)"},
			{Name: "TCPIP INSTR (HiSLIP)", Usable: false, Reason: "not implemented yet (VI_ERROR_NSUP_OPER)"},
			{Name: "USB INSTR/RAW", Usable: false, Reason: "not implemented yet (VI_ERROR_NSUP_OPER)"},
			{Name: "ASRL INSTR", Usable: false, Reason: "not implemented yet (VI_ERROR_NSUP_OPER)"},
			{Name: "GPIB INSTR/INTFC", Usable: false, Reason: "not implemented yet (VI_ERROR_NSUP_OPER)"},
			{Name: "runtime", Usable: true, Reason: runtime.GOOS + "/" + runtime.GOARCH},
		},
	}
}

func versionString(v uint32) string {
	return strconv.Itoa(int(v>>20)) + "." + strconv.Itoa(int(v>>8&0xFFF)) + "." + strconv.Itoa(int(v&0xFF))
}

// List finds resources. Discovery arrives with the transports that offer
// it (VXI-11 broadcast, mDNS, serial and USB enumeration); until then the
// native backend finds nothing by itself.
func (NativeDialer) List(context.Context) ([]string, error) { return nil, nil }

// Dial connects to rn.
func (NativeDialer) Dial(ctx context.Context, rn ResourceName, attrs *AttrStore) (transport.Conn, error) {
	if rn.IsRemote() {
		return nil, nsupResource(rn, "NI Remote VISA (visa://) servers are not supported")
	}
	switch {
	case rn.Interface == VI_INTF_TCPIP && rn.Class == ClassSOCKET:
		nodelay, _ := attrs.Get(VI_ATTR_TCPIP_NODELAY)
		keep, _ := attrs.Get(VI_ATTR_TCPIP_KEEPALIVE)
		return socket.Dial(ctx, net.JoinHostPort(rn.Host, strconv.Itoa(rn.Port)), socket.Options{
			NoDelay:   nodelay == true,
			KeepAlive: keep == true,
		})
	}
	return nil, nsupResource(rn, "this interface type is not implemented yet")
}

func nsupResource(rn ResourceName, why string) error {
	return &Error{Status: VI_ERROR_NSUP_OPER, Op: "viOpen", Resource: rn.String(), Msg: why}
}
