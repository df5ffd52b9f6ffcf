package schedule

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/mastodon"
	"github.com/socialomm/desktop/core/secret"
)

func status(id string, at time.Time, html string) mastodon.Status {
	return mastodon.Status{ID: id, URL: "https://social.example/@ana/" + id, CreatedAt: at, Content: html}
}

func TestMatchRecent(t *testing.T) {
	since := t0
	full := make([]mastodon.Status, 0, 3)
	for i := range 3 {
		full = append(full, status(fmt.Sprint("n", i), t0.Add(time.Duration(10-i)*time.Minute), "<p>other</p>"))
	}
	cases := []struct {
		name    string
		list    []mastodon.Status // newest first
		page    int
		want    []string
		wantErr error
	}{
		{"found among HTML, white space laid out differently",
			[]mastodon.Status{status("2", t0.Add(time.Minute), "<p>Hello<br>world</p>"), status("1", t0.Add(-time.Hour), "<p>old</p>")},
			40, []string{"2"}, nil},
		{"too old does not count", []mastodon.Status{status("1", t0.Add(-time.Second), "<p>Hello world</p>")}, 40, nil, nil},
		{"none, and the list reaches back: confident", []mastodon.Status{status("1", t0.Add(-time.Hour), "<p>x</p>")}, 40, nil, nil},
		{"none, short list: confident (the account has no more posts)", nil, 40, nil, nil},
		{"none, full page all newer: cannot tell", full, 3, nil, ErrCannotLook},
		{"two copies: oldest first",
			[]mastodon.Status{status("b", t0.Add(2*time.Minute), "<p>Hello world</p>"), status("a", t0.Add(time.Minute), "<p>Hello world</p>")},
			40, []string{"a", "b"}, nil},
		{"time unreadable: counts as recent", []mastodon.Status{status("z", time.Time{}, "<p>Hello world</p>")}, 40, []string{"z"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := matchRecent(c.list, "Hello\nworld", since, c.page)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %+v, want %v", got, c.want)
			}
			for i, p := range got {
				if p.RemoteID != c.want[i] || p.URL != "https://social.example/@ana/"+c.want[i] {
					t.Fatalf("got %+v, want %v", got, c.want)
				}
			}
		})
	}
}

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
	list []mastodon.Status
}

func (a *listingAdapter) RecentStatuses(ctx context.Context, acct account.Account, c network.Credentials, limit int) ([]mastodon.Status, error) {
	return a.list, nil
}

func TestNetworkPublisher(t *testing.T) {
	acct := account.Account{ID: 7, Network: "mastodon", Instance: "https://social.example", RemoteID: "100"}
	plain := &fakeAdapter{published: network.Published{RemoteID: "r1", URL: "https://social.example/@ana/r1"}}
	listing := &listingAdapter{list: []mastodon.Status{status("r5", t0.Add(time.Minute), "<p>hi</p>")}}
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
}

// wrapper adds nothing to the adapter it wraps but says it wraps one.
type wrapper struct{ network.Adapter }

func (w wrapper) Unwrap() network.Adapter { return w.Adapter }
