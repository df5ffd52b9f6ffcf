package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/secret"
)

// NetworkPublisher is the Publisher built on the network adapters. The
// engine fills its three functions from what it owns; none of them may put
// a token in an error.
type NetworkPublisher struct {
	// Account loads an account.
	Account func(ctx context.Context, id int64) (account.Account, error)
	// Credentials reads the account's tokens from the keyring; an error
	// that Is secret.ErrNotFound means they are gone.
	Credentials func(ctx context.Context, a account.Account) (network.Credentials, error)
	// Adapter returns the adapter of a network ("mastodon").
	Adapter func(network string) (network.Adapter, bool)
}

func (p *NetworkPublisher) open(ctx context.Context, accountID int64) (account.Account, network.Credentials, network.Adapter, error) {
	a, err := p.Account(ctx, accountID)
	if err != nil {
		return a, network.Credentials{}, nil, err
	}
	ad, ok := p.Adapter(a.Network)
	if !ok {
		return a, network.Credentials{}, nil, fmt.Errorf("SocialOmm cannot post to %s in this version", a.Network)
	}
	creds, err := p.Credentials(ctx, a)
	switch {
	case errors.Is(err, secret.ErrNotFound):
		return a, creds, nil, &network.LostAccessError{Reason: account.ReasonInvalid,
			Message: "SocialOmm's sign-in for this profile is missing from the keyring"}
	case err != nil:
		return a, creds, nil, &network.TransientError{Message: "the keyring did not answer: " + err.Error(), Err: err}
	}
	return a, creds, ad, nil
}

// Publish sends text through the account's network adapter.
func (p *NetworkPublisher) Publish(ctx context.Context, accountID int64, text, idempotencyKey string) (network.Published, error) {
	a, creds, ad, err := p.open(ctx, accountID)
	if err != nil {
		return network.Published{}, err
	}
	return ad.Publish(ctx, a, creds, text, idempotencyKey)
}

// FindPublished looks through the account's posts back to since, page
// after page, for ones carrying text. When the profile made more posts
// since then than can be looked through, it says ErrCannotLook.
func (p *NetworkPublisher) FindPublished(ctx context.Context, accountID int64, text string, since time.Time) ([]network.Published, error) {
	a, creds, ad, err := p.open(ctx, accountID)
	if err != nil {
		return nil, err
	}
	lister, ok := network.RecentPosterOf(ad)
	if !ok {
		return nil, fmt.Errorf("%w: %s offers no list of recent posts", ErrCannotLook, a.Network)
	}
	found, err := network.FindRecent(ctx, lister, a, creds, text, since)
	if errors.Is(err, network.ErrTooManyRecent) {
		return nil, fmt.Errorf("%w: %w", ErrCannotLook, err)
	}
	return found, err
}
