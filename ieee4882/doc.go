// Package ieee4882 holds byte-in/byte-out codecs for IEEE 488.2 data:
// arbitrary block data headers (definite, indefinite and the vendor forms
// for blocks of 1 GB and more, plus HP "#A" blocks), comma-separated ASCII
// numeric values, binary element arrays, and the status byte and standard
// event status register bits.
//
// Nothing here touches a transport. A VISA client uses these codecs on the
// bytes it reads: for a binary query it reads the block header first,
// learns the data length from [ParseBlockHeader], then reads exactly that
// many bytes (see [BlockReader]) and the response terminator. An instrument
// simulator uses the Append functions to build responses.
//
// Lengths read from a peer are never trusted: every decoder takes a maximum
// and returns [ErrTooLarge] (which matches transport.ErrTooLarge with
// errors.Is) without allocating anything sized by the header.
package ieee4882
