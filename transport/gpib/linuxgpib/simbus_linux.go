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

// SimBus simulates a linux-gpib board and the bus behind it at the ioctl
// level: it decodes the same request numbers and argument structs as the
// driver, so a Board opened on it runs exactly the code it runs on
// /dev/gpibN. Devices (any transport.Device, such as simulated instruments)
// sit at GPIB addresses; the board is controller in charge and system
// controller, at primary address 0 unless changed.
//
// It enforces the driver's thread-bound board lock (IBMUTEX), so code that
// forgets runtime.LockOSThread fails against it as it would on hardware.
// SimBus exists for tests, here and in programs that use this package;
// make it reachable as /dev/gpibN with [Simulate].
type SimBus struct {
	mu        sync.Mutex
	lockFree  *sync.Cond // signalled when IBMUTEX is released
	devs      map[[2]int]transport.Device
	srq       map[[2]int]bool
	holder    int // thread id holding IBMUTEX, 0 none
	tmoUs     uint32
	eosChar   byte
	eosFlags  int32
	ren, atn  bool
	pad, sad  int // the board's own address; sad -1 none
	sysCtrl   bool
	cic       bool
	rsv       byte
	listeners map[[2]int]bool
	talker    [2]int // {-1,-1}: none
	boardLsn  bool
	cmds      []byte // every command byte received, for tests
	ifcs      int
	tct       [2]int
	srqCh     chan struct{}
	closed    bool
	unsubs    []func()
	hang      chan struct{} // non-nil: every ioctl blocks until it closes
	tracker   busTracker    // shared by the Boards opened on this bus
}

// NewSimBus returns a simulated board with no devices.
func NewSimBus() *SimBus {
	s := &SimBus{devs: map[[2]int]transport.Device{}, srq: map[[2]int]bool{}, listeners: map[[2]int]bool{},
		talker: [2]int{-1, -1}, tct: [2]int{-1, -1}, srqCh: make(chan struct{}), sad: -1, sysCtrl: true, cic: true}
	s.lockFree = sync.NewCond(&s.mu)
	return s
}

// Attach puts d on the bus at primary address pad and secondary address
// sad (-1 for none). A device that is a transport.SRQSource drives the SRQ
// line.
func (s *SimBus) Attach(pad, sad int, d transport.Device) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := [2]int{pad, sad}
	s.devs[a] = d
	if src, ok := d.(transport.SRQSource); ok {
		s.unsubs = append(s.unsubs, src.SubscribeSRQ(func() {
			s.mu.Lock()
			s.srq[a] = true
			close(s.srqCh)
			s.srqCh = make(chan struct{})
			s.mu.Unlock()
		}))
	}
}

// Open returns a Board on the simulated bus, as opening /dev/gpibN again
// would: every Board shares the bus, and closing one leaves the others.
func (s *SimBus) Open() (*Board, error) { return newBoard(&simFD{bus: s}, &s.tracker) }

// Hang makes every later ioctl block, as a wedged driver would, until
// release is called. It lets tests show that callers stay bounded.
func (s *SimBus) Hang() (release func()) {
	s.mu.Lock()
	ch := make(chan struct{})
	s.hang = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.hang = nil
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Close detaches the devices' SRQ subscriptions; Boards on the bus fail
// from then on.
func (s *SimBus) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, u := range s.unsubs {
		u()
	}
	s.unsubs = nil
	s.lockFree.Broadcast()
	return nil
}

// simFD is one open file on a SimBus.
type simFD struct {
	bus    *SimBus
	mu     sync.Mutex
	closed bool
}

func (f *simFD) ioctl(r uint, arg, data []byte) error {
	f.mu.Lock()
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return syscall.EBADF
	}
	return f.bus.ioctl(r, arg, data)
}

func (f *simFD) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return syscall.EBADF
	}
	f.closed = true
	return nil
}

// mem turns a buffer address from read_write_ioctl_t back into the slice
// the caller passed; the simulation checks it is exactly that buffer.
func mem(addr uint64, n uint32, data []byte) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if len(data) < int(n) || uint64(uintptr(unsafe.Pointer(&data[0]))) != addr {
		return nil, syscall.EFAULT
	}
	return data[:n], nil
}

func (s *SimBus) ctx() (context.Context, context.CancelFunc) {
	if s.tmoUs == 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), time.Duration(s.tmoUs)*time.Microsecond)
}

// isBoard reports whether a primary address is the board's own.
func (s *SimBus) isBoard(a [2]int) bool { return a[0] == s.pad }

