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

// saveCredentials writes a profile's sign-in to the keyring as one item,
// whole. Credentials held in memory for the profile are dropped once it
// succeeds: these are newer.
func (e *Engine) saveCredentials(ctx context.Context, a account.Account, c network.Credentials) error {
	key := credentialKey(a)
	unlock := e.custody.lock(key)
	defer unlock()
	if err := e.writeCredentials(ctx, key, c); err != nil {
		return fmt.Errorf("keep the new sign-in in the keyring: %w", err)
	}
	e.custody.settle(key)
	return nil
}

// saveRotated saves credentials the network has just rotated. When the
// keyring does not take them they are held in memory, written again before
// the profile's next use and used from memory meanwhile: the network has
// already spent the old ones. It reports whether they reached the keyring.
func (e *Engine) saveRotated(ctx context.Context, a account.Account, c network.Credentials) bool {
	key := credentialKey(a)
	unlock := e.custody.lock(key)
	defer unlock()
	if err := e.writeCredentials(ctx, key, c); err != nil {
		e.custody.hold(key, c, err)
		e.logger.Warn("renewed sign-in kept in memory: the keyring did not take it", "account", a.ID, "network", a.Network, "err", err)
		return false
	}
	e.custody.settle(key)
	return true
}

// heldProblem is the words for an account whose renewed sign-in is only in
// memory, or "".
func (e *Engine) heldProblem(a account.Account) string {
	if h, ok := e.custody.pending(credentialKey(a)); ok {
		return heldWords(h.err)
	}
	return ""
}

// writeCredentials is the one keyring write of a profile's credentials;
// the key's lock is held. The old two items go once the new one is in.
func (e *Engine) writeCredentials(ctx context.Context, key string, c network.Credentials) error {
	if err := e.secrets.Set(ctx, secret.Credentials, key, tokensOf(c).Encode()); err != nil {
		return err
	}
	if e.custody.isLegacy(key) {
		e.deleteLegacy(ctx, key)
	}
	return nil
}

// deleteLegacy deletes a profile's sign-in items of the old shape (access
// and refresh token apart); one that stays is tried again on the next write.
func (e *Engine) deleteLegacy(ctx context.Context, key string) {
	err := errors.Join(
		e.secrets.Delete(ctx, secret.AccessToken, key),
		e.secrets.Delete(ctx, secret.RefreshToken, key),
	)
	if err != nil {
		e.logger.Warn("old keyring items not deleted yet", "err", err)
	}
	e.custody.markLegacy(key, err != nil)
}

// credentials is a profile's sign-in, ready for use. Every use goes
// through here: credentials held in memory (a renewal the keyring did not
// take) are written again first, and used from memory while the keyring
// still does not take them. A sign-in kept in the old two items is moved
// into one item on the way.
func (e *Engine) credentials(ctx context.Context, a account.Account) (network.Credentials, error) {
	key := credentialKey(a)
	unlock := e.custody.lock(key)
	defer unlock()
	if h, ok := e.custody.pending(key); ok {
		if err := e.writeCredentials(ctx, key, h.creds); err != nil {
			e.custody.hold(key, h.creds, err)
		} else {
			e.custody.settle(key)
		}
		return h.creds, nil
	}
	var creds network.Credentials
	value, err := e.secrets.Get(ctx, secret.Credentials, key)
	switch {
	case errors.Is(err, secret.ErrNotFound):
		creds, err = e.migrateCredentials(ctx, a, key)
	case err == nil:
		var t secret.Tokens
		t, err = secret.DecodeTokens(value)
		creds = credentialsOf(t)
	}
	if err != nil {
		return network.Credentials{}, err
	}
	if creds.Expiry.IsZero() && a.TokenExpiresAt != nil {
		creds.Expiry = *a.TokenExpiresAt
	}
	return creds, nil
}

// migrateCredentials reads a sign-in kept in the old two items and writes
// it as one; only once that write went through are the old items deleted.
// A failed write loses nothing: the old items stay and are read again next
// time.
func (e *Engine) migrateCredentials(ctx context.Context, a account.Account, key string) (network.Credentials, error) {
	access, err := e.secrets.Get(ctx, secret.AccessToken, key)
	if err != nil {
		return network.Credentials{}, err
	}
	creds := network.Credentials{AccessToken: access}
	// Only networks whose tokens renew ever had a refresh token item.
	if usesRefreshToken(e.adapters[a.Network]) {
		creds.RefreshToken, err = e.secrets.Get(ctx, secret.RefreshToken, key)
		if err != nil && !errors.Is(err, secret.ErrNotFound) {
			return network.Credentials{}, err
		}
	}
	if a.TokenExpiresAt != nil {
		creds.Expiry = *a.TokenExpiresAt
	}
	if err := e.secrets.Set(ctx, secret.Credentials, key, tokensOf(creds).Encode()); err != nil {
		e.logger.Warn("sign-in not moved into one keyring item yet", "account", a.ID, "err", err)
		return creds, nil
	}
	e.deleteLegacy(ctx, key)
	return creds, nil
}

func (e *Engine) deleteCredentials(ctx context.Context, a account.Account) error {
	key := credentialKey(a)
	unlock := e.custody.lock(key)
	defer unlock()
	err := errors.Join(
		e.secrets.Delete(ctx, secret.Credentials, key),
		e.secrets.Delete(ctx, secret.AccessToken, key),
		e.secrets.Delete(ctx, secret.RefreshToken, key),
		e.secrets.Delete(ctx, secret.ClientSecret, key),
	)
	if err == nil {
		e.custody.settle(key)
	}
	return err
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
// whose connections have no end (the catalog's NeverExpires: the lifespan
// does not apply), else connectionExpiry.
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
	return e.check(ctx, id, nil, nil)
}

// check is Check; during a sweep, down holds the servers already found
// unreachable in it, so their other accounts are not asked again, and
// batch takes the outcomes that move no state, to be saved together.
func (e *Engine) check(ctx context.Context, id int64, down *unreachableServers, batch *outcomeBatch) (account.Account, error) {
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
		case errors.Is(cerr, secret.ErrNotAnswering):
			a.LastError = "Could not check: " + cerr.Error()
			return e.transition(ctx, before, a, "")
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
	if held := e.heldProblem(a); held != "" && err == nil {
		// The network took the renewed sign-in; the keyring did not.
		a.LastError = held
	}
	if batch != nil && quiet(before, a) {
		// Saved with the others of its batch, which then tells the
		// subscribers once and raises any warning due.
		if a.StateSince == nil {
			a.StateSince = &now // as transition does
		}
		batch.add(before, a)
		return a, nil
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
		// about to, or due on the network's own schedule) is renewed
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
		case errors.Is(err, network.ErrRevokeUnsupported) && e.needsKeys(a.Network):
			// The adapter says where on the network the person removes the app.
			report.RevokeNote = Explain(err)
		case errors.Is(err, network.ErrRevokeUnsupported):
			report.RevokeNote = hostOf(a) + " offers no way for apps to give up their access; to be sure, remove SocialOmm in the profile's settings under authorised apps."
		default:
			report.RevokeNote = "Could not revoke SocialOmm's access at " + hostOf(a) + " (" + err.Error() + "); remove SocialOmm in the profile's settings under authorised apps."
		}
	}
	if n, ok := e.entry(a.Network); ok && n.RemoveNote != "" {
		report.RevokeNote = strings.TrimSpace(report.RevokeNote + " " + n.RemoveNote)
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
