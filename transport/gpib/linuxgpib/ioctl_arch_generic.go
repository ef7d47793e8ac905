//go:build !(mips || mipsle || mips64 || mips64le || ppc64 || ppc64le || sparc64)

package linuxgpib

var req = makeRequests(layoutGeneric)
