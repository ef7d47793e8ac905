//go:build linux

package host

import (
	"context"
	"testing"

	"github.com/govisa/govisa/transport"
	"github.com/stretchr/testify/assert"
)

func TestOpenNotFound(t *testing.T) {
	old := Root
	Root = t.TempDir()
	defer func() { Root = old }()
	_, err := Open(context.Background(), Match{VendorID: 1, ProductID: 2, Interface: -1})
	assert.ErrorIs(t, err, transport.ErrNotFound)
	_, err = OpenRaw(context.Background(), Match{VendorID: 1, ProductID: 2, Interface: -1})
	assert.ErrorIs(t, err, transport.ErrNotFound)
}