// status is the board's ibsta as IBWAIT reports it.
func (s *SimBus) status() int32 {
	st := int32(staCMPL)
	if s.cic {
		st |= staCIC
	}
	if s.atn {
		st |= staATN
	}
	if s.talker[0] >= 0 && s.isBoard(s.talker) {
		st |= staTACS
	}
	if s.boardLsn {
		st |= staLACS
	}
	if len(s.srq) > 0 {
		st |= staSRQI
	}
	return st
}

// ndac reports the NDAC line: with ATN asserted every device holds it
// until it accepts a command byte; without ATN, only addressed listeners.
func (s *SimBus) ndac() bool {
	if s.atn {
		return len(s.devs) > 0
	}
	for l := range s.listeners {
		if s.devs[l] != nil {
			return true
		}
	}
	return false
}

// needsLock lists the requests the driver refuses without IBMUTEX.
func needsLock(r uint) bool {
	switch r {
	case req.cmd, req.rd, req.wrt, req.rsp, req.tmo, req.eos, req.sic, req.sre, req.gts, req.cac,
		req.rsc, req.rsv, req.queryRSV:
		return true
	}
	return false
}

func (s *SimBus) ioctl(r uint, arg, data []byte) error {
	tid := unix.Gettid()
	s.mu.Lock()
	if h := s.hang; h != nil {
		s.mu.Unlock()
		<-h
		s.mu.Lock()
	}
	if s.closed {
		s.mu.Unlock()
		return syscall.EBADF
	}
	if needsLock(r) && s.holder != tid {
		s.mu.Unlock()
		return syscall.EPERM
	}
	switch r {
	case req.mutex:
		defer s.mu.Unlock()
		if ne.Uint32(arg) == 1 {
			// The driver sleeps on the board mutex, as other files on the
			// same board hold it.
			for s.holder != 0 && !s.closed {
				s.lockFree.Wait()
			}
			if s.closed {
				return syscall.EBADF
			}
			s.holder = tid
			return nil
		}
		if s.holder != tid {
			return syscall.EPERM
		}
		s.holder = 0
		s.lockFree.Signal()
		return nil
	case req.boardInfo:
		defer s.mu.Unlock()
		clear(arg)
		ne.PutUint32(arg[infoPad:], uint32(s.pad))
		ne.PutUint32(arg[infoSad:], uint32(int32(s.sad)))
		if s.sysCtrl {
			ne.PutUint32(arg[infoSysCtrl:], 1)
		}
		return nil
	case req.pad:
		defer s.mu.Unlock()
		if h, p := ne.Uint32(arg), ne.Uint32(arg[4:]); h != 0 || p > 30 {
			return syscall.EINVAL
		} else {
			s.pad = int(p)
		}
		return nil
	case req.sad:
		defer s.mu.Unlock()
		h, v := ne.Uint32(arg), int32(ne.Uint32(arg[4:]))
		if h != 0 || v > 30 {
			return syscall.EINVAL
		}
		s.sad = max(int(v), -1)
		return nil
	case req.rsc:
		s.sysCtrl = ne.Uint32(arg) != 0
		s.mu.Unlock()
		return nil
	case req.rsv:
		s.rsv = arg[0]
		s.mu.Unlock()
		return nil
	case req.queryRSV:
		ne.PutUint32(arg, uint32(s.rsv))
		s.mu.Unlock()
		return nil
	case req.tmo:
		s.tmoUs = ne.Uint32(arg)
		s.mu.Unlock()
		return nil
	case req.eos:
		s.eosChar, s.eosFlags = byte(ne.Uint32(arg)), int32(ne.Uint32(arg[4:]))
		s.mu.Unlock()
		return nil
	case req.sre:
		s.ren = ne.Uint32(arg) != 0
		s.mu.Unlock()
		return nil
	case req.sic:
		s.ifcs++
		s.listeners, s.talker, s.boardLsn = map[[2]int]bool{}, [2]int{-1, -1}, false
		if s.sysCtrl {
			s.cic = true
		}
		s.mu.Unlock()
		return nil
	case req.cac:
		s.atn = true
		s.mu.Unlock()
		return nil
	case req.gts:
		s.atn = false
		s.mu.Unlock()
		return nil
	case req.lines:
		var v uint16 = lineREN | lineSRQ | lineATN | lineNDAC
		if s.ren {
			v |= lineREN << 8
		}
		if len(s.srq) > 0 {
			v |= lineSRQ << 8
		}
		if s.atn {
			v |= lineATN << 8
		}
		if s.ndac() {
			v |= lineNDAC << 8
		}
		ne.PutUint16(arg, v)
		s.mu.Unlock()
		return nil
	case req.cmd:
		a := decodeRW(arg)
		cmd, err := mem(a.buf, a.requested, data)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		if len(s.devs) == 0 {
			// Nobody on the bus handshakes the command bytes.
			s.mu.Unlock()
			return syscall.ENOTCONN
		}
		actions := s.decodeCommands(cmd)
		a.completed = a.requested
		copy(arg, a.encode())
		s.atn = true
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		for _, act := range actions {
			act(ctx)
		}
		return nil
	case req.wrt:
		return s.write(arg, data)
	case req.rd:
		return s.read(arg, data)
	case req.rsp:
		pad, sad := int(ne.Uint32(arg)), int(int32(ne.Uint32(arg[4:])))
		k := [2]int{pad, sad}
		dev := s.devs[k]
		delete(s.srq, k)
		s.listeners, s.talker, s.boardLsn = map[[2]int]bool{}, [2]int{-1, -1}, true
		s.mu.Unlock()
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
		return s.wait(arg)
	}
	s.mu.Unlock()
	return syscall.ENOTTY
}

