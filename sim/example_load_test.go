package sim_test

import (
	"context"
	"fmt"

	"github.com/govisa/govisa/sim"
)

// ExampleLoad defines a device in pyvisa-sim's format with govisa keys and
// talks to it directly as a transport.Device.
func ExampleLoad() {
	defs, err := sim.Load("psu.yaml", []byte(`spec: "1.1"
devices:
  psu:
    eom: {TCPIP INSTR: {q: "\n", r: "\n"}}
    dialogues:
      - {q: "*IDN?", r: "ACME,PSU,1,1.0"}
    govisa:
      version: 1
      state: {volt1: "0", volt2: "0"}
      commands:
        - q: "SOURce<ch>:VOLTage[:LEVel] {v:float}"
          set: {"volt[ch]": "{v}"}
        - q: "SOURce<ch>:VOLTage[:LEVel]?"
          r: "{volt[ch]:.3f}"
resources:
  TCPIP0::localhost::psu::INSTR: {device: psu}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	dev, _ := defs.Resources[0].NewDevice()
	defer dev.Close()
	ctx := context.Background()
	for _, msg := range []string{"*IDN?", "SOURCE2:VOLTAGE:LEVEL 1.5", "sour2:volt?", "sour1:volt?"} {
		_ = dev.Write(ctx, []byte(msg+"\n"), true)
		if stb, _ := dev.ReadSTB(ctx); stb&0x10 == 0 {
			continue // no response (MAV clear)
		}
		buf := make([]byte, 64)
		n, _, _ := dev.Read(ctx, buf)
		fmt.Printf("%s -> %q\n", msg, buf[:n])
	}
	// Output:
	// *IDN? -> "ACME,PSU,1,1.0\n"
	// sour2:volt? -> "1.500\n"
	// sour1:volt? -> "0.000\n"
}
