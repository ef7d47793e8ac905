//go:build mips || mipsle || mips64 || mips64le || ppc64 || ppc64le

package usbfs

var archIOC = mipsIOC
