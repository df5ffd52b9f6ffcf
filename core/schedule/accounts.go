package schedule

import (
	"context"
	"database/sql"
	"time"
)

// What an account's queue holds, for the engine (the Remove confirmation,
// notifications); the post_targets states are this package's to know.

// QueuedTargets counts an account's posts that have not gone out yet
// (scheduled, held, retrying, failed or unconfirmed).
func (s *Scheduler) QueuedTargets(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM post_targets WHERE account_id = ?
		AND state IN (?, ?, ?, ?, ?)`, accountID, Scheduled, Held, Retrying, Failed, Unconfirmed).Scan(&n)
	return n, err
}

// PendingFor counts an account's posts still to go out (scheduled, retrying
// or held) and when the next of them was due; next is nil when none.
func (s *Scheduler) PendingFor(ctx context.Context, accountID int64) (n int, next *time.Time, err error) {
	var due sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT count(*), min(due_at) FROM post_targets
		WHERE account_id = ? AND state IN (?, ?, ?)`, accountID, Scheduled, Retrying, Held).Scan(&n, &due)
	if due.Valid {
		t := fromUnix(due.Int64)
		next = &t
	}
	return n, next, err
}
