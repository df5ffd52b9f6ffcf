package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/oauth"
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
	// AppPassword is the secret an update asks again, for networks that
	// sign in with an app password instead of a browser (SignInAppPassword).
	AppPassword string
	// AskAppPassword, when AppPassword is empty, asks the person for the
	// app password of the profile being updated (Update all asks one per
	// profile). Declining returns an error that is ErrSkipped (Skip).
	AskAppPassword func(ctx context.Context, a account.Account) (string, error)
	// Paste asks the person for the address the browser ended on, for the
	// networks that cannot send the sign-in back to SocialOmm
	// (SignInPaste): Update opens p.URL, then calls it. Declining returns
	// an error that is ErrSkipped (Skip).
	Paste func(ctx context.Context, p *PasteSignIn) (string, error)
}

// ErrSkipped means the person declined a sign-in's question (gave no app
// password, pasted no address): nothing was changed, and Update all goes
// on with the next profile.
var ErrSkipped = errors.New("skipped")

// skippedError says in words why a profile was skipped.
type skippedError struct{ why string }

func (e *skippedError) Error() string        { return e.why }
func (e *skippedError) Is(target error) bool { return target == ErrSkipped }

// Skip is what a question of SignIn returns when the person declines it;
// why says so in words ("no app password was given").
func Skip(why string) error { return &skippedError{why: why} }

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
	// Message, when the network words it itself (someone who does not
	// manage the Page being updated), replaces the usual sentence.
	Message string
}

func (e *OtherProfileError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("you signed in as %s, but this account is %s. Nothing was changed. "+
		"Sign out of %s on the network's page in your browser, then choose Update again and sign in as %s.", e.Got, e.Want, e.Got, e.Want)
}

func (e *OtherProfileError) Unwrap() error { return ErrOtherProfile }

// Connect connects a profile of the named network with the sign-in its
// catalog entry names, values holding the form's answers (by
// FormField.Key). Connecting a profile that is already connected updates
// that account instead of adding another. Paste networks sign in with
// StartPaste and FinishPaste instead.
func (e *Engine) Connect(ctx context.Context, name string, values map[string]string, in SignIn) (account.Account, error) {
	n, ok := e.entry(name)
	if !ok {
		return account.Account{}, fmt.Errorf("SocialOmm cannot connect %q", name)
	}
	if n.SignIn == network.SignInPaste {
		return account.Account{}, fmt.Errorf("%s signs in by pasting the address the browser ends on: use StartPaste", n.Title)
	}
	signed, err := e.signIn(ctx, n, values, nil, in)
	if err != nil {
		return account.Account{}, err
	}
	return e.complete(ctx, name, nil, signed)
}

// Update reconnects an existing account through the network's sign-in.
// It must come back as the same profile; if the person signs in as someone
// else, an *OtherProfileError is returned and nothing changes.
func (e *Engine) Update(ctx context.Context, id int64, in SignIn) (account.Account, error) {
	a, _, err := e.updateCovering(ctx, id, in)
	return a, err
}

// updateCovering is Update, also giving what else its sign-in covers (the
// other Pages the same Facebook login manages), nil when nothing.
func (e *Engine) updateCovering(ctx context.Context, id int64, in SignIn) (account.Account, *signInCover, error) {
	a, err := e.Account(ctx, id)
	if err != nil {
		return a, nil, err
	}
	n, ok := e.entry(a.Network)
	if !ok {
		return a, nil, fmt.Errorf("SocialOmm cannot reconnect %s accounts in this version", a.Network)
	}
	if n.SignIn == network.SignInPaste {
		return e.updatePaste(ctx, a, n, in)
	}
	values := map[string]string{}
	for _, f := range n.Form {
		if f.Secret && f.Update {
			secret := in.AppPassword
			if secret == "" && in.AskAppPassword != nil {
				// One per profile: asked only now that it is this one's turn.
				if secret, err = in.AskAppPassword(ctx, a); err != nil {
					return a, nil, err
				}
				in.AppPassword = secret
			}
			values[f.Key] = secret
		}
	}
	signed, err := e.signIn(ctx, n, values, &a, in)
	if err != nil {
		return a, nil, err
	}
	a, err = e.complete(ctx, a.Network, &a, signed)
	return a, nil, err
}

// signIn is the sign-in pipeline's first half: the keyring guard, then the
// network's own flow of its kind (the browser's listener, page, wait and
// code exchange are the engine's), giving whose token came back.
func (e *Engine) signIn(ctx context.Context, n network.Entry, values map[string]string, existing *account.Account, in SignIn) (network.SignedIn, error) {
	if err := e.keyringGuard(ctx); err != nil {
		return network.SignedIn{}, err
	}
	req := network.SignInRequest{Values: values, Existing: existing, Progress: in.Progress}
	if n.Keys != nil {
		keys, err := e.readyKeys(ctx, n.Name)
		if err != nil {
			return network.SignedIn{}, err
		}
		req.Keys = network.ClientKeys{ClientID: keys.ClientID, ClientSecret: keys.ClientSecret, RedirectURI: keys.RedirectURI}
		req.Port = e.keyed.ports[n.Name]
	}
	switch flow := e.adapters[n.Name].(type) {
	case network.FormSignIn:
		return flow.SignInForm(ctx, req)
	case network.LoopbackSignIn:
		return e.loopbackSignIn(ctx, n, flow, req, in)
	}
	return network.SignedIn{}, fmt.Errorf("SocialOmm cannot sign in to %s in this version", n.Title)
}

// keyringGuard refuses to sign in where the sign-in could not be kept.
func (e *Engine) keyringGuard(ctx context.Context) error {
	if err := e.KeyringProblem(ctx); err != nil {
		return fmt.Errorf("SocialOmm will not connect without a keyring to keep the sign-in safe: %w", err)
	}
	return nil
}

