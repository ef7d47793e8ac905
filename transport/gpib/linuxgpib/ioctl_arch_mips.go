//go:build mips || mipsle || mips64 || mips64le || ppc64 || ppc64le || sparc64

package linuxgpib

// MIPS, PowerPC and SPARC encode ioctl directions differently.
var req = makeRequests(layoutMIPS)
