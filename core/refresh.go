package core

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/bluesky"
)

// checker is implemented by networks whose check renews the session
// (Bluesky: an access token keeps working for hours after the app password
// is revoked, so only a refresh tells).
type checker interface {
	Check(ctx context.Context, acct account.Account, creds network.Credentials) (network.Profile, network.Credentials, error)
}

// refreshAheader says when a token should be renewed before use.
type refreshAheader interface {
	NeedsRefresh(creds network.Credentials) bool
}

// accountLock serialises refreshes of one account: two refreshes at once
// would rotate the refresh token twice and lose one of them.
func (e *Engine) accountLock(id int64) *sync.Mutex {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.refreshLocks == nil {
		e.refreshLocks = map[int64]*sync.Mutex{}
	}
	m, ok := e.refreshLocks[id]
	if !ok {
		m = &sync.Mutex{}
		e.refreshLocks[id] = m
	}
	return m
}

// keepRotated stores rotated credentials at once, before anything uses
// them, and the token and connection ends they bring. A zero next changes
// nothing.
func (e *Engine) keepRotated(ctx context.Context, a *account.Account, next network.Credentials) error {
	if next.AccessToken == "" && next.RefreshToken == "" {
		return nil
	}
	if err := e.saveCredentials(ctx, *a, next); err != nil {
		return err
	}
	if !next.Expiry.IsZero() {
		t := next.Expiry.UTC().Truncate(time.Second)
		a.TokenExpiresAt = &t
	}
	if !next.ConnectionExpiry.IsZero() {
		end := next.ConnectionExpiry.UTC().Truncate(time.Second)
		// A refresh may move the network's end later, but never past the
		// lifespan the person's sign-in started (unless the lifespan is off).
		if e.settings.Int(ctx, "lifespan.days") == 0 || a.ExpiresAt == nil || end.Before(*a.ExpiresAt) {
			a.ExpiresAt = &end
		}
	}
	saved, err := e.store.SaveAccount(ctx, *a)
	if err == nil {
		*a = saved
	}
	return err
}

// freshCredentials returns an account's credentials ready for use,
// refreshing them first where the network allows and the access token is
// about to end.
func (e *Engine) freshCredentials(ctx context.Context, a account.Account) (network.Credentials, error) {
	lock := e.accountLock(a.ID)
	lock.Lock()
	defer lock.Unlock()
	creds, err := e.credentials(ctx, a)
	if err != nil {
		return creds, err
	}
	ad := e.adapters[a.Network]
	r, canRefresh := ad.(network.Refresher)
	ahead, knows := ad.(refreshAheader)
	if !canRefresh || !knows || !ahead.NeedsRefresh(creds) {
		return creds, nil
	}
	return e.refreshLocked(ctx, &a, r, creds)
}

func (e *Engine) refreshLocked(ctx context.Context, a *account.Account, r network.Refresher, creds network.Credentials) (network.Credentials, error) {
	next, err := r.Refresh(ctx, *a, creds)
	if kerr := e.keepRotated(ctx, a, next); kerr != nil {
		return creds, kerr
	}
	if err != nil {
		return creds, err
	}
	return next, nil
}

// publishingAdapter publishes with credentials refreshed when the network
// says the access token just ended, once.
type publishingAdapter struct {
	network.Adapter
	e *Engine
}

func (p publishingAdapter) Publish(ctx context.Context, a account.Account, creds network.Credentials, text, key string) (network.Published, error) {
	out, err := p.Adapter.Publish(ctx, a, creds, text, key)
	r, ok := p.Adapter.(network.Refresher)
	if !ok || !errors.Is(err, bluesky.ErrAccessExpired) {
		return out, err
	}
	lock := p.e.accountLock(a.ID)
	lock.Lock()
	fresh, err := p.e.credentials(ctx, a)
	if err == nil && fresh.AccessToken == creds.AccessToken {
		fresh, err = p.e.refreshLocked(ctx, &a, r, fresh)
	}
	lock.Unlock()
	if err != nil {
		return out, err
	}
	return p.Adapter.Publish(ctx, a, fresh, text, key)
}
