package usbfs

// urb mirrors struct usbdevfs_urb. Go lays it out like C on every Linux
// architecture: the uintptr fields take the native pointer size and
// alignment (56 bytes on 64-bit, 44 on 32-bit).
type urb struct {
	Type         uint8
	Endpoint     uint8
	_            [2]byte
	Status       int32
	Flags        uint32
	Buffer       uintptr
	BufferLength int32
	ActualLength int32
	StartFrame   int32
	NumPackets   int32 // union with stream_id
	ErrorCount   int32
	Signr        uint32
	UserContext  uintptr
}

// URB types.
const (
	urbTypeInterrupt = 1
	urbTypeControl   = 2
	urbTypeBulk      = 3
)

// ioctlArg mirrors struct usbdevfs_ioctl {int ifno; int ioctl_code; void *data}.
type ioctlArg struct {
	Ifno int32
	Code int32
	Data uintptr
}

// getDriver mirrors struct usbdevfs_getdriver.
type getDriver struct {
	Interface uint32
	Driver    [256]byte
}
