package hislip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/govisa/govisa/transport"
)

// HeaderSize is the size of every HiSLIP message header.
const HeaderSize = 16

// DefaultPort is the IANA port of HiSLIP; both channels use it.
const DefaultPort = 4880

// Protocol versions (major in the high byte, minor in the low byte).
const (
	Version10 uint16 = 0x0100
	Version11 uint16 = 0x0101
	Version20 uint16 = 0x0200
)

// MsgType is the message type byte of a HiSLIP header.
type MsgType uint8

// Message types, IVI-6.1 Table 3 (1.x) and the 2.0 additions 26-38.
const (
	MsgInitialize                      MsgType = 0
	MsgInitializeResponse              MsgType = 1
	MsgFatalError                      MsgType = 2
	MsgError                           MsgType = 3
	MsgAsyncLock                       MsgType = 4
	MsgAsyncLockResponse               MsgType = 5
	MsgData                            MsgType = 6
	MsgDataEnd                         MsgType = 7
	MsgDeviceClearComplete             MsgType = 8
	MsgDeviceClearAcknowledge          MsgType = 9
	MsgAsyncRemoteLocalControl         MsgType = 10
	MsgAsyncRemoteLocalResponse        MsgType = 11
	MsgTrigger                         MsgType = 12
	MsgInterrupted                     MsgType = 13
	MsgAsyncInterrupted                MsgType = 14
	MsgAsyncMaximumMessageSize         MsgType = 15
	MsgAsyncMaximumMessageSizeResponse MsgType = 16
	MsgAsyncInitialize                 MsgType = 17
	MsgAsyncInitializeResponse         MsgType = 18
	MsgAsyncDeviceClear                MsgType = 19
	MsgAsyncServiceRequest             MsgType = 20
	MsgAsyncStatusQuery                MsgType = 21
	MsgAsyncStatusResponse             MsgType = 22
	MsgAsyncDeviceClearAcknowledge     MsgType = 23
	MsgAsyncLockInfo                   MsgType = 24
	MsgAsyncLockInfoResponse           MsgType = 25
	MsgGetDescriptors                  MsgType = 26
	MsgGetDescriptorsResponse          MsgType = 27
	MsgStartTLS                        MsgType = 28
	MsgAsyncStartTLS                   MsgType = 29
	MsgAsyncStartTLSResponse           MsgType = 30
	MsgEndTLS                          MsgType = 31
	MsgAsyncEndTLS                     MsgType = 32
	MsgAsyncEndTLSResponse             MsgType = 33
	MsgGetSaslMechanismList            MsgType = 34
	MsgGetSaslMechanismListResponse    MsgType = 35
	MsgAuthenticationStart             MsgType = 36
	MsgAuthenticationExchange          MsgType = 37
	MsgAuthenticationResult            MsgType = 38
	// MsgVendorSpecificFirst is the first of the vendor-specific types
	// 128-255.
	MsgVendorSpecificFirst MsgType = 128
)

var msgNames = [...]string{
	"Initialize", "InitializeResponse", "FatalError", "Error", "AsyncLock",
	"AsyncLockResponse", "Data", "DataEnd", "DeviceClearComplete",
	"DeviceClearAcknowledge", "AsyncRemoteLocalControl", "AsyncRemoteLocalResponse",
	"Trigger", "Interrupted", "AsyncInterrupted", "AsyncMaximumMessageSize",
	"AsyncMaximumMessageSizeResponse", "AsyncInitialize", "AsyncInitializeResponse",
	"AsyncDeviceClear", "AsyncServiceRequest", "AsyncStatusQuery", "AsyncStatusResponse",
	"AsyncDeviceClearAcknowledge", "AsyncLockInfo", "AsyncLockInfoResponse",
	"GetDescriptors", "GetDescriptorsResponse", "StartTLS", "AsyncStartTLS",
	"AsyncStartTLSResponse", "EndTLS", "AsyncEndTLS", "AsyncEndTLSResponse",
	"GetSaslMechanismList", "GetSaslMechanismListResponse", "AuthenticationStart",
	"AuthenticationExchange", "AuthenticationResult",
}

// String returns the message name used by the specification.
func (t MsgType) String() string {
	if int(t) < len(msgNames) {
		return msgNames[t]
	}
	if t >= MsgVendorSpecificFirst {
		return fmt.Sprintf("VendorSpecific(%d)", uint8(t))
	}
	return fmt.Sprintf("Reserved(%d)", uint8(t))
}

// Is20 reports whether the type exists only in protocol 2.0.
func (t MsgType) Is20() bool { return t >= MsgGetDescriptors && t <= MsgAuthenticationResult }

// VendorSpecific reports whether the type is in the vendor range 128-255.
func (t MsgType) VendorSpecific() bool { return t >= MsgVendorSpecificFirst }

// Fatal error codes (control code of FatalError).
const (
	FatalUnidentified      uint8 = 0
	FatalBadHeader         uint8 = 1
	FatalNoBothChannels    uint8 = 2
	FatalInvalidInitSeq    uint8 = 3
	FatalTooManyClients    uint8 = 4
	FatalSecureConnFailed  uint8 = 5 // 2.0
	fatalDeviceDefinedBase uint8 = 128
)

// Non-fatal error codes (control code of Error).
const (
	ErrCodeUnidentified      uint8 = 0
	ErrCodeUnrecognizedType  uint8 = 1
	ErrCodeUnrecognizedCtrl  uint8 = 2
	ErrCodeUnrecognizedVend  uint8 = 3
	ErrCodeMessageTooLarge   uint8 = 4
	ErrCodeAuthenticationErr uint8 = 5 // 2.0
)

