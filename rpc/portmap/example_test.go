package portmap_test

import (
	"context"
	"fmt"

	"github.com/govisa/govisa/rpc/portmap"
)

// Run a portmapper in the process, register a VXI-11 core channel with it
// and look the port up as a VXI-11 client does.
func Example() {
	pm := portmap.NewServer()
	if err := pm.Start("127.0.0.1:0"); err != nil {
		fmt.Println(err)
		return
	}
	defer pm.Close()

	ctx := context.Background()
	err := portmap.RegisterWith(ctx, pm.TCPAddr().String(), 0x0607AF, 1, portmap.ProtoTCP, 5025)
	fmt.Println("registered:", err)

	c, err := portmap.Dial(ctx, "udp", pm.UDPAddr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	port, err := c.GetPort(ctx, 0x0607AF, 1, portmap.ProtoTCP)
	fmt.Println(port, err)
	// Output:
	// registered: <nil>
	// 5025 <nil>
}
