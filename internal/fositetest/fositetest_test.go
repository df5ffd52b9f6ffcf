package fositetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/fositetest"
	"golang.org/x/oauth2"
)

// noRedirect is a client that stops at the authorization endpoint's redirect so
// the test can read the code from Location; nothing listens on the redirect URI.
var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// authorize sends the browser's request and returns the query of the redirect.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	resp, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want a redirect", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("authorize: bad Location: %v", err)
	}
	return loc.Query()
}

const state = "state-0123456789abcdef"

// codeFor runs the authorization endpoint with PKCE and returns the code.
func codeFor(t *testing.T, cfg *oauth2.Config, verifier string) string {
	t.Helper()
	q := authorize(t, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	if q.Get("error") != "" {
		t.Fatalf("authorize refused: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != state {
		t.Fatalf("state = %q, want %q", q.Get("state"), state)
	}
	return q.Get("code")
}

func userinfo(t *testing.T, srv *fositetest.Server, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.UserinfoURL(), nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Sub string `json:"sub"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Sub
}

func oauthErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

func TestAuthorizeEndpointIsStrict(t *testing.T) {
	srv := fositetest.Start(t, fositetest.Options{Public: true})
	verifier := oauth2.GenerateVerifier()
	cases := []struct {
		name      string
		redirect  string
		opts      []oauth2.AuthCodeOption
		wantError string // "" means a code is issued; "no-redirect" means refused without redirecting
	}{
		{"loopback on any port with S256", "http://127.0.0.1:54321/callback", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, ""},
		{"another port too", "http://127.0.0.1:1/callback", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, ""},
		{"no PKCE", "http://127.0.0.1:54321/callback", nil, "invalid_request"},
		{"plain PKCE", "http://127.0.0.1:54321/callback", []oauth2.AuthCodeOption{
			oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain"),
		}, "invalid_request"},
		{"unregistered path", "http://127.0.0.1:54321/other", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, "no-redirect"},
		{"localhost is not the registered host", "http://localhost:54321/callback", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, "no-redirect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := srv.Config(tc.redirect).AuthCodeURL(state, tc.opts...)
			resp, err := noRedirect.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if tc.wantError == "no-redirect" {
				// An unknown redirect URI must never be redirected to.
				if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, tc.redirect) {
					t.Fatalf("redirected to unregistered URI %q", loc)
				}
				if resp.StatusCode < 400 {
					t.Fatalf("status %d, want an error", resp.StatusCode)
				}
				return
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != tc.redirect {
				t.Fatalf("redirected to %q, want %q", got, tc.redirect)
			}
			q := loc.Query()
			if q.Get("error") != tc.wantError {
				t.Fatalf("error = %q (%s), want %q", q.Get("error"), q.Get("error_description"), tc.wantError)
			}
			if (q.Get("code") != "") != (tc.wantError == "") {
				t.Fatalf("code present = %v, want %v", q.Get("code") != "", tc.wantError == "")
			}
		})
	}
}

func TestDeny(t *testing.T) {
	srv := fositetest.Start(t, fositetest.Options{Public: true})
	srv.SetDeny(true)
	cfg := srv.Config("http://127.0.0.1:4242/callback")
	q := authorize(t, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if q.Get("error") != "access_denied" || q.Get("code") != "" || q.Get("state") != state {
		t.Fatalf("got %v, want error=access_denied with state and no code", q)
	}
	if got := srv.AuthorizeRequests(); len(got) != 1 || got[0].Error != "access_denied" {
		t.Fatalf("authorize log = %+v", got)
	}
	srv.SetDeny(false)
	if q := authorize(t, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))); q.Get("code") == "" {
		t.Fatalf("after SetDeny(false): %v", q)
	}
}

func TestTokenLifecycle(t *testing.T) {
	for _, public := range []bool{true, false} {
		name := "confidential"
		if public {
			name = "public"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			srv := fositetest.Start(t, fositetest.Options{Public: public, Subject: "bob", AccessTokenLifespan: 2 * time.Minute})
			cfg := srv.Config("http://127.0.0.1:4242/callback")
			verifier := oauth2.GenerateVerifier()

			// PKCE is enforced at the token endpoint too: no verifier, then a wrong one.
			code := codeFor(t, cfg, verifier)
			if _, err := cfg.Exchange(ctx, code); oauthErrorCode(err) != "invalid_grant" {
				t.Fatalf("exchange without verifier: %v, want invalid_grant", err)
			}
			code = codeFor(t, cfg, verifier)
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); oauthErrorCode(err) != "invalid_grant" {
				t.Fatalf("exchange with wrong verifier: %v, want invalid_grant", err)
			}

			code = codeFor(t, cfg, verifier)
			tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" {
				t.Fatalf("token lacks access or refresh token: %+v", tok)
			}
			if left := time.Until(tok.Expiry); left > 2*time.Minute+5*time.Second || left < time.Minute {
				t.Fatalf("access token expires in %v, want about 2m", left)
			}
			log := srv.TokenRequests()
			if len(log) != 3 {
				t.Fatalf("token log has %d entries, want 3", len(log))
			}
			last := log[2]
			if last.CodeVerifier != verifier || last.Status != 200 || last.GrantType != "authorization_code" || last.ClientID != srv.ClientID {
				t.Fatalf("token log entry = %+v", last)
			}
			if log[0].Error != "invalid_grant" || log[0].CodeVerifier != "" {
				t.Fatalf("first token log entry = %+v", log[0])
			}
			if a := srv.AuthorizeRequests()[0]; a.CodeChallengeMethod != "S256" || a.CodeChallenge != oauth2.S256ChallengeFromVerifier(verifier) {
				t.Fatalf("authorize log entry = %+v", a)
			}

			if status, sub := userinfo(t, srv, tok.AccessToken); status != 200 || sub != "bob" {
				t.Fatalf("userinfo = %d %q, want 200 bob", status, sub)
			}
			if status, _ := userinfo(t, srv, "not-a-token"); status != 401 {
				t.Fatalf("userinfo with garbage = %d, want 401", status)
			}
			if status, _ := userinfo(t, srv, ""); status != 401 {
				t.Fatalf("userinfo without token = %d, want 401", status)
			}

			// A code is single-use, and replaying it revokes what it gave (RFC 6749 4.1.2).
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); oauthErrorCode(err) != "invalid_grant" {
				t.Fatalf("second exchange of a code: %v, want invalid_grant", err)
			}
			if status, _ := userinfo(t, srv, tok.AccessToken); status != 401 {
				t.Fatalf("token of a replayed code: userinfo %d, want 401", status)
			}
			code = codeFor(t, cfg, verifier)
			if tok, err = cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err != nil {
				t.Fatalf("exchange: %v", err)
			}

			// Refresh rotates: the new refresh token differs and the old one is refused.
			expired := *tok
			expired.Expiry = time.Now().Add(-time.Hour)
			tok2, err := cfg.TokenSource(ctx, &expired).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
				t.Fatal("refresh did not rotate the tokens")
			}
			if status, _ := userinfo(t, srv, tok.AccessToken); status != 401 {
				t.Fatalf("old access token after refresh: %d, want 401", status)
			}
			if status, _ := userinfo(t, srv, tok2.AccessToken); status != 200 {
				t.Fatalf("new access token: %d, want 200", status)
			}

			// Revocation (RFC 7009) of the access token ends its grant.
			if err := srv.Revoke(tok2.AccessToken); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			if status, _ := userinfo(t, srv, tok2.AccessToken); status != 401 {
				t.Fatalf("revoked access token: %d, want 401", status)
			}
			gone := &oauth2.Token{RefreshToken: tok2.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
			if _, err := cfg.TokenSource(ctx, gone).Token(); oauthErrorCode(err) != "invalid_grant" {
				t.Fatalf("refresh token of a revoked grant: %v, want invalid_grant", err)
			}

			// Revoking a refresh token ends its access token too.
			code = codeFor(t, cfg, verifier)
			tok3, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Revoke(tok3.RefreshToken); err != nil {
				t.Fatalf("revoke refresh token: %v", err)
			}
			if status, _ := userinfo(t, srv, tok3.AccessToken); status != 401 {
				t.Fatalf("access token after its refresh token was revoked: %d, want 401", status)
			}

			// The old refresh token is refused.
			old := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
			if _, err := cfg.TokenSource(ctx, old).Token(); oauthErrorCode(err) != "invalid_grant" {
				t.Fatalf("reusing a rotated refresh token: %v, want invalid_grant", err)
			}
		})
	}
}

func TestConfidentialClientNeedsItsSecret(t *testing.T) {
	ctx := context.Background()
	srv := fositetest.Start(t, fositetest.Options{Secret: "s3cret"})
	cfg := srv.Config("http://127.0.0.1:4242/callback")
	cfg.ClientSecret = "wrong"
	verifier := oauth2.GenerateVerifier()
	if _, err := cfg.Exchange(ctx, codeFor(t, cfg, verifier), oauth2.VerifierOption(verifier)); oauthErrorCode(err) != "invalid_client" {
		t.Fatalf("wrong secret: %v, want invalid_client", err)
	}
	cfg.ClientSecret = "s3cret"
	if _, err := cfg.Exchange(ctx, codeFor(t, cfg, verifier), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("right secret: %v", err)
	}
}

func TestRevokeAllAndNoRefreshWithoutOfflineScope(t *testing.T) {
	ctx := context.Background()
	srv := fositetest.Start(t, fositetest.Options{Public: true})
	verifier := oauth2.GenerateVerifier()

	cfg := srv.Config("http://127.0.0.1:4242/callback", "read")
	tok, err := cfg.Exchange(ctx, codeFor(t, cfg, verifier), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" {
		t.Fatal("refresh token issued without offline_access")
	}

	cfg = srv.Config("http://127.0.0.1:4242/callback")
	tok, err = cfg.Exchange(ctx, codeFor(t, cfg, verifier), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	srv.RevokeAll()
	if status, _ := userinfo(t, srv, tok.AccessToken); status != 401 {
		t.Fatalf("after RevokeAll: userinfo %d, want 401", status)
	}
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Hour)
	if _, err := cfg.TokenSource(ctx, &expired).Token(); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("refresh after RevokeAll: %v, want invalid_grant", err)
	}
}

func TestSetSubject(t *testing.T) {
	ctx := context.Background()
	srv := fositetest.Start(t, fositetest.Options{Public: true})
	srv.SetSubject("carol")
	cfg := srv.Config("http://127.0.0.1:4242/callback")
	verifier := oauth2.GenerateVerifier()
	tok, err := cfg.Exchange(ctx, codeFor(t, cfg, verifier), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, sub := userinfo(t, srv, tok.AccessToken); sub != "carol" {
		t.Fatalf("subject = %q, want carol", sub)
	}
	if srv.UserinfoRequests() != 1 {
		t.Fatalf("UserinfoRequests = %d, want 1", srv.UserinfoRequests())
	}
}
