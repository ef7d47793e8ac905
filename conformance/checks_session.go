package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/govisa/govisa/visa"
)

var sessionChecks = []Check{
	{Name: "session/open-close", Doc: "a session opens, reports its name, closes; closing twice is harmless; a closed session answers VI_ERROR_INV_OBJECT; a malformed name answers VI_ERROR_INV_RSRC_NAME", run: checkOpenClose},
	{Name: "session/reopen", Doc: "the resource can be opened, used and closed again many times in a row", run: checkReopen},
	{Name: "session/concurrent", Doc: "many goroutines querying one session each get their own answer (operations are serialised, Query is atomic)", run: checkConcurrent},
	{Name: "session/connection-loss", Doc: "when the connection drops, I/O fails promptly with an error (not a hang) and a new session works", Needs: FeatDisconnect, run: checkConnLoss},
}

func checkOpenClose(ctx context.Context, e *Env) error {
	if _, err := e.cfg.RM.OpenResource(ctx, "TCPIP0::::bogus::nonsense::INSTR::extra"); !errors.Is(err, visa.ErrInvalidRsrcName) {
		return fmt.Errorf("opening a malformed name: got %v, want VI_ERROR_INV_RSRC_NAME", err)
	}
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	v, err := r.GetAttribute(visa.VI_ATTR_RSRC_NAME)
	if err != nil {
		return fmt.Errorf("VI_ATTR_RSRC_NAME: %w", err)
	}
	if s, _ := v.(string); s == "" || s != r.Name() {
		return fmt.Errorf("VI_ATTR_RSRC_NAME is %q, Name() is %q", v, r.Name())
	}
	if err := e.usable(ctx, r, "open"); err != nil {
		return err
	}
	if err := r.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	if err := r.Close(); err != nil {
		return fmt.Errorf("second close: %w", err)
	}
	if _, err := r.Query(ctx, "*IDN?"); !errors.Is(err, visa.ErrInvalidSession) {
		return fmt.Errorf("query on a closed session: got %v, want VI_ERROR_INV_OBJECT", err)
	}
	if _, _, err := r.Library().Read(ctx, r.Session(), make([]byte, 8)); !errors.Is(err, visa.ErrInvalidSession) {
		return fmt.Errorf("viRead on a closed session: got %v, want VI_ERROR_INV_OBJECT", err)
	}
	return nil
}

func checkReopen(ctx context.Context, e *Env) error {
	for i := range 10 {
		r, err := e.open(ctx)
		if err != nil {
			return fmt.Errorf("open #%d: %w", i+1, err)
		}
		if err := e.usable(ctx, r, fmt.Sprintf("open #%d", i+1)); err != nil {
			return err
		}
		if err := r.Close(); err != nil {
			return fmt.Errorf("close #%d: %w", i+1, err)
		}
	}
	// Two sessions at once are independent.
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	b, err := e.open(ctx)
	if err != nil {
		return err
	}
	if a.Session() == b.Session() {
		return fmt.Errorf("two open sessions share handle %d", a.Session())
	}
	if err := a.Close(); err != nil {
		return err
	}
	return e.usable(ctx, b, "closing another session")
}

func checkConcurrent(ctx context.Context, e *Env) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	const workers, each = 8, 15
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				cmd, want := "*IDN?", e.prof.Identity
				if c := e.echo(fmt.Sprintf("g%d-q%d", g, i)); c != "" {
					cmd, want = c, fmt.Sprintf("g%d-q%d", g, i)
				}
				got, err := r.Query(ctx, cmd)
				if err != nil {
					errc <- fmt.Errorf("goroutine %d query %d: %w", g, i, err)
					return
				}
				if strings.TrimSpace(got) != want {
					errc <- fmt.Errorf("goroutine %d query %d got %q, want %q (answers mixed up)", g, i, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func checkConnLoss(ctx context.Context, e *Env) error {
	r, err := e.open(ctx, visa.WithTimeout(time.Second))
	if err != nil {
		return err
	}
	if err := e.usable(ctx, r, "open"); err != nil {
		return err
	}
	if err := e.cfg.Disconnect(); err != nil {
		return fmt.Errorf("disconnect: %w", err)
	}
	// The first operation may still succeed in writing to a socket the
	// peer has closed; within a few the loss must show, each promptly.
	var lastErr error
	for i := 0; i < 3 && lastErr == nil; i++ {
		start := time.Now()
		_, lastErr = r.Query(ctx, "*IDN?")
		if took := time.Since(start); took > time.Second+e.cfg.Tolerance {
			return fmt.Errorf("query after the connection dropped took %v", took.Round(time.Millisecond))
		}
	}
	if lastErr == nil {
		return errors.New("queries kept succeeding after the connection dropped")
	}
	if st := statusOf(lastErr); st != visa.VI_ERROR_CONN_LOST && st != visa.VI_ERROR_IO {
		return fmt.Errorf("after the connection dropped: got %v, want VI_ERROR_CONN_LOST (or VI_ERROR_IO); a timeout hides the loss", lastErr)
	}
	_ = r.Close()
	r2, err := e.open(ctx)
	if err != nil {
		return fmt.Errorf("reopen after connection loss: %w", err)
	}
	return e.usable(ctx, r2, "reopening after connection loss")
}
