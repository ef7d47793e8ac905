package prologix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govisa/govisa/internal/acceptloop"
	"github.com/govisa/govisa/transport"
)

// Version is what the emulator answers to ++ver.
const Version = "Prologix GPIB-ETHERNET Version 6.0 (govisa emulator)"

// Server emulates a Prologix controller with simulated (or any) devices at
// GPIB addresses. It serves TCP connections ([Server.Serve], as a
// GPIB-ETHERNET does on port 1234) and byte streams such as the master side
// of a pseudo-terminal ([Server.ServeConn], as a GPIB-USB looks to a host).
//
// Command answers end with CR LF. ++read sends the device's bytes as they
// come; ++read without an argument also stops at END (the firmware reads
// until its timeout). Unknown commands are ignored.
type Server struct {
	mu   sync.Mutex
	devs map[Address]transport.Device
	// srq: the device signalled a service request that nobody has
	// checked yet; rqs: a ++srq found it still requesting (its RQS, which
	// that check cleared in the device, is held here for the next ++spoll).
	srq     map[Address]bool
	rqs     map[Address]bool
	unsubs  []func()
	cmds    []string
	saved   int // ++savecfg 1 count: EEPROM writes a real adapter would do
	log     *slog.Logger
	ctx     context.Context
	cancel  context.CancelFunc
	lns     map[net.Listener]struct{}
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
	closing bool
}

// NewServer returns an emulator with no devices; log may be nil.
func NewServer(log *slog.Logger) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		devs: map[Address]transport.Device{}, srq: map[Address]bool{}, rqs: map[Address]bool{}, log: log,
		ctx: ctx, cancel: cancel, lns: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{},
	}
}

// Attach puts dev on the bus at addr. A device that requests service
// (transport.SRQSource) drives the SRQ line until it is serial-polled.
func (s *Server) Attach(addr Address, dev transport.Device) error {
	if err := addr.valid(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.devs[addr]; ok {
		return transport.Errorf("attach", transport.ErrInvalidArg, fmt.Errorf("address %s in use", addr.args()))
	}
	s.devs[addr] = dev
	if src, ok := dev.(transport.SRQSource); ok {
		s.unsubs = append(s.unsubs, src.SubscribeSRQ(func() {
			s.mu.Lock()
			s.srq[addr] = true
			s.mu.Unlock()
		}))
	}
	return nil
}

// Commands returns every ++ command received so far, without "++".
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// EEPROMWrites returns how many times a client asked to save the
// configuration (++savecfg 1), which wears a real adapter's flash.
func (s *Server) EEPROMWrites() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saved
}

// Serve accepts connections on l until Close; it returns nil after Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return transport.Errorf("serve", transport.ErrClosed, nil)
	}
	s.lns[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, l)
		s.mu.Unlock()
	}()
	closing := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.closing
	}
	err := acceptloop.Serve(l, closing, func(c net.Conn) bool {
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			c.Close()
			return false
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			err := s.ServeConn(s.ctx, c)
			if err != nil && s.log != nil {
				s.log.Debug("prologix: connection ended", "err", err)
			}
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
		return true
	})
	if err != nil {
		return transport.NetError("accept", err)
	}
	return nil
}

// DropConnections closes every host connection, as a GPIB-ETHERNET adapter
// does when it is power-cycled; listeners keep accepting new ones.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Close stops every listener and connection and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closing = true
	for l := range s.lns {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	unsubs := s.unsubs
	s.unsubs = nil
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	for _, u := range unsubs {
		u()
	}
	return nil
}

// emuState is the adapter state of one host connection.
type emuState struct {
	s         *Server
	rw        io.ReadWriter
	addr      Address
	auto      bool
	eoi       bool
	eos       int
	eotEnable bool
	eotChar   byte
	readTmo   time.Duration
	mode      int
	// Bytes the device gave beyond a ++read <char> stop, kept for the
	// next ++read of the same address (the bus handshake would have held
	// them in the device).
	rest    []byte
	restEnd bool
	restFor Address
}

