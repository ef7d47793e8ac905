package hislip

import (
	"context"

	"github.com/govisa/govisa/internal/deadline"
)

// armSync applies ctx to both deadlines of the synchronous channel (see
// package internal/deadline) and returns ctx.Err() when ctx is already
// done; the check follows the registration, so a cancellation racing with
// it is never lost.
func (c *Client) armSync(ctx context.Context) error {
	if err := c.sw.Arm(ctx, deadline.Both); err != nil {
		return err
	}
	return ctx.Err()
}
