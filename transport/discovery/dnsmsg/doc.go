// Package dnsmsg is the small DNS message codec that multicast DNS and
// DNS-SD discovery need (RFC 1035, RFC 6762, RFC 6763): the header,
// questions, and resource records of type A, AAAA, PTR, SRV and TXT; other
// record types are kept as raw bytes.
//
// Decoding is bounds-checked and never trusts a count or length from the
// wire: counts are checked against the bytes present before anything is
// allocated, compression pointers must point strictly backwards (so they
// cannot loop) and decoded names are limited to 255 octets. Malformed input
// fails with an error wrapping transport.ErrProtocol.
//
// Names are handled in presentation form ("My Scope._hislip._tcp.local."),
// fully qualified with a trailing dot. A dot or backslash inside a label is
// escaped with a backslash and control bytes are written as \DDD, so that
// DNS-SD instance names, which may contain dots and spaces, survive a round
// trip; [SplitName] and [JoinName] convert to and from labels.
package dnsmsg
