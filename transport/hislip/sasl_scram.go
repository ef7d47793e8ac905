package hislip

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SCRAM-SHA-256 (RFC 5802 with the SHA-256 hash of RFC 7677), without
// channel binding (GS2 header "n,,"). The LXI HiSLIP extended function
// schema (LXICommonConfiguration.xsd, in lxi-rs) names SCRAM with SHA-256
// for HiSLIP, after IVI-6.5. Framing over HiSLIP: client-first in the
// AuthenticationExchange after AuthenticationStart, server-first in an
// AuthenticationExchange from the server, client-final in the next
// AuthenticationExchange, server-final ("v=...") as the payload of a
// successful AuthenticationResult (MSL-Equipment reads that payload as
// "additional data").

// MechSCRAMSHA256 is the SASL name of SCRAM-SHA-256.
const MechSCRAMSHA256 = "SCRAM-SHA-256"

const (
	scramIterations    = 4096    // RFC 7677's minimum, what servers use
	scramMaxIterations = 1 << 20 // bounds the work a server can ask of us
	scramNonceLen      = 18      // random bytes, base64 encoded
	scramGS2Header     = "n,,"
)

func scramNonce() string {
	b := make([]byte, scramNonceLen)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}

// scramEscape encodes a user name as a saslname (RFC 5802 §5.1).
func scramEscape(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

func scramUnescape(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == ',':
			return "", false
		case s[i] != '=':
			b.WriteByte(s[i])
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
			i += 2
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
			i += 2
		default:
			return "", false
		}
	}
	return b.String(), true
}

// scramAttrs splits "a=x,b=y" into attributes; the first of each name wins.
func scramAttrs(s string) map[byte]string {
	m := map[byte]string{}
	for _, f := range strings.Split(s, ",") {
		if len(f) >= 2 && f[1] == '=' {
			if _, dup := m[f[0]]; !dup {
				m[f[0]] = f[2:]
			}
		}
	}
	return m
}

func hmacSHA256(key []byte, parts ...string) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

// scramKeys derives the client key, stored key and server key.
func scramKeys(password string, salt []byte, iter int) (clientKey, storedKey, serverKey []byte, err error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, sha256.Size)
	if err != nil {
		return nil, nil, nil, err
	}
	clientKey = hmacSHA256(salted, "Client Key")
	sk := sha256.Sum256(clientKey)
	return clientKey, sk[:], hmacSHA256(salted, "Server Key"), nil
}

// scramClient is the client side of one SCRAM-SHA-256 exchange.
type scramClient struct {
	user, password string
	nonce          string
	firstBare      string
	serverSig      []byte
}

func (c *scramClient) first() []byte {
	if c.nonce == "" {
		c.nonce = scramNonce()
	}
	c.firstBare = "n=" + scramEscape(c.user) + ",r=" + c.nonce
	return []byte(scramGS2Header + c.firstBare)
}

// final answers the server-first message.
func (c *scramClient) final(serverFirst []byte) ([]byte, error) {
	a := scramAttrs(string(serverFirst))
	nonce, saltB64, iterS := a['r'], a['s'], a['i']
	if _, ext := a['m']; ext || !strings.HasPrefix(nonce, c.nonce) || len(nonce) == len(c.nonce) {
		return nil, errors.New("SCRAM: bad server nonce")
	}
	salt, err := base64.StdEncoding.DecodeString(saltB64)
	if err != nil || len(salt) == 0 {
		return nil, errors.New("SCRAM: bad salt")
	}
	iter, err := strconv.Atoi(iterS)
	if err != nil || iter < 1 || iter > scramMaxIterations {
		return nil, fmt.Errorf("SCRAM: iteration count %q out of range", iterS)
	}
	clientKey, storedKey, serverKey, err := scramKeys(c.password, salt, iter)
	if err != nil {
		return nil, err
	}
	withoutProof := "c=" + base64.StdEncoding.EncodeToString([]byte(scramGS2Header)) + ",r=" + nonce
	authMsg := c.firstBare + "," + string(serverFirst) + "," + withoutProof
	sig := hmacSHA256(storedKey, authMsg)
	proof := make([]byte, len(clientKey))
	subtle.XORBytes(proof, clientKey, sig)
	c.serverSig = hmacSHA256(serverKey, authMsg)
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// verify checks the server-final message: the server knew the password.
func (c *scramClient) verify(serverFinal []byte) error {
	v, ok := bytes.CutPrefix(serverFinal, []byte("v="))
	if !ok {
		return errors.New("SCRAM: no server signature")
	}
	sig, err := base64.StdEncoding.DecodeString(string(v))
	if err != nil || c.serverSig == nil || !hmac.Equal(sig, c.serverSig) {
		return errors.New("SCRAM: server signature does not match: the server does not know the password")
	}
	return nil
}

// scramServer is the server side of one SCRAM-SHA-256 exchange.
type scramServer struct {
	lookup    func(user string) (string, bool)
	firstBare string
	first     string // server-first message
	nonce     string
	storedKey []byte
	serverKey []byte
	known     bool
}

// start answers the client-first message with the server-first one. An
// unknown user gets a plausible challenge too and fails at the proof.
func (s *scramServer) start(clientFirst []byte) ([]byte, error) {
	msg, ok := strings.CutPrefix(string(clientFirst), scramGS2Header)
	if !ok {
		return nil, errors.New("SCRAM: only the GS2 header \"n,,\" is supported")
	}
	a := scramAttrs(msg)
	user, ok := scramUnescape(a['n'])
	if !ok || user == "" || a['r'] == "" || !strings.HasPrefix(msg, "n=") {
		return nil, errors.New("SCRAM: malformed client-first message")
	}
	s.firstBare = msg
	s.nonce = a['r'] + scramNonce()
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	pw, known := s.lookup(user)
	s.known = known
	var err error
	if _, s.storedKey, s.serverKey, err = scramKeys(pw, salt, scramIterations); err != nil {
		return nil, err
	}
	s.first = "r=" + s.nonce + ",s=" + base64.StdEncoding.EncodeToString(salt) + ",i=" + strconv.Itoa(scramIterations)
	return []byte(s.first), nil
}

// finish checks the client-final message; on success it returns the
// server-final message.
func (s *scramServer) finish(clientFinal []byte) ([]byte, bool) {
	msg := string(clientFinal)
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return nil, false
	}
	withoutProof := msg[:i]
	a := scramAttrs(withoutProof)
	if a['r'] != s.nonce || a['c'] != base64.StdEncoding.EncodeToString([]byte(scramGS2Header)) {
		return nil, false
	}
	proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return nil, false
	}
	authMsg := s.firstBare + "," + s.first + "," + withoutProof
	clientKey := make([]byte, sha256.Size)
	subtle.XORBytes(clientKey, proof, hmacSHA256(s.storedKey, authMsg))
	sk := sha256.Sum256(clientKey)
	if subtle.ConstantTimeCompare(sk[:], s.storedKey) != 1 || !s.known {
		return nil, false
	}
	return []byte("v=" + base64.StdEncoding.EncodeToString(hmacSHA256(s.serverKey, authMsg))), true
}
