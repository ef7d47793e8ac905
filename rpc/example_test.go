package rpc_test

import (
	"context"
	"fmt"
	"net"

	"github.com/govisa/govisa/rpc"
)

// A server exporting one procedure (add two numbers) and a client calling
// it over loopback TCP.
func Example() {
	const prog, vers, procAdd = 0x20000099, 1, 1

	srv := rpc.NewServer()
	srv.Register(prog, vers, func(ctx context.Context, req *rpc.Request, res []byte) ([]byte, error) {
		if req.Proc != procAdd {
			return nil, rpc.ProcUnavail
		}
		a, _ := req.Args.Uint32()
		b, _ := req.Args.Uint32()
		if err := req.Args.End(); err != nil {
			return nil, err // answered GARBAGE_ARGS
		}
		return rpc.AppendUint32(res, a+b), nil
	})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(l) }()
	defer func() { _ = srv.Shutdown(context.Background()); <-served }()

	ctx := context.Background()
	c, err := rpc.Dial(ctx, "tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	var sum uint32
	err = c.Call(ctx, prog, vers, procAdd,
		rpc.AppenderFunc(func(dst []byte) []byte {
			dst = rpc.AppendUint32(dst, 40)
			return rpc.AppendUint32(dst, 2)
		}),
		rpc.DecoderFunc(func(d *rpc.Decoder) error {
			var err error
			sum, err = d.Uint32()
			return err
		}))
	fmt.Println(sum, err)

	err = c.Call(ctx, prog, vers, 7, nil, nil)
	fmt.Println(err)
	// Output:
	// 42 <nil>
	// rpc: PROC_UNAVAIL
}
