package visa_test

import (
	"errors"
	"fmt"

	"github.com/govisa/govisa/visa"
)

// A backend creates one store per session, fills in what it learnt at open,
// and reads the hot values on every I/O call.
func ExampleAttrStore() {
	st := visa.NewAttrStore(visa.VI_INTF_ASRL, visa.ClassINSTR)
	_ = st.SetInternal(visa.VI_ATTR_RSRC_NAME, "ASRL/dev/ttyUSB0::INSTR")

	_ = st.Set(visa.VI_ATTR_ASRL_BAUD, 115200)
	_ = st.Set(visa.VI_ATTR_TERMCHAR, '\r')
	_ = st.Set(visa.VI_ATTR_TERMCHAR_EN, true)

	baud, _ := st.Get(visa.VI_ATTR_ASRL_BAUD)
	tc, en := st.TermChar()
	fmt.Printf("baud %v (%T), termchar %q enabled %v, timeout %v\n", baud, baud, tc, en, st.Timeout())

	err := st.Set(visa.VI_ATTR_ASRL_DATA_BITS, 9)
	fmt.Println(errors.Is(err, visa.ErrAttrState), visa.StatusOf(err).String())
	err = st.Set(visa.VI_ATTR_RSRC_NAME, "x")
	fmt.Println(errors.Is(err, visa.ErrAttrReadOnly))
	_, err = st.Get(visa.VI_ATTR_TCPIP_ADDR)
	fmt.Println(errors.Is(err, visa.ErrAttrNotSupp))
	// Output:
	// baud 115200 (uint32), termchar '\r' enabled true, timeout 2s
	// true VI_ERROR_NSUP_ATTR_STATE (0xBFFF001E)
	// true
	// true
}

func ExampleLookupAttrName() {
	a, _ := visa.LookupAttrName("termchar_en")
	fmt.Println(a.Name, a.ID == visa.VI_ATTR_TERMCHAR_EN, a.Type, a.Default, a.ReadOnly)
	fmt.Println(a.Applies(visa.VI_INTF_TCPIP, visa.ClassSOCKET), a.Applies(visa.VI_INTF_GPIB, visa.ClassINTFC))
	d, _ := visa.DefaultAttr(visa.VI_ATTR_SUPPRESS_END_EN, visa.VI_INTF_TCPIP, visa.ClassSOCKET)
	fmt.Println(d)
	// Output:
	// VI_ATTR_TERMCHAR_EN true ViBoolean false false
	// true true
	// true
}
