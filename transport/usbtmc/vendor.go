package usbtmc

import (
	"context"
	"fmt"

	"github.com/govisa/govisa/transport"
)

// VISA attribute and values the Conn acts on. Transports never import the
// visa package, so the numbers are repeated here with their VISA names.
const (
	AttrIOProt       = 0x3FFF001C // VI_ATTR_IO_PROT
	ProtNormal       = 1          // VI_PROT_NORMAL
	ProtUSBTMCVendor = 5          // VI_PROT_USBTMC_VENDOR
)

// VendorProtocol interprets a VI_ATTR_IO_PROT value: true for
// VI_PROT_USBTMC_VENDOR, false for VI_PROT_NORMAL. Any other value, or a
// value that is not an integer, is an error wrapping ErrInvalidArg.
func VendorProtocol(v any) (bool, error) {
	var n int64
	switch x := v.(type) {
	case uint16:
		n = int64(x)
	case uint32:
		n = int64(x)
	case uint64:
		n = int64(min(x, 1<<32))
	case uint:
		n = int64(min(uint64(x), 1<<32))
	case uint8:
		n = int64(x)
	case int:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	default:
		return false, transport.Errorf("set_attr", transport.ErrInvalidArg, fmt.Errorf("usbtmc: VI_ATTR_IO_PROT value of type %T", v))
	}
	switch n {
	case ProtNormal:
		return false, nil
	case ProtUSBTMCVendor:
		return true, nil
	}
	return false, transport.Errorf("set_attr", transport.ErrInvalidArg, fmt.Errorf("usbtmc: VI_ATTR_IO_PROT %d (USB INSTR allows VI_PROT_NORMAL and VI_PROT_USBTMC_VENDOR)", n))
}

// SetAttr applies the VISA attributes the Conn acts on: VI_ATTR_IO_PROT
// ([AttrIOProt]) switches Write and Read between DEV_DEP messages
// (VI_PROT_NORMAL) and vendor-specific messages (VI_PROT_USBTMC_VENDOR).
// Switching drops buffered response bytes, which belong to the other
// protocol. Other ids return ErrNotSupported.
func (c *Conn) SetAttr(id uint32, v any) error {
	if id != AttrIOProt {
		return transport.Errorf("set_attr", transport.ErrNotSupported, nil)
	}
	vendor, err := VendorProtocol(v)
	if err != nil {
		return err
	}
	if vendor != c.vendor {
		c.data, c.left, c.inXfer = nil, 0, false
		c.vendor = vendor
	}
	return nil
}

// Attr reports VI_ATTR_IO_PROT as the Conn applies it (a uint16, like the
// VISA attribute).
func (c *Conn) Attr(id uint32) (any, bool) {
	if id != AttrIOProt {
		return nil, false
	}
	if c.vendor {
		return uint16(ProtUSBTMCVendor), true
	}
	return uint16(ProtNormal), true
}

// VendorWrite sends p as VENDOR_SPECIFIC_OUT transfers (USBTMC 1.0
// §3.2.1.3) of at most the configured size. The header has no EOM: what a
// vendor message means is up to the vendor. Timeouts abort the Bulk-OUT
// transfer as in [Conn.Write]. A device that does not support vendor
// messages halts Bulk-OUT: the error wraps ErrIO and the Conn clears the
// halt so that normal messages still work.
func (c *Conn) VendorWrite(ctx context.Context, p []byte) (int, error) {
	return c.send(ctx, p, false, true)
}

// VendorRead sends REQUEST_VENDOR_SPECIFIC_IN for at most len(p) bytes and
// reads the VENDOR_SPECIFIC_IN answers into p. The header carries no EOM,
// so a transfer shorter than requested ends the message: the read returns
// ReasonEND then, and ReasonCount when p is full (more may follow). A
// request larger than the configured transfer size becomes several
// transfers. Termination characters do not apply. After a timeout or a
// malformed answer the Bulk-IN transfer is aborted.
func (c *Conn) VendorRead(ctx context.Context, p []byte) (int, transport.Reason, error) {
	if len(p) == 0 {
		return 0, 0, nil
	}
	ctx, done := c.opCtx(ctx)
	if ctx == nil {
		return 0, 0, transport.Errorf("read", transport.ErrClosed, nil)
	}
	defer done()
	// Bytes of an unfinished DEV_DEP response are not part of this message.
	c.data, c.left, c.inXfer = nil, 0, false
	n := 0
	for {
		size, err := c.startTransfer(ctx, len(p)-n, transport.ReadOptions{}, true)
		got := 0
		for err == nil {
			// size <= len(p)-n and the header was checked against size,
			// so the transfer always fits.
			k := copy(p[n:], c.data)
			n, got = n+k, got+k
			c.data = nil
			if c.left == 0 {
				break
			}
			err = c.continueTransfer(ctx)
		}
		if err != nil {
			return n, 0, c.readFailed(ctx, err)
		}
		c.inXfer = false
		switch {
		case got < size:
			return n, transport.ReasonEND, nil
		case n == len(p):
			return n, transport.ReasonCount, nil
		}
	}
}
