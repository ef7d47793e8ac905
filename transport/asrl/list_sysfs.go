package asrl

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// listSysfs enumerates serial ports the way /sys/class/tty shows them on
// Linux (fact sheet §7.1): every tty with a "device" link is hardware; the
// legacy 8250 placeholders (ttyS* bound to the platform bus) are skipped,
// as pyserial does. For USB ports the USB device directory above the tty
// gives vendor and product ids, serial number and strings. It only reads
// files, so tests run it on a fake tree.
func listSysfs(sysRoot, devRoot string) ([]PortInfo, error) {
	classDir := filepath.Join(sysRoot, "class", "tty")
	ents, err := os.ReadDir(classDir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []PortInfo
	for _, e := range ents {
		name := e.Name()
		dev, err := filepath.EvalSymlinks(filepath.Join(classDir, name, "device"))
		if err != nil {
			continue // no device link: a virtual terminal, pty or console
		}
		if sub, err := filepath.EvalSymlinks(filepath.Join(dev, "subsystem")); err == nil &&
			filepath.Base(sub) == "platform" && strings.HasPrefix(name, "ttyS") {
			continue
		}
		info := PortInfo{Name: filepath.Join(devRoot, name), Interface: -1}
		usbInfo(dev, &info)
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// usbInfo walks up from a tty's device directory to the USB device that
// holds it (the first directory with idVendor), at most a few levels.
func usbInfo(dev string, info *PortInfo) {
	dir := dev
	for range 4 {
		if s, ok := readAttr(dir, "bInterfaceNumber"); ok {
			if n, err := strconv.ParseUint(s, 16, 8); err == nil {
				info.Interface = int(n)
			}
		}
		if vid, ok := readAttr(dir, "idVendor"); ok {
			pid, _ := readAttr(dir, "idProduct")
			v, err1 := strconv.ParseUint(vid, 16, 16)
			p, err2 := strconv.ParseUint(pid, 16, 16)
			if err1 != nil || err2 != nil {
				return
			}
			info.IsUSB = true
			info.VID, info.PID = uint16(v), uint16(p)
			info.SerialNumber, _ = readAttr(dir, "serial")
			info.Manufacturer, _ = readAttr(dir, "manufacturer")
			info.Product, _ = readAttr(dir, "product")
			return
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return
		}
		dir = parent
	}
}

// maxAttr bounds how much of a sysfs attribute file is read.
const maxAttr = 256

func readAttr(dir, name string) (string, bool) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return "", false
	}
	defer f.Close()
	buf := make([]byte, maxAttr)
	n, _ := f.Read(buf)
	return strings.TrimSpace(string(buf[:n])), true
}
