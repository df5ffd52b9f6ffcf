package instagram_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/instagram"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/internal/contract"
)

var start = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

const redirect = "https://socialomm.example/ig/callback"

type fixture struct {
	srv   *contract.InstagramServer
	clk   *clock.Fake
	a     *instagram.Adapter
	acct  account.Account
	creds network.Credentials
}

func connect(t *testing.T, dataArray bool) *fixture {
	t.Helper()
	ctx := context.Background()
	srv := contract.NewInstagram(t, redirect)
	srv.DataArray = dataArray
	clk := clock.NewFake(start)
	srv.SetNow(clk.Now)
	// The person registered their own https address.
	keys := oauthnet.Keys{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, RedirectURI: redirect}
	a := instagram.New(srv.Client(), instagram.WithClock(clk), instagram.WithKeys(oauthnet.StaticKeys(keys)),
		instagram.WithEndpoints(instagram.Endpoints{AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(), GraphBase: srv.GraphBase(), WebBase: "https://www.instagram.com"}))
	cfg := a.OAuthConfig(keys, "")
	if cfg.RedirectURL != redirect || cfg.Scopes[0] != "instagram_business_basic,instagram_business_content_publish" {
		t.Fatalf("config %+v", cfg)
	}
	flow, err := oauthnet.NewManualFlow(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pasted := contract.Location(t, flow.AuthCodeURL())
	if !strings.HasSuffix(pasted, "#_") {
		t.Fatalf("Instagram appends #_: %q", pasted)
	}
	code, err := flow.Code(pasted)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := flow.Exchange(ctx, srv.Client(), "Instagram", code, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := oauthnet.FromOAuth2(tok).UserID; got != contract.InstagramUserID {
		t.Errorf("user_id read as %q: it must stay exact", got)
	}
	p, creds, err := a.Finish(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.RemoteID != contract.InstagramUserID || p.Handle != "@anas.bakery" || p.ProfileURL != "https://www.instagram.com/anas.bakery/" {
		t.Errorf("profile %+v", p)
	}
	if want := start.Add(contract.LongLivedLifetime * time.Second); !creds.Expiry.Equal(want) || !creds.ConnectionExpiry.Equal(want) {
		t.Errorf("dated %v / %v", creds.Expiry, creds.ConnectionExpiry)
	}
	if creds.AccessToken == tok.AccessToken {
		t.Error("no long-lived exchange")
	}
	return &fixture{srv: srv, clk: clk, a: a, acct: account.Account{Network: instagram.NetworkName, RemoteID: p.RemoteID, Handle: p.Handle}, creds: creds}
}

func TestConnect(t *testing.T) {
	for _, data := range []bool{false, true} {
		name := "flat token answer"
		if data {
			name = "token answer in a data array"
		}
		t.Run(name, func(t *testing.T) { connect(t, data) })
	}
}

func TestPublish(t *testing.T) {
	f := connect(t, false)
	ctx := context.Background()
	_, err := f.a.Publish(ctx, f.acct, f.creds, "just words", "k")
	if !errors.Is(err, instagram.ErrNeedsMedia) || len(f.srv.RequestsTo("POST /v23.0/"+contract.InstagramUserID+"/media")) != 0 {
		t.Fatalf("text-only: %v", err)
	}
	pub, err := f.a.PublishImage(ctx, f.acct, f.creds, "https://cdn.example/bread.jpg", "Fresh bread #bakery")
	if err != nil {
		t.Fatal(err)
	}
	if pub.RemoteID == "" || !strings.HasPrefix(pub.URL, "https://www.instagram.com/p/") {
		t.Errorf("published %+v", pub)
	}
	if got := f.srv.Published(); len(got) != 1 || got[0] != "Fresh bread #bakery" {
		t.Errorf("server has %q", got)
	}
	if _, err := f.a.PublishImage(ctx, f.acct, f.creds, "http://cdn.example/x.jpg", "x"); !errors.Is(err, instagram.ErrNeedsMedia) {
		t.Errorf("http image: %v", err)
	}
	if _, err := f.a.PublishImage(ctx, f.acct, f.creds, "https://cdn.example/x.jpg", strings.Repeat("a", 2201)); !errors.Is(err, oauthnet.ErrTooLong) {
		t.Errorf("long caption: %v", err)
	}
	// The daily publishing limit at the publish step is a wait, and the
	// post was clearly not taken.
	f.srv.Next("POST /v23.0/"+contract.InstagramUserID+"/media_publish", contract.Answer{Status: 400, Body: contract.InstagramPublishLimit})
	_, err = f.a.PublishImage(ctx, f.acct, f.creds, "https://cdn.example/bread.jpg", "again")
	if !network.IsTransient(err) || errors.Is(err, oauthnet.ErrOutcomeUnknown) {
		t.Errorf("publish limit: %v", err)
	}
	// A 500 once the publish request went out: unknown outcome.
	f.srv.Next("POST /v23.0/"+contract.InstagramUserID+"/media_publish", contract.Answer{Status: 500, Body: contract.GraphUnknown})
	_, err = f.a.PublishImage(ctx, f.acct, f.creds, "https://cdn.example/bread.jpg", "again")
	if !errors.Is(err, oauthnet.ErrOutcomeUnknown) {
		t.Errorf("500 at publish: %v", err)
	}
	if err := f.a.Revoke(ctx, f.acct, f.creds); !errors.Is(err, network.ErrRevokeUnsupported) {
		t.Errorf("revoke: %v", err)
	}
}

func TestRefresh(t *testing.T) {
	f := connect(t, false)
	ctx := context.Background()
	// Under 24 hours old: nothing is asked.
	f.clk.Advance(2 * time.Hour)
	same, err := f.a.Refresh(ctx, f.acct, f.creds)
	if err != nil || same != f.creds || len(f.srv.RequestsTo("GET /refresh_access_token")) != 0 {
		t.Fatalf("early refresh: %v", err)
	}
	f.clk.Advance(30 * 24 * time.Hour)
	next, err := f.a.Refresh(ctx, f.acct, f.creds)
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.srv.RequestsTo("GET /refresh_access_token")
	if len(reqs) != 1 || reqs[0].Query.Get("grant_type") != "ig_refresh_token" {
		t.Fatalf("refresh requests %+v", reqs)
	}
	if want := f.clk.Now().Add(contract.LongLivedLifetime * time.Second); !next.Expiry.Equal(want) || !next.ConnectionExpiry.Equal(want) {
		t.Errorf("refreshed to %v", next.Expiry)
	}
	if _, err := f.a.Verify(ctx, f.acct, next); err != nil {
		t.Fatal(err)
	}
	// The person removed the app: the refresh says so.
	f.clk.Advance(2 * 24 * time.Hour)
	f.srv.RevokeAll()
	_, err = f.a.Refresh(ctx, f.acct, next)
	if network.ReasonOf(err) != account.ReasonRevoked || strings.Contains(err.Error(), next.AccessToken) {
		t.Fatalf("refresh after removal: %v", err)
	}
}

func TestLostAccess(t *testing.T) {
	f := connect(t, false)
	ctx := context.Background()
	for _, c := range []struct {
		state  contract.State
		reason account.Reason
	}{
		{contract.PasswordChanged, account.ReasonPasswordChanged},
		{contract.Expired, account.ReasonExpired},
		{contract.Invalid, account.ReasonInvalid},
		{contract.Revoked, account.ReasonRevoked},
		{contract.Checkpoint, account.ReasonInvalid},
		{contract.ScopeLost, account.ReasonScopeLost},
	} {
		t.Run(string(c.state), func(t *testing.T) {
			f.srv.Once(c.state)
			if _, err := f.a.Verify(ctx, f.acct, f.creds); network.ReasonOf(err) != c.reason {
				t.Fatalf("verify: %v", err)
			}
			f.srv.Once(c.state)
			_, err := f.a.PublishImage(ctx, f.acct, f.creds, "https://cdn.example/b.jpg", "x")
			if network.ReasonOf(err) != c.reason {
				t.Fatalf("publish: %v", err)
			}
		})
	}
	f.srv.Once(contract.RateLimited)
	_, err := f.a.Verify(ctx, f.acct, f.creds)
	var te *network.TransientError
	if !errors.As(err, &te) || te.RetryAfter != 15*time.Minute {
		t.Fatalf("throttled: %#v", err)
	}
}
