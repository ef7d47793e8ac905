package visa

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/asrl"
	"github.com/govisa/govisa/transport/discovery"
	"github.com/govisa/govisa/transport/gpib/linuxgpib"
	"github.com/govisa/govisa/transport/gpib/prologix"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/govisa/govisa/transport/socket"
	"github.com/govisa/govisa/transport/usbtmc/host"
	"github.com/govisa/govisa/transport/vxi11"
)

// The native backend, registered as "go": govisa's own protocol stacks.
func init() { Register(DefaultBackend, nativeBackend{}) }

type nativeBackend struct{}

func (nativeBackend) Open(path string) (Library, error) {
	if path != "" {
		return nil, fmt.Errorf("the native backend takes no path (got %q)", path)
	}
	return NewConnLibrary(NewNativeDialer(), nil), nil
}

func (nativeBackend) Info() BackendInfo { return NewNativeDialer().Info() }

// NativeDialer connects to resources with govisa's own transports. Each
// ConnLibrary gets its own NativeDialer, which remembers the Prologix
// adapters opened as PRLGX INTFC resources: while one is open as board N,
// GPIBN::pad::INSTR resources are reached through it (as pyvisa-py does);
// otherwise GPIB goes to the linux-gpib board /dev/gpibN.
//
// Network discovery (mDNS/DNS-SD for HiSLIP, VXI-11 and SCPI-raw services,
// and the VXI-11 portmapper probe) is off unless Discovery is set, because
// it multicasts and broadcasts on the machine's networks: NewNativeDialer
// turns it on when the GOVISA_DISCOVERY environment variable is "all" (every
// interface) or a comma-separated list of interface names, and
// `govisa list --network` does the same.
type NativeDialer struct {
	// Discovery, when non-nil, makes List search the network with these
	// options in addition to enumerating serial ports.
	Discovery *discovery.Options
	// HiSLIPTLS, when set, makes HiSLIP sessions start TLS (HiSLIP 2.0)
	// with this configuration; without it a session still starts TLS when
	// the server requires encryption, trusting the system pool.
	HiSLIPTLS *tls.Config
	// HiSLIPCredentials, when set, returns the SASL user and password for
	// a HiSLIP host (PLAIN is only sent over TLS; SCRAM-SHA-256 is used
	// when the server offers it). ok false means no credentials.
	HiSLIPCredentials func(host string) (user, password string, ok bool)

	mu       sync.Mutex
	prologix map[int]*prologix.Adapter
}

// DiscoveryEnv names the environment variable that turns network discovery
// on in the native backend: "all" or a list of interface names.
const DiscoveryEnv = "GOVISA_DISCOVERY"

// NewNativeDialer returns a dialer for the native backend.
func NewNativeDialer() *NativeDialer {
	d := &NativeDialer{prologix: map[int]*prologix.Adapter{}}
	if v := strings.TrimSpace(os.Getenv(DiscoveryEnv)); v != "" {
		opts := &discovery.Options{}
		if v != "all" {
			opts.Interfaces = strings.Split(v, ",")
		}
		d.Discovery = opts
	}
	return d
}

// Info reports which interface types the native backend supports here.
func (*NativeDialer) Info() BackendInfo {
	caps := []Capability{
		{Name: "TCPIP SOCKET", Usable: true},
		{Name: "TCPIP INSTR (VXI-11)", Usable: true},
		{Name: "TCPIP INSTR (HiSLIP)", Usable: true, Reason: "HiSLIP 2.0 with TLS and SASL (PLAIN, ANONYMOUS, SCRAM-SHA-256)"},
		{Name: "ASRL INSTR", Usable: true},
		{Name: "PRLGX-TCPIP/PRLGX-ASRL INTFC", Usable: true, Reason: "GPIBn::pad::INSTR goes through an open Prologix INTFC of board n"},
		{Name: "GPIB INSTR (linux-gpib)", Usable: runtime.GOOS == "linux", Reason: gpibReason()},
		usbCapability(),
		{Name: "VXI, PXI, GPIB-VXI, VICP", Usable: false, Reason: "no transport (VI_ERROR_NSUP_OPER)"},
		{Name: "runtime", Usable: true, Reason: runtime.GOOS + "/" + runtime.GOARCH},
	}
	return BackendInfo{
		Name:         DefaultBackend,
		Description:  "govisa native backend: pure-Go protocol stacks",
		Version:      versionString(implVersion),
		Capabilities: caps,
	}
}

func gpibReason() string {
	if runtime.GOOS != "linux" {
		return "linux-gpib exists only on Linux"
	}
	return "needs the linux-gpib kernel driver and /dev/gpibN"
}

