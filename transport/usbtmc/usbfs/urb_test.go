package usbfs

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// Layouts from the fact sheet §5.9, for the pointer size of this build.
func TestStructLayouts(t *testing.T) {
	var u urb
	var a ioctlArg
	if unsafe.Sizeof(uintptr(0)) == 8 {
		assert.Equal(t, uintptr(56), unsafe.Sizeof(u))
		assert.Equal(t, uintptr(16), unsafe.Offsetof(u.Buffer))
		assert.Equal(t, uintptr(24), unsafe.Offsetof(u.BufferLength))
		assert.Equal(t, uintptr(48), unsafe.Offsetof(u.UserContext))
		assert.Equal(t, uintptr(16), unsafe.Sizeof(a))
	} else {
		assert.Equal(t, uintptr(44), unsafe.Sizeof(u))
		assert.Equal(t, uintptr(12), unsafe.Offsetof(u.Buffer))
		assert.Equal(t, uintptr(40), unsafe.Offsetof(u.UserContext))
		assert.Equal(t, uintptr(12), unsafe.Sizeof(a))
	}
	assert.Equal(t, uintptr(4), unsafe.Offsetof(u.Status))
	assert.Equal(t, uintptr(8), unsafe.Offsetof(u.Flags))
	assert.Equal(t, uintptr(260), unsafe.Sizeof(getDriver{}))
	assert.Equal(t, uintptr(8), unsafe.Offsetof(a.Data))
}
