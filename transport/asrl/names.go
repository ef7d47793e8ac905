package asrl

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/govisa/govisa/transport"
)

// ResolvePort turns the board part of an ASRL resource name into the
// operating system's port name, following the rules in the package
// documentation for the running OS.
func ResolvePort(board string) (string, error) {
	return resolvePort(runtime.GOOS, board, List)
}

func resolvePort(goos, board string, list func() ([]PortInfo, error)) (string, error) {
	bad := func(why string) (string, error) {
		return "", transport.Errorf("resolve", transport.ErrInvalidArg, fmt.Errorf("serial port %q: %s", board, why))
	}
	if board == "" {
		return bad("empty name")
	}
	if strings.ContainsRune(board, 0) {
		return bad("NUL in name")
	}
	num := func(s string) (int, bool) {
		if s == "" || len(s) > 4 {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 0 && s[0] != '+' && s[0] != '-'
	}
	if n, ok := num(board); ok {
		if n == 0 {
			return bad("port numbers start at 1 (ASRL1 = COM1)")
		}
		switch goos {
		case "windows":
			return "COM" + board, nil
		case "linux":
			return "/dev/ttyS" + strconv.Itoa(n-1), nil
		}
		ports, err := list()
		if err != nil {
			return "", err
		}
		if n > len(ports) {
			return "", transport.Errorf("resolve", transport.ErrNotFound, fmt.Errorf("serial port %d: only %d ports found", n, len(ports)))
		}
		return ports[n-1].Name, nil
	}
	if len(board) > 3 && strings.EqualFold(board[:3], "COM") {
		if n, ok := num(board[3:]); ok {
			switch goos {
			case "windows":
				return "COM" + board[3:], nil
			case "linux":
				if n == 0 {
					return bad("COM ports start at 1")
				}
				return "/dev/ttyS" + strconv.Itoa(n-1), nil
			}
		}
	}
	if goos != "windows" && !strings.HasPrefix(board, "/") {
		if strings.Contains(board, "/") || board == "." || board == ".." {
			return bad("relative path")
		}
		return "/dev/" + board, nil
	}
	return board, nil
}

// PortInfo describes one serial port found by [List].
type PortInfo struct {
	// Name is the operating system's name of the port, as Open takes it.
	Name string
	// IsUSB is true for USB-serial adapters and CDC-ACM devices; then the
	// fields below are filled in as far as the OS tells them.
	IsUSB        bool
	VID, PID     uint16
	SerialNumber string
	Manufacturer string
	Product      string
	// Interface is the USB interface number of the port (multi-port
	// adapters), or -1 when unknown.
	Interface int
}

// ResourceName is the VISA resource name of the port: ASRL<path>::INSTR on
// Unix (as pyvisa-py names ports) and ASRL<n>::INSTR for COM<n> on Windows.
func (p PortInfo) ResourceName() string {
	if len(p.Name) > 3 && strings.EqualFold(p.Name[:3], "COM") {
		if _, err := strconv.Atoi(p.Name[3:]); err == nil {
			return "ASRL" + p.Name[3:] + "::INSTR"
		}
	}
	return "ASRL" + p.Name + "::INSTR"
}
