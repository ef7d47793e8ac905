package simserve_test

import (
	"context"
	"fmt"

	"github.com/govisa/govisa/sim/simserve"
	"github.com/govisa/govisa/visa"
)

// Example serves the bundled simulated instruments over HiSLIP, as `govisa
// serve --config @sim --hislip 127.0.0.1:0` does, and queries one of them
// through the native backend.
func Example() {
	srv, err := simserve.Start(simserve.Options{HiSLIP: "127.0.0.1:0"}, simserve.FileLoader(""))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	rm, err := visa.NewResourceManager("")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rm.Close()
	for _, sv := range srv.Served {
		if srv.Devices[sv.Index].Resource != "TCPIP0::localhost::dmm0::INSTR" {
			continue
		}
		r, err := rm.OpenResource(ctx, sv.Name)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer r.Close()
		idn, _ := r.Query(ctx, "*IDN?")
		fn, _ := r.Query(ctx, "FUNC?")
		fmt.Println(idn, fn)
	}
	// Output: govisa,Simulated DMM,0,1.0 "VOLT"
}
