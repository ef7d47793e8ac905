package simvisa_test

import (
	"testing"
	"time"

	"github.com/govisa/govisa/visa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A simulated serial port ends reads the way a real one does: by
// VI_ATTR_ASRL_END_IN, the termination character, the count or the
// timeout, never by the device's end of message.
func TestSerialEndIn(t *testing.T) {
	rm := openRM(t, "@sim")
	read := func(r *visa.Resource, n int) (string, visa.Status, error) {
		p := make([]byte, n)
		m, st, err := r.Library().Read(bg, r.Session(), p)
		return string(p[:m]), st, err
	}
	const idn = "LSG Serial #1234\n" // ASRL1 answers ?IDN with this line

	t.Run("termchar is END", func(t *testing.T) {
		r := open(t, rm, "ASRL1::INSTR")
		_, err := r.Write(bg, "?IDN")
		require.NoError(t, err)
		got, st, err := read(r, 100)
		require.NoError(t, err)
		assert.Equal(t, idn, got)
		assert.Equal(t, visa.VI_SUCCESS, st)
	})
	t.Run("none: the end of the response is not END", func(t *testing.T) {
		r := open(t, rm, "ASRL1::INSTR", visa.WithTimeout(100*time.Millisecond))
		require.NoError(t, r.SetAttribute(visa.VI_ATTR_ASRL_END_IN, uint16(visa.VI_ASRL_END_NONE)))
		require.NoError(t, r.SetAttribute(visa.VI_ATTR_TERMCHAR_EN, false))
		_, err := r.Write(bg, "?IDN")
		require.NoError(t, err)
		got, _, err := read(r, 100)
		assert.ErrorIs(t, err, visa.VI_ERROR_TMO)
		assert.Equal(t, idn, got, "the bytes that came before the timeout are returned")
	})
	t.Run("none with termchar enabled", func(t *testing.T) {
		r := open(t, rm, "ASRL1::INSTR")
		require.NoError(t, r.SetAttribute(visa.VI_ATTR_ASRL_END_IN, uint16(visa.VI_ASRL_END_NONE)))
		require.NoError(t, r.SetAttribute(visa.VI_ATTR_TERMCHAR_EN, true))
		require.NoError(t, r.SetAttribute(visa.VI_ATTR_TERMCHAR, uint8('#')))
		_, err := r.Write(bg, "?IDN")
		require.NoError(t, err)
		got, st, err := read(r, 100)
		require.NoError(t, err)
		assert.Equal(t, "LSG Serial #", got)
		assert.Equal(t, visa.VI_SUCCESS_TERM_CHAR, st)
		n, err := r.GetAttribute(visa.VI_ATTR_ASRL_AVAIL_NUM)
		require.NoError(t, err)
		assert.Equal(t, uint32(len("1234\n")), n, "what the port holds after the read")
		require.NoError(t, r.SetAttribute(visa.VI_ATTR_TERMCHAR, uint8('\n')))
		got, st, err = read(r, 100)
		require.NoError(t, err)
		assert.Equal(t, "1234\n", got)
		assert.Equal(t, visa.VI_SUCCESS_TERM_CHAR, st)
	})
	t.Run("last bit", func(t *testing.T) {
		// With 7 data bits the last bit is 0x40: 'L' (0x4C) carries it.
		r := open(t, rm, "ASRL1::INSTR")
		require.NoError(t, r.SetAttribute(visa.VI_ATTR_ASRL_DATA_BITS, uint16(7)))
		require.NoError(t, r.SetAttribute(visa.VI_ATTR_ASRL_END_IN, uint16(visa.VI_ASRL_END_LAST_BIT)))
		_, err := r.Write(bg, "?IDN")
		require.NoError(t, err)
		got, st, err := read(r, 100)
		require.NoError(t, err)
		assert.Equal(t, "L", got)
		assert.Equal(t, visa.VI_SUCCESS, st)
		got, st, err = read(r, 2)
		require.NoError(t, err)
		assert.Equal(t, "S", got, "'S' (0x53) carries the last bit too")
		assert.Equal(t, visa.VI_SUCCESS, st)
		got, st, err = read(r, 1)
		require.NoError(t, err)
		assert.Equal(t, "G", got)
		assert.Equal(t, visa.VI_SUCCESS, st)
		got, st, err = read(r, 1)
		require.NoError(t, err)
		assert.Equal(t, " ", got, "' ' has no 0x40 bit, so the count ends this read")
		assert.Equal(t, visa.VI_SUCCESS_MAX_CNT, st)
	})
}
