package core

import (
	"context"

	"github.com/socialomm/desktop/core/group"
)

// Groups lists the named groups of profiles, by name.
func (e *Engine) Groups(ctx context.Context) ([]group.Group, error) {
	return e.groups().List(ctx)
}

// Group finds a group by name, whatever its case (group.ErrNotFound if none).
func (e *Engine) Group(ctx context.Context, name string) (group.Group, error) {
	return e.groups().ByName(ctx, name)
}

// CreateGroup names a set of profiles.
func (e *Engine) CreateGroup(ctx context.Context, name string, accountIDs []int64) (group.Group, error) {
	return e.groups().Create(ctx, name, accountIDs)
}

// RenameGroup gives a group a new name.
func (e *Engine) RenameGroup(ctx context.Context, id int64, name string) error {
	return e.groups().Rename(ctx, id, name)
}

// DeleteGroup removes a group; its profiles stay.
func (e *Engine) DeleteGroup(ctx context.Context, id int64) error {
	return e.groups().Delete(ctx, id)
}

// groups is cheap to make: it holds only the store's handle and the clock.
func (e *Engine) groups() *group.Store { return group.New(e.store.DB(), e.clock.Now) }
