package socket_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/sim"
	"github.com/govisa/govisa/transport"
	"github.com/govisa/govisa/transport/socket"
)

var lf = transport.ReadOptions{TermChar: '\n', TermCharEnabled: true, SuppressEND: true}

// serveSim serves the sim package's test instrument on host:0.
func serveSim(t *testing.T, host string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("no %s loopback on this host: %v", host, err)
	}
	s := socket.NewServer(sim.NewTestInstrument(), socket.WithResponseTimeout(500*time.Millisecond))
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx))
		require.ErrorIs(t, <-done, socket.ErrServerClosed)
	})
	return l.Addr().String()
}

func simQuery(t *testing.T, c *socket.Conn, cmd string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Write(ctx, []byte(cmd+"\n"), true)
	require.NoError(t, err)
	p := make([]byte, 1024)
	n, _, err := c.Read(ctx, p, lf)
	require.NoError(t, err, cmd)
	return string(p[:n])
}

// TestSimInstrumentOverSocket runs the sim test instrument's commands end
// to end over IPv4 and IPv6.
func TestSimInstrumentOverSocket(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			addr := serveSim(t, host)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := socket.Dial(ctx, addr, socket.DefaultOptions())
			require.NoError(t, err)
			defer c.Close()

			assert.Equal(t, "govisa,Test Instrument,0,"+sim.Version+"\n", simQuery(t, c, "*IDN?"))
			assert.Equal(t, "hello\n", simQuery(t, c, "TEST:ECHO? hello"))

			// A block with LF bytes inside: read by header, not to LF.
			const n = 300000
			_, err = c.Write(ctx, []byte(fmt.Sprintf("TEST:BLOCK? %d\n", n)), true)
			require.NoError(t, err)
			hdr := make([]byte, 2)
			_, _, err = c.Read(ctx, hdr, transport.ReadOptions{SuppressEND: true})
			require.NoError(t, err)
			require.Equal(t, "#6", string(hdr))
			digits := make([]byte, 6)
			_, _, err = c.Read(ctx, digits, transport.ReadOptions{SuppressEND: true})
			require.NoError(t, err)
			require.Equal(t, strconv.Itoa(n), string(digits))
			body := make([]byte, n+1)
			got, why, err := c.Read(ctx, body, transport.ReadOptions{SuppressEND: true})
			require.NoError(t, err)
			require.Equal(t, n+1, got)
			require.Equal(t, transport.ReasonCount, why)
			for i := range n {
				if body[i] != byte(i) {
					t.Fatalf("block byte %d = %d", i, body[i])
				}
			}
			assert.Equal(t, byte('\n'), body[n])

			// An unknown command is reported in-band.
			_, err = c.Write(ctx, []byte("NOT:A:COMMAND\n"), true)
			require.NoError(t, err)
			assert.Contains(t, simQuery(t, c, "SYST:ERR?"), "-113")

			// A late response: the read times out with nothing, the session
			// stays usable, and the late answer is still delivered.
			_, err = c.Write(ctx, []byte("TEST:DELAY 150;*IDN?\n"), true)
			require.NoError(t, err)
			short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancelShort()
			p := make([]byte, 100)
			k, _, err := c.Read(short, p, lf)
			require.ErrorIs(t, err, transport.ErrTimeout)
			assert.Zero(t, k)
			k, _, err = c.Read(ctx, p, lf)
			require.NoError(t, err)
			assert.Equal(t, "govisa,Test Instrument,0,"+sim.Version+"\n", string(p[:k]))
		})
	}
}
