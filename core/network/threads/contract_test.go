package threads_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/network/threads"
	"github.com/socialomm/desktop/core/oauth"
	"github.com/socialomm/desktop/internal/contract"
)

var start = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

type fixture struct {
	srv   *contract.ThreadsServer
	clk   *clock.Fake
	a     *threads.Adapter
	acct  account.Account
	creds network.Credentials
}

func connect(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	srv := contract.NewThreads(t, oauthnet.PasteRedirectURI)
	clk := clock.NewFake(start)
	srv.SetNow(clk.Now)
	keys := oauthnet.Keys{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret}
	a := threads.New(srv.Client(), threads.WithClock(clk), threads.WithKeys(oauthnet.StaticKeys(keys)),
		threads.WithEndpoints(threads.Endpoints{AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(), GraphBase: srv.GraphBase(), WebBase: "https://www.threads.net"}))
	cfg := a.OAuthConfig(keys, "")
	if cfg.Scopes[0] != "threads_basic,threads_content_publish" {
		t.Fatalf("scopes %q", cfg.Scopes)
	}
	flow, err := oauthnet.NewManualFlow(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pasted := contract.Location(t, flow.AuthCodeURL())
	code, err := flow.Code(pasted)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := flow.Exchange(ctx, srv.Client(), "Threads", code, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, creds, err := a.Finish(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.RemoteID != contract.ThreadsUserID || p.Handle != "@ana" || p.ProfileURL != "https://www.threads.net/@ana" {
		t.Errorf("profile %+v", p)
	}
	if want := start.Add(contract.LongLivedLifetime * time.Second); !creds.Expiry.Equal(want) || !creds.ConnectionExpiry.Equal(want) {
		t.Errorf("dated %v / %v", creds.Expiry, creds.ConnectionExpiry)
	}
	long := srv.RequestsTo("GET /access_token")
	if len(long) != 1 || long[0].Query.Get("grant_type") != "th_exchange_token" {
		t.Fatalf("long-lived exchange %+v", long)
	}
	return &fixture{srv: srv, clk: clk, a: a, acct: account.Account{Network: threads.NetworkName, RemoteID: p.RemoteID, Handle: p.Handle}, creds: creds}
}

func TestPublish(t *testing.T) {
	f := connect(t)
	ctx := context.Background()
	pub, err := f.a.Publish(ctx, f.acct, f.creds, "Hello Threads ✨", "k")
	if err != nil {
		t.Fatal(err)
	}
	if pub.RemoteID == "" || !strings.HasPrefix(pub.URL, "https://www.threads.net/@ana/post/") {
		t.Errorf("published %+v", pub)
	}
	if got := f.srv.Published(); len(got) != 1 || got[0] != "Hello Threads ✨" {
		t.Errorf("server has %q", got)
	}
	c := f.srv.RequestsTo("POST /v1.0/" + contract.ThreadsUserID + "/threads")
	if len(c) != 1 || c[0].Form.Get("media_type") != "TEXT" {
		t.Fatalf("container request %+v", c)
	}
	if _, err := f.a.Publish(ctx, f.acct, f.creds, strings.Repeat("a", 501), "k"); !errors.Is(err, oauthnet.ErrTooLong) {
		t.Errorf("too long: %v", err)
	}
	// Trouble at the container step: nothing was posted, not unknown.
	f.srv.Next("POST /v1.0/"+contract.ThreadsUserID+"/threads", contract.Answer{Status: 500, Body: contract.GraphUnknown})
	_, err = f.a.Publish(ctx, f.acct, f.creds, "second", "k")
	if !network.IsTransient(err) || errors.Is(err, oauthnet.ErrOutcomeUnknown) {
		t.Errorf("container 500: %v", err)
	}
	// Trouble after the publish request went out: unknown.
	f.srv.Next("POST /v1.0/"+contract.ThreadsUserID+"/threads_publish", contract.Answer{Status: 502, Body: "<html>Bad Gateway</html>"})
	_, err = f.a.Publish(ctx, f.acct, f.creds, "third", "k")
	if !errors.Is(err, oauthnet.ErrOutcomeUnknown) {
		t.Errorf("publish 502: %v", err)
	}
	if err := f.a.Revoke(ctx, f.acct, f.creds); !errors.Is(err, network.ErrRevokeUnsupported) {
		t.Errorf("revoke: %v", err)
	}
}

func TestRefresh(t *testing.T) {
	f := connect(t)
	ctx := context.Background()
	same, err := f.a.Refresh(ctx, f.acct, f.creds)
	if err != nil || same != f.creds || len(f.srv.RequestsTo("GET /refresh_access_token")) != 0 {
		t.Fatalf("refresh of a fresh token: %v", err)
	}
	f.clk.Advance(45 * 24 * time.Hour)
	next, err := f.a.Refresh(ctx, f.acct, f.creds)
	if err != nil {
		t.Fatal(err)
	}
	if reqs := f.srv.RequestsTo("GET /refresh_access_token"); len(reqs) != 1 || reqs[0].Query.Get("grant_type") != "th_refresh_token" {
		t.Fatalf("refresh requests %+v", reqs)
	}
	if want := f.clk.Now().Add(contract.LongLivedLifetime * time.Second); !next.Expiry.Equal(want) {
		t.Errorf("refreshed to %v", next.Expiry)
	}
	f.clk.Advance(25 * time.Hour)
	f.srv.Once(contract.PasswordChanged)
	_, err = f.a.Refresh(ctx, f.acct, next)
	if network.ReasonOf(err) != account.ReasonPasswordChanged {
		t.Fatalf("refresh after a password change: %v", err)
	}
}

func TestLostAccess(t *testing.T) {
	f := connect(t)
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
			if _, err := f.a.Publish(ctx, f.acct, f.creds, "x "+string(c.state), "k"); network.ReasonOf(err) != c.reason {
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

func TestDenied(t *testing.T) {
	srv := contract.NewThreads(t, oauthnet.PasteRedirectURI)
	keys := oauthnet.Keys{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret}
	flow, _ := oauthnet.NewManualFlow(threads.New(nil, threads.WithEndpoints(threads.Endpoints{AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL()})).OAuthConfig(keys, ""))
	// What the browser shows after "Cancel" on the authorization window.
	u := oauthnet.PasteRedirectURI + "?error=access_denied&error_reason=user_denied&error_description=Permissions+error&state=" + flow.State() + "#_"
	_, err := flow.Code(u)
	if !errors.Is(err, oauth.ErrDenied) {
		t.Fatalf("got %v", err)
	}
}
