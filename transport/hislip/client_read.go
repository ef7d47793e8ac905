package hislip

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/govisa/govisa/transport"
)

// reader is the resumable state of the synchronous channel's receive side.
// Every field survives a timed-out read, so a half-read header or payload
// is picked up where it stopped instead of desynchronising the stream.
type reader struct {
	br    *bufio.Reader
	hdr   [HeaderSize]byte
	hdrN  int    // bytes of hdr filled
	skip  uint64 // payload bytes still to discard
	cur   Header // the data message being delivered
	in    bool   // cur is valid and being delivered
	left  uint64 // payload bytes of cur still on the wire
	extra []byte // bytes of cur read past a termination character
	ebuf  []byte // backing store of extra
}

func (r *reader) reset() {
	r.in = false
	r.extra = nil
	if r.left > 0 {
		r.skip += r.left
		r.left = 0
	}
}

// discardCurrent drops the rest of the response being delivered; its bytes
// still on the wire are skipped lazily by the next read.
func (r *reader) discardCurrent() { r.reset() }

// readHeader continues reading a header; partial progress is kept.
func (r *reader) readHeader() (Header, error) {
	for r.hdrN < HeaderSize {
		n, err := r.br.Read(r.hdr[r.hdrN:])
		r.hdrN += n
		if err != nil && r.hdrN < HeaderSize {
			return Header{}, err
		}
	}
	r.hdrN = 0
	return ParseHeader(r.hdr[:])
}

