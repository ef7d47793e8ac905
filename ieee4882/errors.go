package ieee4882

import (
	"errors"
	"fmt"

	"github.com/govisa/govisa/transport"
)

// Errors returned by the decoders. Match them with errors.Is.
var (
	// ErrNeedMore reports that the input ended before the header (or, for
	// DecodeBlock, the data the header announced) was complete. A caller
	// that is still receiving can append more bytes and try again; a caller
	// that holds the whole message has a truncated block. It wraps nothing
	// so that "need more" is never mistaken for a protocol error.
	ErrNeedMore = errors.New("ieee4882: need more data")

	// ErrMalformed reports bytes that are not a valid block header or value
	// list. It matches transport.ErrProtocol, because a peer sent them.
	ErrMalformed = fmt.Errorf("ieee4882: malformed data: %w", transport.ErrProtocol)

	// ErrTooLarge reports a block whose announced (or, for indefinite
	// blocks, actual) length exceeds the caller's maximum. It matches
	// transport.ErrTooLarge so that package visa maps it like every other
	// oversized peer length; nothing was allocated for it.
	ErrTooLarge = fmt.Errorf("ieee4882: block too large: %w", transport.ErrTooLarge)

	// ErrElementSize reports binary data whose length is not a multiple of
	// the element size. It matches transport.ErrProtocol.
	ErrElementSize = fmt.Errorf("ieee4882: data length is not a multiple of the element size: %w", transport.ErrProtocol)
)
