// Package draft keeps the post being written in Compose, so that closing the
// window or quitting SocialOmm never loses it. It is one JSON value in the
// settings table (key Key): no table of its own, and nothing secret.
package draft

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Key is the settings-table key holding the Compose draft.
const Key = "draft.compose"

// Draft is what the person had written and chosen.
type Draft struct {
	Text       string  `json:"text"`
	AccountIDs []int64 `json:"account_ids,omitempty"`
	// PostNow: "Post now" was chosen rather than a time.
	PostNow bool `json:"post_now,omitempty"`
	// At is the time chosen, if a valid one was.
	At *time.Time `json:"at,omitempty"`
}

// Empty reports whether there is nothing worth keeping.
func (d Draft) Empty() bool {
	return strings.TrimSpace(d.Text) == "" && len(d.AccountIDs) == 0
}

// KV is the part of the store a Store needs (store.Store has it).
type KV interface {
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
	DeleteSetting(ctx context.Context, key string) error
}

// Store reads and writes the draft.
type Store struct{ kv KV }

// New keeps drafts in kv.
func New(kv KV) *Store { return &Store{kv: kv} }

// Load returns the kept draft, or an empty one.
func (s *Store) Load(ctx context.Context) (Draft, error) {
	v, ok, err := s.kv.Setting(ctx, Key)
	if err != nil || !ok {
		return Draft{}, err
	}
	var d Draft
	if err := json.Unmarshal([]byte(v), &d); err != nil {
		// A draft that cannot be read is not worth failing Compose for.
		return Draft{}, fmt.Errorf("the kept draft could not be read: %w", err)
	}
	return d, nil
}

// Save keeps d; an empty draft removes the kept one.
func (s *Store) Save(ctx context.Context, d Draft) error {
	if d.Empty() {
		return s.kv.DeleteSetting(ctx, Key)
	}
	d.AccountIDs = slices.Clone(d.AccountIDs)
	slices.Sort(d.AccountIDs)
	d.AccountIDs = slices.Compact(d.AccountIDs)
	if d.At != nil {
		at := d.At.UTC()
		d.At = &at
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return s.kv.SetSetting(ctx, Key, string(b))
}

// Clear removes the kept draft.
func (s *Store) Clear(ctx context.Context) error { return s.kv.DeleteSetting(ctx, Key) }
