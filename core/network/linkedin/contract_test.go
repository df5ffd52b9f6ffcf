package linkedin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/linkedin"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/oauth"
	"github.com/socialomm/desktop/internal/contract"
)

var start = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

type fixture struct {
	srv   *contract.LinkedInServer
	clk   *clock.Fake
	a     *linkedin.Adapter
	acct  account.Account
	creds network.Credentials
}

func connect(t *testing.T, refresh bool) *fixture {
	t.Helper()
	ctx := context.Background()
	s, err := oauth.Start(ctx, oauth.Options{NetworkName: "LinkedIn", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := contract.NewLinkedIn(t, s.RedirectURI(), refresh)
	clk := clock.NewFake(start)
	srv.SetNow(clk.Now)
	keys := oauthnet.Keys{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret}
	a := linkedin.New(srv.Client(), linkedin.WithClock(clk), linkedin.WithKeys(oauthnet.StaticKeys(keys)),
		linkedin.WithRetryDelay(0), linkedin.WithEndpoints(linkedin.Endpoints{
			AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(), APIBase: srv.URL, WebBase: "https://www.linkedin.com",
		}))
	cfg := a.OAuthConfig(keys, s.RedirectURI())
	if got := strings.Join(cfg.Scopes, " "); got != "openid profile w_member_social" {
		t.Errorf("scopes %q", got)
	}
	contract.Browse(t, s.AuthCodeURL(cfg))
	code, err := s.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Exchange(ctx, cfg, code)
	if err != nil {
		t.Fatal(err)
	}
	// LinkedIn's documented flake: a fresh token answers 65601 once.
	srv.Once(contract.Revoked)
	p, creds, err := a.Finish(ctx, tok)
	if err != nil {
		t.Fatalf("finish (with one 65601 flap): %v", err)
	}
	if p.RemoteID != "782bbtaQ" || p.DisplayName != "John Doe" || p.AvatarURL == "" {
		t.Errorf("profile %+v", p)
	}
	if !creds.Expiry.Equal(start.Add(60 * 24 * time.Hour)) {
		t.Errorf("expiry %v", creds.Expiry)
	}
	if refresh {
		if creds.RefreshToken == "" || !creds.ConnectionExpiry.Equal(start.Add(365*24*time.Hour)) {
			t.Errorf("refresh %t, connection expiry %v", creds.RefreshToken != "", creds.ConnectionExpiry)
		}
	} else if creds.RefreshToken != "" || !creds.ConnectionExpiry.Equal(creds.Expiry) {
		t.Errorf("without refresh: connection expiry %v", creds.ConnectionExpiry)
	}
	return &fixture{srv: srv, clk: clk, a: a, acct: account.Account{Network: linkedin.NetworkName, RemoteID: p.RemoteID}, creds: creds}
}

func TestConnectVerifyPublish(t *testing.T) {
	f := connect(t, false)
	ctx := context.Background()
	if _, err := f.a.Verify(ctx, f.acct, f.creds); err != nil {
		t.Fatal(err)
	}
	pub, err := f.a.Publish(ctx, f.acct, f.creds, "Launch day (finally) #golang", "k")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pub.RemoteID, "urn:li:share:") || pub.URL != "https://www.linkedin.com/feed/update/"+pub.RemoteID+"/" {
		t.Errorf("published %+v", pub)
	}
	reqs := f.srv.RequestsTo("POST /rest/posts")
	if len(reqs) != 1 || reqs[0].Header.Get("LinkedIn-Version") != linkedin.DefaultVersion ||
		reqs[0].Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		t.Fatalf("post request headers %+v", reqs)
	}
	post := f.srv.Posts()[0]
	if post["commentary"] != `Launch day \(finally\) #golang` || post["visibility"] != "PUBLIC" {
		t.Errorf("post body %v", post)
	}
	if dist, _ := post["distribution"].(map[string]any); dist["feedDistribution"] != "MAIN_FEED" {
		t.Errorf("distribution %v", post["distribution"])
	}

	if err := f.a.Revoke(ctx, f.acct, f.creds); !errors.Is(err, network.ErrRevokeUnsupported) {
		t.Errorf("revoke: %v", err)
	}
	if _, err := f.a.Refresh(ctx, f.acct, f.creds); !errors.Is(err, linkedin.ErrNoRefreshToken) {
		t.Errorf("refresh without a refresh token: %v", err)
	}
	if _, err := f.a.Publish(ctx, f.acct, f.creds, strings.Repeat("a", linkedin.TextLimit+1), "k"); !errors.Is(err, oauthnet.ErrTooLong) {
		t.Errorf("too long: %v", err)
	}
}

