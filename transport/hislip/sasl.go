package hislip

import (
	"bytes"
	"crypto/subtle"
	"github.com/govisa/govisa/transport"
	"strings"
)

// SASL mechanism names (IVI-6.1 2.0 delegates the mechanisms to SASL,
// RFC 4422; the fact sheet §3.15 and lxi-rs's security branch name PLAIN
// and ANONYMOUS).
const (
	MechPlain     = "PLAIN"     // RFC 4616: authzid NUL authcid NUL passwd
	MechAnonymous = "ANONYMOUS" // RFC 4505: optional trace information
)

// ErrAuthentication is transport.ErrAuthentication, which errors of a
// failed SASL authentication (on both sides) and of a server certificate
// that fails verification wrap. Package visa maps it to
// VI_ERROR_NPERMISSION.
var ErrAuthentication = transport.ErrAuthentication

// maxSASLPayload bounds the payload of the SASL messages (mechanism list,
// mechanism name, exchanges): RFC 4616 allows 255 bytes per field.
const maxSASLPayload = 4096

// AuthenticationResult control bits (MSL-Equipment hislip.py, citing the
// IVI-6.1 2.0 Table 3: bit 0 failed, bit 1 success; the message parameter
// carries a mechanism-dependent error code on failure).
const (
	authResultFailed  uint8 = 1 << 0
	authResultSuccess uint8 = 1 << 1
)

// Error codes of a failed AuthenticationResult. The 2.0 text that would
// define them was not available: these are our own, documented here and
// in the server's debug log.
const (
	AuthCodeBadCredentials  uint32 = 1 // PLAIN user/password rejected
	AuthCodeUnknownMech     uint32 = 2 // mechanism not offered
	AuthCodeMalformed       uint32 = 3 // exchange payload not understood
	AuthCodeNeedsEncryption uint32 = 4 // PLAIN asked for on a clear-text channel
)

// plainResponse encodes a PLAIN initial response (RFC 4616 §2) with an
// empty authorization identity.
func plainResponse(user, password string) []byte {
	b := make([]byte, 0, len(user)+len(password)+2)
	b = append(b, 0)
	b = append(b, user...)
	b = append(b, 0)
	return append(b, password...)
}

// parsePlain decodes a PLAIN response into its three fields.
func parsePlain(b []byte) (authz, user, password string, ok bool) {
	parts := bytes.SplitN(b, []byte{0}, 3)
	if len(parts) != 3 || len(parts[1]) == 0 || len(parts[1]) > 255 || len(parts[2]) > 255 || len(parts[0]) > 255 {
		return "", "", "", false
	}
	return string(parts[0]), string(parts[1]), string(parts[2]), true
}

// parseMechanisms splits a GetSaslMechanismListResponse payload (names
// separated by spaces: fact sheet §3.15, MSL-Equipment splits on white
// space).
func parseMechanisms(b []byte) []string { return strings.Fields(string(b)) }

// StaticUsers returns a [Server.Authenticate] function that accepts the
// given user/password pairs. Passwords are compared in constant time.
func StaticUsers(users map[string]string) func(user, password string) bool {
	lookup := StaticPasswords(users)
	return func(user, password string) bool {
		want, ok := lookup(user)
		if !ok {
			// Compare anyway so that unknown users take as long.
			want = password + "x"
		}
		return subtle.ConstantTimeCompare([]byte(want), []byte(password)) == 1 && ok
	}
}

// StaticPasswords returns a [Server.Password] function for the given
// user/password pairs (it enables SCRAM-SHA-256 and PLAIN).
func StaticPasswords(users map[string]string) func(user string) (string, bool) {
	cp := make(map[string]string, len(users))
	for u, p := range users {
		cp[u] = p
	}
	return func(user string) (string, bool) {
		p, ok := cp[user]
		return p, ok
	}
}
