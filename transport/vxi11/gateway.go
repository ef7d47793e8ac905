package vxi11

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/govisa/govisa/transport"
)

// The GPIB bus operations of a VXI-11.2 gateway link ("gpib0,5" or the
// gateway's interface link "gpib0"), carried by device_docmd with the
// command codes of VXI-11.2 in network byte order (as python-vxi11 sends
// them; fact sheet §2.9). A device that is not a gateway answers error 8,
// which surfaces as transport.ErrNotSupported.

// Command sends GPIB command bytes with ATN asserted (SEND_COMMAND).
func (c *Client) Command(ctx context.Context, cmd []byte) error {
	_, err := c.Docmd(ctx, DocmdSendCommand, true, 1, cmd)
	return err
}

// SendIFC pulses the interface clear line (IFC_CTRL).
func (c *Client) SendIFC(ctx context.Context) error {
	_, err := c.Docmd(ctx, DocmdIFCControl, true, 1, nil)
	return err
}

// ControlATN asserts (mode 1, 3) or deasserts (mode 0, 2) ATN (ATN_CTRL).
// VXI-11.2 has no handshake variants, so VI_GPIB_ATN_DEASSERT_HANDSHAKE and
// VI_GPIB_ATN_ASSERT_IMMEDIATE map to plain deassert and assert.
func (c *Client) ControlATN(ctx context.Context, mode int) error {
	var v [2]byte
	if mode == 1 || mode == 3 {
		binary.BigEndian.PutUint16(v[:], 1)
	}
	_, err := c.Docmd(ctx, DocmdATNControl, true, 2, v[:])
	return err
}

// PassControl passes controller-in-charge to the device at pad (PASS_CTRL).
// PASS_CTRL carries one primary address; a secondary address (sad >= 0)
// cannot be expressed and is refused with transport.ErrNotSupported.
func (c *Client) PassControl(ctx context.Context, pad, sad int) error {
	if sad >= 0 {
		return transport.Errorf("pass control", transport.ErrNotSupported, errors.New("VXI-11.2 PASS_CTRL has no secondary address"))
	}
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], uint32(pad))
	_, err := c.Docmd(ctx, DocmdPassControl, true, 4, v[:])
	return err
}
