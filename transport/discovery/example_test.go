package discovery_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/govisa/govisa/transport/discovery"
)

// A responder on 127.0.0.1 announces a HiSLIP server, and a browser asks it
// directly (legacy unicast) instead of multicasting on a real network.
func Example() {
	ann, err := discovery.Announce(context.Background(),
		[]discovery.Service{discovery.HiSLIPService("govisa demo", 4880, "hislip0")},
		discovery.AnnounceOptions{ListenAddr: "127.0.0.1:0", HostName: "demo"})
	if err != nil {
		log.Fatal(err)
	}
	defer ann.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	found, err := discovery.Find(ctx, discovery.Options{
		MDNSAddrs: []string{ann.Addrs()[0].String()},
		NoVXI11:   true,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range found {
		fmt.Println(f.Resource, "-", f.Name)
	}
	// Output:
	// TCPIP::127.0.0.1::hislip0,4880::INSTR - govisa demo
}
