package asrl

// List returns the serial ports of the machine, read from /sys/class/tty,
// with USB vendor and product ids and serial numbers for USB adapters.
func List() ([]PortInfo, error) { return listSysfs("/sys", "/dev") }
