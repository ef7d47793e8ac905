package linuxgpib

import "unsafe"

// bufAddr is the user-space address the driver copies from or to. The
// slice is passed along to the ioctl call, which keeps it alive; Go's
// garbage collector does not move heap objects, and a buffer handed
// through the ioctler interface escapes to the heap.
func bufAddr(p []byte) uint64 {
	if len(p) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&p[0])))
}
