package visa_test

import (
	"context"
	"testing"

	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refusingConn refuses every attribute value it is given the way a
// transport does: ErrInvalidArg for a value it cannot be put in now,
// ErrNotSupported for an attribute that is only the store's.
type refusingConn struct {
	waitingNotifier
	kind error
}

func (c *refusingConn) SetAttr(uint32, any) error {
	return transport.Errorf("set_attr", c.kind, nil)
}

type connDialer struct{ c transport.Conn }

func (d connDialer) Dial(context.Context, visa.ResourceName, *visa.AttrStore) (transport.Conn, error) {
	return d.c, nil
}
func (connDialer) List(context.Context) ([]string, error) { return nil, nil }
func (connDialer) Info() visa.BackendInfo                 { return visa.BackendInfo{Name: "conn"} }

func TestSetAttributeTransportRefusals(t *testing.T) {
	for _, tc := range []struct {
		kind error
		want visa.Status // 0: accepted (kept in the store)
	}{
		{transport.ErrInvalidArg, visa.VI_ERROR_NSUP_ATTR_STATE},
		{transport.ErrNotSupported, 0},
		{transport.ErrIO, visa.VI_ERROR_IO},
	} {
		rm, err := visa.NewResourceManagerFor(visa.NewConnLibrary(connDialer{&refusingConn{kind: tc.kind}}, nil))
		require.NoError(t, err)
		r, err := rm.OpenResource(context.Background(), "USB0::0x1234::0x5678::SN1::INSTR")
		require.NoError(t, err)
		err = r.SetAttribute(visa.VI_ATTR_IO_PROT, uint16(visa.VI_PROT_USBTMC_VENDOR))
		if tc.want == 0 {
			require.NoError(t, err, "%v", tc.kind)
			v, err := r.GetAttribute(visa.VI_ATTR_IO_PROT)
			require.NoError(t, err)
			assert.Equal(t, uint16(visa.VI_PROT_USBTMC_VENDOR), v)
		} else {
			assert.ErrorIs(t, err, tc.want, "%v", tc.kind)
			v, err := r.GetAttribute(visa.VI_ATTR_IO_PROT)
			require.NoError(t, err)
			assert.Equal(t, uint16(visa.VI_PROT_NORMAL), v, "a refused value is not kept")
		}
		rm.Close()
	}
}
