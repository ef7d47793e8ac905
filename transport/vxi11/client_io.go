package vxi11

import (
	"errors"
	"fmt"

	"context"

	"github.com/govisa/govisa/rpc"
	"github.com/govisa/govisa/transport"
)

// readResult decodes a Device_ReadResp straight into the caller's buffer:
// the data is copied once, from the RPC receive buffer to dst.
type readResult struct {
	dst    []byte
	n      int
	reason Reason
	code   ErrorCode
}

func (r *readResult) DecodeXDR(d *rpc.Decoder) error {
	e, _ := d.Int32()
	reason, _ := d.Int32()
	// More data than requested cannot be stored: refuse it rather than
	// drop bytes silently.
	data, err := d.Opaque(len(r.dst))
	if err != nil {
		return err
	}
	r.n = copy(r.dst, data)
	r.code, r.reason = ErrorCode(e), Reason(reason)
	return nil
}

// Write sends p with device_write, in chunks of at most MaxRecvSize bytes;
// with end set, only the last chunk carries the END flag. io_timeout comes
// from ctx's deadline. It returns the bytes the server accepted; a chunk
// accepted only in part fails with transport.ErrIO.
func (c *Client) Write(ctx context.Context, p []byte, end bool) (int, error) {
	if len(p) == 0 && !end {
		return 0, nil
	}
	lockTO := ms(c.opts.LockTimeout)
	total := 0
	for {
		chunk, last := p[total:], true
		if uint64(len(chunk)) > uint64(c.maxRecv) {
			chunk, last = chunk[:c.maxRecv], false
		}
		io, err := ioTimeout(ctx, "device_write")
		if err != nil {
			return total, err
		}
		c.wp = DeviceWriteParms{LID: c.lid, IOTimeout: io, LockTimeout: lockTO, Data: chunk}
		if last && end {
			c.wp.Flags = FlagEnd
		}
		c.wr = DeviceWriteResp{}
		err = c.do(ctx, "device_write", ProcDeviceWrite, &c.wp, &c.wr)
		c.wp.Data = nil
		if err != nil {
			return total, err
		}
		size := min(int(c.wr.Size), len(chunk))
		total += size
		if c.wr.Error != NoError {
			return total, c.result(ctx, "device_write", c.wr.Error)
		}
		if size < len(chunk) {
			return total, transport.Errorf("device_write", transport.ErrIO,
				fmt.Errorf("server accepted %d of %d bytes", size, len(chunk)))
		}
		if last {
			return total, nil
		}
	}
}

// maxEmptyReads bounds consecutive device_read replies with no data and no
// reason, so that a broken server cannot keep Read spinning forever.
const maxEmptyReads = 1000

// Read reads a message with device_read until the server reports END,
// the termination character (opt.TermCharEnabled sets termchrset), or p is
// full; the reason bits become transport.Reason (END → ReasonEND, CHR →
// ReasonTermChar, p full → ReasonCount). Replies with reason 0 (a server
// delivering in pieces) are followed by further device_reads. With
// opt.SuppressEND (VI_ATTR_SUPPRESS_END_EN) END does not end the read,
// which goes on until the termination character, a full p or the timeout,
// as VPP-4.3 says. On io_timeout (error 15)
// the bytes received so far are returned with an error wrapping
// transport.ErrTimeout.
func (c *Client) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if len(p) == 0 {
		return 0, transport.ReasonCount, nil
	}
	lockTO := ms(c.opts.LockTimeout)
	n, empty := 0, 0
	for {
		io, err := ioTimeout(ctx, "device_read")
		if err != nil {
			return n, 0, err
		}
		want := min(len(p)-n, c.opts.MaxReadChunk)
		c.rp = DeviceReadParms{LID: c.lid, RequestSize: uint32(want), IOTimeout: io, LockTimeout: lockTO}
		if opt.TermCharEnabled {
			c.rp.Flags, c.rp.TermChar = FlagTermCharSet, opt.TermChar
		}
		c.rr = readResult{dst: p[n : n+want]}
		err = c.do(ctx, "device_read", ProcDeviceRead, &c.rp, &c.rr)
		got, reason, code := c.rr.n, c.rr.reason, c.rr.code
		c.rr.dst = nil
		if err != nil {
			if errors.Is(err, rpc.ErrTooLong) {
				err = transport.Errorf("device_read", transport.ErrProtocol,
					fmt.Errorf("server sent more than the %d bytes requested", want))
			}
			return n, 0, err
		}
		n += got
		if code != NoError {
			return n, 0, c.result(ctx, "device_read", code)
		}
		var r transport.Reason
		if reason&ReasonEnd != 0 && !opt.SuppressEND {
			r |= transport.ReasonEND
		}
		if reason&ReasonChr != 0 && opt.TermCharEnabled && n > 0 && p[n-1] == opt.TermChar {
			r |= transport.ReasonTermChar
		}
		if n == len(p) {
			r |= transport.ReasonCount
		}
		if r != 0 {
			return n, r, nil
		}
		if got == 0 {
			if empty++; empty >= maxEmptyReads {
				return n, 0, transport.Errorf("device_read", transport.ErrProtocol,
					errors.New("server keeps answering with no data and no reason"))
			}
		} else {
			empty = 0
		}
	}
}
