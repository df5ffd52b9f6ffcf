package core

import (
	"context"
	"sync"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// checker is implemented by networks whose check renews the session (where
// an access token keeps working for hours after the app password is
// revoked, so only a refresh tells).
type checker interface {
	Check(ctx context.Context, acct account.Account, creds network.Credentials) (network.Profile, network.Credentials, error)
}

// accountLock serialises refreshes of one account: two refreshes at once
// would rotate the refresh token twice and lose one of them. It is enough
// across processes too: only one process at a time runs an engine on a
// data folder, and commands run in it (core/instance, cli/owner.go).
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
// nothing. Credentials the keyring does not take are held in memory and
// written again before the next use (saveRotated): the network has spent
// the old ones, so they are never dropped, and the error is only the
// account row's.
func (e *Engine) keepRotated(ctx context.Context, a *account.Account, next network.Credentials) error {
	if next.AccessToken == "" && next.RefreshToken == "" {
		return nil
	}
	e.saveRotated(ctx, *a, next)
	if !next.Expiry.IsZero() {
		t := next.Expiry.UTC().Truncate(time.Second)
		a.TokenExpiresAt = &t
	}
	if !next.ConnectionExpiry.IsZero() && !neverExpires(a.Network) {
		end := next.ConnectionExpiry.UTC().Truncate(time.Second)
		// A refresh may move the network's end later (Instagram and Threads
		// give 60 more days), but never past the lifespan counted from the
		// person's sign-in (unless the lifespan is off).
		if days := e.settings.Int(ctx, "lifespan.days"); days > 0 {
			limit := e.signedInAt(ctx, *a).Add(time.Duration(days) * 24 * time.Hour).UTC().Truncate(time.Second)
			if end.After(limit) {
				end = limit
			}
		}
		a.ExpiresAt = &end
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
	if !canRefresh || !e.needsRefresh(ad, creds) {
		return creds, nil
	}
	next, err := e.refreshLocked(ctx, &a, r, creds)
	if err != nil && e.needsKeys(a.Network) && (network.ReasonOf(err) != account.ReasonNone || e.clock.Now().Before(creds.Expiry)) {
		// The current token still works, or the network refused the
		// renewal: publishing with it goes ahead, or gets the network's own
		// refusal in its words (which disconnects the account with its
		// reason), rather than an error about reading credentials.
		e.logger.Warn("refresh ahead of expiry failed", "account", a.ID, "network", a.Network, "err", err)
		return creds, nil
	}
	return next, err
}

// needsRefresh says whether creds should be renewed before use: as the
// adapter says where it knows (network.RefreshTimer), else when the
// access token is about to end.
func (e *Engine) needsRefresh(ad network.Adapter, creds network.Credentials) bool {
	if t, ok := ad.(network.RefreshTimer); ok {
		return t.RefreshDue(creds, e.clock.Now())
	}
	return network.AccessEnding(creds, e.clock.Now())
}

// refreshDueAtCheck says whether a check renews creds first: on the
// network's own schedule where it has one (network.CheckRefreshTimer),
// else as needsRefresh.
func (e *Engine) refreshDueAtCheck(ad network.Adapter, creds network.Credentials) bool {
	if t, ok := ad.(network.CheckRefreshTimer); ok {
		return t.RefreshDueAtCheck(creds, e.clock.Now())
	}
	return e.needsRefresh(ad, creds)
}

func isChecker(ad network.Adapter) bool {
	_, ok := ad.(checker)
	return ok
}

// usesRefreshToken says whether a network's sign-in has a refresh token
// (networks whose tokens renew, and those whose check renews a session).
func usesRefreshToken(ad network.Adapter) bool {
	_, renews := ad.(network.Refresher)
	return renews || isChecker(ad)
}

// checkRefreshing checks an account of a network whose tokens renew
// (without a Check of its own): it renews the token first when due, then
// verifies; a token the network refuses as ended or invalid is renewed
// once and verified again before the connection counts as lost. Rotated
// tokens are stored before they are used. One refresh per account at a
// time.
func (e *Engine) checkRefreshing(ctx context.Context, a *account.Account, ad network.Adapter, r network.Refresher) (network.Profile, error) {
	lock := e.accountLock(a.ID)
	lock.Lock()
	defer lock.Unlock()
	// Read again under the lock: a publish may have rotated them meanwhile.
	creds, err := e.credentials(ctx, *a)
	if err != nil {
		return network.Profile{}, &network.TransientError{Message: "the keyring did not answer: " + err.Error(), Err: err}
	}
	if e.refreshDueAtCheck(ad, creds) {
		next, err := r.Refresh(ctx, *a, creds)
		if kerr := e.keepRotated(ctx, a, next); kerr != nil {
			return network.Profile{}, kerr
		}
		if err != nil {
			return network.Profile{}, err
		}
		creds = next
	}
	p, err := ad.Verify(ctx, *a, creds)
	reason := network.ReasonOf(err)
	if (reason != account.ReasonExpired && reason != account.ReasonInvalid) || creds.RefreshToken == "" {
		return p, err
	}
	next, rerr := r.Refresh(ctx, *a, creds)
	if kerr := e.keepRotated(ctx, a, next); kerr != nil {
		return network.Profile{}, kerr
	}
	if rerr == nil {
		return ad.Verify(ctx, *a, next)
	}
	if j, ok := ad.(network.RenewalJudge); ok {
		// Some networks' refusals say more together than apart.
		if lost := j.RenewalRefused(reason, creds, rerr, e.clock.Now()); lost != nil {
			return network.Profile{}, lost
		}
	}
	// The renewal's own answer says more than the first refusal; a renewal
	// that could not be asked leaves the connection as it was.
	return network.Profile{}, rerr
}

// signedInAt is when the account's current sign-in happened, as stored on
// the account, else when the account was first stored.
func (e *Engine) signedInAt(_ context.Context, a account.Account) time.Time {
	switch {
	case a.SignedInAt != nil:
		return *a.SignedInAt
	case !a.CreatedAt.IsZero():
		return a.CreatedAt
	}
	return e.clock.Now()
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

// Unwrap gives the network's own adapter, for what the wrapper does not
// change (listing recent posts to find one of unknown outcome).
func (p publishingAdapter) Unwrap() network.Adapter { return p.Adapter }

func (p publishingAdapter) Publish(ctx context.Context, a account.Account, creds network.Credentials, text, key string) (network.Published, error) {
	out, err := p.Adapter.Publish(ctx, a, creds, text, key)
	r, ok := p.Adapter.(network.Refresher)
	// A refused token is no post: refreshing and sending once more cannot
	// post twice. Some networks say when the access token ended
	// (network.AccessEnder); the keyed networks with a refresh token answer
	// a plain 401.
	ended := p.e.accessEnded(a.Network, p.Adapter, err, creds)
	if !ok || !ended {
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
