package schedule

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// The queue's statements. The queue index (post_targets_runnable, a
// partial index of scheduled and retrying targets ordered by next attempt)
// is named, so each is a range scan that stops at what it needs however
// many targets were published before; TestQueueQueriesUseTheQueueIndex
// checks their plans.
const (
	sqlNextDue = `SELECT next_attempt_at FROM post_targets INDEXED BY post_targets_runnable
		WHERE state IN ('scheduled', 'retrying') ORDER BY next_attempt_at LIMIT 1`

	// sqlClaim marks up to a batch of due targets publishing, in due order.
	sqlClaim = `UPDATE post_targets SET state = 'publishing', attempts = attempts + 1, updated_at = ?
		WHERE id IN (SELECT id FROM post_targets INDEXED BY post_targets_runnable
			WHERE state IN ('scheduled', 'retrying') AND next_attempt_at <= ?
			ORDER BY next_attempt_at, due_at, id LIMIT ?)
		RETURNING ` + targetColumns

	sqlHoldMissed = `UPDATE post_targets INDEXED BY post_targets_runnable
		SET state = 'held', hold_reason = 'missed', updated_at = ?,
		error = 'Missed while SocialOmm was closed: it was due at ' || strftime('%Y-%m-%d %H:%M UTC', due_at, 'unixepoch') || '.'
		WHERE state IN ('scheduled', 'retrying') AND next_attempt_at < ? AND verify_since IS NULL
		RETURNING ` + targetColumns

	sqlRecover = `UPDATE post_targets SET state = 'retrying',
		verify_since = coalesce(verify_since, updated_at),
		next_attempt_at = updated_at + ?, updated_at = ?,
		error = 'SocialOmm stopped while publishing this; it will look for it before sending again.'
		WHERE state = 'publishing'`

	// sqlTaken: remote_id <> '' lets SQLite use the partial index
	// post_targets_remote (it cannot infer it from remote_id = ?).
	sqlTaken = `SELECT 1 FROM post_targets INDEXED BY post_targets_remote
		WHERE account_id = ? AND remote_id = ? AND remote_id <> '' AND id <> ? LIMIT 1`
)

// Run publishes due work until ctx ends. It first recovers what a crash
// left behind (Recover), then sleeps until the next target is due, a Nudge,
// or Options.Poll at most: the database is the only truth, so work added by
// another process, a clock jump or a resume from sleep is noticed within a
// poll. On ctx's end requests in flight finish (within PublishTimeout) and
// their outcomes are stored, because a request cut short has an unknown
// outcome.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.pub == nil {
		return ErrNoPublisher
	}
	recovered := false
	// Outcomes still in memory are tried once more on the way out; what is
	// left then stays `publishing`, and the next start looks for the post.
	defer s.flushUnsaved(context.WithoutCancel(ctx), true)
	for {
		wait := s.opts.Poll
		s.flushUnsaved(ctx, false)
		var err error
		if !recovered {
			if err = s.Recover(ctx); err == nil {
				recovered = true
			}
		} else {
			err = s.tickIfDue(ctx)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			s.log.Warn("scheduler pass failed; trying again shortly", "err", err)
		} else if next, ok, err := s.nextDue(ctx); err != nil {
			s.log.Warn("scheduler could not read the queue", "err", err)
		} else if ok {
			wait = min(wait, next.Sub(s.clock.Now()))
		}
		if next, ok := s.nextUnsaved(); ok {
			wait = min(wait, next.Sub(s.clock.Now()))
		}
		wake := s.clock.After(wait)
		if s.idle != nil {
			s.idle()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.nudge:
		case <-wake:
		}
	}
}

// tickIfDue runs a pass only when something is due (missed work is due
// too), so an idle loop costs one indexed read per poll and never takes the
// database's write lock.
func (s *Scheduler) tickIfDue(ctx context.Context) error {
	next, ok, err := s.nextDue(ctx)
	if err != nil || !ok || next.After(s.now()) {
		return err
	}
	_, err = s.Tick(ctx)
	return err
}

// nextDue is the earliest time a scheduled or retrying target is due.
func (s *Scheduler) nextDue(ctx context.Context) (time.Time, bool, error) {
	var next int64
	err := s.db.QueryRowContext(ctx, sqlNextDue).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return fromUnix(next), true, nil
}

