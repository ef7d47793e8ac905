package sim

import (
	"io"
	"strconv"
	"time"
)

// DefaultMaxBlock is the largest TEST:BLOCK? size when no option sets it
// (1 GiB, which needs the "#A" header extension).
const DefaultMaxBlock = 1 << 30

// STBTestSRQ is the status byte bit TEST:SRQ sets (device-specific bit 0).
// With it enabled in *SRE the instrument requests service; *CLS clears it.
const STBTestSRQ byte = 0x01

// maxDelay bounds TEST:DELAY.
const maxDelay = time.Hour

// TestInstrument is the built-in test instrument: an [Instrument] with the
// IEEE 488.2 common commands plus commands that exercise a VISA stack:
//
//	TEST:ECHO? <text>      returns text verbatim (quote it to include ';')
//	TEST:BLOCK? <n>        a definite block of n bytes, byte i = i mod 256,
//	                       generated while it is read (n up to the maximum
//	                       block size, default 1 GiB)
//	TEST:DELAY <ms>        the next response becomes available ms later
//	TEST:SRQ               sets STB bit 0 (STBTestSRQ); with *SRE 1 this
//	                       requests service; *CLS clears the bit
//	TEST:TRIGger:COUNt?    triggers (*TRG or device trigger) since *RST
type TestInstrument struct {
	*Instrument
}

// NewTestInstrument returns a test instrument. Its default identity is
// "govisa,Test Instrument,0,<Version>".
func NewTestInstrument(opts ...Option) *TestInstrument {
	opts = append([]Option{WithIdentity("govisa,Test Instrument,0," + Version)}, opts...)
	t := &TestInstrument{Instrument: NewInstrument(opts...)}
	t.Handle("TEST:ECHO?", func(_ *State, cmd Command) (Response, error) {
		return Text(cmd.Args), nil
	})
	t.Handle("TEST:BLOCK?", func(st *State, cmd Command) (Response, error) {
		n, err := cmd.Int(0, st.MaxBlock())
		if err != nil {
			return nil, err
		}
		return Block(patternData(n)), nil
	})
	t.Handle("TEST:DELAY", func(st *State, cmd Command) (Response, error) {
		ms, err := cmd.Int(0, maxDelay.Milliseconds())
		if err != nil {
			return nil, err
		}
		st.SetResponseDelay(time.Duration(ms) * time.Millisecond)
		return nil, nil
	})
	t.Handle("TEST:SRQ", command(func(st *State) { st.SetDeviceBits(STBTestSRQ) }))
	t.Handle("TEST:TRIGger:COUNt?", queryFunc(func(st *State) string {
		return strconv.FormatUint(st.Triggers(), 10)
	}))
	return t
}

// TriggerCount returns the number of triggers since the last *RST.
func (t *TestInstrument) TriggerCount() uint64 {
	var n uint64
	t.Update(func(st *State) { n = st.Triggers() })
	return n
}

// patternData is n bytes where byte i is i mod 256, produced on demand.
type patternData int64

// pattern holds two periods so that any 256-byte window starts anywhere.
var pattern = func() (p [512]byte) {
	for i := range p {
		p[i] = byte(i)
	}
	return
}()

func (d patternData) Size() int64 { return int64(d) }

func (d patternData) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(d) {
		return 0, io.EOF
	}
	short := false
	if rem := int64(d) - off; int64(len(p)) > rem {
		p, short = p[:rem], true
	}
	n := 0
	for n < len(p) {
		s := int((off + int64(n)) & 0xFF)
		n += copy(p[n:], pattern[s:s+256])
	}
	if short {
		return n, io.EOF
	}
	return n, nil
}
