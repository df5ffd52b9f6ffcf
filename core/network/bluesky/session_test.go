package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
)

func TestConnectWithAppPassword(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.createSession", func(w http.ResponseWriter, r recorded) {
		writeJSON(w, 200, session(scopeAppPass, testNow, "first"))
	})
	f.on("com.atproto.repo.getRecord", func(w http.ResponseWriter, r recorded) {
		writeJSON(w, 200, map[string]any{"uri": "at://" + testDID + "/app.bsky.actor.profile/self",
			"value": map[string]any{"$type": "app.bsky.actor.profile", "displayName": "Ana\nLima",
				"avatar": map[string]any{"$type": "blob", "ref": map[string]string{"$link": "bafkreiavatar"}, "mimeType": "image/jpeg", "size": 1000}}})
	})
	a := New(nil, WithClock(clock.NewFake(testNow)))
	prof, creds, base, err := a.Connect(context.Background(), " @Ana.Test ", "abcd-efgh-ijkl-mnop", f.srv.URL+"/")
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if base != f.srv.URL {
		t.Errorf("base %q, want %q", base, f.srv.URL)
	}
	calls := f.calls("com.atproto.server.createSession")
	if len(calls) != 1 || calls[0].method != http.MethodPost || calls[0].auth != "" || calls[0].ctype != "application/json" {
		t.Fatalf("createSession requests: %+v", calls)
	}
	var body map[string]string
	if err := json.Unmarshal(calls[0].body, &body); err != nil || body["identifier"] != "ana.test" || body["password"] != "abcd-efgh-ijkl-mnop" {
		t.Errorf("createSession body %s", calls[0].body)
	}
	if prof.RemoteID != testDID || prof.Handle != "@ana.test" || prof.DisplayName != "Ana Lima" ||
		prof.ProfileURL != "https://bsky.app/profile/ana.test" ||
		prof.AvatarURL != f.srv.URL+"/xrpc/com.atproto.sync.getBlob?cid=bafkreiavatar&did="+strings.ReplaceAll(testDID, ":", "%3A") {
		t.Errorf("profile %+v", prof)
	}
	if !creds.Expiry.Equal(testNow.Add(2*time.Hour)) || !creds.ConnectionExpiry.Equal(testNow.Add(90*24*time.Hour)) {
		t.Errorf("expiry %s, connection expiry %s", creds.Expiry, creds.ConnectionExpiry)
	}
	if creds.AccessToken == "" || creds.RefreshToken == "" {
		t.Error("no tokens")
	}
	if got := f.calls("com.atproto.repo.getRecord"); len(got) != 1 || got[0].auth != "Bearer "+creds.AccessToken {
		t.Errorf("profile record read: %+v", got)
	}
}

func TestConnectRefusesTheMainPassword(t *testing.T) {
	f := newFakePDS(t)
	sess := session(scopeAccess, testNow, "main")
	f.on("com.atproto.server.createSession", func(w http.ResponseWriter, r recorded) { writeJSON(w, 200, sess) })
	f.on("com.atproto.server.deleteSession", func(w http.ResponseWriter, r recorded) { w.WriteHeader(200) })
	a := New(nil)
	_, creds, _, err := a.Connect(context.Background(), "ana.test", "main-password", f.srv.URL)
	if !errors.Is(err, ErrMainPassword) {
		t.Fatalf("got %v, want ErrMainPassword", err)
	}
	if creds != (network.Credentials{}) {
		t.Error("credentials handed out for the main password")
	}
	for _, words := range []string{"app password", "Settings → Privacy and security → App passwords"} {
		if !strings.Contains(err.Error(), words) {
			t.Errorf("%q does not say %q", err, words)
		}
	}
	del := f.calls("com.atproto.server.deleteSession")
	if len(del) != 1 || del[0].auth != "Bearer "+sess["refreshJwt"].(string) || del[0].method != http.MethodPost {
		t.Errorf("the main password's session was not ended with its refresh token: %+v", del)
	}
	if strings.Contains(err.Error(), "main-password") {
		t.Error("the password is in the error")
	}
}

