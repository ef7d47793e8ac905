package vxi11

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

// intrServer is the client's DEVICE_INTR server: the VXI-11 server
// connects to it and sends one-way device_intr_srq calls.
type intrServer struct {
	srv  *rpc.Server
	addr *net.TCPAddr
	done chan struct{}
}

func (is *intrServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_ = is.srv.Shutdown(ctx)
	cancel()
	<-is.done
}

// srqSetupTimeout bounds what OnSRQ does on the network.
const srqSetupTimeout = 5 * time.Second

// OnSRQ implements transport.SRQNotifier: f is called (from the interrupt
// channel's goroutine; it must not block) each time the server sends
// device_intr_srq. The first non-nil f sets up the interrupt channel and
// enables SRQ on the link; failures are logged (use EnableSRQ to see
// them). A nil f disables SRQ on the link.
func (c *Client) OnSRQ(f func()) {
	ctx, cancel := context.WithTimeout(context.Background(), srqSetupTimeout)
	defer cancel()
	if err := c.EnableSRQ(ctx, f); err != nil {
		c.log.Debug("vxi11: cannot set up service requests", "err", err)
	}
}

// EnableSRQ is OnSRQ with a context and an error: with a non-nil f it
// starts the client's interrupt server on the local address of the core
// connection, asks the server to connect to it (create_intr_chan) and
// enables SRQ on the link (device_enable_srq); with nil it disables SRQ.
// The interrupt channel carries IPv4 addresses only: over IPv6 it fails
// with transport.ErrNotSupported.
func (c *Client) EnableSRQ(ctx context.Context, f func()) error {
	c.srqMu.Lock()
	defer c.srqMu.Unlock()
	if c.closed.Load() {
		return transport.Errorf("device_enable_srq", transport.ErrClosed, nil)
	}
	if f == nil {
		c.srqFn.Store(nil)
		if !c.srqOn {
			return nil
		}
		c.srqOn = false
		return c.enableSRQ(ctx, false)
	}
	c.srqFn.Store(&f)
	if c.intr == nil {
		if err := c.startIntr(ctx); err != nil {
			c.srqFn.Store(nil)
			return err
		}
	}
	if c.srqOn {
		return nil
	}
	if err := c.enableSRQ(ctx, true); err != nil {
		c.srqFn.Store(nil)
		return err
	}
	c.srqOn = true
	return nil
}

func (c *Client) enableSRQ(ctx context.Context, on bool) error {
	if c.handle == nil {
		// The handle names the link, so that one interrupt channel could
		// serve several links.
		c.handle = binary.BigEndian.AppendUint32([]byte("govisa"), uint32(c.lid))
	}
	p := DeviceEnableSRQParms{LID: c.lid, Enable: on, Handle: c.handle}
	var r DeviceError
	if err := c.do(ctx, "device_enable_srq", ProcDeviceEnableSRQ, &p, &r); err != nil {
		return err
	}
	return c.result(ctx, "device_enable_srq", r.Error)
}

func (c *Client) startIntr(ctx context.Context) error {
	local, ok := c.rpc.LocalAddr().(*net.TCPAddr)
	if !ok || local.IP.To4() == nil {
		return transport.Errorf("create_intr_chan", transport.ErrNotSupported,
			errors.New("the interrupt channel needs an IPv4 core connection"))
	}
	ip := local.IP.To4()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		return transport.Errorf("create_intr_chan", transport.ErrIO, err)
	}
	is := &intrServer{srv: rpc.NewServer(), addr: ln.Addr().(*net.TCPAddr), done: make(chan struct{})}
	is.srv.Logger = c.opts.Logger
	is.srv.MaxRecord = 4096
	is.srv.Register(ProgIntr, ProgVersion, c.intrHandler)
	go func() {
		defer close(is.done)
		_ = is.srv.Serve(ln)
	}()
	p := DeviceRemoteFunc{
		HostAddr:   binary.BigEndian.Uint32(ip),
		HostPort:   uint32(is.addr.Port),
		ProgNum:    ProgIntr,
		ProgVers:   ProgVersion,
		ProgFamily: FamilyTCP,
	}
	var r DeviceError
	err = c.do(ctx, "create_intr_chan", ProcCreateIntrChan, &p, &r)
	if err == nil {
		err = c.result(ctx, "create_intr_chan", r.Error)
	}
	if err != nil {
		is.close()
		return err
	}
	c.intr = is
	c.log.Debug("vxi11: interrupt channel up", "addr", net.JoinHostPort(ip.String(), strconv.Itoa(is.addr.Port)))
	return nil
}

// intrHandler serves device_intr_srq: it calls the SRQ function and sends
// no reply (the procedure is one-way).
func (c *Client) intrHandler(_ context.Context, req *rpc.Request, _ []byte) ([]byte, error) {
	if req.Proc != ProcDeviceIntrSRQ {
		return nil, rpc.ProcUnavail
	}
	var p DeviceSRQParms
	if err := decodeArgs(req.Args, &p); err != nil {
		// A malformed handle still signals a service request; the RPC
		// server answers GARBAGE_ARGS, which the sender discards.
		c.log.Debug("vxi11: malformed device_intr_srq", "err", err)
	}
	if f := c.srqFn.Load(); f != nil {
		(*f)()
	}
	if req.Args.Err() != nil {
		return nil, req.Args.Err()
	}
	return nil, rpc.NoReply
}
