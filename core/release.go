package core

import (
	"context"
	"fmt"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
)

// ReleaseSetting is the setting that says whether held posts go out by
// themselves after an Update ("auto") or wait for the person's choice
// ("ask", the default: nothing that waited goes out blindly).
const ReleaseSetting = "schedule.release_held"

// ReleaseAsks reports whether held posts wait for the person's choice.
func (e *Engine) ReleaseAsks(ctx context.Context) bool {
	v, _ := e.settings.Get(ctx, ReleaseSetting)
	return v != "auto"
}

// HeldPosts lists the posts waiting for a choice: held for the account
// (every account when 0), oldest first.
func (e *Engine) HeldPosts(ctx context.Context, accountID int64) ([]schedule.HeldPost, error) {
	return e.posts.Held(ctx, accountID)
}

// ReleaseHeld applies the person's choice to an account's held posts. An
// account still disconnected is refused: its posts would only be held
// again.
func (e *Engine) ReleaseHeld(ctx context.Context, accountID int64, r schedule.Release) (schedule.Released, error) {
	a, err := e.Account(ctx, accountID)
	if err != nil {
		return schedule.Released{}, err
	}
	if a.State == account.Disconnected {
		return schedule.Released{}, fmt.Errorf("%s is still disconnected: Update it first (Accounts, ⋯, Update, or `socialomm accounts update %d`); its posts stay held", a.Handle, a.ID)
	}
	got, err := e.posts.Release(ctx, accountID, r)
	if err == nil {
		e.logReleased(ctx, accountID, got)
	}
	return got, err
}

// ReleaseHeldPosts applies the held-posts dialog's choices (one per post,
// choices[i] for held[i]) together, in one transaction, and returns the
// sum.
func (e *Engine) ReleaseHeldPosts(ctx context.Context, held []schedule.HeldPost, choices []schedule.Release) (schedule.Released, error) {
	if len(held) != len(choices) {
		return schedule.Released{}, fmt.Errorf("%d choices for %d held posts", len(choices), len(held))
	}
	byTarget := make(map[int64]schedule.Release, len(held))
	for i, h := range held {
		byTarget[h.TargetID] = choices[i]
	}
	byAccount, err := e.posts.ReleaseTargets(ctx, byTarget)
	var sum schedule.Released
	for id, got := range byAccount {
		e.logReleased(ctx, id, got)
		sum = sum.Plus(got)
	}
	return sum, err
}

func (e *Engine) logReleased(ctx context.Context, accountID int64, r schedule.Released) {
	if r.Now+r.Kept+r.Skipped == 0 {
		return
	}
	e.store.LogActivity(ctx, accountID, "released",
		fmt.Sprintf("Held posts: %d going now, %d keep their time, %d skipped", r.Now, r.Kept, r.Skipped))
}