func TestConnectSignInCodeMeansMainPassword(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.createSession", func(w http.ResponseWriter, r recorded) {
		xrpcErr(w, 401, "AuthFactorTokenRequired", "A sign in code has been sent to your email address")
	})
	_, _, _, err := New(nil).Connect(context.Background(), "ana.test", "main-password", f.srv.URL)
	if !errors.Is(err, ErrMainPassword) {
		t.Errorf("got %v, want ErrMainPassword", err)
	}
}

func TestConnectWrongPassword(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.createSession", func(w http.ResponseWriter, r recorded) {
		// A server that echoes what it got must not leak it.
		xrpcErr(w, 401, "AuthenticationRequired", "Invalid identifier or password (got "+string(r.body)+")")
	})
	_, _, _, err := New(nil).Connect(context.Background(), "ana.test", "wxyz-wxyz-wxyz-wxyz", f.srv.URL)
	if !errors.Is(err, ErrLoginRefused) || network.ReasonOf(err) != account.ReasonPasswordChanged {
		t.Fatalf("got %v (reason %q), want ErrLoginRefused, password_changed", err, network.ReasonOf(err))
	}
	if strings.Contains(err.Error(), "wxyz-wxyz-wxyz-wxyz") {
		t.Errorf("the password is in the error: %v", err)
	}
	if !strings.Contains(err.Error(), "App passwords") {
		t.Errorf("%q does not say where app passwords are made", err)
	}
}

func TestConnectRefusesAnInactiveAccount(t *testing.T) {
	f := newFakePDS(t)
	sess := session(scopeAppPass, testNow, "x")
	sess["active"] = false
	sess["status"] = "deactivated"
	f.on("com.atproto.server.createSession", func(w http.ResponseWriter, r recorded) { writeJSON(w, 200, sess) })
	f.on("com.atproto.server.deleteSession", func(w http.ResponseWriter, r recorded) { w.WriteHeader(200) })
	_, _, _, err := New(nil).Connect(context.Background(), "ana.test", "abcd-efgh-ijkl-mnop", f.srv.URL)
	if !errors.Is(err, ErrAccountInactive) || !strings.Contains(err.Error(), "deactivated") {
		t.Errorf("got %v, want ErrAccountInactive", err)
	}
	if len(f.calls("com.atproto.server.deleteSession")) != 1 {
		t.Error("the session was not ended")
	}
}

func TestCheckRefreshes(t *testing.T) {
	f := newFakePDS(t)
	old := session(scopeAppPass, testNow, "old")
	later := testNow.Add(time.Hour)
	f.on("com.atproto.server.refreshSession", func(w http.ResponseWriter, r recorded) {
		writeJSON(w, 200, session(scopeAppPass, later, "new"))
	})
	creds, err := credentialsOf(old["accessJwt"].(string), old["refreshJwt"].(string))
	if err != nil {
		t.Fatal(err)
	}
	a := New(nil)
	prof, next, err := a.Check(context.Background(), f.account(), creds)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	calls := f.calls("com.atproto.server.refreshSession")
	if len(calls) != 1 || calls[0].method != http.MethodPost || calls[0].auth != "Bearer "+creds.RefreshToken || len(calls[0].body) != 0 {
		t.Fatalf("refreshSession requests: %+v", calls)
	}
	if len(f.calls("com.atproto.server.getSession")) != 0 {
		t.Error("Check asked getSession as well: the refresh answer says whose session it is")
	}
	if next.RefreshToken == creds.RefreshToken || !next.ConnectionExpiry.Equal(later.Add(90*24*time.Hour)) || !next.Expiry.Equal(later.Add(2*time.Hour)) {
		t.Errorf("next credentials: expiry %s, connection %s", next.Expiry, next.ConnectionExpiry)
	}
	if prof.RemoteID != testDID || prof.Handle != "@ana.test" {
		t.Errorf("profile %+v", prof)
	}
}

