// Package schedule keeps scheduled posts and publishes them: one target per
// chosen account, each with its own state, published at its time whether the
// window is open, hidden in the tray or run by `socialomm daemon`.
//
// Its promises, and where each is kept:
//
//   - Persistent: everything lives in the post_targets table; the loop (Run)
//     only ever looks at the database, so a post scheduled by another process
//     (the command line) is picked up within Options.Poll.
//   - Never twice: a target is marked `publishing` in the database before the
//     request leaves (claim). A send whose outcome is unknown (crash, timeout
//     after the request was written) is never sent again blindly: the post is
//     looked for first (see resolveUnknown).
//   - Never dropped, never blasted out: work missed while the app was closed
//     goes out late only within the grace window; older work is held for the
//     person (holdMissed).
//   - A refusal for authorisation holds the target and tells the engine at
//     once (Hooks.AuthRefused); held targets go out in order after Update
//     (ReleaseHeld).
//
// The package knows nothing of networks, keyrings or notifications: it talks
// to them through Publisher, Accounts and Hooks, defined here and kept small.
package schedule

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/store"
)

// State is where one target (a post for one account) stands. It is stored
// as its string value.
type State string

const (
	// Scheduled: waiting for its time.
	Scheduled State = "scheduled"
	// Publishing: the request is (or may be) on its way. Set in the database
	// before the request leaves; a target found in this state at start-up
	// was interrupted by a crash and its outcome is unknown.
	Publishing State = "publishing"
	// Published: the network has it; RemoteID and URL say where.
	Published State = "published"
	// Held: kept, not sent; HoldReason says why and what releases it.
	Held State = "held"
	// Failed: the network refused it; Error has the network's words.
	Failed State = "failed"
	// Retrying: a transient failure; tried again at NextAttemptAt.
	Retrying State = "retrying"
	// Unconfirmed: it may or may not have gone out and SocialOmm cannot find
	// out; the person decides (Retry sends it again, Delete forgets it).
	Unconfirmed State = "unconfirmed"
)

// HoldReason says why a target is held.
type HoldReason string

const (
	// HoldAccount: the account is disconnected. ReleaseHeld (after a
	// successful Update) sends it.
	HoldAccount HoldReason = "account"
	// HoldMissed: it was due while SocialOmm was closed (or the computer
	// asleep) longer ago than the grace window. It waits for the person:
	// PostNow, Retry, Edit with a new time, or Delete.
	HoldMissed HoldReason = "missed"
)

