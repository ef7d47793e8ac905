package visa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryStatusHasDescription(t *testing.T) {
	require.NotEmpty(t, statusNames)
	for s, name := range statusNames {
		d := s.Description()
		assert.NotEmpty(t, d, "%s has no description", name)
		assert.True(t, strings.HasSuffix(d, "."), "%s: description should be a sentence: %q", name, d)
	}
	// No description for a code that has no name: the two maps agree.
	for s := range statusDescriptions {
		_, ok := statusNames[s]
		assert.True(t, ok, "description for unnamed code %s", s.Hex())
	}
	assert.Empty(t, Status(0x3FFF7777).Description())
}

func TestStatusNamesMatchBitPattern(t *testing.T) {
	for s, name := range statusNames {
		switch {
		case strings.HasPrefix(name, "VI_ERROR_"):
			assert.True(t, s.IsError(), name)
			assert.False(t, s.IsWarning(), name)
			assert.Equal(t, uint32(0xBFFF0000), uint32(s)&0xFFFF0000, name)
		case strings.HasPrefix(name, "VI_WARN_"):
			assert.False(t, s.IsError(), name)
			assert.True(t, s.IsWarning(), name)
			assert.Equal(t, uint32(0x3FFF0000), uint32(s)&0xFFFF0000, name)
		case name == "VI_SUCCESS":
			assert.Equal(t, Status(0), s)
		default:
			assert.True(t, strings.HasPrefix(name, "VI_SUCCESS_"), name)
			assert.False(t, s.IsError(), name)
			assert.False(t, s.IsWarning(), name)
		}
	}
}

func TestStatusFormatting(t *testing.T) {
	tests := []struct {
		s                   Status
		name, hex, str, err string
	}{
		{VI_ERROR_TMO, "VI_ERROR_TMO", "0xBFFF0015", "VI_ERROR_TMO (0xBFFF0015)",
			"VI_ERROR_TMO: Timeout expired before the operation completed."},
		{VI_SUCCESS_TERM_CHAR, "VI_SUCCESS_TERM_CHAR", "0x3FFF0005", "VI_SUCCESS_TERM_CHAR (0x3FFF0005)",
			"VI_SUCCESS_TERM_CHAR: The specified termination character was read."},
		{VI_SUCCESS, "VI_SUCCESS", "0x00000000", "VI_SUCCESS (0x00000000)", "VI_SUCCESS: Operation completed successfully."},
		{Status(-1), "VI_STATUS_0xFFFFFFFF", "0xFFFFFFFF", "VI_STATUS_0xFFFFFFFF (0xFFFFFFFF)", "VI_STATUS_0xFFFFFFFF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.name, tc.s.Name())
			assert.Equal(t, tc.hex, tc.s.Hex())
			assert.Equal(t, tc.str, tc.s.String())
			assert.Equal(t, tc.err, tc.s.Error())
		})
	}
	// VI_ERROR_TMO is -1073807339 as a signed ViStatus (fact sheet §9).
	assert.Equal(t, int32(-1073807339), int32(VI_ERROR_TMO))
	assert.Equal(t, VI_ERROR_INV_OBJECT, VI_ERROR_INV_SESSION)
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Status: VI_ERROR_TMO, Op: "viRead", Resource: "TCPIP::h::INSTR"}
	assert.Equal(t, "viRead: VI_ERROR_TMO [TCPIP::h::INSTR]: Timeout expired before the operation completed.", e.Error())
	e = &Error{Status: VI_ERROR_IO, Op: "viWrite", Msg: "broken pipe", Err: io.ErrClosedPipe}
	assert.Equal(t, "viWrite: VI_ERROR_IO: broken pipe: io: read/write on closed pipe", e.Error())
}

func TestSentinelsMatchErrors(t *testing.T) {
	sentinels := []struct {
		err error
		st  Status
	}{
		{ErrTimeout, VI_ERROR_TMO},
		{ErrResourceNFound, VI_ERROR_RSRC_NFOUND},
		{ErrInvalidRsrcName, VI_ERROR_INV_RSRC_NAME},
		{ErrNotSupported, VI_ERROR_NSUP_OPER},
		{ErrAttrNotSupp, VI_ERROR_NSUP_ATTR},
		{ErrAttrReadOnly, VI_ERROR_ATTR_READONLY},
		{ErrAttrState, VI_ERROR_NSUP_ATTR_STATE},
		{ErrConnLost, VI_ERROR_CONN_LOST},
		{ErrLocked, VI_ERROR_RSRC_LOCKED},
		{ErrInvalidSession, VI_ERROR_INV_OBJECT},
		{ErrClosed, VI_ERROR_INV_OBJECT},
		{ErrAborted, VI_ERROR_ABORT},
		{ErrIO, VI_ERROR_IO},
		{ErrInvalidParam, VI_ERROR_INV_PARAMETER},
	}
	for _, tc := range sentinels {
		t.Run(tc.st.Name(), func(t *testing.T) {
			err := error(&Error{Status: tc.st, Op: "viOp", Msg: "detail"})
			assert.ErrorIs(t, err, tc.err)
			assert.ErrorIs(t, err, tc.st)
			wrapped := fmt.Errorf("outer: %w", err)
			assert.ErrorIs(t, wrapped, tc.err)
			assert.Equal(t, tc.st, StatusOf(wrapped))
			// A different status does not match.
			other := &Error{Status: VI_ERROR_SYSTEM_ERROR}
			if tc.st != VI_ERROR_SYSTEM_ERROR {
				assert.NotErrorIs(t, other, tc.err)
			}
		})
	}
}

func TestErrorUnwrapsCause(t *testing.T) {
	err := &Error{Status: VI_ERROR_ABORT, Op: "viRead", Err: context.Canceled}
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, ErrAborted)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
}

func TestStatusOf(t *testing.T) {
	assert.Equal(t, VI_SUCCESS, StatusOf(nil))
	assert.Equal(t, VI_ERROR_TMO, StatusOf(&Error{Status: VI_ERROR_TMO}))
	assert.Equal(t, VI_ERROR_CONN_LOST, StatusOf(fmt.Errorf("x: %w", VI_ERROR_CONN_LOST)))
	assert.Equal(t, VI_ERROR_SYSTEM_ERROR, StatusOf(errors.New("plain")))
	assert.Equal(t, VI_ERROR_SYSTEM_ERROR, StatusOf(io.EOF))
}