func TestRefresh(t *testing.T) {
	f := connect(t, true)
	ctx := context.Background()
	f.clk.Advance(59 * 24 * time.Hour)
	next, err := f.a.Refresh(ctx, f.acct, f.creds)
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == f.creds.AccessToken || next.RefreshToken != f.creds.RefreshToken {
		t.Errorf("LinkedIn gives a new access token and keeps the refresh token: same access %t, same refresh %t", next.AccessToken == f.creds.AccessToken, next.RefreshToken == f.creds.RefreshToken)
	}
	if !next.Expiry.Equal(f.clk.Now().Add(60*24*time.Hour)) || !next.ConnectionExpiry.Equal(f.creds.ConnectionExpiry) {
		t.Errorf("refreshed %v / %v, connection was %v", next.Expiry, next.ConnectionExpiry, f.creds.ConnectionExpiry)
	}
	if _, err := f.a.Verify(ctx, f.acct, next); err != nil {
		t.Fatal(err)
	}
	// A year after the sign-in the refresh token is gone.
	f.clk.Set(start.Add(366 * 24 * time.Hour))
	_, err = f.a.Refresh(ctx, f.acct, next)
	if network.ReasonOf(err) != account.ReasonInvalid {
		t.Fatalf("refresh after a year: %v", err)
	}
	if strings.Contains(err.Error(), next.RefreshToken) {
		t.Fatal("refresh token in the error")
	}
}

func TestLostAccess(t *testing.T) {
	f := connect(t, false)
	ctx := context.Background()
	cases := []struct {
		name   string
		states []contract.State
		reason account.Reason
		ok     bool
	}{
		{name: "65601 once is a flap", states: []contract.State{contract.Revoked}, ok: true},
		{name: "65601 twice is revoked", states: []contract.State{contract.Revoked, contract.Revoked}, reason: account.ReasonRevoked},
		{name: "65600", states: []contract.State{contract.Invalid}, reason: account.ReasonInvalid},
		{name: "expired", states: []contract.State{contract.Expired}, reason: account.ReasonExpired},
		{name: "scope lost", states: []contract.State{contract.ScopeLost}, reason: account.ReasonScopeLost},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range c.states {
				f.srv.Once(s)
			}
			_, err := f.a.Verify(ctx, f.acct, f.creds)
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if network.ReasonOf(err) != c.reason {
				t.Fatalf("got %v, want %s", err, c.reason)
			}
			if linkedin.RetryOnce(err) {
				t.Error("after the retry the answer stands: no further retry")
			}
		})
	}
	t.Run("publish retries 65601 once", func(t *testing.T) {
		f.srv.Once(contract.Revoked)
		if _, err := f.a.Publish(ctx, f.acct, f.creds, "after a flap", "k"); err != nil {
			t.Fatal(err)
		}
		if n := len(f.srv.Posts()); n != 1 {
			t.Fatalf("%d posts", n)
		}
	})
	t.Run("revoked in settings", func(t *testing.T) {
		f.srv.RevokeAll()
		_, err := f.a.Verify(ctx, f.acct, f.creds)
		if network.ReasonOf(err) != account.ReasonRevoked {
			t.Fatalf("got %v", err)
		}
		f.srv.SetState(contract.OK)
	})
}

func TestTrouble(t *testing.T) {
	f := connect(t, false)
	ctx := context.Background()
	f.srv.Once(contract.RateLimited)
	_, err := f.a.Verify(ctx, f.acct, f.creds)
	var te *network.TransientError
	if !errors.As(err, &te) || te.RetryAfter != 12*time.Hour {
		t.Fatalf("throttled: %#v", err)
	}
	f.srv.Once(contract.Down)
	_, err = f.a.Publish(ctx, f.acct, f.creds, "x", "k")
	if !errors.Is(err, oauthnet.ErrOutcomeUnknown) {
		t.Fatalf("500 on publish: %v", err)
	}
	// The app's LinkedIn-Version was sunset.
	old := linkedin.New(f.srv.Client(), linkedin.WithEndpoints(linkedin.Endpoints{APIBase: f.srv.URL, Version: "202301"}))
	_, err = old.Publish(ctx, f.acct, f.creds, "x", "k")
	if !errors.Is(err, oauthnet.ErrAppKeys) || errors.Is(err, oauthnet.ErrOutcomeUnknown) {
		t.Fatalf("sunset version: %v", err)
	}
}

// The 65601 retry waits on the injected clock, and gives up with the
// context.
func TestRetryWaitsOnTheClock(t *testing.T) {
	f := connect(t, false)
	clk := clock.NewFake(start)
	a := linkedin.New(f.srv.Client(), linkedin.WithClock(clk), linkedin.WithRetryDelay(5*time.Second),
		linkedin.WithEndpoints(f.a.Endpoints()))
	f.srv.Once(contract.Revoked)
	done := make(chan error, 1)
	go func() {
		_, err := a.Verify(context.Background(), f.acct, f.creds)
		done <- err
	}()
	for clk.Waiters() == 0 {
		select {
		case err := <-done:
			t.Fatalf("returned before waiting: %v", err)
		default:
		}
	}
	clk.Advance(5 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	f.srv.Once(contract.Revoked)
	go func() {
		_, err := a.Verify(ctx, f.acct, f.creds)
		done <- err
	}()
	for clk.Waiters() == 0 {
	}
	cancel()
	if err := <-done; !network.IsTransient(err) || network.ReasonOf(err) != account.ReasonNone {
		t.Fatalf("cancelled retry: %v", err)
	}
}
