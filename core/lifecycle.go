package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/expiry"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
)

// credentialKey is the keyring key of an account's tokens. It is made of the
// network's identity of the profile, so it is known before the account row
// exists and stays the same across Update.
func credentialKey(a account.Account) string {
	return a.Network + " " + a.Instance + " " + a.RemoteID
}

func (e *Engine) saveCredentials(ctx context.Context, a account.Account, c network.Credentials) error {
	key := credentialKey(a)
	if err := e.secrets.Set(ctx, secret.AccessToken, key, c.AccessToken); err != nil {
		return fmt.Errorf("keep the new sign-in in the keyring: %w", err)
	}
	if c.RefreshToken == "" {
		return e.secrets.Delete(ctx, secret.RefreshToken, key)
	}
	if err := e.secrets.Set(ctx, secret.RefreshToken, key, c.RefreshToken); err != nil {
		return fmt.Errorf("keep the new sign-in in the keyring: %w", err)
	}
	return nil
}

func (e *Engine) credentials(ctx context.Context, a account.Account) (network.Credentials, error) {
	key := credentialKey(a)
	access, err := e.secrets.Get(ctx, secret.AccessToken, key)
	if err != nil {
		return network.Credentials{}, err
	}
	creds := network.Credentials{AccessToken: access}
	// Only networks whose tokens renew have a refresh token; not asking for
	// one elsewhere halves the keyring reads of a sweep (each read searches
	// the whole collection, so it costs more as accounts grow).
	if usesRefreshToken(e.adapters[a.Network]) {
		creds.RefreshToken, err = e.secrets.Get(ctx, secret.RefreshToken, key)
		if err != nil && !errors.Is(err, secret.ErrNotFound) {
			return network.Credentials{}, err
		}
	}
	if a.TokenExpiresAt != nil {
		creds.Expiry = *a.TokenExpiresAt
	}
	return creds, nil
}

func (e *Engine) deleteCredentials(ctx context.Context, a account.Account) error {
	key := credentialKey(a)
	return errors.Join(
		e.secrets.Delete(ctx, secret.AccessToken, key),
		e.secrets.Delete(ctx, secret.RefreshToken, key),
		e.secrets.Delete(ctx, secret.ClientSecret, key),
	)
}

// connectionExpiry is when a new connection ends: the network's own end
// where it gives one, capped by the lifespan setting (0: no cap).
func (e *Engine) connectionExpiry(ctx context.Context, now time.Time, c network.Credentials) *time.Time {
	var end time.Time
	switch {
	case !c.ConnectionExpiry.IsZero():
		end = c.ConnectionExpiry
	case !c.Expiry.IsZero() && c.RefreshToken == "":
		end = c.Expiry
	}
	if days := e.settings.Int(ctx, "lifespan.days"); days > 0 {
		limit := now.Add(time.Duration(days) * 24 * time.Hour)
		if end.IsZero() || limit.Before(end) {
			end = limit
		}
	}
	if end.IsZero() {
		return nil
	}
	end = end.UTC().Truncate(time.Second)
	return &end
}

// expiryFor is when a new connection of a network ends: never for networks
// whose connections have no end (Facebook Pages: the lifespan does not
// apply), else connectionExpiry.
func (e *Engine) expiryFor(ctx context.Context, now time.Time, networkName string, c network.Credentials) *time.Time {
	if neverExpires(networkName) {
		return nil
	}
	return e.connectionExpiry(ctx, now, c)
}

// liveState is the state of a connection whose token works: connected, or
// expiring inside the warning window.
func (e *Engine) liveState(ctx context.Context, now time.Time, expiresAt *time.Time) account.State {
	if expiresAt == nil {
		return account.Connected
	}
	window := time.Duration(e.settings.Int(ctx, "expiring.days")) * 24 * time.Hour
	if expiresAt.Sub(now) <= window {
		return account.Expiring
	}
	return account.Connected
}

// transition stores a changed account and logs the change when its state or
// reason moved.
func (e *Engine) transition(ctx context.Context, before, after account.Account, message string) (account.Account, error) {
	if before.State != after.State || after.StateSince == nil {
		now := e.clock.Now()
		after.StateSince = &now
	}
	saved, err := e.store.SaveAccount(ctx, after)
	if err != nil {
		return saved, err
	}
	if before.State != after.State {
		e.notifyTransition(ctx, before, saved)
	}
	if before.State != after.State || before.Reason != after.Reason {
		kind := string(after.State)
		if after.Reason != "" {
			kind += ":" + string(after.Reason)
		}
		if message == "" {
			message = describeTransition(after, e.clock.Now())
		}
		if err := e.store.LogActivity(ctx, saved.ID, kind, message); err != nil {
			e.logger.Warn("activity log", "err", err)
		}
	}
	e.saved()
	if visiblyChanged(before, saved) {
		e.changed()
	}
	return saved, nil
}