// Target is one post for one account.
type Target struct {
	ID         int64      `json:"id"`
	PostID     int64      `json:"post_id"`
	AccountID  int64      `json:"account_id"`
	State      State      `json:"state"`
	HoldReason HoldReason `json:"hold_reason,omitempty"`
	// RemoteID and URL are the network's id of and link to the published post.
	RemoteID string `json:"remote_id,omitempty"`
	URL      string `json:"url,omitempty"`
	// Error is what went wrong last, in the network's words where it gave
	// some; empty once published.
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts"`
	// DueAt is when the person wants it out; NextAttemptAt when the
	// scheduler will next try (later than DueAt after a transient failure).
	DueAt         time.Time `json:"due_at"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	// OutcomeUnknownSince is set when a send may have gone out without an
	// answer at or after this time: the post is looked for before any new
	// send.
	OutcomeUnknownSince *time.Time `json:"outcome_unknown_since,omitempty"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// Post is a text scheduled for a time, with one target per account.
type Post struct {
	ID        int64     `json:"id"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"` // UTC
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Targets are in account id order. Hooks get a Post without them.
	Targets []Target `json:"targets"`
}

// Publisher sends posts to the networks. Implementations must be safe for
// concurrent use. NetworkPublisher is the one built on network.Adapter.
type Publisher interface {
	// Publish sends text as a post of the account. idempotencyKey is stable
	// for one target. An error that Is network.ErrOutcomeUnknown (or a
	// context error) means the request may have reached the network.
	Publish(ctx context.Context, accountID int64, text, idempotencyKey string) (network.Published, error)
	// FindPublished lists the account's posts carrying text that were made
	// at or after since, oldest first; an empty list means the network says
	// confidently that there is none. It returns an error that Is
	// ErrCannotLook when the network cannot tell (no way to list posts, or
	// more posts since then than it lists); a transient error when it could
	// not be asked now.
	FindPublished(ctx context.Context, accountID int64, text string, since time.Time) ([]network.Published, error)
}

// Accounts says whether an account can publish now.
type Accounts interface {
	// Usable is false when the account is disconnected.
	Usable(ctx context.Context, accountID int64) (bool, error)
}

// Hooks is how the scheduler tells the engine what the person must hear
// about. They are called from the scheduler's goroutines, possibly several
// at once, after the new state is stored; they should be quick (queue a
// notification, mark an account).
type Hooks interface {
	// TargetFailed: t is failed (err has the network's words) or unconfirmed
	// (err Is ErrUnconfirmed): the person has to decide.
	TargetFailed(ctx context.Context, t Target, post Post, err error)
	// TargetHeld: t is held; t.HoldReason says whether the account is
	// disconnected or the post was missed while SocialOmm was closed.
	TargetHeld(ctx context.Context, t Target, post Post)
	// AuthRefused: the network refused a publish for authorisation
	// (network.ReasonOf(err) says why). The engine disconnects the account
	// at once; the target is held and TargetHeld follows.
	AuthRefused(ctx context.Context, accountID int64, err error)
	// OutcomeUnsaved: t's outcome (in err's words, which wrap
	// ErrOutcomeUnsaved) could not be written for TellUnsavedAfter; the
	// scheduler keeps trying. An error (the notification could not be
	// queued) makes it ask again after the next failed write.
	OutcomeUnsaved(ctx context.Context, t Target, post Post, err error) error
}

var (
	// ErrNotFound: no such post.
	ErrNotFound = errors.New("no such post")
	// ErrEmptyText: there is nothing to post.
	ErrEmptyText = errors.New("the post has no text")
	// ErrNoAccounts: a post needs at least one account.
	ErrNoAccounts = errors.New("choose at least one account to post to")
	// ErrUnknownAccount: an account id that does not exist.
	ErrUnknownAccount = errors.New("no such account")
	// ErrInPast: the time is more than a minute ago.
	ErrInPast = errors.New("the time is in the past")
	// ErrBusy: a target of the post is being published right now.
	ErrBusy = errors.New("the post is being published right now; try again in a moment")
	// ErrNothingToEdit: every target already went out (or may have).
	ErrNothingToEdit = errors.New("nothing left to change: every account's copy went out or may have")
	// ErrNothingToRetry: no target of the post is failed, unconfirmed or held.
	ErrNothingToRetry = errors.New("nothing to retry: no account's copy failed, is unconfirmed or is held")
	// ErrCannotLook: the network cannot say whether a post went out.
	ErrCannotLook = errors.New("the network cannot tell whether the post went out")
	// ErrUnconfirmed wraps the reason a target became unconfirmed.
	ErrUnconfirmed = errors.New("SocialOmm could not confirm whether the post went out")
	// ErrNoPublisher: Run or Tick on a Scheduler built without a Publisher.
	ErrNoPublisher = errors.New("the scheduler has no publisher")
)

// Defaults for Options.
const (
	DefaultGrace       = time.Hour
	DefaultPoll        = time.Second
	DefaultConcurrency = 4
	// DefaultBatch claims no more than can be in flight: every claimed
	// target is marked publishing, and after a crash each of those must be
	// looked for before it may be sent again.
	DefaultBatch          = DefaultConcurrency
	DefaultMaxAttempts    = 6
	DefaultBackoff        = 30 * time.Second
	DefaultMaxBackoff     = 30 * time.Minute
	DefaultSettle         = 30 * time.Second
	DefaultClockSkew      = 5 * time.Minute
	DefaultPublishTimeout = 90 * time.Second
)

// pastTolerance is how far in the past a new time may be: a post composed
// for "10:00" and saved at 10:00:40 is meant for now, not refused. It is also
// the least lateness treated as missed, so a grace of 0 still lets the loop's
// own small delays pass.
const pastTolerance = time.Minute

// Options wire a Scheduler. Zero values get the defaults above.
type Options struct {
	Clock     clock.Clock
	Publisher Publisher // nil: a scheduler that only edits the queue (command line)
	Accounts  Accounts  // nil: every account is usable
	Hooks     Hooks     // nil: nobody is told
	Logger    *slog.Logger
	// Grace is how late work missed while SocialOmm was closed may still go
	// out; the engine reads the schedule.grace_minutes setting. Nil: 1 h.
	Grace func(context.Context) time.Duration
	// Changed is called after posts or targets changed, so views reload.
	Changed func()
	// Poll is how often Run looks at the database for work added by
	// another process (and notices clock jumps and resume from sleep).
	Poll time.Duration
	// Concurrency is how many accounts publish at once; one account's
	// targets always go out one after another, in order.
	Concurrency int
	// Batch is how many targets one claim takes.
	Batch int
	// MaxAttempts is how many times a target is tried before it fails.
	MaxAttempts int
	// Backoff is the first wait after a transient failure; it doubles up to
	// MaxBackoff. A longer Retry-After from the network wins.
	Backoff, MaxBackoff time.Duration
	// Settle is how long after a send of unknown outcome the scheduler
	// waits before looking for the post, so a request the server was still
	// handling has landed.
	Settle time.Duration
	// ClockSkew widens the search for a post of unknown outcome, as the
	// network's clock may run behind this computer's.
	ClockSkew time.Duration
	// PublishTimeout bounds one request (publish or look). On shutdown a
	// request in flight is allowed to finish within it rather than cut,
	// because a cut request has an unknown outcome.
	PublishTimeout time.Duration
	// UnsavedBackoff is the first wait before an outcome that could not be
	// written is written again; it doubles up to UnsavedMaxBackoff.
	UnsavedBackoff, UnsavedMaxBackoff time.Duration
	// TellUnsavedAfter is how long an outcome may stay unwritten before
	// the person is told (Hooks.OutcomeUnsaved).
	TellUnsavedAfter time.Duration
}

// Scheduler is the post queue and its publishing loop. Its methods are safe
// for concurrent use; run one Run per database (the instance lock sees to
// that), while any number of processes may edit the queue.
type Scheduler struct {
	st    *store.Store
	db    *sql.DB
	clock clock.Clock
	pub   Publisher
	accts Accounts
	hooks Hooks
	log   *slog.Logger
	opts  Options
	nudge chan struct{}
	idle  func() // tests: called each time Run goes to sleep

	mu      sync.Mutex
	unsaved map[int64]*unsaved // by target id: outcomes not written yet

	writes writeGroup // outcomes written together (groupwrite.go)
}

// New returns a Scheduler on st.
func New(st *store.Store, opts Options) *Scheduler {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Grace == nil {
		opts.Grace = func(context.Context) time.Duration { return DefaultGrace }
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.Poll, DefaultPoll)
	def(&opts.Backoff, DefaultBackoff)
	def(&opts.MaxBackoff, DefaultMaxBackoff)
	def(&opts.Settle, DefaultSettle)
	def(&opts.ClockSkew, DefaultClockSkew)
	def(&opts.PublishTimeout, DefaultPublishTimeout)
	def(&opts.UnsavedBackoff, DefaultUnsavedBackoff)
	def(&opts.UnsavedMaxBackoff, DefaultUnsavedMaxBackoff)
	def(&opts.TellUnsavedAfter, DefaultTellUnsavedAfter)
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	return &Scheduler{
		st: st, db: st.DB(), clock: opts.Clock, pub: opts.Publisher, accts: opts.Accounts,
		hooks: opts.Hooks, log: opts.Logger, opts: opts, nudge: make(chan struct{}, 1),
		unsaved: map[int64]*unsaved{},
	}
}

// Nudge wakes the loop to look at the queue now. The queue's own methods
// call it; call it after changing things the loop depends on elsewhere.
func (s *Scheduler) Nudge() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

func (s *Scheduler) changed() {
	if s.opts.Changed != nil {
		s.opts.Changed()
	}
}

// after a change by the person: wake the loop, tell the views.
func (s *Scheduler) touched() {
	s.Nudge()
	s.changed()
}

// now is the clock's time in whole UTC seconds, as stored.
func (s *Scheduler) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

func unix(t time.Time) int64 { return t.UTC().Unix() }

func fromUnix(v int64) time.Time { return time.Unix(v, 0).UTC() }

// Schedule saves text to go out at at to each account. A zero at means now;
// a time more than a minute in the past is refused. Accounts that are
// disconnected are accepted: their targets are held when due.
func (s *Scheduler) Schedule(ctx context.Context, text string, at time.Time, accountIDs []int64) (Post, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Post{}, ErrEmptyText
	}
	ids := slices.Clone(accountIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return Post{}, ErrNoAccounts
	}
	now := s.now()
	at, err := s.checkTime(at, now, time.Time{})
	if err != nil {
		return Post{}, err
	}
	var postID int64
	err = s.st.InTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, id).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: %d (see `socialomm accounts list`)", ErrUnknownAccount, id)
			}
			if err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO posts (text, scheduled_at, draft, created_at, updated_at)
			VALUES (?, ?, 0, ?, ?) RETURNING id`, text, unix(at), unix(now), unix(now)).Scan(&postID); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO post_targets (post_id, account_id, state, due_at,
			next_attempt_at, updated_at) VALUES (?, ?, 'scheduled', ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range ids {
			if _, err := stmt.ExecContext(ctx, postID, id, unix(at), unix(at), unix(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Post{}, err
	}
	s.touched()
	return s.Post(ctx, postID)
}

// checkTime turns a requested time into the stored one: zero is now, whole
// seconds, UTC; more than pastTolerance ago is refused unless it equals
// keep (an edit that leaves the time as it was).
func (s *Scheduler) checkTime(at, now, keep time.Time) (time.Time, error) {
	if at.IsZero() {
		return now, nil
	}
	at = at.UTC().Truncate(time.Second)
	if at.Equal(keep) {
		return at, nil
	}
	if at.Before(now.Add(-pastTolerance)) {
		return time.Time{}, fmt.Errorf("%w (%s); choose a later time or post now", ErrInPast,
			at.Format("2 Jan 2006 15:04 UTC"))
	}
	return at, nil
}

// Filter narrows Posts. Zero fields do not filter.
type Filter struct {
	// AccountID keeps posts with a target for this account.
	AccountID int64
	// States keeps posts with at least one target in one of these states.
	States []State
	// From and To keep posts whose time is in [From, To).
	From, To time.Time
	// Limit caps the number of posts.
	Limit int
}

const postColumns = `p.id, p.text, coalesce(p.scheduled_at, p.created_at), p.created_at, p.updated_at`

const targetColumns = `id, post_id, account_id, state, hold_reason, remote_id, remote_url, error, attempts,
	due_at, next_attempt_at, verify_since, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanPost(row scanner) (Post, error) {
	var p Post
	var at, created, updated int64
	if err := row.Scan(&p.ID, &p.Text, &at, &created, &updated); err != nil {
		return p, err
	}
	p.At, p.CreatedAt, p.UpdatedAt = fromUnix(at), fromUnix(created), fromUnix(updated)
	return p, nil
}