// Recover deals with targets a crash left `publishing`, then runs one pass
// (Tick). Run calls it first; call it alone only where no Run is going.
//
// Such a target's request may or may not have reached the network, so it
// is never sent again blindly. It becomes `retrying` with
// OutcomeUnknownSince set to when it was claimed, due Settle after that
// claim (a request the server was still handling when the app died has then
// landed). When it comes up, resolveUnknown looks for the post first.
func (s *Scheduler) Recover(ctx context.Context) error {
	now := unix(s.now())
	res, err := s.db.ExecContext(ctx, sqlRecover, int64(s.opts.Settle/time.Second), now)
	if err != nil {
		return fmt.Errorf("recover interrupted posts: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.log.Info("posts interrupted by a stop will be looked for before any new send", "targets", n)
		s.changed()
	}
	_, err = s.Tick(ctx)
	return err
}

// Tick does one pass: holds work missed beyond the grace window, then
// claims and publishes everything due, batch after batch. It returns how
// many targets it handled. Run calls it; tests and benchmarks may too.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	if s.pub == nil {
		return 0, ErrNoPublisher
	}
	held, err := s.holdMissed(ctx)
	if err != nil {
		return 0, err
	}
	total := held
	for ctx.Err() == nil {
		batch, err := s.claim(ctx)
		if err != nil {
			return total, err
		}
		s.process(ctx, batch)
		total += len(batch)
		if len(batch) < s.opts.Batch {
			break
		}
	}
	if total > 0 {
		s.changed()
	}
	return total, nil
}

// grace is the lateness beyond which work counts as missed.
func (s *Scheduler) grace(ctx context.Context) time.Duration {
	return max(s.opts.Grace(ctx), pastTolerance)
}

// holdMissed holds the work that was due longer ago than the grace window:
// SocialOmm was closed, or the computer asleep, when it was due. Sending it
// now could say something no longer true, and sending it all at once would
// flood the profile, so the person decides. Work of unknown outcome is left
// to resolveUnknown, which looks for it first and applies the same rule.
func (s *Scheduler) holdMissed(ctx context.Context) (int, error) {
	now := s.now()
	cutoff := now.Add(-s.grace(ctx))
	rows, err := s.db.QueryContext(ctx, sqlHoldMissed, unix(now), unix(cutoff))
	if err != nil {
		return 0, err
	}
	list, err := scanTargets(rows)
	if err != nil {
		return 0, err
	}
	if len(list) == 0 {
		return 0, nil
	}
	posts, err := s.postsOf(ctx, list)
	if err != nil {
		return len(list), err
	}
	s.log.Info("posts missed while SocialOmm was closed are held for you", "targets", len(list))
	for _, t := range list {
		s.heldHook(ctx, t, posts[t.PostID])
	}
	return len(list), nil
}

func scanTargets(rows *sql.Rows) ([]Target, error) {
	defer rows.Close()
	var list []Target
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// claim marks up to a batch of due targets `publishing` in one statement,
// before any request leaves, and returns them in due order. Attempts counts
// the claim. NextAttemptAt stays as it was (how late the target is).
func (s *Scheduler) claim(ctx context.Context) ([]Target, error) {
	now := unix(s.now())
	rows, err := s.db.QueryContext(ctx, sqlClaim, now, now, s.opts.Batch)
	if err != nil {
		return nil, err
	}
	list, err := scanTargets(rows)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b Target) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return list, nil
}

