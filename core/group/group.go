// Package group keeps named groups of profiles (a client's profiles, say) to
// post to at once: Compose selects a group's profiles, and
// `socialomm posts schedule --group NAME` posts to them. The tables
// (profile_groups, profile_group_members) are created by the store's
// migrations; a profile removed from SocialOmm leaves its groups there.
package group

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxName is the longest name a group may have, in characters.
const MaxName = 80

var (
	// ErrNotFound: no group has that name or id.
	ErrNotFound = errors.New("no such group")
	// ErrExists: another group already has that name.
	ErrExists = errors.New("a group with that name already exists")
	// ErrBadName: the name is empty, too long or has line breaks.
	ErrBadName = errors.New("not a usable group name")
	// ErrNoProfiles: a group needs at least one profile.
	ErrNoProfiles = errors.New("a group needs at least one profile")
	// ErrUnknownProfile: a profile to add is not in SocialOmm.
	ErrUnknownProfile = errors.New("no such profile")
)

// Group is a named set of profiles.
type Group struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	AccountIDs []int64   `json:"account_ids"`
	CreatedAt  time.Time `json:"created_at"`
}

// Store reads and writes groups.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// New keeps groups in db (the store's handle); now stamps new groups.
func New(db *sql.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// CleanName trims a name and says in words what is wrong with it.
func CleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fmt.Errorf("%w: give the group a name", ErrBadName)
	case utf8.RuneCountInString(name) > MaxName:
		return "", fmt.Errorf("%w: keep the name to %d characters", ErrBadName, MaxName)
	case strings.ContainsAny(name, "\r\n\t"):
		return "", fmt.Errorf("%w: keep the name on one line", ErrBadName)
	}
	return name, nil
}

// List returns every group by name, each with its profiles' ids.
func (s *Store) List(ctx context.Context) ([]Group, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT g.id, g.name, g.created_at, m.account_id
FROM profile_groups g LEFT JOIN profile_group_members m ON m.group_id = g.id
ORDER BY lower(g.name), g.id, m.account_id`)
	if err != nil {
		return nil, fmt.Errorf("read groups: %w", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var id, created int64
		var name string
		var member sql.NullInt64
		if err := rows.Scan(&id, &name, &created, &member); err != nil {
			return nil, fmt.Errorf("read groups: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, Group{ID: id, Name: name, CreatedAt: time.Unix(created, 0).UTC(), AccountIDs: []int64{}})
		}
		if member.Valid {
			g := &out[len(out)-1]
			g.AccountIDs = append(g.AccountIDs, member.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read groups: %w", err)
	}
	return out, nil
}

// ByName returns the group called name (whatever its case), or ErrNotFound.
func (s *Store) ByName(ctx context.Context, name string) (Group, error) {
	list, err := s.List(ctx)
	if err != nil {
		return Group{}, err
	}
	want := strings.TrimSpace(name)
	for _, g := range list {
		if strings.EqualFold(g.Name, want) {
			return g, nil
		}
	}
	return Group{}, fmt.Errorf("%w called %q", ErrNotFound, want)
}

// Create makes a group of the given profiles.
func (s *Store) Create(ctx context.Context, name string, accountIDs []int64) (Group, error) {
	name, err := CleanName(name)
	if err != nil {
		return Group{}, err
	}
	ids := slices.Clone(accountIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return Group{}, ErrNoProfiles
	}
	g := Group{Name: name, AccountIDs: ids, CreatedAt: s.now().UTC().Truncate(time.Second)}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := nameFree(ctx, tx, name, 0); err != nil {
			return err
		}
		for _, id := range ids {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, id).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: account %d (see `socialomm accounts list`)", ErrUnknownProfile, id)
			}
			if err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO profile_groups (name, created_at) VALUES (?, ?)`, name, g.CreatedAt.Unix())
		if err != nil {
			return err
		}
		if g.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO profile_group_members (group_id, account_id) VALUES (?, ?)`, g.ID, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Group{}, fmt.Errorf("create group %q: %w", name, err)
	}
	return g, nil
}

// Rename gives the group a new name.
func (s *Store) Rename(ctx context.Context, id int64, name string) error {
	name, err := CleanName(name)
	if err != nil {
		return err
	}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := nameFree(ctx, tx, name, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE profile_groups SET name = ? WHERE id = ?`, name, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rename group to %q: %w", name, err)
	}
	return nil
}

// Delete removes the group; its profiles stay in SocialOmm.
func (s *Store) Delete(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM profile_groups WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// nameFree fails with ErrExists when a group other than self has name.
func nameFree(ctx context.Context, tx *sql.Tx, name string, self int64) error {
	var other int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM profile_groups WHERE lower(name) = lower(?) AND id <> ?`, name, self).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return ErrExists
}

func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
