package core

import (
	"context"
	"fmt"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/draft"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/schedule"
)

// Posts is the scheduler: schedule, list, edit, retry and delete posts.
func (e *Engine) Posts() *schedule.Scheduler { return e.posts }

// Drafts keeps the post being written in Compose.
func (e *Engine) Drafts() *draft.Store { return draft.New(e.store) }

func (e *Engine) newScheduler() *schedule.Scheduler {
	return schedule.New(e.store, schedule.Options{
		Clock:   e.clock,
		Logger:  e.logger.With("part", "schedule"),
		Changed: e.postsChanged,
		Publisher: &schedule.NetworkPublisher{
			Account:     e.store.Account,
			Credentials: e.freshCredentials,
			Adapter: func(name string) (network.Adapter, bool) {
				a, ok := e.adapters[name]
				if !ok {
					return nil, false
				}
				return publishingAdapter{Adapter: a, e: e}, true
			},
		},
		Accounts: engineAccounts{e},
		Hooks:    engineHooks{e},
		Grace: func(ctx context.Context) time.Duration {
			return time.Duration(e.settings.Int(ctx, "schedule.grace_minutes")) * time.Minute
		},
	})
}

// engineAccounts tells the scheduler which accounts can publish.
type engineAccounts struct{ e *Engine }

func (a engineAccounts) Usable(ctx context.Context, id int64) (bool, error) {
	acct, err := a.e.store.Account(ctx, id)
	if err != nil {
		return false, err
	}
	return acct.State != account.Disconnected, nil
}

// engineHooks turns the scheduler's outcomes into account changes, activity
// and notifications.
type engineHooks struct{ e *Engine }

// AuthRefused: a publish refused for authorisation disconnects the account
// at once, without waiting for the next check.
func (h engineHooks) AuthRefused(ctx context.Context, id int64, err error) {
	a, gerr := h.e.store.Account(ctx, id)
	if gerr != nil || a.State == account.Disconnected {
		return
	}
	before := a
	now := h.e.clock.Now()
	a.State, a.Reason, a.LastError = account.Disconnected, network.ReasonOf(err), err.Error()
	a.LastCheckedAt, a.LastGoodCheckAt = &now, &now
	if _, terr := h.e.transition(ctx, before, a, ""); terr != nil {
		h.e.logger.Warn("schedule: mark account", "account", id, "err", terr)
	}
}

func (h engineHooks) TargetFailed(ctx context.Context, t schedule.Target, p schedule.Post, err error) {
	h.e.store.LogActivity(ctx, t.AccountID, "post_failed", fmt.Sprintf("Post %d did not go out: %v", p.ID, err))
	h.e.postFailed(ctx, t, p, err)
}

func (h engineHooks) TargetHeld(ctx context.Context, t schedule.Target, p schedule.Post) {
	h.e.store.LogActivity(ctx, t.AccountID, "post_held", fmt.Sprintf("Post %d is on hold: %s", p.ID, t.Describe()))
	h.e.postHeld(ctx, t, p)
}

// TextLimit is how many characters (graphemes) a post of the account may
// have: the network's limit, the server's own for Mastodon, 500 when it
// cannot be told.
func (e *Engine) TextLimit(ctx context.Context, a account.Account) int {
	type limiter interface {
		TextLimit(context.Context, account.Account) (int, error)
	}
	if l, ok := e.adapters[a.Network].(limiter); ok {
		if n, _ := l.TextLimit(ctx, a); n > 0 {
			return n
		}
	}
	return 500
}
