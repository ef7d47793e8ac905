// Package ioc computes Linux ioctl request numbers for the architecture of
// the build (asm-generic/ioctl.h, and the MIPS/PowerPC variant).
package ioc

// Encoding is one architecture family's ioctl number layout.
type Encoding struct {
	SizeBits          uint
	None, Write, Read uint32
}

var (
	// Generic: x86, ARM, ARM64, RISC-V, s390x, LoongArch.
	Generic = Encoding{SizeBits: 14, None: 0, Write: 1, Read: 2}
	// MIPS: MIPS, PowerPC, SPARC, Alpha (13 size bits, 3-bit direction).
	MIPS = Encoding{SizeBits: 13, None: 1, Write: 4, Read: 2}
)

// Directions, as in _IO, _IOW, _IOR, _IOWR.
const (
	DirNone = iota
	DirWrite
	DirRead
	DirRW
)

// Num returns the request number.
func (e Encoding) Num(dir int, typ, nr byte, size uintptr) uint32 {
	var d uint32
	switch dir {
	case DirNone:
		d = e.None
	case DirWrite:
		d = e.Write
	case DirRead:
		d = e.Read
	case DirRW:
		d = e.Read | e.Write
	}
	return d<<(16+e.SizeBits) | uint32(size)<<16 | uint32(typ)<<8 | uint32(nr)
}
