package visa_test

import (
	"errors"
	"fmt"

	"github.com/govisa/govisa/visa"
)

func ExampleParseResourceName() {
	r, err := visa.ParseResourceName("tcpip::[fe80::1]::hislip0::instr")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.String())
	fmt.Println(r.Interface, r.Host, r.LANDevice, r.HiSLIP, r.Port)

	_, err = visa.ParseResourceName("GPIB0::31::INSTR")
	fmt.Println(errors.Is(err, visa.ErrInvalidRsrcName))
	fmt.Println(err)
	// Output:
	// TCPIP0::[fe80::1]::hislip0::INSTR
	// TCPIP fe80::1 hislip0 true 4880
	// true
	// viParseRsrc: VI_ERROR_INV_RSRC_NAME ["GPIB0::31::INSTR"]: GPIB primary address 31 out of range 0-30 in part 2 ("31")
}