func usbCapability() Capability {
	ok, how := host.Available()
	return Capability{Name: "USB INSTR/RAW", Usable: ok, Reason: how}
}

func versionString(v uint32) string {
	return strconv.Itoa(int(v>>20)) + "." + strconv.Itoa(int(v>>8&0xFFF)) + "." + strconv.Itoa(int(v&0xFF))
}

// List enumerates serial ports, USB instruments and linux-gpib boards with
// the instruments listening on them, and, when Discovery is set, searches
// the network concurrently under ctx's deadline (or Discovery.Timeout).
func (d *NativeDialer) List(ctx context.Context) ([]string, error) {
	var out []string
	var found []discovery.Found
	var ferr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if d.Discovery != nil {
			found, ferr = discovery.Find(ctx, *d.Discovery)
		}
	}()
	if ports, err := asrl.List(); err == nil { // no serial enumeration here is not an error
		for _, p := range ports {
			out = append(out, p.ResourceName())
		}
	}
	out = append(out, host.Resources()...)   // sysfs on Linux, libusb with -tags gousb elsewhere
	out = append(out, gpibResources(ctx)...) // linux-gpib boards and a bounded listener scan
	<-done
	for _, f := range found {
		out = append(out, f.Resource)
	}
	if ferr != nil && len(out) == 0 {
		return nil, ferr
	}
	return out, nil
}

// Dial connects to rn.
func (d *NativeDialer) Dial(ctx context.Context, rn ResourceName, attrs *AttrStore) (transport.Conn, error) {
	if rn.IsRemote() {
		return nil, nsupResource(rn, "NI Remote VISA (visa://) servers are not supported")
	}
	switch {
	case rn.Interface == VI_INTF_TCPIP && rn.Class == ClassSOCKET:
		nodelay, _ := attrs.Get(VI_ATTR_TCPIP_NODELAY)
		keep, _ := attrs.Get(VI_ATTR_TCPIP_KEEPALIVE)
		opts := socket.DefaultOptions()
		opts.NoDelay, opts.KeepAlive = nodelay == true, keep == true
		return socket.Dial(ctx, net.JoinHostPort(rn.Host, strconv.Itoa(rn.Port)), opts)
	case rn.Interface == VI_INTF_TCPIP && rn.Class == ClassINSTR && rn.HiSLIP:
		var opts []hislip.Option
		if v, err := attrs.Get(VI_ATTR_TCPIP_HISLIP_MAX_MESSAGE_KB); err == nil {
			if kb, ok := v.(uint32); ok && kb > 0 {
				opts = append(opts, hislip.WithMaxMessageKB(kb))
			}
		}
		if v, _ := attrs.Get(VI_ATTR_TCPIP_HISLIP_OVERLAP_EN); v == true {
			opts = append(opts, hislip.WithOverlapped(true))
		}
		if d.HiSLIPTLS != nil {
			opts = append(opts, hislip.WithTLS(d.HiSLIPTLS))
		}
		if d.HiSLIPCredentials != nil {
			if user, pass, ok := d.HiSLIPCredentials(rn.Host); ok {
				opts = append(opts, hislip.WithCredentials(user, pass))
			}
		}
		c, err := hislip.Dial(ctx, net.JoinHostPort(rn.Host, strconv.Itoa(rn.Port)), rn.LANDevice, opts...)
		if err != nil {
			return nil, err
		}
		v := c.Version() // major<<8 | minor on the wire; ViVersion is major<<20 | minor<<8
		_ = attrs.SetInternal(VI_ATTR_TCPIP_HISLIP_VERSION, uint32(v>>8)<<20|uint32(v&0xFF)<<8)
		return c, nil
	case rn.Interface == VI_INTF_TCPIP && rn.Class == ClassINSTR:
		opts := vxi11.Options{}
		if rn.PortGiven {
			opts.CorePort = rn.Port
		}
		return vxi11.Dial(ctx, rn.Host, rn.LANDevice, opts)
	case rn.Interface == VI_INTF_ASRL && rn.Class == ClassINSTR:
		if rn.Host != "" {
			return nil, nsupResource(rn, "ENET-serial (ASRL::host::port) resources are not supported")
		}
		return asrl.Open(ctx, rn.ASRLDevice, asrl.DefaultConfig())
	case rn.Interface == VI_INTF_USB && (rn.Class == ClassINSTR || rn.Class == ClassRAW):
		m := host.Match{VendorID: rn.ManufacturerID, ProductID: rn.ModelCode, Serial: rn.SerialNumber, Interface: rn.USBInterface}
		if rn.Class == ClassRAW {
			m.Raw = true
			return host.OpenRaw(ctx, m)
		}
		return host.Open(ctx, m)
	case rn.Interface == VI_INTF_PRLGX && rn.Class == ClassINTFC:
		return d.openPrologix(ctx, rn)
	case rn.Interface == VI_INTF_GPIB && rn.Class == ClassINTFC:
		b, err := linuxgpib.Open(rn.Board)
		if err != nil {
			return nil, err
		}
		return &gpibBoard{b}, nil
	case rn.Interface == VI_INTF_GPIB && rn.Class == ClassINSTR:
		sad := rn.SecondaryAddr
		d.mu.Lock()
		a := d.prologix[rn.Board]
		d.mu.Unlock()
		if a != nil {
			return a.Instrument(rn.PrimaryAddr, sad)
		}
		b, err := linuxgpib.Open(rn.Board)
		if err != nil {
			return nil, err
		}
		in, err := b.Instrument(rn.PrimaryAddr, sad)
		if err != nil {
			b.Close()
			return nil, err
		}
		return &gpibSession{Instr: in, board: b}, nil
	}
	return nil, nsupResource(rn, "no transport for this resource type")
}