// doSkip discards pending payload bytes.
func (r *reader) doSkip() error {
	for r.skip > 0 {
		chunk := r.skip
		if chunk > 1<<30 {
			chunk = 1 << 30
		}
		n, err := r.br.Discard(int(chunk))
		r.skip -= uint64(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// readSmall reads a control payload of at most 1 KiB and skips the rest.
func (r *reader) readSmall(n uint64) ([]byte, error) {
	keep := n
	if keep > 1024 {
		keep = 1024
	}
	b := make([]byte, keep)
	if _, err := io.ReadFull(r.br, b); err != nil {
		return nil, err
	}
	r.skip = n - keep
	return b, r.doSkip()
}

// acceptData applies the synchronized-mode client rules 1, 2 and 4 of
// IVI-6.1 §4.1.2 to a Data or DataEnd header.
func (c *Client) acceptData(h Header) bool {
	if c.overlapped {
		return true
	}
	if c.asyncInt.Load() > c.syncInt {
		// AsyncInterrupted came first: discard until Interrupted.
		return false
	}
	if h.Param == c.lastSentID {
		return true
	}
	return h.Type == MsgData && h.Param == 0xFFFFFFFF
}

// Read implements [transport.Conn]. It ends on DataEnd (ReasonEND, unless
// opt.SuppressEND: VI_ATTR_SUPPRESS_END_EN makes the read go on into the
// next message), on the termination character when opt enables it, or when
// p is full; bytes past the end of p or past a termination character stay
// buffered.
func (c *Client) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if err := c.checkUsable("read"); err != nil {
		return 0, 0, err
	}
	if len(p) == 0 {
		return 0, 0, nil
	}
	if c.needClear {
		if err := c.clear(ctx, c.overlapped); err != nil {
			return 0, 0, err
		}
	}
	if c.syncConn != nil {
		if err := c.armSync(ctx); err != nil {
			return 0, 0, c.ctxErr(ctx, "read", err)
		}
	}
	n, reason, err := c.readLoop(p, opt)
	if opt.SuppressEND {
		reason &^= transport.ReasonEND // a termchar that came with DataEnd is reported as the termchar alone
	}
	if err != nil {
		if _, ok := err.(*transport.Error); !ok {
			err = c.ctxErr(ctx, "read", err)
		}
		if c.overlapped && (c.rd.in || (n == 0 && !c.openMsg)) &&
			(errors.Is(err, transport.ErrTimeout) || errors.Is(err, transport.ErrAborted)) {
			// In overlapped mode a late response cannot be told apart
			// from the next one: resynchronise with a device clear. A
			// read that found nothing while the program message is still
			// open (sent without END) abandoned no response, and a clear
			// would throw the open message away.
			c.needClear = true
		}
	}
	return n, reason, err
}

// termIndex returns the index of the termination character in b, or -1.
func termIndex(b []byte, opt transport.ReadOptions) int {
	if !opt.TermCharEnabled {
		return -1
	}
	return bytes.IndexByte(b, opt.TermChar)
}

func (c *Client) readLoop(p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	r := &c.rd
	n := 0
	for {
		// 1. Bytes already buffered from the current message.
		if len(r.extra) > 0 {
			k := copy(p[n:], r.extra)
			if i := termIndex(p[n:n+k], opt); i >= 0 {
				k = i + 1
				r.extra = r.extra[k:]
				n += k
				return n, c.finishIfDone() | transport.ReasonTermChar, nil
			}
			r.extra = r.extra[k:]
			n += k
			if reason := c.finishIfDone(); reason != 0 && !opt.SuppressEND {
				return n, reason, nil
			}
			if n == len(p) {
				return n, transport.ReasonCount, nil
			}
			continue
		}
		// 2. Payload of the current message still on the wire: read it
		// straight into p (no copy for large transfers).
		if r.in && r.left > 0 {
			want := uint64(len(p) - n)
			if want > r.left {
				want = r.left
			}
			m, err := r.br.Read(p[n : n+int(want)])
			r.left -= uint64(m)
			if i := termIndex(p[n:n+m], opt); i >= 0 {
				r.extra = append(r.ebuf[:0], p[n+i+1:n+m]...)
				r.ebuf = r.extra[:0]
				n += i + 1
				return n, c.finishIfDone() | transport.ReasonTermChar, nil
			}
			n += m
			if err != nil {
				return n, 0, err
			}
			if reason := c.finishIfDone(); reason != 0 && !opt.SuppressEND {
				return n, reason, nil
			}
			if n == len(p) {
				return n, transport.ReasonCount, nil
			}
			continue
		}
		if r.in {
			// A Data message ended; the response continues in the next one.
			r.in = false
		}
		// 3. Skip what must be discarded, then take the next message.
		if err := r.doSkip(); err != nil {
			return n, 0, err
		}
		h, err := r.readHeader()
		if err != nil {
			if _, ok := err.(*transport.Error); ok {
				return n, 0, c.setFatal(FatalBadHeader, nil, false)
			}
			return n, 0, err
		}
		switch {
		case h.Type == MsgData || h.Type == MsgDataEnd:
			if !c.acceptData(h) {
				r.skip = h.Length
				continue
			}
			r.cur, r.in, r.left = h, true, h.Length
			if h.Length == 0 {
				if reason := c.finishIfDone(); reason != 0 && !opt.SuppressEND {
					return n, reason, nil
				}
			}
		case h.Type == MsgInterrupted:
			// Rule 4: the response so far is void. Bytes stored in p by
			// this call were not yet handed over, so drop them too.
			r.skip = h.Length
			r.reset()
			n = 0
			c.syncInt++
		case h.Type == MsgFatalError:
			text, _ := r.readSmall(h.Length)
			return n, 0, c.setFatal(h.Control, text, true)
		case h.Type == MsgError:
			text, err := r.readSmall(h.Length)
			if err != nil {
				return n, 0, err
			}
			return n, 0, serverError("read", h.Control, text)
		default:
			r.skip = h.Length
			if h.Type.VendorSpecific() && c.syncConn != nil {
				// Unknown vendor messages are answered with Error 3.
				_, _ = c.syncOut.Write(AppendMessage(nil, MsgError, ErrCodeUnrecognizedVend, 0, nil))
			}
		}
	}
}

// finishIfDone reports ReasonEND when the current message is a DataEnd that
// has been handed over completely, and records the delivery (RMT).
func (c *Client) finishIfDone() transport.Reason {
	r := &c.rd
	if !r.in || r.left > 0 || len(r.extra) > 0 || r.cur.Type != MsgDataEnd {
		return 0
	}
	r.in = false
	c.rmtDelivered = true
	c.lastServerID = r.cur.Param
	return transport.ReasonEND
}
