package hislip

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"

	"github.com/govisa/govisa/transport"
)

// Descriptor is one entry of a GetDescriptorsResponse (HiSLIP 2.0): a type
// and its data.
//
// Wire format (lxi-rs, security branch, descriptors.rs writer; the 2.0
// text was not available): a 16-bit big-endian length of the data in
// bytes, the type byte, the data. lxi-rs's own reader takes the length of
// type 0 as a count of versions; we follow the writer, which is what goes
// on the wire.
type Descriptor struct {
	Type uint8
	Data []byte
}

// Descriptor types (lxi-rs): 3-127 reserved, 128-255 vendor specific.
const (
	DescSupportedTLSVersions uint8 = 0 // big-endian uint16 TLS versions (0x0303 = TLS 1.2)
	DescTLSInformation       uint8 = 1 // ASCII
	DescTLSLastError         uint8 = 2 // ASCII
)

// AppendDescriptors encodes descriptors after b; data longer than 65535
// bytes is cut.
func AppendDescriptors(b []byte, ds ...Descriptor) []byte {
	for _, d := range ds {
		data := d.Data
		if len(data) > 0xFFFF {
			data = data[:0xFFFF]
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
		b = append(b, d.Type)
		b = append(b, data...)
	}
	return b
}

// ParseDescriptors decodes a GetDescriptorsResponse payload. The data of
// each descriptor aliases b.
func ParseDescriptors(b []byte) ([]Descriptor, error) {
	var ds []Descriptor
	for len(b) > 0 {
		if len(b) < 3 {
			return ds, transport.Errorf("descriptors", transport.ErrProtocol, fmt.Errorf("%d stray bytes", len(b)))
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b)-3 < n {
			return ds, transport.Errorf("descriptors", transport.ErrProtocol, fmt.Errorf("descriptor type %d of %d bytes, %d left", b[2], n, len(b)-3))
		}
		ds = append(ds, Descriptor{Type: b[2], Data: b[3 : 3+n : 3+n]})
		b = b[3+n:]
	}
	return ds, nil
}

// TLSVersions returns the versions of a DescSupportedTLSVersions
// descriptor.
func (d Descriptor) TLSVersions() []uint16 {
	if d.Type != DescSupportedTLSVersions {
		return nil
	}
	v := make([]uint16, 0, len(d.Data)/2)
	for i := 0; i+1 < len(d.Data); i += 2 {
		v = append(v, binary.BigEndian.Uint16(d.Data[i:]))
	}
	return v
}

// descriptors is the server's GetDescriptorsResponse payload.
func (s *session) descriptors() []byte {
	var versions []byte
	if cfg := s.srv.TLSConfig; cfg != nil {
		lo, hi := cfg.MinVersion, cfg.MaxVersion
		if lo == 0 {
			lo = tls.VersionTLS12
		}
		if hi == 0 {
			hi = tls.VersionTLS13
		}
		for v := max(lo, tls.VersionTLS12); v <= hi; v++ {
			versions = binary.BigEndian.AppendUint16(versions, v)
		}
	}
	s.mu.Lock()
	info, lastErr := s.tlsInfo, s.tlsLastErr
	s.mu.Unlock()
	if lastErr == "" {
		lastErr = "OK"
	}
	return AppendDescriptors(nil,
		Descriptor{Type: DescSupportedTLSVersions, Data: versions},
		Descriptor{Type: DescTLSInformation, Data: []byte(info)},
		Descriptor{Type: DescTLSLastError, Data: []byte(lastErr)})
}

// Descriptors asks the server for its HiSLIP 2.0 descriptors
// (GetDescriptors on the asynchronous channel).
func (c *Client) Descriptors(ctx context.Context) ([]Descriptor, error) {
	if c.version < Version20 {
		return nil, transport.Errorf("descriptors", transport.ErrNotSupported, fmt.Errorf("negotiated version %#04x", c.version))
	}
	m, err := c.asyncCall(ctx, "descriptors", AppendMessage(nil, MsgGetDescriptors, 0, 0, nil), MsgGetDescriptorsResponse)
	if err != nil {
		return nil, err
	}
	return ParseDescriptors(m.Payload)
}
