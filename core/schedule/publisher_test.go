package schedule

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/secret"
)

// fakeAdapter is a network.Adapter; with recent set it can list posts.
type fakeAdapter struct {
	published network.Published
	err       error
	gotToken  string
}

func (a *fakeAdapter) Name() string { return "mastodon" }
func (a *fakeAdapter) Verify(context.Context, account.Account, network.Credentials) (network.Profile, error) {
	return network.Profile{}, nil
}
func (a *fakeAdapter) Publish(ctx context.Context, acct account.Account, c network.Credentials, text, key string) (network.Published, error) {
	a.gotToken = c.AccessToken
	return a.published, a.err
}
func (a *fakeAdapter) Revoke(context.Context, account.Account, network.Credentials) error { return nil }

type listingAdapter struct {
	fakeAdapter
	list []network.RecentPost
}

func (a *listingAdapter) RecentPosts(ctx context.Context, acct account.Account, c network.Credentials, since time.Time, page func([]network.RecentPost) bool) error {
	page(a.list)
	return nil
}

// endlessAdapter lists a full page of other posts, all recent, forever.
type endlessAdapter struct{ fakeAdapter }

func (a *endlessAdapter) RecentPosts(ctx context.Context, acct account.Account, c network.Credentials, since time.Time, page func([]network.RecentPost) bool) error {
	for i := 0; ; i++ {
		if !page([]network.RecentPost{{Published: network.Published{RemoteID: fmt.Sprint(i)}, Text: "other", CreatedAt: t0.Add(time.Hour)}}) {
			return nil
		}
	}
}

func TestNetworkPublisher(t *testing.T) {
	acct := account.Account{ID: 7, Network: "mastodon", Instance: "https://social.example", RemoteID: "100"}
	plain := &fakeAdapter{published: network.Published{RemoteID: "r1", URL: "https://social.example/@ana/r1"}}
	listing := &listingAdapter{list: []network.RecentPost{{Published: network.Published{RemoteID: "r5"}, Text: "hi", CreatedAt: t0.Add(time.Minute)}}}
	pub := func(ad network.Adapter, credErr error) *NetworkPublisher {
		return &NetworkPublisher{
			Account: func(ctx context.Context, id int64) (account.Account, error) {
				if id != 7 {
					return account.Account{}, errors.New("no such account")
				}
				return acct, nil
			},
			Credentials: func(context.Context, account.Account) (network.Credentials, error) {
				return network.Credentials{AccessToken: "tok"}, credErr
			},
			Adapter: func(n string) (network.Adapter, bool) { return ad, n == "mastodon" },
		}
	}
	ctx := t.Context()

	if got, err := pub(plain, nil).Publish(ctx, 7, "hi", "k"); err != nil || got.RemoteID != "r1" || plain.gotToken != "tok" {
		t.Fatalf("Publish = %+v, %v", got, err)
	}
	_, err := pub(plain, secret.ErrNotFound).Publish(ctx, 7, "hi", "k")
	if network.ReasonOf(err) != account.ReasonInvalid {
		t.Fatalf("missing sign-in: %v", err)
	}
	_, err = pub(plain, errors.New("dbus: no reply")).Publish(ctx, 7, "hi", "k")
	if !network.IsTransient(err) {
		t.Fatalf("keyring down: %v", err)
	}
	if _, err := pub(plain, nil).FindPublished(ctx, 7, "hi", t0); !errors.Is(err, ErrCannotLook) {
		t.Fatalf("adapter without a list: %v", err)
	}
	for name, ad := range map[string]network.Adapter{
		"listing adapter":            listing,
		"listing adapter in wrapper": wrapper{wrapper{listing}},
	} {
		got, err := pub(ad, nil).FindPublished(ctx, 7, "hi", t0)
		if err != nil || len(got) != 1 || got[0].RemoteID != "r5" {
			t.Fatalf("%s: FindPublished = %+v, %v", name, got, err)
		}
	}
	if _, err := pub(wrapper{plain}, nil).FindPublished(ctx, 7, "hi", t0); !errors.Is(err, ErrCannotLook) {
		t.Fatalf("wrapped adapter without a list: %v", err)
	}
	if _, err := pub(&endlessAdapter{}, nil).FindPublished(ctx, 7, "hi", t0); !errors.Is(err, ErrCannotLook) {
		t.Fatalf("more posts since then than can be read: %v", err)
	}
}

// wrapper adds nothing to the adapter it wraps but says it wraps one.
type wrapper struct{ network.Adapter }

func (w wrapper) Unwrap() network.Adapter { return w.Adapter }