// loopbackSignIn runs a browser sign-in that comes back to SocialOmm: it
// listens where the network's attempt says, opens the page, waits for the
// person and trades the code.
func (e *Engine) loopbackSignIn(ctx context.Context, n network.Entry, flow network.LoopbackSignIn, req network.SignInRequest, in SignIn) (network.SignedIn, error) {
	att, err := flow.BeginLoopback(ctx, req)
	if err != nil {
		return network.SignedIn{}, err
	}
	sess, err := oauth.Start(ctx, oauth.Options{Logger: e.logger, Timeout: in.Timeout, NetworkName: n.Title, PreferredPort: att.Port()})
	if err != nil {
		return network.SignedIn{}, err
	}
	defer sess.Close()
	cfg, err := att.Authorize(ctx, sess.RedirectURI())
	if err != nil {
		return network.SignedIn{}, err
	}
	if err := e.openBrowser(ctx, in, sess.AuthCodeURL(cfg)); err != nil {
		return network.SignedIn{}, err
	}
	in.say("Waiting for you to sign in to " + att.Where() + " in your browser…")
	code, err := sess.Wait(ctx)
	if err != nil {
		return network.SignedIn{}, err
	}
	in.say("Finishing the connection with " + att.Where() + "…")
	tok, err := sess.Exchange(e.exchangeContext(ctx), cfg, code)
	if err != nil {
		return network.SignedIn{}, err
	}
	signed, err := att.Finish(ctx, tok)
	if err != nil {
		return network.SignedIn{}, fmt.Errorf("%s gave SocialOmm access, but then refused it: %w", att.Where(), err)
	}
	return signed, nil
}

// openBrowser shows a sign-in page.
func (e *Engine) openBrowser(ctx context.Context, in SignIn, url string) error {
	open := in.Open
	if open == nil {
		open = oauth.SystemOpener(e.logger)
	}
	if err := open(ctx, url); err != nil {
		return fmt.Errorf("could not open your browser: %w", err)
	}
	return nil
}

// updatePaste reconnects an account of a paste network: it opens the
// sign-in page and asks in.Paste for the address it ended on.
func (e *Engine) updatePaste(ctx context.Context, a account.Account, n network.Entry, in SignIn) (account.Account, *signInCover, error) {
	if in.Paste == nil {
		return a, nil, fmt.Errorf("updating %s needs the address your browser ends on after signing in", n.Title)
	}
	p, err := e.startPaste(ctx, a.Network, &a)
	if err != nil {
		return a, nil, err
	}
	if err := e.openBrowser(ctx, in, p.URL); err != nil {
		return a, nil, err
	}
	in.say("Sign in to " + n.Title + " in your browser, then paste the address it ends on…")
	pasted, err := in.Paste(ctx, p)
	if err != nil {
		return a, nil, err
	}
	res, err := e.FinishPaste(ctx, p, pasted)
	if err != nil {
		return a, nil, err
	}
	return res.Account, p.cover(res.Account), nil
}

// complete is the sign-in pipeline's second half: on Update the same
// profile must have come back (another one's grant is given back, nothing
// changes); then the sign-in is stored, and after a reconnect held posts
// may go out.
func (e *Engine) complete(ctx context.Context, name string, existing *account.Account, s network.SignedIn) (account.Account, error) {
	a, _, err := e.completeAdded(ctx, name, existing, s)
	return a, err
}

// completeAdded is complete, also saying whether a new account was added.
func (e *Engine) completeAdded(ctx context.Context, name string, existing *account.Account, s network.SignedIn) (account.Account, bool, error) {
	var a account.Account
	if existing != nil {
		a = *existing
		if s.Profile.RemoteID != a.RemoteID {
			if d, ok := e.adapters[name].(network.Discarder); ok {
				other := account.Account{Network: name, Instance: s.Instance, RemoteID: s.Profile.RemoteID}
				if err := d.Discard(ctx, other, s.Credentials); err != nil {
					e.logger.Info("could not give back the other profile's sign-in", "network", name, "err", err)
				}
			}
			return a, false, &OtherProfileError{Want: a.Handle, Got: s.Profile.Handle}
		}
	} else {
		var err error
		if a, err = e.accountFor(ctx, name, s.Instance, s.Profile.RemoteID); err != nil {
			return a, false, err
		}
	}
	added := a.ID == 0
	if s.Keep != nil {
		if err := s.Keep(ctx, a); err != nil {
			return a, false, err
		}
	}
	saved, err := e.storeSignIn(ctx, a, s.Profile, s.Credentials)
	if err != nil {
		return saved, false, err
	}
	if existing != nil {
		e.afterReconnect(ctx, saved)
	}
	return saved, added, nil
}

// accountFor is the stored account of a remote profile, or a new one.
func (e *Engine) accountFor(ctx context.Context, networkName, instance, remoteID string) (account.Account, error) {
	a, err := e.store.AccountByRemote(ctx, networkName, instance, remoteID)
	if errors.Is(err, store.ErrNotFound) {
		return account.Account{Network: networkName, Instance: instance, RemoteID: remoteID}, nil
	}
	return a, err
}

// afterReconnect lets posts held while the account was disconnected go out,
// in order, unless the person chose to release them by hand.
func (e *Engine) afterReconnect(ctx context.Context, a account.Account) {
	if e.ReleaseAsks(ctx) {
		if held, err := e.posts.Held(ctx, a.ID); err == nil && len(held) > 0 {
			e.store.LogActivity(ctx, a.ID, "held", fmt.Sprintf("%d held post(s) wait for your choice: Publish now, Keep their times or Skip old ones", len(held)))
		}
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