func TestCheckLostAccess(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		reason account.Reason
	}{
		{"app password revoked", 400, `{"error":"ExpiredToken","message":"Token has been revoked"}`, account.ReasonRevoked},
		{"refresh token past its 90 days", 400, `{"error":"ExpiredToken","message":"Token has expired"}`, account.ReasonExpired},
		{"refresh token not verifiable", 400, `{"error":"InvalidToken","message":"Token could not be verified"}`, account.ReasonInvalid},
		{"taken down", 401, `{"error":"AccountTakedown","message":"Account has been taken down"}`, account.ReasonRevoked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakePDS(t)
			f.on("com.atproto.server.refreshSession", func(w http.ResponseWriter, r recorded) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(c.status)
				w.Write([]byte(c.body))
			})
			creds := network.Credentials{AccessToken: "access-secret", RefreshToken: "refresh-secret"}
			_, next, err := New(nil).Check(context.Background(), f.account(), creds)
			if network.ReasonOf(err) != c.reason {
				t.Errorf("got %v, want lost access (%s)", err, c.reason)
			}
			if next != (network.Credentials{}) {
				t.Error("credentials handed back from a failed refresh")
			}
			if _, err := New(nil).Refresh(context.Background(), f.account(), creds); network.ReasonOf(err) != c.reason {
				t.Errorf("Refresh: got %v, want lost access (%s)", err, c.reason)
			}
		})
	}
}

func TestCheckHandsBackRotatedCredentialsWithAnError(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.refreshSession", func(w http.ResponseWriter, r recorded) {
		s := session(scopeAppPass, testNow, "new")
		s["active"] = false
		s["status"] = "suspended"
		writeJSON(w, 200, s)
	})
	_, next, err := New(nil).Check(context.Background(), f.account(), network.Credentials{AccessToken: "access-token", RefreshToken: "refresh-token"})
	if network.ReasonOf(err) != account.ReasonRevoked || !strings.Contains(err.Error(), "suspended") {
		t.Errorf("got %v, want lost access (revoked) saying suspended", err)
	}
	if next.RefreshToken == "" {
		t.Error("the rotated credentials were not handed back: the old refresh token is now spent")
	}
}

func TestCheckWithoutRefreshTokenVerifies(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.getSession", func(w http.ResponseWriter, r recorded) {
		writeJSON(w, 200, map[string]any{"did": testDID, "handle": "ana.test", "active": true})
	})
	prof, next, err := New(nil).Check(context.Background(), f.account(), network.Credentials{AccessToken: "a"})
	if err != nil || prof.RemoteID != testDID || next != (network.Credentials{}) {
		t.Errorf("got %+v %v", prof, err)
	}
	if c := f.calls("com.atproto.server.getSession"); len(c) != 1 || c[0].auth != "Bearer a" || c[0].method != http.MethodGet {
		t.Errorf("getSession requests %+v", c)
	}
}

func TestVerifyRefusesAnotherAccount(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.getSession", func(w http.ResponseWriter, r recorded) {
		writeJSON(w, 200, map[string]any{"did": "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "handle": "bob.test"})
	})
	_, err := New(nil).Verify(context.Background(), f.account(), network.Credentials{AccessToken: "a"})
	if network.ReasonOf(err) != account.ReasonInvalid {
		t.Errorf("got %v, want lost access (invalid)", err)
	}
}

func TestVerifyExpiredAccessToken(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.getSession", func(w http.ResponseWriter, r recorded) {
		xrpcErr(w, 400, "ExpiredToken", "Token has expired")
	})
	_, err := New(nil).Verify(context.Background(), f.account(), network.Credentials{AccessToken: "a"})
	if !errors.Is(err, ErrAccessExpired) || network.IsTransient(err) || network.ReasonOf(err) != account.ReasonNone {
		t.Errorf("got %v, want ErrAccessExpired only", err)
	}
}