// FatalCodeText describes a FatalError code.
func FatalCodeText(c uint8) string {
	switch c {
	case FatalUnidentified:
		return "unidentified error"
	case FatalBadHeader:
		return "poorly formed message header"
	case FatalNoBothChannels:
		return "attempt to use connection without both channels established"
	case FatalInvalidInitSeq:
		return "invalid initialization sequence"
	case FatalTooManyClients:
		return "server refused connection due to maximum number of clients exceeded"
	case FatalSecureConnFailed:
		return "secure connection failed"
	}
	if c >= fatalDeviceDefinedBase {
		return fmt.Sprintf("device-defined fatal error %d", c)
	}
	return fmt.Sprintf("reserved fatal error %d", c)
}

// ErrorCodeText describes a non-fatal Error code.
func ErrorCodeText(c uint8) string {
	switch c {
	case ErrCodeUnidentified:
		return "unidentified error"
	case ErrCodeUnrecognizedType:
		return "unrecognized message type"
	case ErrCodeUnrecognizedCtrl:
		return "unrecognized control code"
	case ErrCodeUnrecognizedVend:
		return "unrecognized vendor defined message"
	case ErrCodeMessageTooLarge:
		return "message too large"
	case ErrCodeAuthenticationErr:
		return "authentication failed"
	}
	return fmt.Sprintf("error code %d", c)
}

// Header is a decoded HiSLIP message header.
type Header struct {
	Type    MsgType
	Control uint8
	Param   uint32
	Length  uint64 // payload length, peer-controlled: never allocate it unchecked
}

// ErrBadPrologue is the cause of a header that does not start with "HS":
// the stream lost synchronisation (FatalError code 1).
var ErrBadPrologue = errors.New("hislip: bad prologue")

// Put encodes h into b[:HeaderSize]; b must be at least HeaderSize long.
func (h Header) Put(b []byte) {
	_ = b[HeaderSize-1]
	b[0], b[1] = 'H', 'S'
	b[2] = byte(h.Type)
	b[3] = h.Control
	binary.BigEndian.PutUint32(b[4:8], h.Param)
	binary.BigEndian.PutUint64(b[8:16], h.Length)
}

// Append appends the encoded header to b.
func (h Header) Append(b []byte) []byte {
	var tmp [HeaderSize]byte
	h.Put(tmp[:])
	return append(b, tmp[:]...)
}

// ParseHeader decodes the first HeaderSize bytes of b. A short buffer or a
// wrong prologue gives an error wrapping [transport.ErrProtocol].
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, transport.Errorf("hislip header", transport.ErrProtocol, io.ErrUnexpectedEOF)
	}
	if b[0] != 'H' || b[1] != 'S' {
		return Header{}, transport.Errorf("hislip header", transport.ErrProtocol, ErrBadPrologue)
	}
	return Header{
		Type:    MsgType(b[2]),
		Control: b[3],
		Param:   binary.BigEndian.Uint32(b[4:8]),
		Length:  binary.BigEndian.Uint64(b[8:16]),
	}, nil
}

// AppendMessage appends a complete message (header and payload) to b.
func AppendMessage(b []byte, typ MsgType, control uint8, param uint32, payload []byte) []byte {
	b = Header{Type: typ, Control: control, Param: param, Length: uint64(len(payload))}.Append(b)
	return append(b, payload...)
}

// Message is a decoded message with its payload in memory.
type Message struct {
	Header
	Payload []byte
}

// ReadHeader reads and decodes one header from r.
func ReadHeader(r io.Reader) (Header, error) {
	var b [HeaderSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Header{}, err
	}
	return ParseHeader(b[:])
}

// TooLargeError is returned by [ReadMessage] when a payload is longer than
// the allowed maximum. The payload has not been read: the caller skips it
// (with [SkipPayload]) and answers Error code 4, or closes the connection.
type TooLargeError struct {
	Header Header
	Max    uint64
}

// Error names the message type, its announced length and the limit.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("hislip: %v payload of %d bytes exceeds the maximum of %d", e.Header.Type, e.Header.Length, e.Max)
}

// Unwrap makes errors.Is(err, transport.ErrTooLarge) true.
func (e *TooLargeError) Unwrap() error { return transport.ErrTooLarge }

// ReadMessage reads one message whose payload is at most max bytes; the
// length is checked before anything is allocated. buf is reused for the
// payload when it is large enough.
func ReadMessage(r io.Reader, max uint64, buf []byte) (Message, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return Message{}, err
	}
	if h.Length > max {
		return Message{Header: h}, &TooLargeError{Header: h, Max: max}
	}
	n := int(h.Length)
	if cap(buf) >= n {
		buf = buf[:n]
	} else {
		buf = make([]byte, n)
	}
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Message{Header: h}, err
	}
	return Message{Header: h, Payload: buf}, nil
}

// SkipPayload discards n payload bytes from r without buffering them.
func SkipPayload(r io.Reader, n uint64) error {
	for n > 0 {
		chunk := n
		if chunk > 1<<62 {
			chunk = 1 << 62
		}
		m, err := io.CopyN(io.Discard, r, int64(chunk))
		n -= uint64(m)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// packVendor packs a two-character vendor id ("GO") into 16 bits.
func packVendor(v string) uint16 {
	var a, b byte = 'G', 'O'
	if len(v) >= 2 {
		a, b = v[0], v[1]
	}
	return uint16(a)<<8 | uint16(b)
}

// UnpackVendor returns the two-character vendor id packed in v.
func UnpackVendor(v uint16) string { return string([]byte{byte(v >> 8), byte(v)}) }

// minVersion returns the smaller of two protocol versions.
func minVersion(a, b uint16) uint16 {
	if a < b {
		return a
	}
	return b
}