// visiblyChanged says whether anything a view shows of an account moved. A
// check that only updated its timestamps is not news: during a sweep of
// thousands of accounts, telling views anyway made each of them reload
// every account for nothing.
func visiblyChanged(before, after account.Account) bool {
	same := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return before.State != after.State || before.Reason != after.Reason ||
		before.LastError != after.LastError || !same(before.ExpiresAt, after.ExpiresAt) ||
		before.Handle != after.Handle || before.DisplayName != after.DisplayName ||
		before.AvatarURL != after.AvatarURL || before.ProfileURL != after.ProfileURL ||
		before.Network != after.Network || before.Instance != after.Instance || before.ID != after.ID
}

func describeTransition(a account.Account, now time.Time) string {
	switch a.State {
	case account.Disconnected:
		return "Disconnected: " + a.Reason.Describe()
	case account.Expiring:
		return "Expiring: " + expiry.Describe(now, a.ExpiresAt)
	}
	return "Connected"
}

// Check verifies an account's access at once and records the outcome. Lost
// access disconnects the account with its reason; a network that cannot be
// asked leaves the state alone and says so in LastError.
func (e *Engine) Check(ctx context.Context, id int64) (account.Account, error) {
	return e.check(ctx, id, nil)
}

// check is Check; during a sweep, down holds the servers already found
// unreachable in it, so their other accounts are not asked again.
func (e *Engine) check(ctx context.Context, id int64, down *unreachableServers) (account.Account, error) {
	a, err := e.Account(ctx, id)
	if err != nil {
		return a, err
	}
	now := e.clock.Now()
	before := a
	a.LastCheckedAt = &now

	if a.ExpiresAt != nil && !now.Before(*a.ExpiresAt) {
		a.State, a.Reason, a.LastError = account.Disconnected, account.ReasonExpired, ""
		return e.transition(ctx, before, a, "")
	}
	if a.State == account.Disconnected && a.Reason == account.ReasonExpired {
		return a, nil
	}
	ad, ok := e.adapters[a.Network]
	if !ok {
		return a, fmt.Errorf("SocialOmm cannot check %s accounts in this version", a.Network)
	}
	var profile network.Profile
	if words, ok := down.find(hostOf(a)); ok {
		// Another account on this server could not reach it moments ago,
		// in this same sweep: say so again rather than ask (offline, a
		// sweep of thousands would otherwise try each, reading the
		// keyring for every one).
		err = &network.TransientError{Message: words, Err: network.ErrServerUnreachable}
	} else {
		creds, cerr := e.credentials(ctx, a)
		switch {
		case errors.Is(cerr, secret.ErrNotFound):
			a.State, a.Reason = account.Disconnected, account.ReasonInvalid
			a.LastError = "SocialOmm's sign-in for this profile is missing from the keyring."
			return e.transition(ctx, before, a, "Disconnected: the sign-in is missing from the keyring")
		case cerr != nil:
			a.LastError = "Could not check: the keyring did not answer (" + cerr.Error() + ")"
			return e.transition(ctx, before, a, "")
		}
		profile, err = e.askNetwork(ctx, &a, ad, creds)
		if errors.Is(err, network.ErrServerUnreachable) {
			down.note(hostOf(a), err.Error())
		}
	}
	switch {
	case err == nil:
		a.State, a.Reason, a.LastError = e.liveState(ctx, now, a.ExpiresAt), account.ReasonNone, ""
		a.LastGoodCheckAt = &now
		if profile.DisplayName != "" {
			a.DisplayName = profile.DisplayName
		}
		if profile.AvatarURL != a.AvatarURL {
			a.AvatarURL = profile.AvatarURL
		}
	case network.ReasonOf(err) != account.ReasonNone:
		a.State, a.Reason, a.LastError = account.Disconnected, network.ReasonOf(err), err.Error()
		a.LastGoodCheckAt = &now // the network answered about the token
	default:
		a.LastError = "Could not check: " + err.Error()
	}
	saved, err := e.transition(ctx, before, a, "")
	if err == nil && saved.State == before.State {
		// No transition to announce: a warning day or a reminder may be due.
		if nerr := e.warnOrRemind(ctx, saved); nerr != nil {
			e.logger.Warn("notify", "account", saved.ID, "err", nerr)
		}
	}
	return saved, err
}

