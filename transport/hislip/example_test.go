package hislip_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/hislip"
)

// echoDevice answers every program message with the message itself.
type echoDevice struct{ out chan []byte }

func (d *echoDevice) Write(ctx context.Context, p []byte, end bool) error {
	d.out <- append([]byte(nil), p...)
	return nil
}

func (d *echoDevice) Read(ctx context.Context, p []byte) (int, bool, error) {
	select {
	case b := <-d.out:
		return copy(p, b), true, nil
	case <-ctx.Done():
		return 0, false, transport.NetError("read", ctx.Err())
	}
}
func (d *echoDevice) ReadSTB(context.Context) (byte, error) { return 0, nil }
func (d *echoDevice) Clear(context.Context) error           { return nil }
func (d *echoDevice) Trigger(context.Context) error         { return nil }

// Example serves a device on loopback and queries it with the client.
func Example() {
	srv := hislip.NewServer(map[string]transport.Device{"hislip0": &echoDevice{out: make(chan []byte, 1)}})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := hislip.Dial(ctx, l.Addr().String(), "hislip0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.Write(ctx, []byte("*IDN?\n"), true)
	buf := make([]byte, 64)
	n, reason, err := c.Read(ctx, buf, transport.ReadOptions{})
	fmt.Printf("%q END=%v err=%v version=%#x\n", buf[:n], reason.Has(transport.ReasonEND), err, c.Version())
	// Output: "*IDN?\n" END=true err=<nil> version=0x200
}