func TestTokensNeverInErrors(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.server.refreshSession", func(w http.ResponseWriter, r recorded) {
		w.Header().Set("X-Debug", r.auth)
		xrpcErr(w, 400, "InvalidToken", "Token could not be verified: "+r.auth)
	})
	f.on("com.atproto.server.getSession", func(w http.ResponseWriter, r recorded) {
		xrpcErr(w, 502, "UpstreamFailure", "proxy saw "+r.auth)
	})
	creds := network.Credentials{AccessToken: "access-SECRET-1", RefreshToken: "refresh-SECRET-2"}
	_, _, err := New(nil).Check(context.Background(), f.account(), creds)
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("Check error %v", err)
	}
	_, err = New(nil).Verify(context.Background(), f.account(), creds)
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("Verify error %v", err)
	}
}

func TestRevokeEndsTheSession(t *testing.T) {
	f := newFakePDS(t)
	ended := false
	f.on("com.atproto.server.deleteSession", func(w http.ResponseWriter, r recorded) {
		if ended {
			xrpcErr(w, 400, "ExpiredToken", "Token has been revoked")
			return
		}
		ended = true
		w.WriteHeader(200)
	})
	a := New(nil)
	creds := network.Credentials{AccessToken: "access-token", RefreshToken: "refresh-token"}
	if err := a.Revoke(context.Background(), f.account(), creds); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if c := f.calls("com.atproto.server.deleteSession"); len(c) != 1 || c[0].auth != "Bearer refresh-token" || c[0].method != http.MethodPost {
		t.Errorf("deleteSession requests %+v", c)
	}
	if err := a.Revoke(context.Background(), f.account(), creds); err != nil {
		t.Errorf("Revoke of an ended session: %v", err)
	}
	if err := a.Revoke(context.Background(), f.account(), network.Credentials{AccessToken: "a"}); !errors.Is(err, network.ErrRevokeUnsupported) {
		t.Errorf("Revoke without a refresh token: %v", err)
	}
}

func TestNeedsRefresh(t *testing.T) {
	c := clock.NewFake(testNow)
	a := New(nil, WithClock(c))
	creds := network.Credentials{AccessToken: "a", RefreshToken: "r", Expiry: testNow.Add(10 * time.Minute)}
	if a.NeedsRefresh(creds) {
		t.Error("10 minutes left: no refresh yet")
	}
	c.Advance(6 * time.Minute)
	if !a.NeedsRefresh(creds) {
		t.Error("4 minutes left: refresh")
	}
	if a.NeedsRefresh(network.Credentials{AccessToken: "a", Expiry: testNow}) {
		t.Error("nothing to refresh with")
	}
}

func TestUnreachableServerIsTransient(t *testing.T) {
	f := newFakePDS(t)
	acct := f.account()
	f.srv.Close()
	_, _, err := New(nil).Check(context.Background(), acct, network.Credentials{AccessToken: "access-token", RefreshToken: "refresh-token"})
	if !network.IsTransient(err) || !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("got %v, want a transient ErrUnreachable saying the connection was refused", err)
	}
}

func TestCredentialsFromJWTs(t *testing.T) {
	s := session(scopeAppPass, testNow, "j")
	c, err := credentialsOf(s["accessJwt"].(string), s["refreshJwt"].(string))
	if err != nil || !c.Expiry.Equal(testNow.Add(2*time.Hour)) || !c.ConnectionExpiry.Equal(testNow.Add(90*24*time.Hour)) {
		t.Errorf("got %+v %v", c, err)
	}
	for _, bad := range []string{"", "abc", "a.b.c", "a.!!!.c", fakeJWT(map[string]any{"exp": "soon"})} {
		if _, err := credentialsOf(bad, bad); err == nil {
			t.Errorf("%q read as a JWT", bad)
		}
	}
	if c, _ := readJWT(fakeJWT(map[string]any{"exp": -5})); !c.expiry().IsZero() {
		t.Error("a negative exp is no date")
	}
}
