package schedule

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Skipped: the person chose not to send it after it waited too long
// (Release with ReleaseSkipOlder); Error says how long it was held. Final.
const Skipped State = "skipped"

// ReleaseMode is the person's choice for posts that waited.
type ReleaseMode string

const (
	// ReleaseNow publishes every waiting post now.
	ReleaseNow ReleaseMode = "now"
	// ReleaseKeep keeps each post's time; those already past go now.
	ReleaseKeep ReleaseMode = "keep"
	// ReleaseSkipOlder skips posts whose time is more than OlderThan ago
	// and keeps the others' times.
	ReleaseSkipOlder ReleaseMode = "skip-older-than"
)

// Release is a choice for held posts.
type Release struct {
	Mode      ReleaseMode
	OlderThan time.Duration // ReleaseSkipOlder only
}

// ParseRelease reads a mode and, for skip-older-than, an age: a Go
// duration ("90m", "2h30m") or whole days ("3d").
func ParseRelease(mode, age string) (Release, error) {
	switch ReleaseMode(mode) {
	case ReleaseNow, ReleaseKeep:
		if age != "" {
			return Release{}, fmt.Errorf("an age goes only with --mode %s", ReleaseSkipOlder)
		}
		return Release{Mode: ReleaseMode(mode)}, nil
	case ReleaseSkipOlder:
		d, err := ParseAge(age)
		if err != nil {
			return Release{}, err
		}
		return Release{Mode: ReleaseSkipOlder, OlderThan: d}, nil
	}
	return Release{}, fmt.Errorf("%q is not a way to release posts: use now, keep or skip-older-than", mode)
}

// ParseAge reads "3d" (days) or a Go duration ("2h", "90m"); it must be
// more than zero.
func ParseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok && days != "" && !strings.ContainsAny(days, "hmsµnu.") {
		var n int
		if _, err = fmt.Sscanf(days, "%d", &n); err == nil && fmt.Sprint(n) == days {
			d = time.Duration(n) * 24 * time.Hour
		} else {
			err = fmt.Errorf("bad number of days")
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not an age: write e.g. 2h, 90m or 3d", s)
	}
	return d, nil
}

// Released counts what a Release did.
type Released struct {
	Now     int `json:"now"`     // going out now
	Kept    int `json:"kept"`    // waiting for their time, still ahead
	Skipped int `json:"skipped"` // not sent: waited too long
}

// Held lists the held targets of an account (every account when 0), with
// their posts' text, oldest first: what the person chooses about.
func (s *Scheduler) Held(ctx context.Context, accountID int64) ([]HeldPost, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.post_id, t.account_id, t.hold_reason, t.due_at, p.text
		FROM post_targets t JOIN posts p ON p.id = t.post_id
		WHERE t.state = 'held' AND (? = 0 OR t.account_id = ?) ORDER BY t.due_at, t.id`, accountID, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HeldPost
	for rows.Next() {
		var h HeldPost
		var due int64
		if err := rows.Scan(&h.TargetID, &h.PostID, &h.AccountID, &h.HoldReason, &due, &h.Text); err != nil {
			return nil, err
		}
		h.DueAt = fromUnix(due)
		out = append(out, h)
	}
	return out, rows.Err()
}

// HeldPost is one held target with its post's text.
type HeldPost struct {
	TargetID   int64      `json:"target_id"`
	PostID     int64      `json:"post_id"`
	AccountID  int64      `json:"account_id"`
	HoldReason HoldReason `json:"hold_reason"`
	DueAt      time.Time  `json:"due_at"`
	Text       string     `json:"text"`
}

// Release applies r to the account's held targets (both reasons).
func (s *Scheduler) Release(ctx context.Context, accountID int64, r Release) (Released, error) {
	return s.release(ctx, `account_id = ?`, accountID, r)
}

// Plus is both counts together.
func (r Released) Plus(o Released) Released {
	return Released{Now: r.Now + o.Now, Kept: r.Kept + o.Kept, Skipped: r.Skipped + o.Skipped}
}

// ReleaseTargets applies each held target's own choice, all in one
// transaction: the held-posts dialog's Apply, which may carry thousands of
// posts (one transaction, with its flush, per post took minutes), and
// either all of them are decided or none is. Targets no longer held are
// left alone. The counts come by account.
func (s *Scheduler) ReleaseTargets(ctx context.Context, choices map[int64]Release) (map[int64]Released, error) {
	byAccount := map[int64]Released{}
	if len(choices) == 0 {
		return byAccount, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := s.now()
	for id, r := range choices {
		var due, accountID int64
		err := tx.QueryRowContext(ctx, `SELECT due_at, account_id FROM post_targets WHERE state = 'held' AND id = ?`, id).Scan(&due, &accountID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		got := byAccount[accountID]
		if err := s.releaseOne(ctx, tx, id, fromUnix(due), r, now, &got); err != nil {
			return nil, err
		}
		byAccount[accountID] = got
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if len(byAccount) > 0 {
		s.touched()
	}
	return byAccount, nil
}

func (s *Scheduler) release(ctx context.Context, where string, arg int64, r Release) (Released, error) {
	var got Released
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return got, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, due_at FROM post_targets WHERE state = 'held' AND `+where, arg)
	if err != nil {
		return got, err
	}
	type held struct {
		id  int64
		due time.Time
	}
	var list []held
	for rows.Next() {
		var h held
		var due int64
		if err := rows.Scan(&h.id, &due); err != nil {
			rows.Close()
			return got, err
		}
		h.due = fromUnix(due)
		list = append(list, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return got, err
	}
	for _, h := range list {
		if err := s.releaseOne(ctx, tx, h.id, h.due, r, now, &got); err != nil {
			return Released{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return Released{}, err
	}
	if len(list) > 0 {
		s.touched()
	}
	return got, nil
}

// releaseOne applies r to one held target due at due, counting it in got.
func (s *Scheduler) releaseOne(ctx context.Context, tx *sql.Tx, id int64, due time.Time, r Release, now time.Time, got *Released) error {
	waited := now.Sub(due)
	switch {
	case r.Mode == ReleaseSkipOlder && waited > r.OlderThan:
		got.Skipped++
		return s.setSkipped(ctx, tx, id, now, waited)
	case r.Mode == ReleaseNow || !due.After(now):
		got.Now++
		return setScheduled(ctx, tx, id, now, now)
	default:
		got.Kept++
		return setScheduled(ctx, tx, id, due, now)
	}
}

func setScheduled(ctx context.Context, tx *sql.Tx, id int64, at, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE post_targets SET state = 'scheduled', hold_reason = '', error = '',
		attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'held'`, unix(at), unix(now), id)
	return err
}

func (s *Scheduler) setSkipped(ctx context.Context, tx *sql.Tx, id int64, now time.Time, waited time.Duration) error {
	_, err := tx.ExecContext(ctx, `UPDATE post_targets SET state = 'skipped', hold_reason = '', error = ?,
		updated_at = ? WHERE id = ? AND state = 'held'`, "it waited too long (held "+WaitedWords(waited)+")", unix(now), id)
	return err
}

// WaitedWords says how long a post waited, roughly: "3 days", "5 hours",
// "20 minutes".
func WaitedWords(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= 24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/time.Minute), "minute")
}
