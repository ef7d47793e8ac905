package visa

import (
	"context"
	"errors"

	"github.com/govisa/govisa/transport"
)

// Identification of this implementation in VI_ATTR_RSRC_MANF_*.
const (
	manufacturerName = "govisa"
	// manufacturerID is VI_ATTR_RSRC_MANF_ID. VXIplug&play ids are assigned
	// by the VXIbus Consortium; govisa has none, so it uses 0x3FFF, the
	// highest value, which no assigned vendor uses.
	manufacturerID = 0x3FFF
	// implVersion is VI_ATTR_RSRC_IMPL_VERSION (ViVersion: major<<20 |
	// minor<<8 | sub-minor).
	implVersion = uint32(1 << 8) // 0.1.0
	// specVersion is VI_ATTR_RSRC_SPEC_VERSION: VISA 7.0.
	specVersion = uint32(7 << 20) // 7.0.0
)

// fillNameAttrs sets the read-only attributes that follow from the name.
func fillNameAttrs(st *AttrStore, rn ResourceName) {
	set := func(a Attr, v any) { st.SetInternal(a, v) }
	set(VI_ATTR_RSRC_NAME, rn.String())
	set(VI_ATTR_RSRC_CLASS, string(rn.Class))
	set(VI_ATTR_INTF_TYPE, uint16(rn.Interface))
	set(VI_ATTR_INTF_NUM, uint16(rn.Board))
	set(VI_ATTR_RSRC_MANF_NAME, manufacturerName)
	set(VI_ATTR_RSRC_MANF_ID, uint16(manufacturerID))
	set(VI_ATTR_RSRC_IMPL_VERSION, implVersion)
	set(VI_ATTR_RSRC_SPEC_VERSION, specVersion)
	set(VI_ATTR_INTF_INST_NAME, rn.Interface.String()+" interface "+itoa(rn.Board))
	switch rn.Interface {
	case VI_INTF_TCPIP:
		set(VI_ATTR_TCPIP_ADDR, rn.Host)
		set(VI_ATTR_TCPIP_HOSTNAME, rn.Host)
		if rn.Class == ClassSOCKET {
			set(VI_ATTR_TCPIP_PORT, uint16(rn.Port))
		} else {
			set(VI_ATTR_TCPIP_DEVICE_NAME, rn.LANDevice)
			set(VI_ATTR_TCPIP_IS_HISLIP, rn.HiSLIP)
		}
	case VI_INTF_GPIB:
		if rn.Class == ClassINSTR {
			set(VI_ATTR_GPIB_PRIMARY_ADDR, uint16(rn.PrimaryAddr))
			sad := uint16(VI_NO_SEC_ADDR)
			if rn.SecondaryAddr >= 0 {
				sad = uint16(rn.SecondaryAddr)
			}
			set(VI_ATTR_GPIB_SECONDARY_ADDR, sad)
		}
	case VI_INTF_USB:
		set(VI_ATTR_MANF_ID, rn.ManufacturerID)
		set(VI_ATTR_MODEL_CODE, rn.ModelCode)
		set(VI_ATTR_USB_SERIAL_NUM, rn.SerialNumber)
		if rn.USBInterface >= 0 {
			set(VI_ATTR_USB_INTFC_NUM, int16(rn.USBInterface))
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

func maxQueueLen(st *AttrStore) int {
	v, err := st.Get(VI_ATTR_MAX_QUEUE_LENGTH)
	if n, ok := v.(uint32); err == nil && ok && n > 0 {
		return int(n)
	}
	return 50
}

// getAttr answers attributes whose value lives outside the store (lock
// state, transport state) and the rest from the store.
func (s *session) getAttr(a Attr) (any, error) {
	switch a {
	case VI_ATTR_RSRC_LOCK_STATE:
		if _, err := s.attrs.Get(a); err != nil {
			return nil, err
		}
		return uint32(s.lib.locks.state(s.rsrc, s.id)), nil
	case VI_ATTR_TCPIP_HISLIP_OVERLAP_EN:
		// The mode the session is really in, as the transport reports it.
		if c, ok := s.conn.(interface{ Overlapped() bool }); ok {
			if _, err := s.attrs.Get(a); err != nil {
				return nil, err
			}
			return c.Overlapped(), nil
		}
	}
	if p, ok := s.conn.(interface{ Attr(id uint32) (any, bool) }); ok {
		if _, err := s.attrs.Get(a); err != nil {
			return nil, err
		}
		if v, ok := p.Attr(uint32(a)); ok {
			return v, nil
		}
	}
	v, err := s.attrs.Get(a)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Resource == "" {
			e.Resource = s.rsrc
		}
	}
	return v, err
}

// setAttr validates and stores a value, then applies it to the transport
// where the transport must act on it.
func (s *session) setAttr(a Attr, v any) error {
	if a == VI_ATTR_MAX_QUEUE_LENGTH {
		s.ev.mu.Lock()
		busy := len(s.ev.enabled) > 0
		s.ev.mu.Unlock()
		if busy {
			return &Error{Status: VI_ERROR_NSUP_ATTR_STATE, Op: "viSetAttribute", Resource: s.rsrc, Msg: "VI_ATTR_MAX_QUEUE_LENGTH can only be set before any event is enabled"}
		}
	}
	old, _ := s.attrs.Get(a)
	if err := s.attrs.Set(a, v); err != nil {
		if e, ok := err.(*Error); ok && e.Resource == "" {
			e.Resource = s.rsrc
		}
		return err
	}
	if err := s.applyAttr(a); err != nil {
		if old != nil {
			s.attrs.SetInternal(a, old)
		}
		return err
	}
	return nil
}

// applyAttr pushes attributes with side effects to the transport through
// small optional interfaces, so transports never import visa.
func (s *session) applyAttr(a Attr) error {
	v, _ := s.attrs.Get(a)
	var err error
	switch a {
	case VI_ATTR_TCPIP_NODELAY:
		if c, ok := s.conn.(interface{ SetNoDelay(bool) error }); ok {
			err = c.SetNoDelay(v.(bool))
		}
	case VI_ATTR_TCPIP_KEEPALIVE:
		if c, ok := s.conn.(interface{ SetKeepAlive(bool) error }); ok {
			err = c.SetKeepAlive(v.(bool))
		}
	case VI_ATTR_TCPIP_HISLIP_OVERLAP_EN:
		// Switching mode is a device-clear transaction on the wire.
		if c, ok := s.conn.(interface {
			SetOverlapped(context.Context, bool) error
		}); ok {
			ctx, cancel := context.WithTimeout(context.Background(), dialTimeout(0, s.attrs))
			s.mu.Lock()
			err = c.SetOverlapped(ctx, v.(bool))
			s.mu.Unlock()
			cancel()
		}
	default:
		if c, ok := s.conn.(interface{ SetAttr(id uint32, v any) error }); ok {
			err = c.SetAttr(uint32(a), v)
			if err != nil && isNotSupported(err) {
				err = nil
			}
		}
	}
	if err != nil {
		var ve *Error
		if !errors.As(err, &ve) && errorIs(err, transport.ErrInvalidArg) {
			// The transport cannot take this value now (a mode its path
			// does not offer, say): VISA's answer for a valid value the
			// resource cannot be put in.
			return &Error{Status: VI_ERROR_NSUP_ATTR_STATE, Op: "viSetAttribute", Resource: s.rsrc, Err: err}
		}
		return mapError("viSetAttribute", s.rsrc, err)
	}
	return nil
}

func isNotSupported(err error) bool {
	return err != nil && (err == transport.ErrNotSupported || errorIs(err, transport.ErrNotSupported))
}
