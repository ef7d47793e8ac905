package linuxgpib

import (
	"context"
	"time"
)

// srqWaitSlice bounds one IBWAIT so that the watcher notices it should
// stop; IBWAIT needs no board lock, so it does not hold up other I/O.
const srqWaitSlice = 100 * time.Millisecond

func (b *Board) onSRQ(in *Instr, f func()) {
	b.srqMu.Lock()
	defer b.srqMu.Unlock()
	if f == nil {
		delete(b.srqSubs, in)
	} else {
		b.srqSubs[in] = f
	}
	switch {
	case len(b.srqSubs) > 0 && b.srqStop == nil:
		b.srqStop, b.srqDone = make(chan struct{}), make(chan struct{})
		go b.watchSRQ(b.srqStop, b.srqDone)
	case len(b.srqSubs) == 0 && b.srqStop != nil:
		stop, done := b.srqStop, b.srqDone
		b.srqStop, b.srqDone = nil, nil
		close(stop)
		b.srqMu.Unlock()
		<-done
		b.srqMu.Lock()
	}
}

func (b *Board) stopSRQ() {
	b.srqMu.Lock()
	stop, done := b.srqStop, b.srqDone
	b.srqStop, b.srqDone = nil, nil
	b.srqSubs = map[*Instr]func(){}
	b.srqMu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// watchSRQ waits on the SRQ line and polls the subscribed devices.
func (b *Board) watchSRQ(stop, done chan struct{}) {
	defer close(done)
	for {
		select {
		case <-stop:
			return
		default:
		}
		w := waitArgs{waitMask: staSRQI, pad: noAddr, sad: noAddr, usecTimeout: uint32(srqWaitSlice.Microseconds())}
		arg := w.encode()
		if err := b.io.ioctl(req.wait, arg, nil); err != nil {
			// A closed or broken board: wait for the stop signal.
			<-stop
			return
		}
		if decodeWait(arg).ibsta&staSRQI == 0 {
			continue
		}
		b.srqMu.Lock()
		subs := make(map[*Instr]func(), len(b.srqSubs))
		for k, v := range b.srqSubs {
			subs[k] = v
		}
		b.srqMu.Unlock()
		found := false
		for in, f := range subs {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			var stb byte
			err := b.locked(ctx, "srq_poll", func() (err error) {
				stb, err = b.spoll(in.pad, in.sad)
				return err
			})
			cancel()
			if err == nil && stb&0x40 != 0 {
				found = true
				f()
			}
		}
		if !found {
			// SRQ from a device nobody watches: avoid spinning on a line
			// that stays asserted.
			select {
			case <-stop:
				return
			case <-time.After(srqWaitSlice):
			}
		}
	}
}
