package visa_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport/socket"
	"github.com/govisa/govisa/visa"
)

// Serve the built-in test instrument on loopback, then talk to it through
// the public API as to any LAN instrument.
func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := socket.NewServer(sim.NewTestInstrument())
	go srv.Serve(l)
	defer srv.Close()

	ctx := context.Background()
	rm, err := visa.NewResourceManager("") // the native backend
	if err != nil {
		log.Fatal(err)
	}
	defer rm.Close()
	name := fmt.Sprintf("TCPIP::127.0.0.1::%d::SOCKET", l.Addr().(*net.TCPAddr).Port)
	inst, err := rm.OpenResource(ctx, name, visa.WithTimeout(2*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	reply, err := inst.Query(ctx, "TEST:ECHO? hello")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply)

	block, err := inst.QueryBlock(ctx, "TEST:BLOCK? 1000", visa.BlockOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(block), block[:4])

	words, err := visa.QueryBinaryValues[uint16](ctx, inst, "TEST:BLOCK? 4", visa.BlockOptions{BigEndian: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%#04x\n", words)
	// Output:
	// hello
	// 1000 [0 1 2 3]
	// [0x0001 0x0203]
}

// Errors carry a VISA status and match the sentinels with errors.Is.
func ExampleStatusOf() {
	rm, err := visa.NewResourceManager("")
	if err != nil {
		log.Fatal(err)
	}
	defer rm.Close()
	_, err = rm.OpenResource(context.Background(), "TCPIP::[::1::5025::SOCKET")
	fmt.Println(visa.StatusOf(err).Name())
	// Output:
	// VI_ERROR_INV_RSRC_NAME
}
