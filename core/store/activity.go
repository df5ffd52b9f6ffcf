package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/socialomm/desktop/core/account"
)

// LogActivity appends to the activity log. accountID 0 means app-wide.
func (s *Store) LogActivity(ctx context.Context, accountID int64, kind, message string) error {
	var acct any
	if accountID != 0 {
		acct = accountID
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO activity (account_id, at, kind, message) VALUES (?, ?, ?, ?)`,
		acct, unix(s.now()), kind, message)
	return err
}

// ActivityFor lists an account's newest log lines first (accountID 0: all).
func (s *Store) ActivityFor(ctx context.Context, accountID int64, limit int) ([]account.Activity, error) {
	query := `SELECT id, account_id, at, kind, message FROM activity`
	args := []any{}
	if accountID != 0 {
		query += ` WHERE account_id = ?`
		args = append(args, accountID)
	}
	query += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []account.Activity{}
	for rows.Next() {
		var a account.Activity
		var acct sql.NullInt64
		var at int64
		if err := rows.Scan(&a.ID, &acct, &at, &a.Kind, &a.Message); err != nil {
			return nil, err
		}
		if acct.Valid {
			a.AccountID = &acct.Int64
		}
		a.At = time.Unix(at, 0).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}
