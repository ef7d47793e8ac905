package socket

import (
	"context"

	"github.com/govisa/govisa/internal/deadline"
)

// arm applies ctx to the connection's deadline for dir (see package
// internal/deadline) and returns ctx.Err() when ctx is already done. The
// check follows the registration, so a cancellation racing with arm is
// never lost. One registration covers both directions: a cancellation ends
// whatever operation of the session is blocked.
func (c *Conn) arm(ctx context.Context, dir deadline.Dir) error {
	if err := c.wd.Arm(ctx, dir); err != nil {
		return err
	}
	return ctx.Err()
}
