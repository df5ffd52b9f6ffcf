package core

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network/bluesky"
)

// ConnectBluesky connects a Bluesky profile with an app password (never the
// account's main password, which is refused). pds, when given, skips
// resolving the handle to its server. Connecting a profile that is already
// connected updates that account.
func (e *Engine) ConnectBluesky(ctx context.Context, handle, appPassword, pds string, in SignIn) (account.Account, error) {
	if err := e.KeyringProblem(ctx); err != nil {
		return account.Account{}, fmt.Errorf("SocialOmm will not connect without a keyring to keep the sign-in safe: %w", err)
	}
	if strings.TrimSpace(appPassword) == "" {
		return account.Account{}, errors.New("an app password is needed, not your main password. " + bluesky.AppPasswordHelp)
	}
	in.say("Signing in to Bluesky as " + handle + "…")
	profile, creds, server, err := e.bluesky.Connect(ctx, handle, appPassword, pds)
	if err != nil {
		return account.Account{}, err
	}
	a, err := e.accountFor(ctx, bluesky.NetworkName, server, profile.RemoteID)
	if err != nil {
		return account.Account{}, err
	}
	return e.storeSignIn(ctx, a, profile, creds)
}

// updateBluesky signs an existing Bluesky account in again with a new app
// password; it must be the same profile (DID).
func (e *Engine) updateBluesky(ctx context.Context, a account.Account, in SignIn) (account.Account, error) {
	if strings.TrimSpace(in.AppPassword) == "" {
		return a, errors.New("an app password is needed to reconnect " + a.Handle + ". " + bluesky.AppPasswordHelp)
	}
	in.say("Signing in to Bluesky as " + a.Handle + "…")
	profile, creds, _, err := e.bluesky.Connect(ctx, strings.TrimPrefix(a.Handle, "@"), in.AppPassword, a.Instance)
	if err != nil {
		return a, err
	}
	if profile.RemoteID != a.RemoteID {
		// The session we just made is someone else's: end it, change nothing.
		e.bluesky.Revoke(ctx, a, creds)
		return a, &OtherProfileError{Want: a.Handle, Got: profile.Handle}
	}
	updated, err := e.storeSignIn(ctx, a, profile, creds)
	if err == nil {
		e.afterReconnect(ctx, updated)
	}
	return updated, err
}
