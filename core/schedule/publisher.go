package schedule

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/mastodon"
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

// RecentLister is implemented by adapters that can list an account's own
// latest posts (mastodon.Adapter), which is how a post of unknown outcome
// is found.
type RecentLister interface {
	RecentStatuses(ctx context.Context, acct account.Account, creds network.Credentials, limit int) ([]mastodon.Status, error)
}

var _ RecentLister = (*mastodon.Adapter)(nil)

// ListerOf finds the RecentLister in ad, looking through adapters that wrap
// another one (they say so with Unwrap), so a wrapper that adds behaviour to
// Publish does not hide the network's list of recent posts.
func ListerOf(ad network.Adapter) (RecentLister, bool) {
	for ad != nil {
		if l, ok := ad.(RecentLister); ok {
			return l, true
		}
		w, ok := ad.(interface{ Unwrap() network.Adapter })
		if !ok {
			return nil, false
		}
		ad = w.Unwrap()
	}
	return nil, false
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

// FindPublished looks through the account's latest posts (as many as the
// network lists at once) for ones carrying text made at or after since.
// When it finds none it is confident only if the listing reaches back past
// since; otherwise more posts were made since then than it can see, and it
// says ErrCannotLook.
func (p *NetworkPublisher) FindPublished(ctx context.Context, accountID int64, text string, since time.Time) ([]network.Published, error) {
	a, creds, ad, err := p.open(ctx, accountID)
	if err != nil {
		return nil, err
	}
	lister, ok := ListerOf(ad)
	if !ok {
		return nil, fmt.Errorf("%w: %s offers no list of recent posts", ErrCannotLook, a.Network)
	}
	list, err := lister.RecentStatuses(ctx, a, creds, mastodon.MaxRecent)
	if err != nil {
		return nil, err
	}
	return matchRecent(list, text, since, mastodon.MaxRecent)
}

// matchRecent picks the statuses carrying text made at or after since,
// oldest first. A status without a readable time counts as recent (better
// found than sent twice).
func matchRecent(list []mastodon.Status, text string, since time.Time, page int) ([]network.Published, error) {
	var found []mastodon.Status
	reachesBack := false
	for _, st := range list {
		if !st.CreatedAt.IsZero() && st.CreatedAt.Before(since) {
			reachesBack = true
			continue
		}
		if st.SameText(text) {
			found = append(found, st)
		}
	}
	if len(found) == 0 && !reachesBack && len(list) >= page {
		return nil, fmt.Errorf("%w: more than %d posts were made since then", ErrCannotLook, page)
	}
	slices.SortStableFunc(found, func(x, y mastodon.Status) int { return x.CreatedAt.Compare(y.CreatedAt) })
	out := make([]network.Published, len(found))
	for i, st := range found {
		out[i] = network.Published{RemoteID: st.ID, URL: st.URL}
	}
	return out, nil
}