// write is IBWRT; called with s.mu held, returns with it released.
func (s *SimBus) write(arg, data []byte) error {
	a := decodeRW(arg)
	p, err := mem(a.buf, a.requested, data)
	var devs []transport.Device
	for l := range s.listeners {
		if d := s.devs[l]; d != nil {
			devs = append(devs, d)
		}
	}
	boardTalks := s.talker[0] >= 0 && s.isBoard(s.talker)
	ctx, cancel := s.ctx()
	s.atn = false
	s.mu.Unlock()
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
}

// read is IBRD; called with s.mu held, returns with it released.
func (s *SimBus) read(arg, data []byte) error {
	a := decodeRW(arg)
	p, err := mem(a.buf, a.requested, data)
	dev := s.devs[s.talker]
	ok := s.boardLsn && dev != nil
	eos, eosOn := s.eosChar, s.eosFlags&eosREOS != 0
	ctx, cancel := s.ctx()
	s.atn = false
	s.mu.Unlock()
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
}

// wait is IBWAIT on the board descriptor; called with s.mu held, returns
// with it released. A zero wait mask reports the status at once, as the
// driver does.
func (s *SimBus) wait(arg []byte) error {
	w := decodeWait(arg)
	ch := s.srqCh
	on := len(s.srq) > 0
	st := s.status()
	s.mu.Unlock()
	if w.waitMask == 0 {
		w.ibsta = st
		copy(arg, w.encode())
		return nil
	}
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

// decodeCommands applies bus command bytes to the addressing state and
// returns the device actions (clear, trigger, ...) to run unlocked.
func (s *SimBus) decodeCommands(cmd []byte) []func(context.Context) {
	var acts []func(context.Context)
	last := [2]int{-1, -1} // last primary address, to attach an MSA to
	lastListen := false
	each := func(fn func(ctx context.Context, d transport.Device)) {
		for l := range s.listeners {
			if d := s.devs[l]; d != nil {
				acts = append(acts, func(ctx context.Context) { fn(ctx, d) })
			}
		}
	}
	for _, c := range cmd {
		c &= 0x7F
		s.cmds = append(s.cmds, c)
		switch {
		case c == cmdUNL:
			s.listeners, s.boardLsn = map[[2]int]bool{}, false
		case c == cmdUNT:
			s.talker = [2]int{-1, -1}
		case c >= 0x20 && c < 0x3F:
			pad := int(c & 0x1F)
			last, lastListen = [2]int{pad, -1}, true
			if s.isBoard(last) {
				s.boardLsn = true
			} else {
				s.listeners[last] = true
			}
		case c >= 0x40 && c < 0x5F:
			last, lastListen = [2]int{int(c & 0x1F), -1}, false
			s.talker = last
		case c >= 0x60 && c < 0x7F && last[0] >= 0:
			with := [2]int{last[0], int(c & 0x1F)}
			if lastListen {
				if !s.isBoard(last) {
					delete(s.listeners, last)
					s.listeners[with] = true
				}
			} else {
				s.talker = with
			}
			last = with
		case c == cmdSDC:
			each(func(ctx context.Context, d transport.Device) { d.Clear(ctx) })
		case c == cmdDCL:
			for _, d := range s.devs {
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
			for _, d := range s.devs {
				if rl, ok := d.(transport.RemoteLocalDevice); ok {
					acts = append(acts, func(ctx context.Context) { rl.RemoteLocal(ctx, transport.RENAssertLLO) })
				}
			}
		case c == cmdTCT:
			s.tct = s.talker
			if !s.isBoard(s.talker) {
				s.cic = false
			}
		}
	}
	return acts
}
