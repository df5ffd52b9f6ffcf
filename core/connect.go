package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/bluesky"
	"github.com/socialomm/desktop/core/network/mastodon"
	"github.com/socialomm/desktop/core/oauth"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
)

// SignIn is how a connect or update reaches the person: the browser to
// open, and where to report what is happening.
type SignIn struct {
	// Open shows the network's sign-in page; oauth.SystemOpener when nil.
	Open oauth.Opener
	// Progress receives short sentences for the person ("Waiting for you to
	// sign in to example.org in your browser…"); may be nil.
	Progress func(string)
	// Timeout bounds the wait for the browser; 5 minutes when zero.
	Timeout time.Duration
	// AppPassword signs in to networks that use app passwords instead of a
	// browser (Bluesky).
	AppPassword string
	// Paste asks the person for the address the browser ended on, for the
	// networks that cannot send the sign-in back to SocialOmm (Facebook
	// Pages, Instagram, Threads): Update opens p.URL, then calls it.
	Paste func(ctx context.Context, p *PasteSignIn) (string, error)
}

func (s SignIn) say(msg string) {
	if s.Progress != nil {
		s.Progress(msg)
	}
}

// ErrOtherProfile means the person signed in as a different profile than
// the one being updated; nothing was changed.
var ErrOtherProfile = errors.New("signed in as a different profile")

// OtherProfileError names both profiles.
type OtherProfileError struct {
	Want, Got string
	// Page: Want is a Facebook Page, which Got (a person) does not manage.
	Page bool
}

func (e *OtherProfileError) Error() string {
	if e.Page {
		return fmt.Sprintf("you signed in to Facebook as %s, who does not manage the Page %s. Nothing was changed. "+
			"Log out of Facebook in your browser, then choose Update again and sign in as someone who manages %s, "+
			"and tick it when Facebook asks which Pages to share.", e.Got, e.Want, e.Want)
	}
	return fmt.Sprintf("you signed in as %s, but this account is %s. Nothing was changed. "+
		"Sign out of %s on the network's page in your browser, then choose Update again and sign in as %s.", e.Got, e.Want, e.Got, e.Want)
}

func (e *OtherProfileError) Unwrap() error { return ErrOtherProfile }

// ConnectMastodon connects a profile on a Mastodon-compatible server through
// its sign-in page. Connecting a profile that is already connected updates
// that account instead of adding another.
func (e *Engine) ConnectMastodon(ctx context.Context, instance string, in SignIn) (account.Account, error) {
	base, err := mastodon.NormalizeInstance(instance)
	if err != nil {
		return account.Account{}, err
	}
	result, err := e.mastodonSignIn(ctx, base, nil, in)
	if err != nil {
		return account.Account{}, err
	}
	existing, err := e.accountFor(ctx, mastodon.NetworkName, result.base, result.profile.RemoteID)
	if err != nil {
		return account.Account{}, err
	}
	return e.storeMastodonSignIn(ctx, existing, result)
}

// accountFor is the stored account of a remote profile, or a new one.
func (e *Engine) accountFor(ctx context.Context, networkName, instance, remoteID string) (account.Account, error) {
	a, err := e.store.AccountByRemote(ctx, networkName, instance, remoteID)
	if errors.Is(err, store.ErrNotFound) {
		return account.Account{Network: networkName, Instance: instance, RemoteID: remoteID}, nil
	}
	return a, err
}

// Update reconnects an existing account through the network's sign-in page.
// It must come back as the same profile; if the person signs in as someone
// else, an *OtherProfileError is returned and nothing changes.
func (e *Engine) Update(ctx context.Context, id int64, in SignIn) (account.Account, error) {
	a, err := e.Account(ctx, id)
	if err != nil {
		return a, err
	}
	switch a.Network {
	case mastodon.NetworkName:
	case bluesky.NetworkName:
		return e.updateBluesky(ctx, a, in)
	default:
		if info, ok := KeyedNetwork(a.Network); ok {
			return e.updateKeyed(ctx, a, info, in)
		}
		return a, fmt.Errorf("SocialOmm cannot reconnect %s accounts in this version", a.Network)
	}
	result, err := e.mastodonSignIn(ctx, a.Instance, &a, in)
	if err != nil {
		return a, err
	}
	if result.profile.RemoteID != a.RemoteID {
		return a, &OtherProfileError{Want: a.Handle, Got: result.profile.Handle}
	}
	updated, err := e.storeMastodonSignIn(ctx, a, result)
	if err != nil {
		return updated, err
	}
	e.afterReconnect(ctx, updated)
	return updated, nil
}

