package x_test

import (
	"context"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/network/x"
	"github.com/socialomm/desktop/core/oauth"
	"github.com/socialomm/desktop/internal/contract"
	"github.com/socialomm/desktop/internal/fositetest"
)

// The generic OAuth behaviour, against a spec-strict server (ory/fosite):
// PKCE enforced, refresh rotation with reuse detection, RFC 7009
// revocation. fosite issues refresh tokens for the scope it calls
// "offline_access"; X calls it "offline.access", so both are asked here.
func TestAgainstStrictServer(t *testing.T) {
	scopes := []string{"tweet.read", "tweet.write", "users.read", "offline.access", "offline_access"}
	fs := fositetest.Start(t, fositetest.Options{Public: true, Scopes: scopes})
	ep := x.Endpoints{AuthURL: fs.AuthURL(), TokenURL: fs.TokenURL(), RevokeURL: fs.RevokeURL(),
		APIBase: contract.FositeXAPI(t, fs), WebBase: "https://x.com"}
	keys := oauthnet.Keys{ClientID: fs.ClientID}
	clk := clock.NewFake(start)
	a := x.New(nil, x.WithClock(clk), x.WithEndpoints(ep), x.WithKeys(oauthnet.StaticKeys(keys)))
	ctx := context.Background()

	s, err := oauth.Start(ctx, oauth.Options{NetworkName: "X", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := a.OAuthConfig(keys, s.RedirectURI())
	cfg.Scopes = append(cfg.Scopes, "offline_access")
	contract.Browse(t, s.AuthCodeURL(cfg))
	code, err := s.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Exchange(ctx, cfg, code)
	if err != nil {
		t.Fatal(err)
	}
	if got := fs.TokenRequests(); len(got) != 1 || got[0].CodeVerifier == "" || got[0].Status != 200 {
		t.Fatalf("exchange %+v", got)
	}
	p, creds, err := a.Finish(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.RemoteID != fositetest.DefaultSubject || creds.RefreshToken == "" {
		t.Fatalf("profile %+v, refresh token %t", p, creds.RefreshToken != "")
	}
	acct := account.Account{Network: x.NetworkName, RemoteID: p.RemoteID}

	// Rotation: the new pair works, the old refresh token is refused, and
	// its reuse ends the grant (fosite revokes the whole family).
	next, err := a.Refresh(ctx, acct, creds)
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == creds.RefreshToken {
		t.Fatal("fosite did not rotate")
	}
	if _, err := a.Verify(ctx, acct, next); err != nil {
		t.Fatalf("rotated token: %v", err)
	}
	// fosite answers invalid_grant with RFC 6749's catch-all sentence
	// ("invalid, expired, revoked, ..."), which names no single cause.
	_, err = a.Refresh(ctx, acct, creds)
	if network.ReasonOf(err) != account.ReasonInvalid {
		t.Fatalf("reused refresh token: %v", err)
	}
	if _, err := a.Verify(ctx, acct, next); network.ReasonOf(err) != account.ReasonInvalid {
		t.Fatalf("the grant should be gone after reuse: %v", err)
	}
	noSecrets(t, err, creds, next)

	// A fresh sign-in, then revocation through RFC 7009.
	s2, err := oauth.Start(ctx, oauth.Options{NetworkName: "X", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	cfg2 := a.OAuthConfig(keys, s2.RedirectURI())
	cfg2.Scopes = append(cfg2.Scopes, "offline_access")
	contract.Browse(t, s2.AuthCodeURL(cfg2))
	code2, err := s2.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tok2, err := s2.Exchange(ctx, cfg2, code2)
	if err != nil {
		t.Fatal(err)
	}
	_, creds2, err := a.Finish(ctx, tok2)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(ctx, acct, creds2); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(ctx, acct, creds2); network.ReasonOf(err) != account.ReasonInvalid {
		t.Fatalf("verify after revoke: %v", err)
	}
	_, err = a.Refresh(ctx, acct, creds2)
	if network.ReasonOf(err) != account.ReasonInvalid {
		t.Fatalf("refresh after revoke: %v", err)
	}
	noSecrets(t, err, creds2)
}

// fosite refuses a code exchange without the PKCE verifier: the adapter's
// config leaves PKCE to core/oauth, which always sends it; this proves the
// strict server would notice if it did not.
func TestStrictServerEnforcesPKCE(t *testing.T) {
	fs := fositetest.Start(t, fositetest.Options{Public: true, Scopes: []string{"tweet.read", "users.read"}})
	ep := x.Endpoints{AuthURL: fs.AuthURL(), TokenURL: fs.TokenURL(), RevokeURL: fs.RevokeURL(), APIBase: "http://127.0.0.1:1"}
	a := x.New(nil, x.WithEndpoints(ep))
	ctx := context.Background()
	s, err := oauth.Start(ctx, oauth.Options{NetworkName: "X", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := a.OAuthConfig(oauthnet.Keys{ClientID: fs.ClientID}, s.RedirectURI())
	cfg.Scopes = []string{"tweet.read", "users.read"}
	contract.Browse(t, s.AuthCodeURL(cfg))
	code, err := s.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := *cfg
	c.RedirectURL = s.RedirectURI()
	if _, err := c.Exchange(ctx, code); err == nil { // no verifier
		t.Fatal("fosite accepted a code without the PKCE verifier")
	}
	if got := fs.TokenRequests(); len(got) != 1 || got[0].Status == 200 || got[0].Error == "" {
		t.Fatalf("token log %+v", got)
	}
}
