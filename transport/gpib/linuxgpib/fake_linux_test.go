//go:build linux

package linuxgpib

import (
	"context"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/govisa/govisa/transport"
)

// fakeBoard is an ioctler that decodes the same request numbers and struct
// bytes as the linux-gpib driver and simulates a bus: the board (pad 0) as
// controller and transport.Devices at other addresses. It enforces the
// driver's thread-bound board lock, so a missing LockOSThread fails tests.
type fakeBoard struct {
	mu        sync.Mutex
	devs      map[[2]int]transport.Device
	srq       map[[2]int]bool
	holder    int // thread id holding IBMUTEX, 0 none
	tmoUs     uint32
	eosChar   byte
	eosFlags  int32
	ren, atn  bool
	listeners map[[2]int]bool
	talker    [2]int // {-1,-1}: none; {0,-1}: the board
	boardLsn  bool
	cmds      []byte // every command byte received, for tests
	ifcs      int
	tct       [2]int
	srqCh     chan struct{}
	closed    bool
	unsubs    []func()
}

func newFakeBoard() *fakeBoard {
	return &fakeBoard{devs: map[[2]int]transport.Device{}, srq: map[[2]int]bool{}, listeners: map[[2]int]bool{},
		talker: [2]int{-1, -1}, tct: [2]int{-1, -1}, srqCh: make(chan struct{})}
}

func (f *fakeBoard) attach(pad, sad int, d transport.Device) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := [2]int{pad, sad}
	f.devs[a] = d
	if s, ok := d.(transport.SRQSource); ok {
		f.unsubs = append(f.unsubs, s.SubscribeSRQ(func() {
			f.mu.Lock()
			f.srq[a] = true
			close(f.srqCh)
			f.srqCh = make(chan struct{})
			f.mu.Unlock()
		}))
	}
}

// mem turns a buffer address from read_write_ioctl_t back into the slice
// the caller passed; the fake checks it is exactly that buffer.
func mem(addr uint64, n uint32, data []byte) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if len(data) < int(n) || uint64(uintptr(unsafe.Pointer(&data[0]))) != addr {
		return nil, syscall.EFAULT
	}
	return data[:n], nil
}

func (f *fakeBoard) ctx() (context.Context, context.CancelFunc) {
	if f.tmoUs == 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), time.Duration(f.tmoUs)*time.Microsecond)
}

func (f *fakeBoard) ioctl(r uint, arg, data []byte) error {
	tid := unix.Gettid()
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return syscall.EBADF
	}
	needLock := r == req.cmd || r == req.rd || r == req.wrt || r == req.rsp || r == req.tmo || r == req.eos ||
		r == req.sic || r == req.sre || r == req.gts || r == req.cac
	if needLock && f.holder != tid {
		f.mu.Unlock()
		return syscall.EPERM
	}
	switch r {
	case req.mutex:
		defer f.mu.Unlock()
		if ne.Uint32(arg) == 1 {
			if f.holder != 0 {
				return syscall.EBUSY
			}
			f.holder = tid
			return nil
		}
		if f.holder != tid {
			return syscall.EPERM
		}
		f.holder = 0
		return nil
	case req.boardInfo:
		defer f.mu.Unlock()
		for i := range arg {
			arg[i] = 0
		}
		ne.PutUint32(arg[4:], uint32(0xFFFFFFFF)) // sad none
		ne.PutUint32(arg[16:], 1)                 // system controller
		return nil
	case req.tmo:
		f.tmoUs = ne.Uint32(arg)
		f.mu.Unlock()
		return nil
	case req.eos:
		f.eosChar, f.eosFlags = byte(ne.Uint32(arg)), int32(ne.Uint32(arg[4:]))
		f.mu.Unlock()
		return nil
	case req.sre:
		f.ren = ne.Uint32(arg) != 0
		f.mu.Unlock()
		return nil
	case req.sic:
		f.ifcs++
		f.listeners, f.talker, f.boardLsn = map[[2]int]bool{}, [2]int{-1, -1}, false
		f.mu.Unlock()
		return nil
	case req.cac:
		f.atn = true
		f.mu.Unlock()
		return nil
	case req.gts:
		f.atn = false
		f.mu.Unlock()
		return nil
	case req.lines:
		var v uint16 = lineREN | lineSRQ | lineATN
		if f.ren {
			v |= lineREN << 8
		}
		if len(f.srq) > 0 {
			v |= lineSRQ << 8
		}
		if f.atn {
			v |= lineATN << 8
		}
		ne.PutUint16(arg, v)
		f.mu.Unlock()
		return nil
	case req.cmd:
		a := decodeRW(arg)
		cmd, err := mem(a.buf, a.requested, data)
		if err != nil {
			f.mu.Unlock()
			return err
		}
		actions := f.decodeCommands(cmd)
		a.completed = a.requested
		copy(arg, a.encode())
		f.atn = true
		f.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		for _, act := range actions {
			act(ctx)
		}
		return nil
	case req.wrt:
		a := decodeRW(arg)
		p, err := mem(a.buf, a.requested, data)
		var devs []transport.Device
		for l := range f.listeners {
			if d := f.devs[l]; d != nil {
				devs = append(devs, d)
			}
		}
		boardTalks := f.talker == [2]int{0, -1}
		ctx, cancel := f.ctx()
		f.atn = false
		f.mu.Unlock()
		defer cancel()
		if err != nil {
			return err
		}
		if !boardTalks || len(devs) == 0 {
			return unix.ECOMM
		}
		for _, d := range devs {
			if err := d.Write(ctx, p, a.end != 0); err != nil {
				return syscall.EIO
			}
		}
		a.completed = a.requested
		copy(arg, a.encode())
		return nil
	case req.rd:
		a := decodeRW(arg)
		p, err := mem(a.buf, a.requested, data)
		dev := f.devs[f.talker]
		ok := f.boardLsn && dev != nil
		eos, eosOn := f.eosChar, f.eosFlags&eosREOS != 0
		ctx, cancel := f.ctx()
		f.atn = false
		f.mu.Unlock()
		defer cancel()
		if err != nil {
			return err
		}
		if !ok {
			return syscall.ETIMEDOUT
		}
		n, end := 0, false
		var rerr error
		for n < len(p) && !end {
			// With EOS on, take one byte at a time so the read stops on it,
			// as the hardware handshake does.
			q := p[n:]
			if eosOn {
				q = q[:1]
			}
			m, e, err := dev.Read(ctx, q)
			n += m
			if err != nil {
				rerr = syscall.ETIMEDOUT
				break
			}
			end = e || (eosOn && m > 0 && q[m-1] == eos)
		}
		a.completed = uint32(n)
		if end {
			a.end = 1
		}
		copy(arg, a.encode())
		return rerr
	case req.rsp:
		pad, sad := int(ne.Uint32(arg)), int(int32(ne.Uint32(arg[4:])))
		k := [2]int{pad, sad}
		dev := f.devs[k]
		delete(f.srq, k)
		f.mu.Unlock()
		if dev == nil {
			return syscall.ETIMEDOUT
		}
		stb, err := dev.ReadSTB(context.Background())
		if err != nil {
			return syscall.EIO
		}
		arg[8] = stb
		return nil
	case req.wait:
		w := decodeWait(arg)
		ch := f.srqCh
		on := len(f.srq) > 0
		f.mu.Unlock()
		if w.waitMask&staSRQI != 0 && !on {
			t := time.NewTimer(time.Duration(w.usecTimeout) * time.Microsecond)
			select {
			case <-ch:
				on = true
			case <-t.C:
			}
			t.Stop()
		}
		w.ibsta = staCMPL
		if on {
			w.ibsta |= staSRQI
		} else {
			w.ibsta |= staTIMO
		}
		copy(arg, w.encode())
		return nil
	}
	f.mu.Unlock()
	return syscall.ENOTTY
}