// afterReconnect lets posts held while the account was disconnected go out,
// in order, unless the person chose to release them by hand.
func (e *Engine) afterReconnect(ctx context.Context, a account.Account) {
	if v, _ := e.settings.Get(ctx, "schedule.release_held"); v != "auto" {
		return
	}
	n, err := e.posts.ReleaseHeld(ctx, a.ID)
	switch {
	case err != nil:
		e.logger.Warn("release held posts", "account", a.ID, "err", err)
	case n > 0:
		e.store.LogActivity(ctx, a.ID, "released", fmt.Sprintf("%d held post(s) released after reconnecting", n))
	}
}

// The activity log's words for a sign-in.
const (
	msgConnected   = "Connected"
	msgReconnected = "Reconnected"
)

// storeSignIn keeps a fresh sign-in: tokens to the keyring first, then the
// account row, connected with a renewed expiry.
func (e *Engine) storeSignIn(ctx context.Context, a account.Account, p network.Profile, creds network.Credentials) (account.Account, error) {
	if err := e.saveCredentials(ctx, a, creds); err != nil {
		return a, err
	}
	now := e.clock.Now()
	before := a
	a.Handle, a.DisplayName, a.AvatarURL, a.ProfileURL = p.Handle, p.DisplayName, p.AvatarURL, p.ProfileURL
	a.ExpiresAt = e.expiryFor(ctx, now, a.Network, creds)
	a.TokenExpiresAt = nil
	if !creds.Expiry.IsZero() {
		t := creds.Expiry.UTC().Truncate(time.Second)
		a.TokenExpiresAt = &t
	}
	a.State, a.Reason, a.LastError = e.liveState(ctx, now, a.ExpiresAt), account.ReasonNone, ""
	a.LastCheckedAt, a.LastGoodCheckAt, a.SignedInAt = &now, &now, &now
	message := msgConnected
	if before.ID != 0 {
		message = msgReconnected
	}
	saved, err := e.transition(ctx, before, a, message)
	if err == nil && before.ID != 0 && before.State == saved.State && before.Reason == saved.Reason {
		// transition logs changes only; a reconnect is always worth a line.
		e.store.LogActivity(ctx, saved.ID, string(saved.State), message)
	}
	return saved, err
}

// storeMastodonSignIn keeps the registration that issued the token next to
// it (revoking needs that very registration), then the sign-in itself.
func (e *Engine) storeMastodonSignIn(ctx context.Context, a account.Account, r mastodonResult) (account.Account, error) {
	if err := e.saveApp(ctx, credentialKey(a), r.app); err != nil {
		return a, err
	}
	return e.storeSignIn(ctx, a, r.profile, r.creds)
}

type mastodonResult struct {
	base    string
	app     mastodon.App
	profile network.Profile
	creds   network.Credentials
}