// ServeConn runs the adapter for one host on rw until ctx ends or rw
// fails. If rw has SetDeadline, ctx's end wakes blocked I/O; otherwise the
// caller closes rw.
func (s *Server) ServeConn(ctx context.Context, rw io.ReadWriter) error {
	if d, ok := rw.(interface{ SetDeadline(time.Time) error }); ok {
		stop := context.AfterFunc(ctx, func() { d.SetDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	st := &emuState{s: s, rw: rw, eoi: true, readTmo: 500 * time.Millisecond, mode: 1, eotChar: '\n'}
	dec := NewDecoder(0)
	buf := make([]byte, 4096)
	for {
		n, err := rw.Read(buf)
		if n > 0 {
			ferr := dec.Feed(buf[:n], func(ev Event) error { return st.event(ctx, ev) })
			if ferr != nil && !errors.Is(ferr, transport.ErrProtocol) {
				return ferr
			}
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return nil
			}
			return transport.NetError("serve", err)
		}
	}
}

func (st *emuState) device() transport.Device {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	return st.s.devs[st.addr]
}

func (st *emuState) reply(s string) error {
	_, err := io.WriteString(st.rw, s+"\r\n")
	return err
}

func (st *emuState) event(ctx context.Context, ev Event) error {
	if ev.Kind == EventCommand {
		return st.command(ctx, string(ev.Data))
	}
	dev := st.device()
	if dev == nil {
		return nil // nobody listens: a real adapter reports no error either
	}
	st.rest = st.rest[:0] // a new message discards an unread response
	if len(ev.Data) > 0 {
		if err := dev.Write(ctx, ev.Data, false); err != nil {
			return err
		}
	}
	if !ev.End {
		return nil
	}
	term := [...]string{"\r\n", "\r", "\n", ""}[st.eos]
	if err := dev.Write(ctx, []byte(term), st.eoi); err != nil {
		return err
	}
	if st.auto {
		return st.read(ctx, dev, "eoi")
	}
	return nil
}

// parseAddr reads "pad [sad]" with the adapter's 96-126 secondary range.
func parseAddr(f []string) (Address, bool) {
	if len(f) < 1 || len(f) > 2 {
		return Address{}, false
	}
	pad, err := strconv.Atoi(f[0])
	if err != nil || pad < 0 || pad > 30 {
		return Address{}, false
	}
	a := Address{PAD: pad, SAD: -1}
	if len(f) == 2 {
		sad, err := strconv.Atoi(f[1])
		if err != nil || sad < 96 || sad > 126 {
			return Address{}, false
		}
		a.SAD = sad - 96
	}
	return a, true
}

func flag01(f []string, dst *bool) {
	if len(f) == 1 && (f[0] == "0" || f[0] == "1") {
		*dst = f[0] == "1"
	}
}

func (st *emuState) command(ctx context.Context, line string) error {
	s := st.s
	s.mu.Lock()
	s.cmds = append(s.cmds, line)
	s.mu.Unlock()
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil
	}
	name, args := strings.ToLower(f[0]), f[1:]
	switch name {
	case "addr":
		if len(args) == 0 {
			return st.reply(st.addr.args())
		}
		if a, ok := parseAddr(args); ok {
			st.addr = a
		}
	case "auto":
		flag01(args, &st.auto)
	case "eoi":
		flag01(args, &st.eoi)
	case "eot_enable":
		flag01(args, &st.eotEnable)
	case "eos":
		if len(args) == 1 {
			if v, err := strconv.Atoi(args[0]); err == nil && v >= 0 && v <= 3 {
				st.eos = v
			}
		}
	case "eot_char":
		if len(args) == 1 {
			if v, err := strconv.Atoi(args[0]); err == nil && v >= 0 && v <= 255 {
				st.eotChar = byte(v)
			}
		}
	case "read_tmo_ms":
		if len(args) == 1 {
			if v, err := strconv.Atoi(args[0]); err == nil && v >= 1 && v <= 3000 {
				st.readTmo = time.Duration(v) * time.Millisecond
			}
		}
	case "mode":
		if len(args) == 1 && (args[0] == "0" || args[0] == "1") {
			st.mode = int(args[0][0] - '0')
		}
	case "savecfg":
		if len(args) == 1 && args[0] == "1" {
			s.mu.Lock()
			s.saved++
			s.mu.Unlock()
		}
	case "ver":
		return st.reply(Version)
	case "read":
		if dev := st.device(); dev != nil {
			how := ""
			if len(args) > 0 {
				how = args[0]
			}
			return st.read(ctx, dev, how)
		}
	case "clr":
		st.rest = st.rest[:0]
		if dev := st.device(); dev != nil {
			return dev.Clear(ctx)
		}
	case "trg":
		targets := []Address{st.addr}
		if len(args) > 0 {
			targets = targets[:0]
			for i := 0; i < len(args); i++ {
				f := args[i : i+1]
				if i+1 < len(args) {
					if v, err := strconv.Atoi(args[i+1]); err == nil && v >= 96 {
						f = args[i : i+2]
						i++
					}
				}
				if a, ok := parseAddr(f); ok {
					targets = append(targets, a)
				}
			}
		}
		for _, a := range targets {
			s.mu.Lock()
			dev := s.devs[a]
			s.mu.Unlock()
			if dev != nil {
				if err := dev.Trigger(ctx); err != nil {
					return err
				}
			}
		}
	case "spoll":
		a := st.addr
		if len(args) > 0 {
			var ok bool
			if a, ok = parseAddr(args); !ok {
				return nil
			}
		}
		s.mu.Lock()
		dev := s.devs[a]
		held := s.rqs[a]
		delete(s.srq, a)
		delete(s.rqs, a)
		s.mu.Unlock()
		if dev == nil {
			return nil // no answer: the host times out, as with a real bus
		}
		stb, err := dev.ReadSTB(ctx)
		if err != nil {
			return err
		}
		if held {
			stb |= 0x40
		}
		return st.reply(strconv.Itoa(int(stb)))
	case "srq":
		on, err := s.srqLine(ctx)
		if err != nil {
			return err
		}
		if on {
			return st.reply("1")
		}
		return st.reply("0")
	case "loc":
		if rl, ok := st.device().(transport.RemoteLocalDevice); ok {
			return rl.RemoteLocal(ctx, transport.RENAddressGTL)
		}
	case "llo":
		s.mu.Lock()
		var rls []transport.RemoteLocalDevice
		for _, d := range s.devs {
			if rl, ok := d.(transport.RemoteLocalDevice); ok {
				rls = append(rls, rl)
			}
		}
		s.mu.Unlock()
		for _, rl := range rls {
			if err := rl.RemoteLocal(ctx, transport.RENAssertLLO); err != nil {
				return err
			}
		}
	case "ifc", "rst", "lon", "status", "help":
		// IFC only unaddresses the bus, which the emulator does not model;
		// the others concern device mode or the adapter itself.
	}
	return nil
}

// srqLine reports whether any device requests service. A device that
// signalled a request may have withdrawn it since (the reason went away
// before anyone polled, as IEEE 488.1 allows), and transport.Device can
// only tell by a serial poll, which clears RQS: so RQS found here is held
// for the next ++spoll of that address, as the device would have held it.
func (s *Server) srqLine(ctx context.Context) (bool, error) {
	s.mu.Lock()
	var check []Address
	for a := range s.srq {
		check = append(check, a)
	}
	s.mu.Unlock()
	for _, a := range check {
		// The flag goes before the poll, so that a request raised after
		// the poll sets it again.
		s.mu.Lock()
		dev := s.devs[a]
		delete(s.srq, a)
		s.mu.Unlock()
		stb, err := dev.ReadSTB(ctx)
		if err != nil {
			return false, err
		}
		s.mu.Lock()
		if stb&0x40 != 0 {
			s.rqs[a] = true
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rqs) > 0, nil
}

// read forwards the device's response: until END ("eoi"), until a byte
// equal to the decimal character given, or until END or the read timeout.
func (st *emuState) read(ctx context.Context, dev transport.Device, how string) error {
	stopChar := -1
	if how != "" && how != "eoi" {
		v, err := strconv.Atoi(how)
		if err != nil || v < 0 || v > 255 {
			return nil
		}
		stopChar = v
	}
	buf := make([]byte, 4096)
	for {
		var n int
		var end bool
		if len(st.rest) > 0 && st.restFor == st.addr {
			n = copy(buf, st.rest)
			end = st.restEnd && n == len(st.rest)
			st.rest = st.rest[:copy(st.rest, st.rest[n:])]
		} else {
			rctx, cancel := context.WithTimeout(ctx, st.readTmo)
			var err error
			n, end, err = dev.Read(rctx, buf)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return nil // the adapter's read timeout: silently stop
			}
		}
		out := buf[:n]
		stopped := false
		if stopChar >= 0 {
			if i := bytes.IndexByte(out, byte(stopChar)); i >= 0 && i+1 < len(out) {
				st.rest = append(st.rest[:0], out[i+1:]...)
				st.restEnd, st.restFor = end, st.addr
				out, end, stopped = out[:i+1], false, true
			} else if i >= 0 {
				stopped = true
			}
		}
		if end && st.eotEnable {
			out = append(out, st.eotChar)
		}
		if _, err := st.rw.Write(out); err != nil {
			return err
		}
		if end || stopped {
			return nil
		}
	}
}
