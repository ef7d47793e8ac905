package hislip

import (
	"bufio"
	"context"
)

// SASLCredentials are the credentials for HiSLIP 2.0 SASL authentication.
// They are never logged.
type SASLCredentials struct {
	// Mechanism is "PLAIN" or "ANONYMOUS"; empty picks PLAIN when a user is
	// set, otherwise ANONYMOUS.
	Mechanism string
	User      string
	Password  string
}

// secureAfterInit runs the HiSLIP 2.0 secure-connection steps that must
// follow initialization (TLS, then SASL) when configured or required.
func (c *Client) secureAfterInit(ctx context.Context) error { return nil }

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
// the session.
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
