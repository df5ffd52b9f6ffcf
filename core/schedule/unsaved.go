package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// An outcome the network gave (published, failed, …) that could not be
// written (disk full, the database locked past its busy timeout) is kept
// here and written again by Run with backoff. Meanwhile its target stays
// `publishing` in the database, so nothing claims it again: a post whose
// outcome is known is never sent again. When the write keeps failing for
// Options.TellUnsavedAfter, the person is told (Hooks.OutcomeUnsaved, which
// the engine turns into a notification through the outbox when the database
// takes it, and an error line in the log); Run keeps trying for as long as
// it runs. If SocialOmm stops first, the target is found `publishing` at the
// next start and looked for on the network before anything is sent
// (Recover).

// Defaults for the unsaved outcomes' retries.
const (
	// DefaultUnsavedBackoff is the first wait before writing again; it
	// doubles up to DefaultUnsavedMaxBackoff.
	DefaultUnsavedBackoff    = time.Second
	DefaultUnsavedMaxBackoff = time.Minute
	// DefaultTellUnsavedAfter is how long an outcome may stay unwritten
	// before the person is told.
	DefaultTellUnsavedAfter = 2 * time.Minute
)

// ErrOutcomeUnsaved wraps why a post's outcome could not be written.
var ErrOutcomeUnsaved = errors.New("SocialOmm could not save what happened to this post")

// unsaved is one outcome waiting to be written.
type unsaved struct {
	t       Target
	post    Post
	outcome string // in words: "it was published (URL)"
	then    func(Target)
	set     string
	args    []any
	since   time.Time // first failed write
	next    time.Time
	tries   int
	lastErr error
	told    bool
}

// keepUnsaved keeps an outcome whose write failed, for Run to write again.
func (s *Scheduler) keepUnsaved(t Target, post Post, outcome string, then func(Target), set string, args []any, err error) {
	now := s.clock.Now()
	s.mu.Lock()
	u, ok := s.unsaved[t.ID]
	if !ok {
		u = &unsaved{t: t, post: post, outcome: outcome, then: then, set: set, args: args, since: now}
		s.unsaved[t.ID] = u
	}
	u.tries++
	u.lastErr = err
	u.next = now.Add(Backoff(u.tries, s.opts.UnsavedBackoff, s.opts.UnsavedMaxBackoff, 0))
	s.mu.Unlock()
	s.log.Error("could not store a post's outcome; kept in memory and written again shortly",
		"post", t.PostID, "target", t.ID, "outcome", outcome, "tries", u.tries, "err", err)
}

// nextUnsaved is when the next unsaved outcome is due to be written again.
func (s *Scheduler) nextUnsaved() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, u := range s.unsaved {
		if next.IsZero() || u.next.Before(next) {
			next = u.next
		}
	}
	return next, !next.IsZero()
}

// flushUnsaved writes the unsaved outcomes that are due (all of them when
// all is set), tells the person about those unwritten for too long, and
// runs each stored outcome's hooks.
func (s *Scheduler) flushUnsaved(ctx context.Context, all bool) {
	now := s.clock.Now()
	s.mu.Lock()
	var due []*unsaved
	for _, u := range s.unsaved {
		if all || !u.next.After(now) {
			due = append(due, u)
		}
	}
	s.mu.Unlock()
	wrote := false
	for _, u := range due {
		if ctx.Err() != nil {
			return
		}
		stored, found, err := s.write(ctx, u.t, u.set, u.args)
		s.mu.Lock()
		current := s.unsaved[u.t.ID] == u // not dropped by Delete meanwhile
		if err == nil && current {
			delete(s.unsaved, u.t.ID)
		}
		s.mu.Unlock()
		if !current {
			continue
		}
		if err == nil {
			wrote = true
			if found {
				s.log.Info("stored a post's outcome that could not be written before",
					"post", u.t.PostID, "target", u.t.ID, "outcome", u.outcome, "tries", u.tries+1)
				if u.then != nil {
					u.then(stored)
				}
			}
			continue
		}
		s.mu.Lock()
		u.tries++
		u.lastErr = err
		u.next = now.Add(Backoff(u.tries, s.opts.UnsavedBackoff, s.opts.UnsavedMaxBackoff, 0))
		tell := !u.told && now.Sub(u.since) >= s.opts.TellUnsavedAfter
		s.mu.Unlock()
		s.log.Warn("still could not store a post's outcome", "post", u.t.PostID, "target", u.t.ID,
			"tries", u.tries, "next", u.next, "err", err)
		if tell {
			s.tellUnsaved(ctx, u, now)
		}
	}
	if wrote {
		s.changed()
	}
}

// tellUnsaved tells the person once an outcome stayed unwritten too long.
func (s *Scheduler) tellUnsaved(ctx context.Context, u *unsaved, now time.Time) {
	err := fmt.Errorf("%w: %s, but the database refused to record it for %s (%w). "+
		"SocialOmm keeps trying while it runs and will not send it again; until then the Queue shows it as Publishing…",
		ErrOutcomeUnsaved, u.outcome, now.Sub(u.since).Round(time.Second), u.lastErr)
	s.log.Error("a post's outcome could not be stored for a long time; telling the person",
		"post", u.t.PostID, "target", u.t.ID, "since", u.since, "err", err)
	if s.hooks == nil {
		s.mu.Lock()
		u.told = true
		s.mu.Unlock()
		return
	}
	if herr := s.hooks.OutcomeUnsaved(ctx, u.t, u.post, err); herr != nil {
		// The notification could not be queued either (the same database):
		// the log line above stands; it is tried again on the next failure.
		s.log.Error("could not queue the notification about an unsaved outcome", "post", u.t.PostID, "err", herr)
		return
	}
	s.mu.Lock()
	u.told = true
	s.mu.Unlock()
}

// unsavedOf lists the targets of a post whose outcome is known but not yet
// written.
func (s *Scheduler) unsavedOf(postID int64) map[int64]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]bool{}
	for id, u := range s.unsaved {
		if u.t.PostID == postID {
			out[id] = true
		}
	}
	return out
}

// forgetUnsaved drops the unsaved outcomes of the given targets (deleted).
func (s *Scheduler) forgetUnsaved(ids map[int64]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range ids {
		delete(s.unsaved, id)
	}
}
