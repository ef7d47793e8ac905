package socket_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/socket"
)

// idnDevice answers every query with its identity: the smallest
// transport.Device.
type idnDevice struct {
	out chan []byte
}

func (d *idnDevice) Write(ctx context.Context, p []byte, end bool) error {
	if end && len(p) > 1 && p[len(p)-2] == '?' {
		d.out <- []byte("GOVISA,EXAMPLE,0,1.0\n")
	}
	return nil
}

func (d *idnDevice) Read(ctx context.Context, p []byte) (int, bool, error) {
	select {
	case b := <-d.out:
		return copy(p, b), true, nil // responses here are shorter than p
	case <-ctx.Done():
		return 0, false, transport.NetError("read", ctx.Err())
	}
}

func (d *idnDevice) ReadSTB(context.Context) (byte, error) { return 0, nil }
func (d *idnDevice) Clear(context.Context) error           { return nil }
func (d *idnDevice) Trigger(context.Context) error         { return nil }

// Serve a device on a loopback port and query it as a VISA SOCKET session
// would (TCPIP::127.0.0.1::port::SOCKET with read termination LF).
func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := socket.NewServer(&idnDevice{out: make(chan []byte, 16)})
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := socket.Dial(ctx, l.Addr().String(), socket.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if _, err := c.Write(ctx, []byte("*IDN?\n"), true); err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 256)
	n, why, err := c.Read(ctx, buf, transport.ReadOptions{
		TermChar: '\n', TermCharEnabled: true, SuppressEND: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q termchar=%v\n", buf[:n], why.Has(transport.ReasonTermChar))
	// Output: "GOVISA,EXAMPLE,0,1.0\n" termchar=true
}
