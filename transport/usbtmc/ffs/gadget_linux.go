//go:build linux

package ffs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Gadget describes a configfs USB gadget built from FunctionFS functions.
type Gadget struct {
	Name                 string // directory under usb_gadget
	VendorID, ProductID  uint16
	Serial, Manufacturer string
	Product              string
	Functions            []string // FunctionFS instance names, in interface order
}

// ConfigfsRoot is where configfs is mounted.
const ConfigfsRoot = "/sys/kernel/config"

// Create builds the gadget in configfs and mounts each function's
// FunctionFS at /dev/ffs-NAME (returned in order). configfs must be
// mounted and libcomposite and usb_f_fs loaded.
func (g Gadget) Create() ([]string, error) {
	dir := filepath.Join(ConfigfsRoot, "usb_gadget", g.Name)
	w := func(rel, val string) error {
		return os.WriteFile(filepath.Join(dir, rel), []byte(val), 0o644)
	}
	steps := []func() error{
		func() error { return os.MkdirAll(dir, 0o755) },
		func() error { return w("idVendor", fmt.Sprintf("0x%04x", g.VendorID)) },
		func() error { return w("idProduct", fmt.Sprintf("0x%04x", g.ProductID)) },
		func() error { return w("bcdUSB", "0x0200") },
		func() error { return os.MkdirAll(filepath.Join(dir, "strings/0x409"), 0o755) },
		func() error { return w("strings/0x409/serialnumber", g.Serial) },
		func() error { return w("strings/0x409/manufacturer", g.Manufacturer) },
		func() error { return w("strings/0x409/product", g.Product) },
		func() error { return os.MkdirAll(filepath.Join(dir, "configs/c.1"), 0o755) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, fmt.Errorf("ffs: gadget: %w", err)
		}
	}
	var mounts []string
	for _, fn := range g.Functions {
		fdir := filepath.Join(dir, "functions", "ffs."+fn)
		if err := os.MkdirAll(fdir, 0o755); err != nil {
			return nil, fmt.Errorf("ffs: function %s: %w", fn, err)
		}
		if err := os.Symlink(fdir, filepath.Join(dir, "configs/c.1", "ffs."+fn)); err != nil && !os.IsExist(err) {
			return nil, fmt.Errorf("ffs: link %s: %w", fn, err)
		}
		mnt := "/dev/ffs-" + fn
		if err := os.MkdirAll(mnt, 0o755); err != nil {
			return nil, err
		}
		if err := unix.Mount(fn, mnt, "functionfs", 0, ""); err != nil {
			return nil, fmt.Errorf("ffs: mount functionfs %s: %w", fn, err)
		}
		mounts = append(mounts, mnt)
	}
	return mounts, nil
}

// Bind attaches the gadget to a device controller (e.g. "dummy_udc.0");
// the host then enumerates it. The functions must be served first.
func (g Gadget) Bind(udc string) error {
	return os.WriteFile(filepath.Join(ConfigfsRoot, "usb_gadget", g.Name, "UDC"), []byte(udc), 0o644)
}

// FirstUDC returns the first device controller listed in /sys/class/udc.
func FirstUDC() (string, error) {
	ents, err := os.ReadDir("/sys/class/udc")
	if err != nil || len(ents) == 0 {
		return "", fmt.Errorf("ffs: no UDC: %v", err)
	}
	return strings.TrimSpace(ents[0].Name()), nil
}