// gpibSession closes its board with the session.
type gpibSession struct {
	*linuxgpib.Instr
	board *linuxgpib.Board
}

func (g *gpibSession) Close() error {
	err := g.Instr.Close()
	if berr := g.board.Close(); err == nil {
		err = berr
	}
	return err
}

// gpibBoard is a GPIB INTFC session on a linux-gpib board: bus-level
// operations only.
type gpibBoard struct{ *linuxgpib.Board }

func (g *gpibBoard) Write(context.Context, []byte, bool) (int, error) {
	return 0, transport.Errorf("write", transport.ErrNotSupported, fmt.Errorf("board-level writes are not supported; use GpibCommand or a GPIB INSTR session"))
}

func (g *gpibBoard) Read(context.Context, []byte, transport.ReadOptions) (int, transport.Reason, error) {
	return 0, 0, transport.Errorf("read", transport.ErrNotSupported, fmt.Errorf("board-level reads are not supported; use a GPIB INSTR session"))
}

// RemoteLocal maps viGpibControlREN on the interface to the REN line.
func (g *gpibBoard) RemoteLocal(ctx context.Context, mode transport.RemoteLocal) error {
	return g.Board.ControlREN(ctx, mode)
}

// openPrologix opens a Prologix adapter as an INTFC session and makes it
// GPIB board rn.Board for later GPIB INSTR opens.
func (d *NativeDialer) openPrologix(ctx context.Context, rn ResourceName) (transport.Conn, error) {
	var a *prologix.Adapter
	var err error
	if rn.Host != "" {
		a, err = prologix.Dial(ctx, net.JoinHostPort(rn.Host, strconv.Itoa(rn.Port)), nil)
	} else {
		a, err = prologix.OpenSerial(ctx, rn.ASRLDevice, nil)
	}
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if _, busy := d.prologix[rn.Board]; busy {
		d.mu.Unlock()
		a.Close()
		return nil, transport.Errorf("open", transport.ErrBusy, fmt.Errorf("GPIB board %d already has a Prologix adapter open", rn.Board))
	}
	d.prologix[rn.Board] = a
	d.mu.Unlock()
	return &prologixIntfc{d: d, board: rn.Board, a: a}, nil
}

// prologixIntfc is the INTFC session of a Prologix adapter: bus-level
// operations only; message I/O goes through the GPIB INSTR sessions.
type prologixIntfc struct {
	d     *NativeDialer
	board int
	a     *prologix.Adapter
}

func (p *prologixIntfc) Write(context.Context, []byte, bool) (int, error) {
	return 0, transport.Errorf("write", transport.ErrNotSupported, fmt.Errorf("write to a GPIB instrument (GPIB%d::pad::INSTR), not to the Prologix INTFC", p.board))
}

func (p *prologixIntfc) Read(context.Context, []byte, transport.ReadOptions) (int, transport.Reason, error) {
	return 0, 0, transport.Errorf("read", transport.ErrNotSupported, fmt.Errorf("read from a GPIB instrument (GPIB%d::pad::INSTR), not from the Prologix INTFC", p.board))
}

// SendIFC pulses IFC (viGpibSendIFC).
func (p *prologixIntfc) SendIFC(ctx context.Context) error { return p.a.InterfaceClear(ctx) }

func (p *prologixIntfc) Close() error {
	p.d.mu.Lock()
	if p.d.prologix[p.board] == p.a {
		delete(p.d.prologix, p.board)
	}
	p.d.mu.Unlock()
	return p.a.Close()
}

func nsupResource(rn ResourceName, why string) error {
	return &Error{Status: VI_ERROR_NSUP_OPER, Op: "viOpen", Resource: rn.String(), Msg: why}
}
