package portmap

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

// Client calls a portmapper.
type Client struct {
	c *rpc.Client
}

// NewClient returns a portmapper client over an RPC client connected to a
// portmapper. Closing the portmap Client closes c.
func NewClient(c *rpc.Client) *Client { return &Client{c: c} }

// Dial connects to the portmapper at addr ("host:111" for a real one) over
// network ("tcp" or "udp"; CALLIT needs "udp").
func Dial(ctx context.Context, network, addr string, opts ...rpc.ClientOption) (*Client, error) {
	c, err := rpc.Dial(ctx, network, addr, opts...)
	if err != nil {
		return nil, err
	}
	return NewClient(c), nil
}

// RPC returns the underlying RPC client.
func (c *Client) RPC() *rpc.Client { return c.c }

// Close closes the connection.
func (c *Client) Close() error { return c.c.Close() }

// Null pings the portmapper.
func (c *Client) Null(ctx context.Context) error {
	return c.c.Call(ctx, Program, Version, ProcNull, nil, nil)
}

func decodeBool(dst *bool) rpc.Decodable {
	return rpc.DecoderFunc(func(d *rpc.Decoder) error {
		var err error
		*dst, err = d.Bool()
		return err
	})
}

// Set registers m; it reports false when the portmapper refused (the
// program, version and protocol are already registered, or the caller is
// not allowed to register).
func (c *Client) Set(ctx context.Context, m Mapping) (bool, error) {
	var ok bool
	err := c.c.Call(ctx, Program, Version, ProcSet, m, decodeBool(&ok))
	return ok, err
}

// Unset removes every mapping of prog and vers; it reports false when
// nothing was removed or the caller is not allowed to.
func (c *Client) Unset(ctx context.Context, prog, vers uint32) (bool, error) {
	var ok bool
	err := c.c.Call(ctx, Program, Version, ProcUnset, Mapping{Prog: prog, Vers: vers}, decodeBool(&ok))
	return ok, err
}

// GetPort returns the port of prog/vers over prot (ProtoTCP or ProtoUDP);
// 0 means not registered.
func (c *Client) GetPort(ctx context.Context, prog, vers, prot uint32) (uint32, error) {
	var port uint32
	err := c.c.Call(ctx, Program, Version, ProcGetPort, Mapping{Prog: prog, Vers: vers, Prot: prot},
		rpc.DecoderFunc(func(d *rpc.Decoder) error {
			var err error
			port, err = d.Uint32()
			return err
		}))
	if err == nil && port > 0xFFFF {
		return 0, transport.Errorf("portmap getport", transport.ErrProtocol, fmt.Errorf("port %d out of range", port))
	}
	return port, err
}

// Dump lists the registered mappings (at most [MaxDumpEntries]).
func (c *Client) Dump(ctx context.Context) ([]Mapping, error) {
	var ms []Mapping
	err := c.c.Call(ctx, Program, Version, ProcDump, nil, rpc.DecoderFunc(func(d *rpc.Decoder) error {
		var err error
		ms, err = DecodeMappings(d, MaxDumpEntries)
		return err
	}))
	return ms, err
}

// CallIt asks the portmapper to call procedure proc of prog/vers with the
// encoded args and returns the program's port and its encoded results. A
// portmapper sends nothing back when the call fails, so failures end with
// ctx (the error wraps transport.ErrTimeout). Use a UDP client.
func (c *Client) CallIt(ctx context.Context, prog, vers, proc uint32, args []byte) (port uint32, res []byte, err error) {
	a := CallArgs{Prog: prog, Vers: vers, Proc: proc, Args: args}
	err = c.c.Call(ctx, Program, Version, ProcCallIt, &a, rpc.DecoderFunc(func(d *rpc.Decoder) error {
		var r CallResult
		if err := r.DecodeXDR(d); err != nil {
			return err
		}
		port, res = r.Port, append([]byte{}, r.Res...)
		return nil
	}))
	return port, res, err
}

// SystemAddr is where the system portmapper (rpcbind) listens.
const SystemAddr = "127.0.0.1:111"

// ErrRefused is returned when a portmapper answers SET or UNSET with false.
var ErrRefused = transport.Errorf("portmap", transport.ErrBusy, errors.New("portmapper refused the registration"))

// RegisterWith registers prog/vers/prot at port with the portmapper at addr
// over TCP. It fails with an error wrapping transport.ErrNotFound when no
// portmapper answers there, and with [ErrRefused] when it says no (a
// mapping for prog, vers and prot exists already; rpcbind may also refuse
// callers it does not trust).
func RegisterWith(ctx context.Context, addr string, prog, vers, prot, port uint32) error {
	c, err := dialPortmapper(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	ok, err := c.Set(ctx, Mapping{Prog: prog, Vers: vers, Prot: prot, Port: port})
	if err != nil {
		return err
	}
	if !ok {
		return ErrRefused
	}
	return nil
}

// UnregisterWith removes every mapping of prog/vers from the portmapper at
// addr.
func UnregisterWith(ctx context.Context, addr string, prog, vers uint32) error {
	c, err := dialPortmapper(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	ok, err := c.Unset(ctx, prog, vers)
	if err != nil {
		return err
	}
	if !ok {
		return ErrRefused
	}
	return nil
}

// RegisterWithSystem registers prog/vers/prot at port with the system
// portmapper at [SystemAddr]; see [RegisterWith] for the errors.
func RegisterWithSystem(ctx context.Context, prog, vers, prot, port uint32) error {
	return RegisterWith(ctx, SystemAddr, prog, vers, prot, port)
}

// UnregisterWithSystem removes prog/vers from the system portmapper.
func UnregisterWithSystem(ctx context.Context, prog, vers uint32) error {
	return UnregisterWith(ctx, SystemAddr, prog, vers)
}

func dialPortmapper(ctx context.Context, addr string) (*Client, error) {
	c, err := Dial(ctx, "tcp", addr)
	if err != nil {
		var oe *net.OpError
		if errors.Is(err, transport.ErrConnLost) && errors.As(err, &oe) {
			return nil, transport.Errorf("portmap", transport.ErrNotFound,
				fmt.Errorf("no portmapper (rpcbind) at %s: %w", addr, err))
		}
		return nil, err
	}
	return c, nil
}
