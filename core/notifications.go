package core

import (
	"context"
	"errors"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/schedule"
)

// Notify is the notification outbox (desktop and email).
func (e *Engine) Notify() *notify.Service { return e.notify }

// lossEvent describes an account's lost connection for the outbox: when it
// was lost, why, and the posts it holds up.
func (e *Engine) lossEvent(ctx context.Context, a account.Account) notify.Event {
	kind := notify.Disconnected
	if a.Reason == account.ReasonExpired {
		kind = notify.Expired
	}
	ev := notify.Event{Kind: kind, Profile: notify.ProfileOf(a), At: e.since(a), Reason: a.Reason}
	ev.HeldPosts, ev.NextDue = e.pending(ctx, a.ID)
	return ev
}

func (e *Engine) since(a account.Account) time.Time {
	if a.StateSince != nil {
		return *a.StateSince
	}
	return e.clock.Now()
}

func (e *Engine) pending(ctx context.Context, id int64) (int, time.Time) {
	n, next, err := e.posts.PendingFor(ctx, id)
	if err != nil || next == nil {
		return n, time.Time{}
	}
	return n, *next
}

// notifyTransition raises the notifications of a state change: a lost
// connection (never for network trouble, which changes no state), a
// reconnection, or entering the warning window.
func (e *Engine) notifyTransition(ctx context.Context, before, after account.Account) {
	var err error
	switch {
	case after.State == account.Disconnected && before.State != account.Disconnected:
		_, err = e.notify.Enqueue(ctx, e.lossEvent(ctx, after))
	case before.State == account.Disconnected && after.State != account.Disconnected:
		ev := notify.Event{Kind: notify.Reconnected, Profile: notify.ProfileOf(after), At: e.since(after)}
		ev.HeldPosts, ev.NextDue = e.pending(ctx, after.ID)
		_, err = e.notify.Enqueue(ctx, ev)
	case after.State == account.Expiring:
		err = e.warnOrRemind(ctx, after)
	}
	if err != nil {
		e.logger.Warn("notify", "account", after.ID, "err", err)
	}
}

// warnOrRemind is called on every check: an expiry warning on its warning
// days, or a reminder while a connection stays lost. Each is keyed, so it
// goes out once however often this runs.
func (e *Engine) warnOrRemind(ctx context.Context, a account.Account) error {
	switch {
	case a.State == account.Disconnected:
		_, err := e.notify.Remind(ctx, e.lossEvent(ctx, a))
		return err
	case a.ExpiresAt != nil:
		_, err := e.notify.Warn(ctx, e.expiringEvent(ctx, a))
		return err
	}
	return nil
}

// expiringEvent is the expiry warning about a, with the posts it affects.
func (e *Engine) expiringEvent(ctx context.Context, a account.Account) notify.Event {
	ev := notify.Event{Kind: notify.Expiring, Profile: notify.ProfileOf(a), ExpiresAt: *a.ExpiresAt}
	ev.HeldPosts, ev.NextDue = e.pending(ctx, a.ID)
	return ev
}

// postFailed and postHeld raise the notifications for a post that did not
// go out.
func (e *Engine) postFailed(ctx context.Context, t schedule.Target, p schedule.Post, err error) {
	a, aerr := e.store.Account(ctx, t.AccountID)
	if aerr != nil {
		return
	}
	words := t.Error
	if words == "" && err != nil {
		words = err.Error()
	}
	kind := notify.PostFailed
	if t.State == schedule.Unconfirmed || errors.Is(err, schedule.ErrUnconfirmed) {
		// Nobody refused it: SocialOmm lost track. Its own words, no
		// "the network said".
		kind, words = notify.PostUnconfirmed, ""
	}
	_, nerr := e.notify.Enqueue(ctx, notify.Event{Kind: kind, Profile: notify.ProfileOf(a),
		At: t.UpdatedAt, PostID: p.ID, PostScheduled: t.DueAt, PostText: p.Text, PostError: words})
	if nerr != nil {
		e.logger.Warn("notify post failed", "post", p.ID, "err", nerr)
	}
}

func (e *Engine) postHeld(ctx context.Context, t schedule.Target, p schedule.Post) {
	a, err := e.store.Account(ctx, t.AccountID)
	if err != nil {
		return
	}
	ev := notify.Event{Kind: notify.PostHeld, Profile: notify.ProfileOf(a), At: e.since(a), Reason: a.Reason,
		PostID: p.ID, PostScheduled: t.DueAt, PostText: p.Text}
	ev.HeldPosts, ev.NextDue = e.pending(ctx, a.ID)
	if _, err := e.notify.Enqueue(ctx, ev); err != nil {
		e.logger.Warn("notify post held", "post", p.ID, "err", err)
	}
}

// LateAfter is how long after its time a post still not out is told as
// late (post_late).
const LateAfter = 10 * time.Minute

// lateLoop looks once a minute for posts still not out LateAfter after
// their time and queues a post_late notice for each target (keyed by post,
// account and time, so each is told once across restarts). It reads only
// the posts due in the last day, through the posts' time index.
func (e *Engine) lateLoop(ctx context.Context) {
	for {
		e.noticeLate(ctx)
		select {
		case <-ctx.Done():
			return
		case <-e.clock.After(time.Minute):
		}
	}
}

func (e *Engine) noticeLate(ctx context.Context) {
	now := e.clock.Now()
	posts, err := e.posts.Posts(ctx, schedule.Filter{
		States: []schedule.State{schedule.Scheduled, schedule.Retrying, schedule.Publishing},
		From:   now.Add(-24 * time.Hour), To: now.Add(-LateAfter), Limit: 1000,
	})
	if err != nil {
		if ctx.Err() == nil {
			e.logger.Warn("look for late posts", "err", err)
		}
		return
	}
	for _, p := range posts {
		for _, t := range p.Targets {
			switch t.State {
			case schedule.Scheduled, schedule.Retrying, schedule.Publishing:
			default:
				continue
			}
			if now.Sub(t.DueAt) < LateAfter {
				continue
			}
			a, err := e.store.Account(ctx, t.AccountID)
			if err != nil {
				continue
			}
			_, err = e.notify.Enqueue(ctx, notify.Event{Kind: notify.PostLate, Profile: notify.ProfileOf(a),
				At: t.DueAt.Add(LateAfter), PostID: p.ID, PostScheduled: t.DueAt, PostText: p.Text})
			if err != nil {
				e.logger.Warn("notify post late", "post", p.ID, "err", err)
			}
		}
	}
}