func scanTarget(row scanner) (Target, error) {
	var t Target
	var state, hold string
	var due, next, updated int64
	var verify sql.NullInt64
	if err := row.Scan(&t.ID, &t.PostID, &t.AccountID, &state, &hold, &t.RemoteID, &t.URL, &t.Error,
		&t.Attempts, &due, &next, &verify, &updated); err != nil {
		return t, err
	}
	t.State, t.HoldReason = State(state), HoldReason(hold)
	t.DueAt, t.NextAttemptAt, t.UpdatedAt = fromUnix(due), fromUnix(next), fromUnix(updated)
	if verify.Valid {
		v := fromUnix(verify.Int64)
		t.OutcomeUnknownSince = &v
	}
	return t, nil
}

// Posts lists posts by time (then id), each with its targets. Drafts are
// not the scheduler's and are left out.
func (s *Scheduler) Posts(ctx context.Context, f Filter) ([]Post, error) {
	var where []string
	var args []any
	where = append(where, "p.draft = 0")
	if f.AccountID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM post_targets t WHERE t.post_id = p.id AND t.account_id = ?)")
		args = append(args, f.AccountID)
	}
	if len(f.States) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.States)), ", ")
		where = append(where, "EXISTS (SELECT 1 FROM post_targets t WHERE t.post_id = p.id AND t.state IN ("+marks+"))")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if !f.From.IsZero() {
		where = append(where, "p.scheduled_at >= ?")
		args = append(args, unix(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "p.scheduled_at < ?")
		args = append(args, unix(f.To))
	}
	q := `SELECT ` + postColumns + ` FROM posts p WHERE ` + strings.Join(where, " AND ") + ` ORDER BY p.scheduled_at, p.id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	posts := []Post{}
	index := map[int64]int{}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		p.Targets = []Target{}
		index[p.ID] = len(posts)
		posts = append(posts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Targets in chunks, to stay under SQLite's variable limit.
	const chunk = 500
	for i := 0; i < len(posts); i += chunk {
		part := posts[i:min(i+chunk, len(posts))]
		ids := make([]any, len(part))
		for j, p := range part {
			ids[j] = p.ID
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
		trows, err := s.db.QueryContext(ctx, `SELECT `+targetColumns+` FROM post_targets
			WHERE post_id IN (`+marks+`) ORDER BY post_id, account_id`, ids...)
		if err != nil {
			return nil, err
		}
		for trows.Next() {
			t, err := scanTarget(trows)
			if err != nil {
				trows.Close()
				return nil, err
			}
			p := &posts[index[t.PostID]]
			p.Targets = append(p.Targets, t)
		}
		trows.Close()
		if err := trows.Err(); err != nil {
			return nil, err
		}
	}
	return posts, nil
}

// Post returns one post with its targets, or ErrNotFound.
func (s *Scheduler) Post(ctx context.Context, id int64) (Post, error) {
	p, err := scanPost(s.db.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.id = ? AND p.draft = 0`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: %d (see `socialomm posts list`)", ErrNotFound, id)
	}
	if err != nil {
		return p, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+targetColumns+` FROM post_targets WHERE post_id = ? ORDER BY account_id`, id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	p.Targets = []Target{}
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return p, err
		}
		p.Targets = append(p.Targets, t)
	}
	return p, rows.Err()
}

