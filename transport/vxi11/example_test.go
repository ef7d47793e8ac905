package vxi11_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/vxi11"
)

// Serve the test instrument as inst0 and query it over VXI-11.
func Example() {
	srv := vxi11.NewServer(vxi11.ServerOptions{})
	if err := srv.AddDevice("inst0", sim.NewTestInstrument()); err != nil {
		panic(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A real instrument is found through its portmapper (port 111); this
	// server has none, so the core port is given as pyvisa-py's
	// "TCPIP::host,port::INSTR" would.
	port := srv.CoreAddr().(*net.TCPAddr).Port
	c, err := vxi11.Dial(ctx, "127.0.0.1", "inst0", vxi11.Options{CorePort: port})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	if _, err := c.Write(ctx, []byte("*IDN?\n"), true); err != nil {
		panic(err)
	}
	buf := make([]byte, 256)
	n, reason, err := c.Read(ctx, buf, transport.ReadOptions{})
	if err != nil {
		panic(err)
	}
	fields := strings.Split(string(buf[:n]), ",")
	fmt.Println(fields[0], fields[1], reason.Has(transport.ReasonEND))
	// Output: govisa Test Instrument true
}
