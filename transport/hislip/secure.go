package hislip

import (
	"bufio"
	"context"
	"errors"

	"github.com/govisa/govisa/transport"
)

// secureAfterInit is where the HiSLIP 2.0 secure-connection steps (TLS,
// then SASL) will run. Not implemented yet: the client offers 1.1 by
// default, and a 2.0 server demanding encryption is refused here.
func (c *Client) secureAfterInit(ctx context.Context) error {
	if c.encMandatory || c.initialEnc {
		return transport.Errorf("initialize", transport.ErrNotSupported,
			errors.New("server requires a HiSLIP 2.0 encrypted connection, which this client does not implement yet"))
	}
	return nil
}

// secState is the HiSLIP 2.0 security state of a server session.
type secState struct {
	encrypted     bool
	authenticated bool
}

// secureFeatureBits returns the 2.0 feature bits (encryption mandatory,
// initial encryption) the server announces in device clear.
func (s *session) secureFeatureBits() uint8 { return 0 }

// secureRefusal returns a reason to refuse data on a session that has not
// met the server's encryption or authentication requirement, or "".
func (s *session) secureRefusal() string { return "" }

// handleSecureSync handles a 2.0 message on the sync channel; false ends
// the session. Until TLS/SASL exist every 2.0 message gets Error 1, as for
// a 1.x peer; the server offers 2.0 only when Server.Version asks for it.
func (s *session) handleSecureSync(br *bufio.Reader, h Header) bool {
	if SkipPayload(br, h.Length) != nil {
		return false
	}
	return s.writeSync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedType, 0, nil)) == nil
}

// handleSecureAsync handles AsyncStartTLS and AsyncEndTLS.
func (s *session) handleSecureAsync(m Message) error {
	return s.writeAsync(AppendMessage(nil, MsgError, ErrCodeUnrecognizedType, 0, nil))
}
