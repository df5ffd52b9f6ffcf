package x_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/network/x"
	"github.com/socialomm/desktop/core/oauth"
	"github.com/socialomm/desktop/internal/contract"
)

var start = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

type fixture struct {
	srv   *contract.XServer
	clk   *clock.Fake
	a     *x.Adapter
	keys  oauthnet.Keys
	acct  account.Account
	creds network.Credentials
}

// connect runs the whole sign-in as the engine will: core/oauth's loopback
// listener, the browser following X's redirect, the PKCE exchange, Finish.
func connect(t *testing.T, public bool) *fixture {
	t.Helper()
	ctx := context.Background()
	s, err := oauth.Start(ctx, oauth.Options{NetworkName: "X", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := contract.NewX(t, s.RedirectURI(), public)
	keys := oauthnet.Keys{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret}
	clk := clock.NewFake(start)
	srv.SetNow(clk.Now)
	a := x.New(srv.Client(), x.WithClock(clk), x.WithKeys(oauthnet.StaticKeys(keys)), x.WithEndpoints(x.Endpoints{
		AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(), RevokeURL: srv.RevokeURL(), APIBase: srv.URL, WebBase: "https://x.com",
	}))
	cfg := a.OAuthConfig(keys, s.RedirectURI())
	authURL := s.AuthCodeURL(cfg)
	if !strings.Contains(authURL, "code_challenge_method=S256") || !strings.Contains(authURL, "offline.access") {
		t.Fatalf("authorize URL lacks PKCE or offline.access: %s", authURL)
	}
	contract.Browse(t, authURL)
	code, err := s.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Exchange(ctx, cfg, code)
	if err != nil {
		t.Fatal(err)
	}
	p, creds, err := a.Finish(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.RemoteID != "2244994945" || p.Handle != "@XDevelopers" || p.ProfileURL != "https://x.com/XDevelopers" {
		t.Errorf("profile %+v", p)
	}
	if !creds.Expiry.Equal(start.Add(2*time.Hour)) || !creds.ConnectionExpiry.IsZero() || creds.RefreshToken == "" {
		t.Errorf("credentials dated %v / %v, refresh %t", creds.Expiry, creds.ConnectionExpiry, creds.RefreshToken != "")
	}
	acct := account.Account{Network: x.NetworkName, RemoteID: p.RemoteID, Handle: p.Handle}
	return &fixture{srv: srv, clk: clk, a: a, keys: keys, acct: acct, creds: creds}
}

func TestConnectVerifyPublishRefreshRevoke(t *testing.T) {
	for _, public := range []bool{true, false} {
		name := "confidential client"
		if public {
			name = "public client"
		}
		t.Run(name, func(t *testing.T) {
			f := connect(t, public)
			ctx := context.Background()
			tokReqs := f.srv.RequestsTo("POST /2/oauth2/token")
			if len(tokReqs) != 1 || tokReqs[0].Form.Get("code_verifier") != "[set]" {
				t.Fatalf("token requests %+v", tokReqs)
			}
			if public && tokReqs[0].Form.Get("client_id") != f.srv.ClientID {
				t.Error("public client did not send its id")
			}

			if _, err := f.a.Verify(ctx, f.acct, f.creds); err != nil {
				t.Fatal(err)
			}
			pub, err := f.a.Publish(ctx, f.acct, f.creds, "Hello from SocialOmm", "k1")
			if err != nil {
				t.Fatal(err)
			}
			if pub.RemoteID == "" || pub.URL != "https://x.com/XDevelopers/status/"+pub.RemoteID {
				t.Errorf("published %+v", pub)
			}
			if got := f.srv.Posts(); len(got) != 1 || got[0] != "Hello from SocialOmm" {
				t.Errorf("server has %q", got)
			}
			_, err = f.a.Publish(ctx, f.acct, f.creds, "Hello from SocialOmm", "k2")
			var re *oauthnet.RejectedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), "duplicate") {
				t.Errorf("duplicate: %v", err)
			}

			// Refresh rotates: the new pair works, the old refresh token is spent.
			f.clk.Advance(110 * time.Minute)
			next, err := f.a.Refresh(ctx, f.acct, f.creds)
			if err != nil {
				t.Fatal(err)
			}
			if next.RefreshToken == f.creds.RefreshToken || next.AccessToken == f.creds.AccessToken {
				t.Fatal("refresh did not rotate")
			}
			if !next.Expiry.Equal(f.clk.Now().Add(2 * time.Hour)) {
				t.Errorf("refreshed expiry %v", next.Expiry)
			}
			if _, err := f.a.Verify(ctx, f.acct, next); err != nil {
				t.Fatalf("rotated token: %v", err)
			}
			// Using the spent refresh token again ends the whole chain.
			_, err = f.a.Refresh(ctx, f.acct, f.creds)
			if network.ReasonOf(err) != account.ReasonInvalid {
				t.Fatalf("reused refresh token: %v", err)
			}
			if _, err := f.a.Verify(ctx, f.acct, next); network.ReasonOf(err) != account.ReasonInvalid {
				t.Fatalf("after reuse the chain should be dead: %v", err)
			}
			noSecrets(t, err, f.creds, next)
		})
	}
}

func TestRevoke(t *testing.T) {
	f := connect(t, true)
	ctx := context.Background()
	if err := f.a.Revoke(ctx, f.acct, f.creds); err != nil {
		t.Fatal(err)
	}
	reqs := f.srv.RequestsTo("POST /2/oauth2/revoke")
	if len(reqs) != 2 || reqs[0].Form.Get("token_type_hint") != "refresh_token" || reqs[1].Form.Get("token_type_hint") != "access_token" {
		t.Fatalf("revoke requests %+v", reqs)
	}
	_, err := f.a.Verify(ctx, f.acct, f.creds)
	if network.ReasonOf(err) != account.ReasonInvalid {
		t.Fatalf("after revoke: %v", err)
	}
	_, err = f.a.Refresh(ctx, f.acct, f.creds)
	if network.ReasonOf(err) != account.ReasonInvalid {
		t.Fatalf("refresh after revoke: %v", err)
	}
	noSecrets(t, err, f.creds)
}

func TestLostAccessAndTrouble(t *testing.T) {
	f := connect(t, true)
	ctx := context.Background()
	cases := []struct {
		state  contract.State
		reason account.Reason
		retry  time.Duration
	}{
		{contract.Revoked, account.ReasonInvalid, 0}, // X's 401 says only "Unauthorized"
		{contract.Expired, account.ReasonInvalid, 0},
		{contract.RateLimited, "", 15 * time.Minute},
		{contract.Down, "", 0},
	}
	for _, c := range cases {
		t.Run(string(c.state), func(t *testing.T) {
			f.srv.Once(c.state)
			_, err := f.a.Verify(ctx, f.acct, f.creds)
			if c.reason != "" {
				if network.ReasonOf(err) != c.reason {
					t.Fatalf("got %v, want %s", err, c.reason)
				}
				return
			}
			var te *network.TransientError
			if !errors.As(err, &te) || te.RetryAfter != c.retry {
				t.Fatalf("got %#v, want transient waiting %v", err, c.retry)
			}
		})
	}

	// A 503 after the post went out: the outcome is unknown.
	f.srv.Next("POST /2/tweets", contract.Answer{Status: 503, Body: contract.XServiceUnavailable})
	_, err := f.a.Publish(ctx, f.acct, f.creds, "maybe", "k")
	if !errors.Is(err, oauthnet.ErrOutcomeUnknown) || !network.IsTransient(err) {
		t.Errorf("503 on publish: %v", err)
	}
	// A 429 on publish is a refusal before any work: not unknown.
	f.srv.Next("POST /2/tweets", contract.Answer{Status: 429, Body: contract.XRateLimited})
	_, err = f.a.Publish(ctx, f.acct, f.creds, "later", "k")
	if errors.Is(err, oauthnet.ErrOutcomeUnknown) || !network.IsTransient(err) {
		t.Errorf("429 on publish: %v", err)
	}
	// The person's app lost its API access level.
	f.srv.Next("POST /2/tweets", contract.Answer{Status: 403, Body: contract.XClientForbidden})
	_, err = f.a.Publish(ctx, f.acct, f.creds, "app", "k")
	if !errors.Is(err, oauthnet.ErrAppKeys) {
		t.Errorf("client forbidden: %v", err)
	}
	// Too long: nothing is sent.
	before := len(f.srv.RequestsTo("POST /2/tweets"))
	_, err = f.a.Publish(ctx, f.acct, f.creds, strings.Repeat("日", 141), "k")
	if !errors.Is(err, oauthnet.ErrTooLong) || len(f.srv.RequestsTo("POST /2/tweets")) != before {
		t.Errorf("too long: %v", err)
	}
}

func TestConfidentialRefreshNeedsBasic(t *testing.T) {
	f := connect(t, false)
	// The person's keys lost their secret: X refuses the refresh, and that
	// is about Settings, not the connection.
	bad := x.New(f.srv.Client(), x.WithClock(f.clk), x.WithEndpoints(f.a.Endpoints()),
		x.WithKeys(oauthnet.StaticKeys(oauthnet.Keys{ClientID: f.keys.ClientID})))
	_, err := bad.Refresh(context.Background(), f.acct, f.creds)
	if !errors.Is(err, oauthnet.ErrAppKeys) || network.ReasonOf(err) != account.ReasonNone {
		t.Fatalf("got %v", err)
	}
	none := x.New(nil, x.WithEndpoints(f.a.Endpoints()))
	if _, err := none.Refresh(context.Background(), f.acct, f.creds); !errors.Is(err, oauthnet.ErrNoKeys) {
		t.Fatalf("no keys: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	a := x.New(&http.Client{Timeout: 2 * time.Second}, x.WithEndpoints(x.Endpoints{APIBase: "http://127.0.0.1:1", WebBase: "https://x.com"}))
	_, err := a.Verify(context.Background(), account.Account{}, network.Credentials{AccessToken: "secret-token-value"})
	if !errors.Is(err, oauthnet.ErrUnreachable) || !network.IsTransient(err) {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "secret-token-value") || strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error says too much: %q", err)
	}
}

func noSecrets(t *testing.T, err error, creds ...network.Credentials) {
	t.Helper()
	if err == nil {
		return
	}
	for _, c := range creds {
		for _, s := range []string{c.AccessToken, c.RefreshToken} {
			if s != "" && strings.Contains(err.Error(), s) {
				t.Fatalf("a token leaked into %q", err)
			}
		}
	}
}