// mastodonSignIn runs the browser flow against a server and returns whose
// token came back. existing is the account being updated, nil for a new
// connection.
//
// Which registration it signs in through: on Mastodon, one per server, since
// Mastodon accepts any loopback port and keeps an app when a profile goes.
// Elsewhere (GoToSocial) each profile gets its own: GoToSocial deletes an app
// together with any account that signed in through it, so a shared one would
// let one profile's deletion disconnect every other profile on that server.
// An account being updated reuses its own registration, listening on the
// port it was registered with, since GoToSocial matches the port exactly.
func (e *Engine) mastodonSignIn(ctx context.Context, base string, existing *account.Account, in SignIn) (mastodonResult, error) {
	if err := e.KeyringProblem(ctx); err != nil {
		return mastodonResult{}, fmt.Errorf("SocialOmm will not connect without a keyring to keep the sign-in safe: %w", err)
	}
	host := displayHost(base)
	in.say("Contacting " + host + "…")
	info, err := e.mastodon.Instance(ctx, base)
	if err != nil {
		return mastodonResult{}, err
	}
	if info.BaseURL != "" && existing == nil {
		base = info.BaseURL
	}
	var app mastodon.App
	switch {
	case existing != nil:
		app, _ = e.loadApp(ctx, credentialKey(*existing))
	case info.AnyLoopbackPort():
		app, _ = e.loadApp(ctx, store.AppKey(mastodon.NetworkName, base))
	}
	if app.ClientID != "" {
		if err := mastodon.CheckApp(ctx, e.http, base, app); errors.Is(err, mastodon.ErrAppGone) {
			app = mastodon.App{}
		}
	}
	sess, err := oauth.Start(ctx, oauth.Options{
		Logger: e.logger, Timeout: in.Timeout, NetworkName: "Mastodon", PreferredPort: app.Port(),
	})
	if err != nil {
		return mastodonResult{}, err
	}
	defer sess.Close()
	if !app.Accepts(sess.RedirectURI(), info.AnyLoopbackPort()) {
		in.say("Registering SocialOmm on " + host + "…")
		app, err = mastodon.Register(ctx, e.http, base, sess.RedirectURI())
		if err != nil {
			return mastodonResult{}, err
		}
		if info.AnyLoopbackPort() {
			if err := e.saveApp(ctx, store.AppKey(mastodon.NetworkName, base), app); err != nil {
				return mastodonResult{}, err
			}
			if err := e.store.SaveNetworkApp(ctx, store.NetworkApp{Network: mastodon.NetworkName, Instance: base,
				ClientID: app.ClientID, RedirectURI: app.RedirectURI, Scopes: mastodon.Scopes}); err != nil {
				return mastodonResult{}, err
			}
		}
	}
	cfg := mastodon.OAuthConfig(base, app)
	open := in.Open
	if open == nil {
		open = oauth.SystemOpener(e.logger)
	}
	if err := open(ctx, sess.AuthCodeURL(cfg)); err != nil {
		return mastodonResult{}, fmt.Errorf("could not open your browser: %w", err)
	}
	in.say("Waiting for you to sign in to " + host + " in your browser…")
	code, err := sess.Wait(ctx)
	if err != nil {
		return mastodonResult{}, err
	}
	in.say("Finishing the connection with " + host + "…")
	tok, err := sess.Exchange(ctx, cfg, code)
	if err != nil {
		return mastodonResult{}, err
	}
	creds := network.Credentials{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}
	profile, err := e.mastodon.Verify(ctx, account.Account{Network: mastodon.NetworkName, Instance: base}, creds)
	if err != nil {
		return mastodonResult{}, fmt.Errorf("%s gave SocialOmm access, but then refused it: %w", host, err)
	}
	return mastodonResult{base: base, app: app, profile: profile, creds: creds}, nil
}

// loadApp reads a registration (with its client secret) from the keyring.
func (e *Engine) loadApp(ctx context.Context, key string) (mastodon.App, error) {
	raw, err := e.secrets.Get(ctx, secret.ClientSecret, key)
	if err != nil {
		return mastodon.App{}, err
	}
	var app mastodon.App
	if err := json.Unmarshal([]byte(raw), &app); err != nil {
		return mastodon.App{}, fmt.Errorf("a stored registration is unreadable: %w", err)
	}
	return app, nil
}

// saveApp keeps a registration, client secret included, in the keyring.
func (e *Engine) saveApp(ctx context.Context, key string, app mastodon.App) error {
	raw, err := json.Marshal(app)
	if err != nil {
		return err
	}
	if err := e.secrets.Set(ctx, secret.ClientSecret, key, string(raw)); err != nil {
		return fmt.Errorf("keep SocialOmm's registration in the keyring: %w", err)
	}
	return nil
}

// accountApp is the registration that issued an account's token.
func (e *Engine) accountApp(ctx context.Context, a account.Account) (mastodon.App, error) {
	app, err := e.loadApp(ctx, credentialKey(a))
	if errors.Is(err, secret.ErrNotFound) {
		return e.loadApp(ctx, store.AppKey(mastodon.NetworkName, a.Instance))
	}
	return app, err
}

func displayHost(base string) string {
	return hostOf(account.Account{Instance: base})
}
