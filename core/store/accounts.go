package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/socialomm/desktop/core/account"
)

const accountColumns = `id, network, instance, remote_id, handle, display_name, avatar_url, profile_url,
	state, reason, expires_at, last_checked_at, last_good_check_at, last_error, created_at, updated_at,
	state_since, token_expires_at, signed_in_at`

type scanner interface{ Scan(dest ...any) error }

func scanAccount(row scanner) (account.Account, error) {
	var a account.Account
	var state, reason string
	var expires, checked, good, since, tokenExpires, signedIn sql.NullInt64
	var created, updated int64
	err := row.Scan(&a.ID, &a.Network, &a.Instance, &a.RemoteID, &a.Handle, &a.DisplayName, &a.AvatarURL,
		&a.ProfileURL, &state, &reason, &expires, &checked, &good, &a.LastError, &created, &updated,
		&since, &tokenExpires, &signedIn)
	if err != nil {
		return a, err
	}
	a.StateSince, a.TokenExpiresAt, a.SignedInAt = fromNullUnix(since), fromNullUnix(tokenExpires), fromNullUnix(signedIn)
	a.State, a.Reason = account.State(state), account.Reason(reason)
	a.ExpiresAt, a.LastCheckedAt, a.LastGoodCheckAt = fromNullUnix(expires), fromNullUnix(checked), fromNullUnix(good)
	a.CreatedAt, a.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return a, nil
}

// displayOrder is the Accounts window's order: those needing the person's
// action first, then by soonest expiry, then by name. The index
// accounts_display_order has the same terms, so a LIMIT reads only its rows.
const displayOrder = `ORDER BY (CASE state WHEN 'disconnected' THEN 0 WHEN 'expiring' THEN 1 ELSE 2 END),
	(expires_at IS NULL), expires_at, lower(display_name), id`

// Accounts lists every account in display order.
func (s *Store) Accounts(ctx context.Context) ([]account.Account, error) {
	return s.queryAccounts(ctx, `SELECT `+accountColumns+` FROM accounts `+displayOrder)
}

// AccountsHead lists the first n accounts in display order, read through
// its index: what a window's first screenful needs, however many there are.
func (s *Store) AccountsHead(ctx context.Context, n int) ([]account.Account, error) {
	return s.queryAccounts(ctx, `SELECT `+accountColumns+` FROM accounts `+displayOrder+` LIMIT ?`, n)
}

// CountAccounts counts the accounts by state and network from an index.
func (s *Store) CountAccounts(ctx context.Context) (account.Counts, error) {
	c := account.Counts{ByState: map[account.State]int{}, ByNetwork: map[string]int{}}
	rows, err := s.db.QueryContext(ctx, `SELECT state, network, count(*) FROM accounts GROUP BY state, network`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var state, network string
		var n int
		if err := rows.Scan(&state, &network, &n); err != nil {
			return c, err
		}
		c.Total += n
		c.ByState[account.State(state)] += n
		c.ByNetwork[network] += n
	}
	return c, rows.Err()
}

