//go:build mips || mipsle || mips64 || mips64le || ppc64 || ppc64le

package ioc

// Arch is the encoding of this build.
var Arch = MIPS
