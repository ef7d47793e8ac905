//go:build mips || mipsle || mips64 || mips64le || ppc64 || ppc64le || sparc64

package linuxgpib

// MIPS, PowerPC and SPARC encode ioctl directions differently. (The file
// name must not end in _mips.go: Go would then build it for GOARCH=mips
// only.)
var req = makeRequests(layoutMIPS)