func (s *Store) queryAccounts(ctx context.Context, query string, args ...any) ([]account.Account, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []account.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

// Account returns one account, or ErrNotFound.
func (s *Store) Account(ctx context.Context, id int64) (account.Account, error) {
	a, err := scanAccount(s.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// AccountByRemote finds an account by the network's own identity of it.
func (s *Store) AccountByRemote(ctx context.Context, network, instance, remoteID string) (account.Account, error) {
	a, err := scanAccount(s.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts
		WHERE network = ? AND instance = ? AND remote_id = ?`, network, instance, remoteID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// SaveAccount inserts a new account (ID 0) or updates an existing one, and
// returns it as stored. Inserting a profile that already exists (same network,
// instance and remote id) updates that row instead of making a duplicate.
func (s *Store) SaveAccount(ctx context.Context, a account.Account) (account.Account, error) {
	now := unix(s.now())
	var id int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if a.ID == 0 {
			return tx.QueryRowContext(ctx, `INSERT INTO accounts (network, instance, remote_id, handle, display_name,
				avatar_url, profile_url, state, reason, expires_at, last_checked_at, last_good_check_at, last_error,
				created_at, updated_at, state_since, token_expires_at, signed_in_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (network, instance, remote_id) DO UPDATE SET
					handle = excluded.handle, display_name = excluded.display_name, avatar_url = excluded.avatar_url,
					profile_url = excluded.profile_url, state = excluded.state, reason = excluded.reason,
					expires_at = excluded.expires_at, last_checked_at = excluded.last_checked_at,
					last_good_check_at = excluded.last_good_check_at, last_error = excluded.last_error,
					updated_at = excluded.updated_at, state_since = excluded.state_since,
					token_expires_at = excluded.token_expires_at, signed_in_at = excluded.signed_in_at
				RETURNING id`,
				a.Network, a.Instance, a.RemoteID, a.Handle, a.DisplayName, a.AvatarURL, a.ProfileURL,
				string(a.State), string(a.Reason), nullUnix(a.ExpiresAt), nullUnix(a.LastCheckedAt),
				nullUnix(a.LastGoodCheckAt), a.LastError, now, now, nullUnix(a.StateSince), nullUnix(a.TokenExpiresAt),
				nullUnix(a.SignedInAt)).Scan(&id)
		}
		id = a.ID
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET handle = ?, display_name = ?, avatar_url = ?,
			profile_url = ?, state = ?, reason = ?, expires_at = ?, last_checked_at = ?, last_good_check_at = ?,
			last_error = ?, updated_at = ?, state_since = ?, token_expires_at = ?, signed_in_at = ? WHERE id = ?`,
			a.Handle, a.DisplayName, a.AvatarURL, a.ProfileURL, string(a.State), string(a.Reason),
			nullUnix(a.ExpiresAt), nullUnix(a.LastCheckedAt), nullUnix(a.LastGoodCheckAt), a.LastError, now,
			nullUnix(a.StateSince), nullUnix(a.TokenExpiresAt), nullUnix(a.SignedInAt), a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return account.Account{}, err
	}
	return s.Account(ctx, id)
}

// DeleteAccount removes an account with its post targets; activity entries
// stay, detached, so the log still tells what happened.
func (s *Store) DeleteAccount(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SaveCheckOutcomes stores the outcomes of many checks in one transaction.
// An account saved by anyone else since it was read for its check (its
// state, reason or last check moved, or it was removed) keeps that newer
// save: it is left out, and missing from the returned set of ids saved.
func (s *Store) SaveCheckOutcomes(ctx context.Context, checked []account.Account) (map[int64]bool, error) {
	now := unix(s.now())
	saved := make(map[int64]bool, len(checked))
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		clear(saved)
		read, err := tx.PrepareContext(ctx, `SELECT state, reason, last_checked_at FROM accounts WHERE id = ?`)
		if err != nil {
			return err
		}
		defer read.Close()
		update, err := tx.PrepareContext(ctx, `UPDATE accounts SET handle = ?, display_name = ?, avatar_url = ?,
			profile_url = ?, state = ?, reason = ?, expires_at = ?, last_checked_at = ?, last_good_check_at = ?,
			last_error = ?, updated_at = ?, state_since = ?, token_expires_at = ?, signed_in_at = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer update.Close()
		for _, a := range checked {
			var state, reason string
			var last sql.NullInt64
			err := read.QueryRowContext(ctx, a.ID).Scan(&state, &reason, &last)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			// The check moved last_checked_at to its own start; a row whose
			// last check is newer, or whose state moved, was saved since.
			if state != string(a.State) || reason != string(a.Reason) ||
				(last.Valid && a.LastCheckedAt != nil && last.Int64 > unix(*a.LastCheckedAt)) {
				continue
			}
			if _, err := update.ExecContext(ctx, a.Handle, a.DisplayName, a.AvatarURL, a.ProfileURL, string(a.State), string(a.Reason),
				nullUnix(a.ExpiresAt), nullUnix(a.LastCheckedAt), nullUnix(a.LastGoodCheckAt), a.LastError, now,
				nullUnix(a.StateSince), nullUnix(a.TokenExpiresAt), nullUnix(a.SignedInAt), a.ID); err != nil {
				return err
			}
			saved[a.ID] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return saved, nil
}