// askNetwork asks the network whether the account's sign-in still works,
// renewing it first where the network's tokens renew; rotated tokens are
// kept in a.
func (e *Engine) askNetwork(ctx context.Context, a *account.Account, ad network.Adapter, creds network.Credentials) (network.Profile, error) {
	if r, ok := ad.(network.Refresher); ok && !isChecker(ad) {
		// Networks whose tokens renew: an access token that ended (or is
		// about to, or an Instagram/Threads token a day old) is renewed
		// first, so an expired access token is never taken for a lost
		// connection.
		return e.checkRefreshing(ctx, a, ad, r)
	}
	if c, ok := ad.(checker); ok {
		lock := e.accountLock(a.ID)
		lock.Lock()
		profile, next, err := c.Check(ctx, *a, creds)
		// Rotated tokens are kept before anything else happens, also when
		// the check then failed: the old refresh token is on its way out.
		if kerr := e.keepRotated(ctx, a, next); kerr != nil && err == nil {
			err = kerr
		}
		lock.Unlock()
		return profile, err
	}
	return ad.Verify(ctx, *a, creds)
}

// unreachableServers are the servers a sweep could not reach, with the
// words of the failure; nil (outside sweeps) remembers nothing.
type unreachableServers struct {
	mu    sync.Mutex
	words map[string]string
}

func newUnreachableServers() *unreachableServers {
	return &unreachableServers{words: map[string]string{}}
}

func (u *unreachableServers) find(host string) (string, bool) {
	if u == nil {
		return "", false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	w, ok := u.words[host]
	return w, ok
}

func (u *unreachableServers) note(host, words string) {
	if u == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.words[host] = words
}

// RemoveReport says what Remove did.
type RemoveReport struct {
	Account account.Account `json:"account"`
	// Revoked is true when the network confirmed the token is ended.
	Revoked bool `json:"revoked"`
	// RevokeNote explains a revocation that did not happen; removal went
	// ahead anyway.
	RevokeNote string `json:"revoke_note,omitempty"`
	// DroppedPosts counts queued posts for this profile that will not go out.
	DroppedPosts int `json:"dropped_posts"`
}

// QueuedPosts counts an account's posts that have not gone out yet, for the
// Remove confirmation.
func (e *Engine) QueuedPosts(ctx context.Context, id int64) (int, error) {
	return e.posts.QueuedTargets(ctx, id)
}

// Remove revokes an account's token where the network allows (a failure is
// reported, not fatal), deletes its secrets, and deletes the account with its
// queued posts for it.
func (e *Engine) Remove(ctx context.Context, id int64) (RemoveReport, error) {
	a, err := e.Account(ctx, id)
	if err != nil {
		return RemoveReport{}, err
	}
	report := RemoveReport{Account: a}
	report.DroppedPosts, _ = e.posts.QueuedTargets(ctx, id)
	if ad, ok := e.adapters[a.Network]; ok {
		creds, err := e.credentials(ctx, a)
		if err == nil {
			err = ad.Revoke(ctx, a, creds)
		}
		switch {
		case err == nil:
			report.Revoked = true
		case errors.Is(err, network.ErrRevokeUnsupported) && isKeyed(a.Network):
			// The adapter says where on the network the person removes the app.
			report.RevokeNote = Explain(err)
		case errors.Is(err, network.ErrRevokeUnsupported):
			report.RevokeNote = hostOf(a) + " offers no way for apps to give up their access; to be sure, remove SocialOmm in the profile's settings under authorised apps."
		default:
			report.RevokeNote = "Could not revoke SocialOmm's access at " + hostOf(a) + " (" + err.Error() + "); remove SocialOmm in the profile's settings under authorised apps."
		}
	}
	if a.Network == "bluesky" {
		report.RevokeNote = strings.TrimSpace(report.RevokeNote + " Also delete the app password SocialOmm used, in Bluesky under Settings → Privacy and security → App passwords.")
	}
	if err := e.deleteCredentials(ctx, a); err != nil {
		return report, fmt.Errorf("the account was not removed, because its sign-in could not be deleted from the keyring: %w", err)
	}
	if err := e.store.DeleteAccount(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return report, err
	}
	if _, err := e.notify.Withdraw(ctx, id); err != nil {
		e.logger.Warn("withdraw notifications", "account", id, "err", err)
	}
	msg := "Removed " + a.Handle
	if !report.Revoked && report.RevokeNote != "" {
		msg += " (access not revoked at the network)"
	}
	e.store.LogActivity(ctx, 0, "removed", msg)
	e.changed()
	return report, nil
}

func hostOf(a account.Account) string {
	h := strings.TrimPrefix(strings.TrimPrefix(a.Instance, "https://"), "http://")
	if h == "" {
		return a.Network
	}
	return h
}
