package discovery

import (
	"context"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindLoopback(t *testing.T) {
	a := startResponder(t, "127.0.0.1:0")
	pm := startPortmap(t, "127.0.0.1:0", true)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	found, err := Find(ctx, Options{
		MDNSAddrs:  []string{a.Addrs()[0].String()},
		VXI11Addrs: []string{pm.String()},
	})
	require.NoError(t, err)
	var res []string
	for _, f := range found {
		res = append(res, f.Resource)
	}
	// The VXI-11 resource is found twice (DNS-SD and GETPORT) and reported
	// once, with its instance name.
	assert.Equal(t, []string{
		"TCPIP::127.0.0.1::5025::SOCKET",
		"TCPIP::127.0.0.1::hislip1,4880::INSTR",
		"TCPIP::127.0.0.1::inst0::INSTR",
	}, res)
	assert.Equal(t, "Scope vxi", found[2].Name)
}

func TestFindOneMechanism(t *testing.T) {
	pm := startPortmap(t, "127.0.0.1:0", true)
	found, err := Find(context.Background(), Options{Timeout: 100 * time.Millisecond, NoMDNS: true, VXI11Addrs: []string{pm.String()}})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "portmap", found[0].Service)
}

func TestFindErrors(t *testing.T) {
	// Both mechanisms fail to start: the error says why.
	_, err := Find(context.Background(), Options{Timeout: 50 * time.Millisecond, Interfaces: []string{"no-such-if0"}})
	assert.ErrorIs(t, err, transport.ErrInvalidArg)
	// One fails, the other runs: no error.
	a := startResponder(t, "127.0.0.1:0")
	found, err := Find(context.Background(), Options{Timeout: 80 * time.Millisecond, MDNSAddrs: []string{a.Addrs()[0].String()}, VXI11Port: -1})
	require.NoError(t, err)
	assert.Len(t, found, 3)
	// Nothing enabled: nothing found.
	found, err = Find(context.Background(), Options{NoMDNS: true, NoVXI11: true})
	assert.NoError(t, err)
	assert.Empty(t, found)
}

func TestMerge(t *testing.T) {
	got := merge([]Found{
		{Resource: "b", Service: "portmap"},
		{Resource: "a"},
		{Resource: "b", Name: "named"},
		{Resource: "b", Name: "other"},
	})
	assert.Equal(t, []Found{{Resource: "a"}, {Resource: "b", Name: "named"}}, got)
}
