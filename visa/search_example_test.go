package visa_test

import (
	"fmt"

	"github.com/govisa/govisa/visa"
)

func ExampleCompileSearch() {
	s, err := visa.CompileSearch("?*INSTR{VI_ATTR_MANF_ID == 0x1AB1 && VI_ATTR_TCPIP_PORT != 5025}")
	if err != nil {
		panic(err)
	}
	attrs := map[string]map[string]any{
		"TCPIP0::10.0.0.5::inst0::INSTR":      {"VI_ATTR_MANF_ID": uint16(0x1AB1), "VI_ATTR_TCPIP_PORT": uint16(111)},
		"TCPIP0::10.0.0.6::5025::SOCKET":      {"VI_ATTR_MANF_ID": uint16(0x1AB1), "VI_ATTR_TCPIP_PORT": uint16(5025)},
		"USB0::0x0957::0x1796::MY5::0::INSTR": {"VI_ATTR_MANF_ID": uint16(0x0957)},
	}
	for _, name := range []string{"TCPIP0::10.0.0.5::inst0::INSTR", "TCPIP0::10.0.0.6::5025::SOCKET", "USB0::0x0957::0x1796::MY5::0::INSTR"} {
		a := attrs[name]
		fmt.Println(name, s.Match(name, func(n string) (any, bool) { v, ok := a[n]; return v, ok }))
	}

	_, err = visa.CompileSearch("?*INSTR{VI_ATTR_MANF_ID = 1}")
	fmt.Println(err)
	// Output:
	// TCPIP0::10.0.0.5::inst0::INSTR true
	// TCPIP0::10.0.0.6::5025::SOCKET false
	// USB0::0x0957::0x1796::MY5::0::INSTR false
	// viFindRsrc: VI_ERROR_INV_EXPR: unexpected character '=' at column 25
}
