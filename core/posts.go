package core

import (
	"context"
	"fmt"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/draft"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/notify"
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

// OutcomeUnsaved: a post's outcome could not be written for a while (disk
// full, the database locked); the person is told through the outbox, which
// works when the database takes that write.
func (h engineHooks) OutcomeUnsaved(ctx context.Context, t schedule.Target, p schedule.Post, err error) error {
	a, aerr := h.e.store.Account(ctx, t.AccountID)
	if aerr != nil {
		return aerr
	}
	_, nerr := h.e.notify.Enqueue(ctx, notify.Event{Kind: notify.PostUnsaved, Profile: notify.ProfileOf(a),
		At: t.UpdatedAt, PostID: p.ID, PostScheduled: t.DueAt, PostText: p.Text, PostError: err.Error()})
	return nerr
}

// TextLimit is how many characters a post of the account may have, as
// TextLength counts them: the server's own where the network's entry says
// it has one, else the entry's.
func (e *Engine) TextLimit(ctx context.Context, a account.Account) int {
	n, _ := e.entry(a.Network)
	if l, ok := e.adapters[a.Network].(network.TextLimiter); ok && n.InstanceLimit {
		if limit, _ := l.TextLimit(ctx, a); limit > 0 {
			return limit
		}
	}
	if n.TextLimit > 0 {
		return n.TextLimit
	}
	return 500
}

// TextLength is text's length as a's network counts it.
func (e *Engine) TextLength(a account.Account, text string) int {
	n, _ := e.entry(a.Network)
	return n.Length(text)
}
