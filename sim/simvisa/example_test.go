package simvisa_test

import (
	"context"
	"fmt"

	_ "github.com/govisa/govisa/sim/simvisa" // registers the "@sim" backend
	"github.com/govisa/govisa/visa"
)

// Example opens the bundled simulated instruments through the @sim backend,
// the way tests of instrument code run without hardware.
func Example() {
	ctx := context.Background()
	rm, err := visa.NewResourceManager("@sim") // or "instruments.yaml@sim"
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rm.Close()

	gen, err := rm.OpenResource(ctx, "ASRL1::INSTR", visa.WithReadTermination("\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer gen.Close()
	idn, _ := gen.Query(ctx, "?IDN")
	ok, _ := gen.Query(ctx, "!FREQ 1234.50")
	freq, _ := gen.Query(ctx, "?FREQ")
	fmt.Println(idn, ok, freq)

	// Every simulated device has the IEEE 488.2 status model.
	stb, _ := gen.ReadSTB(ctx)
	fmt.Printf("STB %#02x\n", stb)
	// Output:
	// LSG Serial #1234 OK 1234.50
	// STB 0x00
}
