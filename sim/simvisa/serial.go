package simvisa

import (
	"context"
	"sync"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
)

// Attribute ids the serial loopback acts on (transports speak numbers, not
// package visa's names).
const (
	attrASRLEndIn    uint32 = 0x3FFF00B3 // VI_ATTR_ASRL_END_IN
	attrASRLDataBits uint32 = 0x3FFF0022 // VI_ATTR_ASRL_DATA_BITS
	attrASRLAvailNum uint32 = 0x3FFF00AC // VI_ATTR_ASRL_AVAIL_NUM
)

// VI_ATTR_ASRL_END_IN values.
const (
	endNone     = 0 // VI_ASRL_END_NONE
	endLastBit  = 1 // VI_ASRL_END_LAST_BIT
	endTermChar = 2 // VI_ASRL_END_TERMCHAR
)

// serialLoopback gives a simulated ASRL INSTR what a serial line has: no
// END of its own. The device's end of message is invisible; a read ends
// by VI_ATTR_ASRL_END_IN (the termination character or the last data bit
// marks END, or nothing does), by the termination character when enabled,
// by the count, or by the timeout, as on a real port.
type serialLoopback struct {
	*sim.Loopback

	mu       sync.Mutex
	endIn    uint16
	dataBits uint16
	pend     []byte // bytes read from the device after the byte that ended a read
	store    []byte
}

func newSerialLoopback(dev *sim.Device) *serialLoopback {
	return &serialLoopback{Loopback: sim.NewLoopback(dev), endIn: endTermChar, dataBits: 8}
}

// SetAttr follows END_IN and the data bits; the rest is the store's.
func (s *serialLoopback) SetAttr(id uint32, v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch id {
	case attrASRLEndIn:
		if n, ok := v.(uint16); ok {
			s.endIn = n
			return nil
		}
	case attrASRLDataBits:
		if n, ok := v.(uint16); ok {
			s.dataBits = n
			return nil
		}
	}
	return transport.ErrNotSupported
}

// Attr answers VI_ATTR_ASRL_AVAIL_NUM with the bytes read from the device
// and not yet delivered.
func (s *serialLoopback) Attr(id uint32) (any, bool) {
	if id != attrASRLAvailNum {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint32(len(s.pend)), true
}

// Read implements the serial termination rules over the loopback. Only
// one Read runs at a time (the session layer serialises a session's I/O);
// mu guards what Attr and SetAttr share with it and is not held while the
// read waits for the device.
func (s *serialLoopback) Read(ctx context.Context, p []byte, opt transport.ReadOptions) (int, transport.Reason, error) {
	if len(p) == 0 {
		return 0, transport.ReasonCount, nil
	}
	s.mu.Lock()
	endIn := s.endIn
	lastBit := byte(1) << (min(max(s.dataBits, 5), 8) - 1)
	s.mu.Unlock()
	classify := func(b byte) transport.Reason {
		var why transport.Reason
		if !opt.SuppressEND {
			if (endIn == endTermChar && b == opt.TermChar) || (endIn == endLastBit && b&lastBit != 0) {
				why |= transport.ReasonEND
			}
		}
		if opt.TermCharEnabled && b == opt.TermChar {
			why |= transport.ReasonTermChar
		}
		return why
	}
	n := 0
	for {
		s.mu.Lock()
		src := s.pend
		s.pend = nil
		s.mu.Unlock()
		if len(src) == 0 {
			want := len(p) - n
			if cap(s.store) < want {
				s.store = make([]byte, want)
			}
			// The loopback returns at the device's end of message; that is
			// not END on a serial line, so the reason is not used.
			m, _, err := s.Loopback.Read(ctx, s.store[:want], transport.ReadOptions{})
			if err != nil {
				return n, 0, err
			}
			src = s.store[:m]
		}
		for i, b := range src {
			p[n] = b
			n++
			why := classify(b)
			if n == len(p) {
				why |= transport.ReasonCount
			}
			if why != 0 {
				if rest := src[i+1:]; len(rest) > 0 {
					s.mu.Lock()
					s.pend = append([]byte(nil), rest...)
					s.mu.Unlock()
				}
				return n, why, nil
			}
		}
	}
}

// Clear drops what the port holds as well.
func (s *serialLoopback) Clear(ctx context.Context) error {
	s.mu.Lock()
	s.pend = nil
	s.mu.Unlock()
	return s.Loopback.Clear(ctx)
}