// postExists reports ErrNotFound for a missing post inside a transaction.
func postExists(ctx context.Context, tx *sql.Tx, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM posts WHERE id = ? AND draft = 0`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %d (see `socialomm posts list`)", ErrNotFound, id)
	}
	return err
}

// editable are the targets Edit changes: not published, not on their way,
// and not possibly out already (an unknown outcome of the old text must be
// settled first, or the person could get both texts out).
const editable = `state IN ('scheduled', 'retrying', 'failed', 'held') AND verify_since IS NULL`

// Edit changes the text and time of the post's targets that have not gone
// out. A zero at means now; the post's current time is kept even if it has
// passed. Failed, retrying and missed targets are scheduled again at the new
// time; targets held for a disconnected account stay held.
//
// When some targets already went out (or may have), the new text and time
// go to a new post that takes over the remaining targets, and the returned
// Post is that new one: the original keeps a true record of what was
// published.
func (s *Scheduler) Edit(ctx context.Context, id int64, text string, at time.Time) (Post, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Post{}, ErrEmptyText
	}
	now := s.now()
	resultID := id
	err := s.st.InTx(ctx, func(tx *sql.Tx) error {
		if err := postExists(ctx, tx, id); err != nil {
			return err
		}
		var current int64
		var open, other int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(p.scheduled_at, p.created_at),
			(SELECT count(*) FROM post_targets WHERE post_id = p.id AND `+editable+`),
			(SELECT count(*) FROM post_targets WHERE post_id = p.id AND NOT (`+editable+`))
			FROM posts p WHERE p.id = ?`, id).Scan(&current, &open, &other); err != nil {
			return err
		}
		if open == 0 {
			return ErrNothingToEdit
		}
		newAt, err := s.checkTime(at, now, fromUnix(current))
		if err != nil {
			return err
		}
		if other > 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO posts (text, scheduled_at, draft, created_at, updated_at)
				VALUES (?, ?, 0, ?, ?) RETURNING id`, text, unix(newAt), unix(now), unix(now)).Scan(&resultID); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE posts SET text = ?, scheduled_at = ?, updated_at = ? WHERE id = ?`,
			text, unix(newAt), unix(now), id); err != nil {
			return err
		}
		next := max(unix(newAt), unix(now)) // never in the past: it would count as missed
		_, err = tx.ExecContext(ctx, `UPDATE post_targets SET post_id = ?, due_at = ?, next_attempt_at = ?,
			state = CASE WHEN state = 'held' AND hold_reason = 'account' THEN 'held' ELSE 'scheduled' END,
			hold_reason = CASE WHEN state = 'held' AND hold_reason = 'account' THEN 'account' ELSE '' END,
			error = CASE WHEN state = 'held' AND hold_reason = 'account' THEN error ELSE '' END,
			attempts = 0, updated_at = ?
			WHERE post_id = ? AND `+editable, resultID, unix(newAt), next, unix(now), id)
		return err
	})
	if err != nil {
		return Post{}, err
	}
	s.touched()
	return s.Post(ctx, resultID)
}