// decodeCommands applies bus command bytes to the addressing state and
// returns the device actions (clear, trigger, ...) to run unlocked.
func (f *fakeBoard) decodeCommands(cmd []byte) []func(context.Context) {
	var acts []func(context.Context)
	last := [2]int{-1, -1} // last primary address, to attach an MSA to
	lastListen := false
	each := func(fn func(ctx context.Context, d transport.Device)) {
		for l := range f.listeners {
			if d := f.devs[l]; d != nil {
				acts = append(acts, func(ctx context.Context) { fn(ctx, d) })
			}
		}
	}
	for _, c := range cmd {
		c &= 0x7F
		f.cmds = append(f.cmds, c)
		switch {
		case c == cmdUNL:
			f.listeners, f.boardLsn = map[[2]int]bool{}, false
		case c == cmdUNT:
			f.talker = [2]int{-1, -1}
		case c >= 0x20 && c < 0x3F:
			pad := int(c & 0x1F)
			last, lastListen = [2]int{pad, -1}, true
			if pad == 0 {
				f.boardLsn = true
			} else {
				f.listeners[last] = true
			}
		case c >= 0x40 && c < 0x5F:
			last, lastListen = [2]int{int(c & 0x1F), -1}, false
			f.talker = last
		case c >= 0x60 && c < 0x7F && last[0] >= 0:
			with := [2]int{last[0], int(c & 0x1F)}
			if lastListen {
				if last[0] != 0 {
					delete(f.listeners, last)
					f.listeners[with] = true
				}
			} else {
				f.talker = with
			}
			last = with
		case c == cmdSDC:
			each(func(ctx context.Context, d transport.Device) { d.Clear(ctx) })
		case c == cmdDCL:
			for _, d := range f.devs {
				acts = append(acts, func(ctx context.Context) { d.Clear(ctx) })
			}
		case c == cmdGET:
			each(func(ctx context.Context, d transport.Device) { d.Trigger(ctx) })
		case c == cmdGTL:
			each(func(ctx context.Context, d transport.Device) {
				if rl, ok := d.(transport.RemoteLocalDevice); ok {
					rl.RemoteLocal(ctx, transport.RENAddressGTL)
				}
			})
		case c == cmdLLO:
			for _, d := range f.devs {
				if rl, ok := d.(transport.RemoteLocalDevice); ok {
					acts = append(acts, func(ctx context.Context) { rl.RemoteLocal(ctx, transport.RENAssertLLO) })
				}
			}
		case c == cmdTCT:
			f.tct = f.talker
		}
	}
	return acts
}

func (f *fakeBoard) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for _, u := range f.unsubs {
		u()
	}
	return nil
}
