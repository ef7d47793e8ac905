package simserve_test

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govisa/govisa/sim/simserve"
	"github.com/govisa/govisa/visa"
)

const benchClients = 8

// runClients runs n queries spread over the clients and returns the
// elapsed time.
func runClients(b *testing.B, n int, clients []func() error) time.Duration {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	t0 := time.Now()
	for _, q := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if err := q(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return el
}

// bareTCP is the baseline: a TCP server that answers each line with a
// fixed line, and clients that write a line and read one.
func bareTCP(b *testing.B) (clients []func() error, stop func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var served []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			served = append(served, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := bufio.NewReader(c)
				for {
					if _, err := r.ReadSlice('\n'); err != nil {
						return
					}
					if _, err := c.Write([]byte("SCPI,MOCK,VERSION_1.0\n")); err != nil {
						return
					}
				}
			}()
		}
	}()
	var conns []net.Conn
	for i := 0; i < benchClients; i++ {
		c, err := net.Dial("tcp", l.Addr().String())
		require.NoError(b, err)
		conns = append(conns, c)
		r := bufio.NewReader(c)
		clients = append(clients, func() error {
			if _, err := c.Write([]byte("*IDN?\n")); err != nil {
				return err
			}
			_, err := r.ReadSlice('\n')
			return err
		})
	}
	return clients, func() {
		for _, c := range conns {
			c.Close()
		}
		l.Close()
		mu.Lock()
		for _, c := range served {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}
}

// BenchmarkServe8Clients measures the queries per second that one server
// (what `govisa serve --config @sim` runs) sustains over SOCKET and HiSLIP
// with 8 concurrent clients, each on a resource of its own of the bundled
// default set, against 8 clients of a bare TCP line server measured in the
// same run.
func BenchmarkServe8Clients(b *testing.B) {
	for _, proto := range []string{simserve.SOCKET, simserve.HiSLIP} {
		b.Run(proto, func(b *testing.B) {
			o := simserve.Options{}
			if proto == simserve.SOCKET {
				o.Socket = "127.0.0.1:0"
			} else {
				o.HiSLIP = "127.0.0.1:0"
			}
			srv := start(b, o, simserve.FileLoader(""))
			rm, err := visa.NewResourceManager("")
			require.NoError(b, err)
			defer rm.Close()
			// The SCPI devices of the default set (device 2 onwards).
			var clients []func() error
			for _, sv := range srv.Served {
				d := srv.Devices[sv.Index]
				if d.DeviceName == "device 1" || len(clients) == benchClients {
					continue
				}
				r, err := rm.OpenResource(bg, sv.Name, visa.WithTimeout(5*time.Second), visa.WithReadTermination("\n"))
				require.NoError(b, err)
				defer r.Close()
				clients = append(clients, func() error { _, err := r.Query(bg, "*IDN?"); return err })
			}
			require.Len(b, clients, benchClients)

			// Baseline and ours alternate in rounds, so that a change of
			// load on the shared machine affects both alike.
			b.StopTimer()
			tcpClients, stop := bareTCP(b)
			defer stop()
			const rounds = 4
			var base, ours time.Duration
			for i := 0; i < rounds; i++ {
				n := b.N / rounds
				if i == rounds-1 {
					n = b.N - (rounds-1)*(b.N/rounds)
				}
				base += runClients(b, n, tcpClients)
				b.StartTimer()
				ours += runClients(b, n, clients)
				b.StopTimer()
			}
			qps := float64(b.N) / ours.Seconds()
			tcp := float64(b.N) / base.Seconds()
			b.ReportMetric(qps, "queries/s")
			b.ReportMetric(tcp, "tcp_queries/s")
			b.ReportMetric(qps/tcp, "ratio_vs_tcp")
		})
	}
}