// Delete removes a post and its targets from SocialOmm. Copies already
// published stay on the networks. A post with a target being published
// right now is refused with ErrBusy, so that outcome is not lost; a target
// whose request is over but whose outcome could not be written yet (see
// unsaved.go) is not busy: the person may delete it, and that outcome is
// dropped with it.
func (s *Scheduler) Delete(ctx context.Context, id int64) error {
	settled := s.unsavedOf(id)
	err := s.st.InTx(ctx, func(tx *sql.Tx) error {
		if err := postExists(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM post_targets WHERE post_id = ? AND state = 'publishing'`, id)
		if err != nil {
			return err
		}
		busy := 0
		for rows.Next() {
			var tid int64
			if err := rows.Scan(&tid); err != nil {
				rows.Close()
				return err
			}
			if !settled[tid] {
				busy++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if busy > 0 {
			return ErrBusy
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM post_targets WHERE post_id = ?`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM posts WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return err
	}
	s.forgetUnsaved(settled)
	s.changed()
	return nil
}

// requeue sets the chosen targets to go out now. A target that may already
// be out keeps its OutcomeUnknownSince (it is looked for first), except
// where clearUnknown says the person decided to send again.
func (s *Scheduler) requeue(ctx context.Context, where string, clearUnknown string, args ...any) (int, error) {
	now := unix(s.now())
	q := `UPDATE post_targets SET state = 'scheduled', hold_reason = '', error = '', attempts = 0,
		next_attempt_at = ?, updated_at = ?,
		verify_since = CASE WHEN ` + clearUnknown + ` THEN NULL ELSE verify_since END
		WHERE ` + where
	res, err := s.db.ExecContext(ctx, q, append([]any{now, now}, args...)...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		s.touched()
	}
	return int(n), nil
}

// Retry sends the post's failed, unconfirmed and held targets now.
// Unconfirmed ones are sent again without looking (the person decided);
// held ones whose account is still disconnected are held again.
func (s *Scheduler) Retry(ctx context.Context, postID int64) (Post, error) {
	if _, err := s.Post(ctx, postID); err != nil {
		return Post{}, err
	}
	n, err := s.requeue(ctx, `post_id = ? AND state IN ('failed', 'unconfirmed', 'held')`, `state = 'unconfirmed'`, postID)
	if err != nil {
		return Post{}, err
	}
	if n == 0 {
		return Post{}, fmt.Errorf("post %d: %w", postID, ErrNothingToRetry)
	}
	return s.Post(ctx, postID)
}

// RetryAllFailed sends every failed target again now and says how many.
func (s *Scheduler) RetryAllFailed(ctx context.Context) (int, error) {
	return s.requeue(ctx, `state = 'failed'`, `0`)
}

// PostNow sends the post's targets that have not gone out now: scheduled,
// retrying, failed and held ones. Unconfirmed ones wait for Retry.
func (s *Scheduler) PostNow(ctx context.Context, id int64) (Post, error) {
	if _, err := s.Post(ctx, id); err != nil {
		return Post{}, err
	}
	if _, err := s.requeue(ctx, `post_id = ? AND state IN ('scheduled', 'retrying', 'failed', 'held')`, `0`, id); err != nil {
		return Post{}, err
	}
	return s.Post(ctx, id)
}

// ReleaseHeld sends the targets held because accountID was disconnected,
// in their original order, and says how many. Call it after a successful
// Update (at once, or when the person agrees, per schedule.release_held).
// Targets held as missed are not released: they wait for the person.
func (s *Scheduler) ReleaseHeld(ctx context.Context, accountID int64) (int, error) {
	return s.requeue(ctx, `account_id = ? AND state = 'held' AND hold_reason = 'account'`, `0`, accountID)
}

// Describe says in words where a target stands, for lists and tooltips.
func (t Target) Describe() string {
	switch t.State {
	case Scheduled:
		return "Scheduled for " + t.DueAt.Local().Format("2 Jan 2006 15:04")
	case Publishing:
		return "Publishing…"
	case Published:
		return "Published"
	case Held:
		if t.HoldReason == HoldMissed {
			return "Held: missed while SocialOmm was closed. Post it now, change its time, or delete it."
		}
		return "Held: the account is disconnected. Reconnect it (Accounts, ⋯, Update); then it goes out, or SocialOmm asks what to do with the posts that waited."
	case Failed:
		return "Failed: " + t.Error
	case Retrying:
		return "Retrying at " + t.NextAttemptAt.Local().Format("15:04:05") + ": " + t.Error
	case Skipped:
		return "Skipped: " + t.Error
	case Unconfirmed:
		return "Unconfirmed: it may or may not have gone out. Look at the profile, then Retry to send it again or Delete it."
	}
	return string(t.State)
}
