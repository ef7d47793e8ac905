package rpc

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCloseWaitsForHandlers: Close returns only once the handlers it
// cancelled have returned and their connections are done.
func TestCloseWaitsForHandlers(t *testing.T) {
	srv := NewServer()
	entered := make(chan struct{})
	var finished atomic.Bool
	srv.Register(testProg, 1, func(ctx context.Context, req *Request, res []byte) ([]byte, error) {
		close(entered)
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond) // clean-up work after the cancellation
		finished.Store(true)
		return res, nil
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	c := dialT(t, "tcp", l.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- c.Call(ctxT(t), testProg, 1, 1, nil, nil) }()
	<-entered
	require.NoError(t, srv.Close())
	assert.True(t, finished.Load(), "Close returned before the handler did")
	assert.ErrorIs(t, <-served, ErrServerClosed)
	assert.Error(t, <-errc)
}

// TestReplyBufferKept: a connection keeps a reply buffer up to
// MaxReplyBuffer for the next call and drops a larger one.
func TestReplyBufferKept(t *testing.T) {
	s := NewServer()
	small := make([]byte, 100, DefaultMaxReplyBuffer)
	got := s.keepReplyBuffer(small)
	assert.Zero(t, len(got))
	assert.Equal(t, DefaultMaxReplyBuffer, cap(got))
	assert.Equal(t, 512, cap(s.keepReplyBuffer(make([]byte, 0, DefaultMaxReplyBuffer+1))))
	s.MaxReplyBuffer = 1 << 20
	assert.Equal(t, 1<<20, cap(s.keepReplyBuffer(make([]byte, 10, 1<<20))))
}

// TestLargeRepliesReuseBuffer: large replies in a row on one connection,
// with MaxReplyBuffer raised, come back intact.
func TestLargeRepliesReuseBuffer(t *testing.T) {
	srv := NewServer()
	srv.MaxReplyBuffer = 1 << 20
	srv.Register(testProg, 1, testHandler(&testServer{}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() { srv.Close(); <-served })
	c := dialT(t, "tcp", l.Addr().String())
	for i := range 4 {
		data := make([]byte, 300<<10)
		for j := range data {
			data[j] = byte(i + j)
		}
		var back []byte
		require.NoError(t, c.Call(ctxT(t), testProg, 1, procEcho, opaque(data), intoOpaque(&back)))
		assert.Equal(t, data, back)
	}
}
