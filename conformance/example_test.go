package conformance_test

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/govisa/govisa/conformance"
	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport/socket"
	"github.com/govisa/govisa/visa"
)

// Run the session and read-termination checks against the test instrument
// served over TCPIP SOCKET, and count the outcomes. Against a real
// instrument only the resource name changes.
func ExampleRun() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := socket.NewServer(sim.NewTestInstrument())
	go srv.Serve(l)
	defer srv.Close()
	name := "TCPIP0::127.0.0.1::" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port) + "::SOCKET"

	rm, err := visa.NewResourceManager("")
	if err != nil {
		panic(err)
	}
	defer rm.Close()
	rep := conformance.Run(context.Background(), conformance.Config{
		RM: rm, Resource: name, Checks: []string{"session/open-close", "read/"},
	})
	for _, r := range rep.Results {
		fmt.Println(r.Check, r.Outcome)
	}
	pass, fail, na := rep.Counts()
	fmt.Println(pass, "passed,", fail, "failed,", na, "not applicable")
	// Output:
	// session/open-close pass
	// read/end n/a
	// read/termchar pass
	// read/termchar-disabled pass
	// read/count pass
	// read/suppress-end pass
	// read/chunked pass
	// 6 passed, 0 failed, 1 not applicable
}
