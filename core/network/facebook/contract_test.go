package facebook_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/facebook"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/oauth"
	"github.com/socialomm/desktop/internal/contract"
)

var start = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

type fixture struct {
	srv   *contract.FacebookServer
	clk   *clock.Fake
	a     *facebook.Adapter
	user  network.Credentials
	page  facebook.Page
	acct  account.Account
	creds network.Credentials
}

// connect runs the paste-the-address sign-in: the person opens the Login
// dialog, Facebook sends the browser to the registered https address (where
// nothing answers), the person pastes that address into SocialOmm.
func connect(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	srv := contract.NewFacebook(t, oauthnet.PasteRedirectURI)
	clk := clock.NewFake(start)
	srv.SetNow(clk.Now)
	srv.PageSize = 1 // make /me/accounts page through its results
	keys := oauthnet.Keys{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret}
	a := facebook.New(srv.Client(), facebook.WithClock(clk), facebook.WithKeys(oauthnet.StaticKeys(keys)),
		facebook.WithEndpoints(facebook.Endpoints{AuthURL: srv.AuthURL(), GraphBase: srv.GraphBase(), WebBase: "https://www.facebook.com"}))

	cfg := a.OAuthConfig(keys, "")
	if cfg.RedirectURL != oauthnet.PasteRedirectURI || cfg.Scopes[0] != "pages_show_list,pages_manage_posts,pages_read_engagement" {
		t.Fatalf("config %+v", cfg)
	}
	flow, err := oauthnet.NewManualFlow(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pasted := contract.Location(t, flow.AuthCodeURL())
	if !strings.HasPrefix(pasted, oauthnet.PasteRedirectURI+"?") || !strings.HasSuffix(pasted, "#_=_") {
		t.Fatalf("the browser would end on %q", pasted)
	}
	code, err := flow.Code("  " + pasted + "\n")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := flow.Exchange(ctx, srv.Client(), "Facebook", code, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	user, userCreds, err := a.Finish(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if user.RemoteID != contract.FacebookUser || userCreds.AccessToken == tok.AccessToken {
		t.Fatalf("user %+v; long-lived exchange happened: %t", user, userCreds.AccessToken != tok.AccessToken)
	}
	if want := start.Add(contract.LongLivedLifetime * time.Second); !userCreds.Expiry.Equal(want) || !userCreds.ConnectionExpiry.Equal(want) {
		t.Errorf("user token dated %v / %v", userCreds.Expiry, userCreds.ConnectionExpiry)
	}
	long := srv.RequestsTo("GET /v23.0/oauth/access_token")
	if len(long) != 1 || long[0].Query.Get("grant_type") != "fb_exchange_token" || long[0].Query.Get("client_secret") != "[set]" {
		t.Fatalf("long-lived exchange %+v", long)
	}

	pages, err := a.Pages(ctx, userCreds.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 || pages[0].Name != "Ana's Bakery" || !pages[0].CanPost() || pages[1].CanPost() {
		t.Fatalf("pages %v", pages)
	}
	if n := len(srv.RequestsTo("GET /v23.0/me/accounts")); n != 2 {
		t.Errorf("followed %d result pages, want 2", n)
	}
	page := pages[0]
	creds := page.Credentials()
	if creds.AccessToken == "" || !creds.Expiry.IsZero() || !creds.ConnectionExpiry.IsZero() || !facebook.NeverExpires {
		t.Errorf("page credentials must never expire: %v / %v", creds.Expiry, creds.ConnectionExpiry)
	}
	if strings.Contains(page.String(), creds.AccessToken) {
		t.Error("a Page prints its token")
	}
	p := page.Profile()
	acct := account.Account{Network: facebook.NetworkName, RemoteID: p.RemoteID, Handle: p.Handle}
	return &fixture{srv: srv, clk: clk, a: a, user: userCreds, page: page, acct: acct, creds: creds}
}

func TestConnectVerifyPublish(t *testing.T) {
	f := connect(t)
	ctx := context.Background()
	p, err := f.a.Verify(ctx, f.acct, f.creds)
	if err != nil {
		t.Fatal(err)
	}
	if p.RemoteID != "1234567890" || p.DisplayName != "Ana's Bakery" {
		t.Errorf("verify %+v", p)
	}
	pub, err := f.a.Publish(ctx, f.acct, f.creds, "Fresh bread at 7", "k")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pub.RemoteID, "1234567890_") || pub.URL != "https://www.facebook.com/"+pub.RemoteID {
		t.Errorf("published %+v", pub)
	}
	if got := f.srv.Posts(); len(got) != 1 || got[0] != "Fresh bread at 7" {
		t.Errorf("server has %q", got)
	}
	_, err = f.a.Publish(ctx, f.acct, f.creds, "Fresh bread at 7", "k")
	var re *oauthnet.RejectedError
	if !errors.As(err, &re) || errors.Is(err, oauthnet.ErrOutcomeUnknown) {
		t.Errorf("duplicate: %v", err)
	}
	if err := f.a.Revoke(ctx, f.acct, f.creds); !errors.Is(err, network.ErrRevokeUnsupported) {
		t.Errorf("revoke: %v", err)
	}
	// A year later the Page token still works.
	f.clk.Advance(365 * 24 * time.Hour)
	if _, err := f.a.Verify(ctx, f.acct, f.creds); err != nil {
		t.Fatal(err)
	}
}

func TestLostAccess(t *testing.T) {
	f := connect(t)
	ctx := context.Background()
	cases := []struct {
		state  contract.State
		reason account.Reason
		words  string
	}{
		{contract.PasswordChanged, account.ReasonPasswordChanged, ""},
		{contract.Expired, account.ReasonExpired, ""},
		{contract.Invalid, account.ReasonInvalid, ""},
		{contract.Revoked, account.ReasonRevoked, ""},
		{contract.Checkpoint, account.ReasonInvalid, "the account needs attention on Facebook (checkpoint)"},
		{contract.ScopeLost, account.ReasonScopeLost, ""},
	}
	for _, c := range cases {
		t.Run(string(c.state), func(t *testing.T) {
			f.srv.Once(c.state)
			_, err := f.a.Verify(ctx, f.acct, f.creds)
			if network.ReasonOf(err) != c.reason {
				t.Fatalf("verify: got %v, want %s", err, c.reason)
			}
			f.srv.Once(c.state)
			_, err = f.a.Publish(ctx, f.acct, f.creds, "held "+string(c.state), "k")
			if network.ReasonOf(err) != c.reason || errors.Is(err, oauthnet.ErrOutcomeUnknown) {
				t.Fatalf("publish: got %v, want %s", err, c.reason)
			}
			if c.words != "" && !strings.Contains(err.Error(), c.words) {
				t.Errorf("%q lacks %q", err, c.words)
			}
			if strings.Contains(err.Error(), f.creds.AccessToken) {
				t.Fatal("token in the error")
			}
		})
	}
	t.Run("throttled", func(t *testing.T) {
		f.srv.Once(contract.RateLimited)
		_, err := f.a.Verify(ctx, f.acct, f.creds)
		var te *network.TransientError
		if !errors.As(err, &te) || te.RetryAfter != 15*time.Minute {
			t.Fatalf("got %#v", err)
		}
	})
	t.Run("down during publish", func(t *testing.T) {
		f.srv.Once(contract.Down)
		_, err := f.a.Publish(ctx, f.acct, f.creds, "unknown", "k")
		if !errors.Is(err, oauthnet.ErrOutcomeUnknown) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("app removed in settings", func(t *testing.T) {
		f.srv.RevokeAll()
		_, err := f.a.Verify(ctx, f.acct, f.creds)
		if network.ReasonOf(err) != account.ReasonRevoked {
			t.Fatalf("got %v", err)
		}
		if _, err := f.a.Pages(ctx, f.user.AccessToken); network.ReasonOf(err) != account.ReasonRevoked {
			t.Fatalf("pages: %v", err)
		}
	})
}

func TestSignInRefusals(t *testing.T) {
	ctx := context.Background()
	srv := contract.NewFacebook(t, oauthnet.PasteRedirectURI)
	keys := oauthnet.Keys{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret}
	a := facebook.New(srv.Client(), facebook.WithKeys(oauthnet.StaticKeys(keys)),
		facebook.WithEndpoints(facebook.Endpoints{AuthURL: srv.AuthURL(), GraphBase: srv.GraphBase()}))
	flow, _ := oauthnet.NewManualFlow(a.OAuthConfig(keys, ""))
	pasted := contract.Location(t, flow.AuthCodeURL())

	other, _ := oauthnet.NewManualFlow(a.OAuthConfig(keys, ""))
	if _, err := other.Code(pasted); !errors.Is(err, oauthnet.ErrStateMismatch) {
		t.Errorf("another attempt's address: %v", err)
	}
	code, err := flow.Code(pasted)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flow.Exchange(ctx, srv.Client(), "Facebook", code, start); err != nil {
		t.Fatal(err)
	}
	// A code works once.
	_, err = flow.Exchange(ctx, srv.Client(), "Facebook", code, start)
	var ee *oauth.ExchangeError
	if !errors.As(err, &ee) || strings.Contains(err.Error(), code) {
		t.Errorf("second exchange: %v", err)
	}
	// A wrong app secret.
	badKeys := keys
	badKeys.ClientSecret = "not-the-secret"
	bad, _ := oauthnet.NewManualFlow(a.OAuthConfig(badKeys, ""))
	code2, err := bad.Code(contract.Location(t, bad.AuthCodeURL()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Exchange(ctx, srv.Client(), "Facebook", code2, start)
	if !errors.Is(err, oauthnet.ErrAppKeys) || strings.Contains(err.Error(), "not-the-secret") {
		t.Errorf("wrong secret: %v", err)
	}
}