// postsOf loads the posts (without targets) the targets belong to.
func (s *Scheduler) postsOf(ctx context.Context, list []Target) (map[int64]Post, error) {
	out := map[int64]Post{}
	var ids []any
	for _, t := range list {
		if _, ok := out[t.PostID]; !ok {
			out[t.PostID] = Post{}
			ids = append(ids, t.PostID)
		}
	}
	const chunk = 500
	for i := 0; i < len(ids); i += chunk {
		part := ids[i:min(i+chunk, len(ids))]
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")
		rows, err := s.db.QueryContext(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.id IN (`+marks+`)`, part...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			p, err := scanPost(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[p.ID] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// process publishes a claimed batch: each account's targets one after
// another in due order (so held posts released after an Update keep their
// order), up to Concurrency accounts at once. It returns when every outcome
// is stored.
func (s *Scheduler) process(ctx context.Context, batch []Target) {
	if len(batch) == 0 {
		return
	}
	// Outcomes are stored even when ctx ends: a claimed target left
	// `publishing` would have to be looked for after the next start.
	bg := context.WithoutCancel(ctx)
	posts, err := s.postsOf(bg, batch)
	if err != nil {
		// Without the texts nothing can be sent; the targets go back to
		// retrying (nothing left, so their outcome is known).
		for _, t := range batch {
			s.retryLater(bg, t, Post{ID: t.PostID}, err, false)
		}
		return
	}
	var order []int64
	groups := map[int64][]Target{}
	for _, t := range batch {
		if _, ok := groups[t.AccountID]; !ok {
			order = append(order, t.AccountID)
		}
		groups[t.AccountID] = append(groups[t.AccountID], t)
	}
	sem := make(chan struct{}, s.opts.Concurrency)
	var wg sync.WaitGroup
	for _, acct := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func(list []Target) {
			defer wg.Done()
			defer func() { <-sem }()
			s.publishAccount(ctx, bg, list, posts)
		}(groups[acct])
	}
	wg.Wait()
}

// publishAccount sends one account's claimed targets in order.
func (s *Scheduler) publishAccount(ctx, bg context.Context, list []Target, posts map[int64]Post) {
	accountID := list[0].AccountID
	usable, err := true, error(nil)
	if s.accts != nil {
		usable, err = s.accts.Usable(bg, accountID)
	}
	var lost error // set once the network refused this account's access
	for _, t := range list {
		post := posts[t.PostID]
		switch {
		case err != nil:
			s.retryLater(bg, t, post, fmt.Errorf("could not tell whether the account is connected: %w", err), false)
		case !usable:
			s.hold(bg, t, post, HoldAccount, "The account is disconnected; reconnect it (Accounts, ⋯, Update), then this goes out or waits for your choice (setting schedule.release_held).")
		case lost != nil:
			s.hold(bg, t, post, HoldAccount, lost.Error())
		case ctx.Err() != nil:
			// Shutting down: give the rest back untouched (not tried).
			s.unclaim(bg, t)
		default:
			lost = s.publishOne(bg, t, post)
		}
	}
}

// publishOne sends one target (looking for it first when an earlier send's
// outcome is unknown) and stores the outcome. It returns the error when the
// network refused the account's access, so the account's next targets are
// held without asking again.
func (s *Scheduler) publishOne(ctx context.Context, t Target, post Post) (lost error) {
	if t.OutcomeUnknownSince != nil {
		done, lost := s.resolveUnknown(ctx, t, post)
		if done {
			return lost
		}
	}
	rctx, cancel := context.WithTimeout(ctx, s.opts.PublishTimeout)
	res, err := s.pub.Publish(rctx, t.AccountID, post.Text, IdempotencyKey(t))
	cancel()
	switch {
	case err == nil:
		s.published(ctx, t, post, res)
	case outcomeUnknown(err):
		s.retryLater(ctx, t, post, err, true)
	case network.ReasonOf(err) != account.ReasonNone:
		s.authRefused(ctx, t, post, err)
		return err
	case network.IsTransient(err):
		s.retryLater(ctx, t, post, err, false)
	default:
		s.fail(ctx, t, post, err)
	}
	return nil
}

// resolveUnknown settles a target whose earlier send may have gone out,
// before anything is sent again. done is false when the caller should send.
//
// Why this is safe:
//   - The post is found among the account's posts since the first send of
//     unknown outcome (less ClockSkew): it went out; it is recorded as
//     published with that post's id and link and never sent again. A post
//     already recorded for another target (the same text scheduled twice)
//     is not taken, so two identical posts are told apart.
//   - The network says confidently that no such post exists since then: the
//     earlier request did not create one. Settle has passed since it was
//     sent (Recover and retryLater see to that), so it is not still being
//     handled. Sending again is then the only way the post goes out at all;
//     it is sent, unless that would be later than the grace window, in which
//     case it is held as missed for the person, like any missed work.
//   - The network cannot be asked now (down, rate-limited): the question is
//     asked again later, with the usual backoff; after MaxAttempts the
//     target becomes unconfirmed.
//   - The network cannot tell (no way to list posts, or too many posts since
//     then to see them all): nothing can prove either way, so the target
//     becomes unconfirmed and the person decides. Sending blindly could post
//     twice; dropping it could lose the post.
func (s *Scheduler) resolveUnknown(ctx context.Context, t Target, post Post) (done bool, lost error) {
	since := t.OutcomeUnknownSince.Add(-s.opts.ClockSkew)
	rctx, cancel := context.WithTimeout(ctx, s.opts.PublishTimeout)
	found, err := s.pub.FindPublished(rctx, t.AccountID, post.Text, since)
	cancel()
	switch {
	case err == nil:
		for _, p := range found {
			taken, err := s.remoteTaken(ctx, t, p.RemoteID)
			if err != nil {
				s.retryLater(ctx, t, post, err, true)
				return true, nil
			}
			if !taken {
				s.log.Info("post of unknown outcome found on the network", "post", t.PostID, "target", t.ID)
				s.published(ctx, t, post, p)
				return true, nil
			}
		}
		if late := s.now().Sub(t.NextAttemptAt); late > s.grace(ctx) {
			s.hold(ctx, t, post, HoldMissed, "Missed while SocialOmm was closed: it was due at "+
				t.DueAt.Format("2006-01-02 15:04 UTC")+". It was not published.")
			return true, nil
		}
		s.log.Info("post of unknown outcome is not on the network; sending it", "post", t.PostID, "target", t.ID)
		return false, nil
	case network.ReasonOf(err) != account.ReasonNone:
		s.authRefused(ctx, t, post, err)
		return true, err
	case network.IsTransient(err) && !errors.Is(err, ErrCannotLook):
		s.retryLater(ctx, t, post, fmt.Errorf("could not look whether it went out: %w", err), true)
		return true, nil
	default:
		s.unconfirmed(ctx, t, post, err)
		return true, nil
	}
}

// remoteTaken reports whether a network post is already recorded for
// another target of the same account.
func (s *Scheduler) remoteTaken(ctx context.Context, t Target, remoteID string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, sqlTaken, t.AccountID, remoteID, t.ID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// outcomeUnknown: the request may have reached the network. A context
// error counts too: the request was cut at an unknown point.
func outcomeUnknown(err error) bool {
	return errors.Is(err, network.ErrOutcomeUnknown) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// IdempotencyKey is the key sent with every publish of t: the same for
// every attempt, different for every target. It carries the due time
// (network.PublishKey); a target whose outcome is unknown cannot be edited,
// so the key cannot change while it may be out.
func IdempotencyKey(t Target) string {
	return network.PublishKey(fmt.Sprintf("socialomm-%d-%d", t.PostID, t.ID), t.DueAt)
}

// Backoff is the wait after the attempts-th attempt failed transiently:
// base doubling up to limit; retryAfter (the network's own wait) wins when
// longer.
func Backoff(attempts int, base, limit, retryAfter time.Duration) time.Duration {
	d := base
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return max(d, retryAfter)
}

func retryAfterOf(err error) time.Duration {
	var te *network.TransientError
	if errors.As(err, &te) {
		return te.RetryAfter
	}
	return 0
}

// update stores a claimed target's outcome, then calls then (may be nil)
// with it as stored. A write that fails (disk full, a lock held past the
// busy timeout) does not lose the outcome: it is kept in memory and written
// again by Run (see unsaved.go); then runs once it is stored. A target that
// is no longer `publishing` (deleted meanwhile) is left alone.
func (s *Scheduler) update(ctx context.Context, t Target, post Post, outcome string, then func(Target), set string, args ...any) {
	stored, found, err := s.write(ctx, t, set, args)
	if err != nil {
		s.keepUnsaved(t, post, outcome, then, set, args, err)
		return
	}
	if found && then != nil {
		then(stored)
	}
}

// write runs one outcome's UPDATE; found is false when the target was no
// longer `publishing`.
func (s *Scheduler) write(ctx context.Context, t Target, set string, args []any) (Target, bool, error) {
	list, err := s.writeGrouped(ctx, `UPDATE post_targets SET `+set+`, updated_at = ?
		WHERE id = ? AND state = 'publishing' RETURNING `+targetColumns, append(slices.Clone(args), unix(s.now()), t.ID))
	if err != nil {
		return t, false, err
	}
	if len(list) == 0 {
		return t, false, nil
	}
	return list[0], true, nil
}

func (s *Scheduler) published(ctx context.Context, t Target, post Post, res network.Published) {
	s.update(ctx, t, post, "it was published ("+res.URL+")", nil,
		`state = 'published', remote_id = ?, remote_url = ?, error = '', hold_reason = '', verify_since = NULL`,
		res.RemoteID, res.URL)
	s.log.Info("post published", "post", t.PostID, "target", t.ID, "account", t.AccountID, "remote_id", res.RemoteID)
}

// retryLater puts a target back after a transient failure, or fails it
// (unconfirmed if it may have gone out) after MaxAttempts. unknown means the
// failed request may have reached the network.
func (s *Scheduler) retryLater(ctx context.Context, t Target, post Post, err error, unknown bool) {
	if t.Attempts >= s.opts.MaxAttempts {
		if unknown || t.OutcomeUnknownSince != nil {
			s.unconfirmed(ctx, t, post, err)
		} else {
			s.fail(ctx, t, post, fmt.Errorf("gave up after %d attempts: %w", t.Attempts, err))
		}
		return
	}
	wait := Backoff(t.Attempts, s.opts.Backoff, s.opts.MaxBackoff, retryAfterOf(err))
	verify := any(nil)
	if t.OutcomeUnknownSince != nil {
		verify = unix(*t.OutcomeUnknownSince)
	}
	if unknown {
		wait = max(wait, s.opts.Settle)
		if verify == nil {
			verify = unix(t.UpdatedAt) // when it was claimed: the send began after
		}
	}
	next := s.now().Add(wait)
	s.update(ctx, t, post, "it is to be tried again", nil, `state = 'retrying', error = ?, next_attempt_at = ?, verify_since = ?`,
		err.Error(), unix(next), verify)
	s.log.Info("post will be tried again", "post", t.PostID, "target", t.ID, "at", next, "err", err)
}

func (s *Scheduler) fail(ctx context.Context, t Target, post Post, err error) {
	s.update(ctx, t, post, "it failed: "+err.Error(), func(stored Target) {
		if s.hooks != nil {
			s.hooks.TargetFailed(ctx, stored, post, err)
		}
	}, `state = 'failed', error = ?, verify_since = NULL`, err.Error())
	s.log.Warn("post failed", "post", t.PostID, "target", t.ID, "account", t.AccountID, "err", err)
}

func (s *Scheduler) unconfirmed(ctx context.Context, t Target, post Post, err error) {
	err = fmt.Errorf("%w: %w", ErrUnconfirmed, err)
	s.update(ctx, t, post, "it may or may not have gone out", func(stored Target) {
		if s.hooks != nil {
			s.hooks.TargetFailed(ctx, stored, post, err)
		}
	}, `state = 'unconfirmed', error = ?`, err.Error()+". Look at the profile, then Retry to send it again or Delete it.")
	s.log.Warn("post unconfirmed", "post", t.PostID, "target", t.ID, "account", t.AccountID, "err", err)
}

// hold keeps a claimed target; verify_since is kept, so a release looks
// for a post of unknown outcome before sending, except for a missed target
// that was just looked for and not found.
func (s *Scheduler) hold(ctx context.Context, t Target, post Post, why HoldReason, words string) {
	set := `state = 'held', hold_reason = ?, error = ?`
	if why == HoldMissed {
		set += `, verify_since = NULL`
	}
	s.update(ctx, t, post, "it is held: "+words, func(stored Target) { s.heldHook(ctx, stored, post) },
		set, string(why), words)
	s.log.Info("post held", "post", t.PostID, "target", t.ID, "account", t.AccountID, "why", string(why))
}

func (s *Scheduler) heldHook(ctx context.Context, t Target, post Post) {
	if s.hooks != nil {
		s.hooks.TargetHeld(ctx, t, post)
	}
}

// authRefused holds the target, then tells the engine so it disconnects
// the account at once, then raises the held notification. It is never
// retried until ReleaseHeld.
func (s *Scheduler) authRefused(ctx context.Context, t Target, post Post, err error) {
	s.log.Warn("network refused access while publishing", "account", t.AccountID, "reason", string(network.ReasonOf(err)))
	// The account is disconnected at once, whether or not the target's
	// outcome could be written yet; the held notice follows the write.
	told := false
	tell := func() {
		if !told && s.hooks != nil {
			told = true
			s.hooks.AuthRefused(ctx, t.AccountID, err)
		}
	}
	s.update(ctx, t, post, "it is held: the network refused SocialOmm's access", func(stored Target) {
		tell()
		if s.hooks != nil {
			s.hooks.TargetHeld(ctx, stored, post)
		}
	}, `state = 'held', hold_reason = 'account', error = ?`,
		err.Error()+". Reconnect the account (Accounts, ⋯, Update); this goes out afterwards.")
	tell()
}

// unclaim gives a claimed target that was not tried back to the queue as
// it was (its attempt not counted).
func (s *Scheduler) unclaim(ctx context.Context, t Target) {
	state := Scheduled
	if t.Attempts > 1 || t.OutcomeUnknownSince != nil || t.Error != "" {
		state = Retrying
	}
	s.update(ctx, t, Post{ID: t.PostID}, "it was not tried and goes back to the queue", nil,
		`state = ?, attempts = attempts - 1`, string(state))
}
