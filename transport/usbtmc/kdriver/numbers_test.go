package kdriver

import (
	"testing"

	"github.com/govisa/govisa/transport/usbtmc/internal/ioc"
	"github.com/stretchr/testify/assert"
)

// Values from the fact sheet §5.11 (64-bit, with the 32-bit ones where a
// pointer is embedded).
func TestNumbers(t *testing.T) {
	n := numbersFor(ioc.Generic, 8)
	n32 := numbersFor(ioc.Generic, 4)
	want := map[string][2]uint32{
		"IndicatorPulse": {n.IndicatorPulse, 0x00005B01},
		"Clear":          {n.Clear, 0x00005B02},
		"AbortBulkOut":   {n.AbortBulkOut, 0x00005B03},
		"AbortBulkIn":    {n.AbortBulkIn, 0x00005B04},
		"ClearOutHalt":   {n.ClearOutHalt, 0x00005B06},
		"ClearInHalt":    {n.ClearInHalt, 0x00005B07},
		"CtrlRequest":    {n.CtrlRequest, 0xC0105B08},
		"CtrlRequest32":  {n32.CtrlRequest, 0xC00C5B08},
		"GetTimeout":     {n.GetTimeout, 0x80045B09},
		"SetTimeout":     {n.SetTimeout, 0x40045B0A},
		"EOMEnable":      {n.EOMEnable, 0x40015B0B},
		"ConfigTermChar": {n.ConfigTermChar, 0x40025B0C},
		"Write":          {n.Write, 0xC0145B0D},
		"Write32":        {n32.Write, 0xC0105B0D},
		"Read":           {n.Read, 0xC0145B0E},
		"Read32":         {n32.Read, 0xC0105B0E},
		"WriteResult":    {n.WriteResult, 0xC0045B0F},
		"APIVersion":     {n.APIVersion, 0x80045B10},
		"GetCaps":        {n.GetCaps, 0x80015B11},
		"ReadSTB":        {n.ReadSTB, 0x80015B12},
		"RENControl":     {n.RENControl, 0x40015B13},
		"GotoLocal":      {n.GotoLocal, 0x00005B14},
		"LocalLockout":   {n.LocalLockout, 0x00005B15},
		"Trigger":        {n.Trigger, 0x00005B16},
		"WaitSRQ":        {n.WaitSRQ, 0x40045B17},
		"MsgInAttr":      {n.MsgInAttr, 0x80015B18},
		"AutoAbort":      {n.AutoAbort, 0x40015B19},
		"GetSTB":         {n.GetSTB, 0x80015B1A},
		"GetSRQSTB":      {n.GetSRQSTB, 0x80015B1B},
		"CancelIO":       {n.CancelIO, 0x00005B23},
		"CleanupIO":      {n.CleanupIO, 0x00005B24},
	}
	for name, v := range want {
		assert.Equal(t, v[1], v[0], "%s = %#x", name, v[0])
	}
}
