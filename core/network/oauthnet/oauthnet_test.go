package oauthnet

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/oauth"
)

var now = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

func TestParseRedirectURL(t *testing.T) {
	const state = "st4te-abc"
	cases := []struct {
		name   string
		pasted string
		code   string
		err    error
	}{
		{name: "full address", pasted: "https://localhost/socialomm/callback?code=AQBx-hBsH3&state=" + state, code: "AQBx-hBsH3"},
		{name: "Meta's #_", pasted: "https://localhost/socialomm/callback?code=AQBx-hBsH3&state=" + state + "#_", code: "AQBx-hBsH3"},
		{name: "Facebook's #_=_", pasted: "https://localhost/socialomm/callback?code=AQB&state=" + state + "#_=_", code: "AQB"},
		{name: "#_ pasted escaped into the code", pasted: "https://localhost/cb?state=" + state + "&code=AQB%23_", code: "AQB"},
		{name: "spaces and newline around", pasted: "  https://localhost/cb?code=c1&state=" + state + "\n", code: "c1"},
		{name: "query only", pasted: "code=c2&state=" + state, code: "c2"},
		{name: "query with question mark", pasted: "?code=c3&state=" + state + "#_", code: "c3"},
		{name: "fragment parameters", pasted: "https://localhost/cb#code=c4&state=" + state, code: "c4"},
		{name: "wrong state", pasted: "https://localhost/cb?code=c&state=other", err: ErrStateMismatch},
		{name: "no state", pasted: "https://localhost/cb?code=c", err: ErrStateMismatch},
		{name: "denied", pasted: "https://localhost/cb?error=access_denied&error_reason=user_denied&error_description=Permissions+error&state=" + state, err: oauth.ErrDenied},
		{name: "no code", pasted: "https://localhost/cb?state=" + state, err: oauth.ErrNoCode},
		{name: "not an address", pasted: "hello there", err: ErrNotAnAddress},
		{name: "empty", pasted: "   ", err: ErrNotAnAddress},
		{name: "bad escape", pasted: "code=%zz&state=" + state, err: ErrNotAnAddress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, err := ParseRedirectURL(c.pasted, state)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("got %q, %v; want %v", code, err, c.err)
				}
				if strings.Contains(err.Error(), "AQB") || strings.Contains(err.Error(), "localhost") {
					t.Errorf("the error repeats the address: %q", err)
				}
				return
			}
			if err != nil || code != c.code {
				t.Fatalf("got %q, %v; want %q", code, err, c.code)
			}
		})
	}
	var pe *oauth.ProviderError
	_, err := ParseRedirectURL("https://localhost/cb?error=server_error&error_description=try+later&state="+state, state)
	if !errors.As(err, &pe) || pe.Description != "try later" {
		t.Errorf("provider error: %v", err)
	}
	if _, err := ParseRedirectURL("code=c&state=", ""); !errors.Is(err, ErrStateMismatch) {
		t.Error("an empty expected state must never match")
	}
}

func FuzzParseRedirectURL(f *testing.F) {
	f.Add("https://localhost/cb?code=c&state=s#_", "s")
	f.Add("code=c&state=s", "s")
	f.Add("?error=access_denied&state=s", "s")
	f.Add("https://[::1", "s")
	f.Add("%", "")
	f.Fuzz(func(t *testing.T, pasted, state string) {
		code, err := ParseRedirectURL(pasted, state)
		if err == nil && (state == "" || code == "") {
			t.Fatalf("accepted %q with state %q", pasted, state)
		}
		if err != nil && code != "" {
			t.Fatal("code with an error")
		}
	})
}

func TestParseToken(t *testing.T) {
	cases := []struct {
		name string
		body string
		want Token
		bad  bool
	}{
		{name: "X", body: `{"token_type":"bearer","expires_in":7200,"access_token":"a1","scope":"tweet.read offline.access","refresh_token":"r1"}`,
			want: Token{AccessToken: "a1", RefreshToken: "r1", TokenType: "bearer", Scope: "tweet.read offline.access", ExpiresIn: 7200}},
		{name: "LinkedIn with refresh", body: `{"access_token":"a2","expires_in":5184000,"refresh_token":"r2","refresh_token_expires_in":525600,"scope":"r_basicprofile"}`,
			want: Token{AccessToken: "a2", RefreshToken: "r2", Scope: "r_basicprofile", ExpiresIn: 5184000, RefreshTokenExpiresIn: 525600}},
		{name: "Instagram flat, big user id", body: `{"access_token":"IGQVJ","user_id":17841405793187218,"permissions":"instagram_business_basic,instagram_business_content_publish"}`,
			want: Token{AccessToken: "IGQVJ", UserID: "17841405793187218", Permissions: []string{"instagram_business_basic", "instagram_business_content_publish"}}},
		{name: "Instagram data array", body: `{"data":[{"access_token":"EAAC","user_id":"1020","permissions":"instagram_business_basic"}]}`,
			want: Token{AccessToken: "EAAC", UserID: "1020", Permissions: []string{"instagram_business_basic"}}},
		{name: "expires_in as a string", body: `{"access_token":"a","expires_in":"3600"}`, want: Token{AccessToken: "a", ExpiresIn: 3600}},
		{name: "permissions as a list", body: `{"access_token":"a","permissions":["x","y"]}`, want: Token{AccessToken: "a", Permissions: []string{"x", "y"}}},
		{name: "no token", body: `{"token_type":"bearer"}`, bad: true},
		{name: "empty data", body: `{"data":[]}`, bad: true},
		{name: "HTML", body: `<html>`, bad: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseToken([]byte(c.body))
			if c.bad {
				if err == nil {
					t.Fatalf("accepted %s", c.body)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessToken != c.want.AccessToken || got.RefreshToken != c.want.RefreshToken || got.UserID != c.want.UserID ||
				got.ExpiresIn != c.want.ExpiresIn || got.RefreshTokenExpiresIn != c.want.RefreshTokenExpiresIn ||
				got.Scope != c.want.Scope || strings.Join(got.Permissions, ",") != strings.Join(c.want.Permissions, ",") {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
			back := FromOAuth2(got.OAuth2(now))
			if back.UserID != got.UserID || back.RefreshTokenExpiresIn != got.RefreshTokenExpiresIn || back.ExpiresIn != got.ExpiresIn {
				t.Errorf("round trip through oauth2.Token: %+v", back)
			}
		})
	}
}

func TestClassifyToken(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      string
		reason    account.Reason
		keys      bool
		transient bool
		rejected  bool
	}{
		{name: "ok", status: 200, body: `{"access_token":"a"}`},
		{name: "RFC catch-all sentence", status: 400, body: `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}`,
			reason: account.ReasonInvalid},
		{name: "revoked only", status: 400, body: `{"error":"invalid_grant","error_description":"Token has been revoked."}`, reason: account.ReasonRevoked},
		{name: "expired only", status: 400, body: `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`, reason: account.ReasonInvalid},
		{name: "refresh token expired", status: 400, body: `{"error":"invalid_grant","error_description":"The refresh token has expired"}`, reason: account.ReasonExpired},
		{name: "X refresh refused", status: 400, body: `{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`, reason: account.ReasonInvalid},
		{name: "X bad code is not about a token", status: 400, body: `{"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}`, rejected: true},
		{name: "invalid_scope", status: 400, body: `{"error":"invalid_scope"}`, reason: account.ReasonScopeLost},
		{name: "invalid_client", status: 401, body: `{"error":"invalid_client","error_description":"Client authentication failed"}`, keys: true},
		{name: "X missing Basic", status: 401, body: `{"error":"unauthorized_client","error_description":"Missing valid authorization header"}`, keys: true},
		{name: "401 without OAuth words", status: 401, body: ``, keys: true},
		{name: "server_error", status: 400, body: `{"error":"server_error"}`, transient: true},
		{name: "503", status: 503, body: `<html>down</html>`, transient: true},
		{name: "429", status: 429, body: `{"error":"slow_down"}`, transient: true},
		{name: "Graph 190 on a Meta token endpoint", status: 400, body: `{"error":{"message":"Error validating access token: The user has not authorized application 1.","type":"OAuthException","code":190,"error_subcode":458}}`,
			reason: account.ReasonRevoked},
		{name: "Graph wrong secret", status: 400, body: `{"error":{"message":"Error validating client secret.","type":"OAuthException","code":1}}`, keys: true},
		{name: "400 nothing readable", status: 400, body: `nope`, rejected: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ClassifyToken("X", c.status, http.Header{}, []byte(c.body), now)
			switch {
			case c.reason != "":
				if network.ReasonOf(err) != c.reason {
					t.Fatalf("got %#v, want %s", err, c.reason)
				}
			case c.keys:
				if !errors.Is(err, ErrAppKeys) || network.ReasonOf(err) != account.ReasonNone || network.IsTransient(err) {
					t.Fatalf("got %#v, want keys refused", err)
				}
			case c.transient:
				if !network.IsTransient(err) {
					t.Fatalf("got %#v, want transient", err)
				}
			case c.rejected:
				var re *RejectedError
				if !errors.As(err, &re) || errors.Is(err, ErrAppKeys) {
					t.Fatalf("got %#v, want a plain refusal", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func FuzzClassifyToken(f *testing.F) {
	f.Add(400, []byte(`{"error":"invalid_grant","error_description":"revoked"}`))
	f.Add(400, []byte(`{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`))
	f.Add(401, []byte(`{"error":"invalid_client"}`))
	f.Add(400, []byte(`{"error":{"code":190,"error_subcode":463}}`))
	f.Add(400, []byte(`{"error":{"message":"Error validating client secret.","code":1}}`))
	f.Add(200, []byte(`{"access_token":"a"}`))
	f.Add(-1, []byte("{\"error\":\"\xff\",\"error_description\":7}"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		err := ClassifyToken("X", status, http.Header{}, body, now)
		oneKind(t, status, err)
	})
}

func FuzzClassifyGraph(f *testing.F) {
	f.Add(400, "", []byte(`{"error":{"message":"x","type":"OAuthException","code":190,"error_subcode":460}}`))
	f.Add(400, `{"a":[{"estimated_time_to_regain_access":-5}]}`, []byte(`{"error":{"code":32}}`))
	f.Add(500, "", []byte(`{"error":{"code":1,"is_transient":true}}`))
	f.Add(200, "", []byte(`{"error":{"code":190}}`))
	f.Add(403, "{", []byte(`{"error":{"code":200}}`))
	f.Fuzz(func(t *testing.T, status int, buc string, body []byte) {
		err := ClassifyGraph("Facebook", status, http.Header{"X-Business-Use-Case-Usage": {buc}}, body, now)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("status %d gave no error", status)
			}
			return
		}
		oneKind(t, status, err)
	})
}

func oneKind(t *testing.T, status int, err error) {
	t.Helper()
	if err == nil {
		if status < 200 || status > 299 {
			t.Fatalf("status %d gave no error", status)
		}
		return
	}
	if !utf8.ValidString(err.Error()) {
		t.Fatalf("invalid UTF-8 %q", err)
	}
	var lost *network.LostAccessError
	var te *network.TransientError
	var re *RejectedError
	kinds := 0
	if errors.As(err, &lost) {
		kinds++
		if lost.Reason == account.ReasonNone {
			t.Fatal("no reason")
		}
	}
	if errors.As(err, &te) {
		kinds++
		if te.RetryAfter < 0 || te.RetryAfter > MaxRetryAfter {
			t.Fatalf("RetryAfter %v", te.RetryAfter)
		}
	}
	if errors.As(err, &re) {
		kinds++
	}
	if kinds != 1 {
		t.Fatalf("%#v is %d kinds", err, kinds)
	}
}

func TestRetryAfter(t *testing.T) {
	cases := []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"30"}}, 30 * time.Second},
		{http.Header{"Retry-After": {"Wed, 04 Mar 2026 12:02:00 GMT"}}, 2 * time.Minute},
		{http.Header{"X-Rate-Limit-Reset": {"1772626500"}}, 15 * time.Minute},
		{http.Header{"X-Rate-Limit-Reset": {"120"}}, 2 * time.Minute},
		{http.Header{"X-Rate-Limit-Reset": {"1e300"}}, MaxRetryAfter},
		{http.Header{"Retry-After": {"-4"}}, 0},
		{http.Header{"Retry-After": {"NaN"}}, 0},
		{http.Header{}, 0},
	}
	for _, c := range cases {
		if got := RetryAfter(c.h, now); got != c.want {
			t.Errorf("%v: got %v, want %v", c.h, got, c.want)
		}
	}
}

func TestAfterSend(t *testing.T) {
	fiveHundred := Transient("X", 500, "", 0, false)
	limited := Transient("X", 429, "", time.Minute, true)
	graphLimit := Transient("Instagram", 400, "limit", 0, true)
	lost := Lost(account.ReasonRevoked, "")
	cases := []struct {
		err     error
		written bool
		unknown bool
	}{
		{fiveHundred, true, true},
		{fiveHundred, false, false},
		{limited, true, false},
		{graphLimit, true, false},
		{lost, true, false},
		{Malformed("X", "the post"), true, true},
		{TransportError("X", context.DeadlineExceeded), true, true},
	}
	for i, c := range cases {
		got := AfterSend(c.err, c.written)
		if errors.Is(got, ErrOutcomeUnknown) != c.unknown {
			t.Errorf("%d: %v unknown=%t", i, got, errors.Is(got, ErrOutcomeUnknown))
		}
		if network.ReasonOf(got) != network.ReasonOf(c.err) || network.IsTransient(got) != network.IsTransient(c.err) {
			t.Errorf("%d: kind changed: %v", i, got)
		}
	}
	if AfterSend(nil, true) != nil {
		t.Error("nil stays nil")
	}
}

func TestTransportErrorHidesTheURL(t *testing.T) {
	// A GET to a Meta token endpoint carries the app secret in its query.
	u := "http://127.0.0.1:1/access_token?client_secret=s3cr3t-value&access_token=t0ken-value"
	_, _, err := Do(context.Background(), &http.Client{Timeout: time.Second}, "Instagram", Request{Method: http.MethodGet, URL: u})
	if !errors.Is(err, ErrUnreachable) || !network.IsTransient(err) {
		t.Fatalf("got %v", err)
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), "s3cr3t") || strings.Contains(e.Error(), "t0ken") {
			t.Fatalf("a secret in the error chain: %q", e)
		}
	}
	var te *network.TransientError
	errors.As(err, &te)
	if strings.Contains(te.Err.Error(), "s3cr3t") {
		t.Fatal("secret in the cause")
	}
}

// A network that cannot be reached at all says so in the chain
// (network.ErrServerUnreachable), so a sweep asks it once, not once for
// every profile on it (reading the keyring each time: an offline start-up
// sweep of 5,000 profiles took 65 s when the OAuth networks did not say
// so); a cut connection is about one request and does not.
func TestTransportErrorSaysWhenTheNetworkIsDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/2/users/me"
	l.Close()
	_, _, refused := Do(context.Background(), &http.Client{Timeout: 5 * time.Second}, "X", Request{Method: http.MethodGet, URL: closed})
	cases := []struct {
		name      string
		err       error
		down      bool
		wantWords string
	}{
		{"refused, through Do", refused, true, "could not reach X: the connection was refused"},
		{"name lookup", TransportError("LinkedIn", &net.DNSError{Err: "server misbehaving", Name: "api.linkedin.com"}), true,
			"could not reach LinkedIn: its name could not be looked up (DNS)"},
		{"no answer in time", TransportError("Threads", context.DeadlineExceeded), true, "could not reach Threads: it did not answer in time"},
		{"cut", TransportError("Instagram", syscall.ECONNRESET), false, "could not reach Instagram: the connection was cut"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, ErrUnreachable) || !network.IsTransient(c.err) {
				t.Fatalf("%v: not a transient ErrUnreachable", c.err)
			}
			if got := errors.Is(c.err, network.ErrServerUnreachable); got != c.down {
				t.Errorf("%v: says the whole network is down: %t, want %t", c.err, got, c.down)
			}
			if !strings.HasPrefix(c.err.Error(), c.wantWords) {
				t.Errorf("words %q, want them to start %q", c.err.Error(), c.wantWords)
			}
		})
	}
}

func TestSafeReplyScrubs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Debug", "saw "+r.Header.Get("Authorization"))
		w.WriteHeader(500)
		w.Write([]byte(`{"error":"echo ` + r.FormValue("refresh_token") + `"}`))
	}))
	defer srv.Close()
	rep, _, err := Do(context.Background(), srv.Client(), "X", Request{Method: http.MethodPost, URL: srv.URL, Token: "bearer-secret",
		Form: url.Values{"refresh_token": {"refresh-secret"}}, Secrets: []string{"refresh-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	safe := rep.Safe()
	if strings.Contains(string(safe.Body), "refresh-secret") || strings.Contains(safe.Header.Get("X-Debug"), "bearer-secret") {
		t.Fatalf("not scrubbed: %s / %s", safe.Body, safe.Header.Get("X-Debug"))
	}
	if !strings.Contains(string(rep.Body), "refresh-secret") {
		t.Fatal("the raw body must stay as it came (a success may echo a token)")
	}
}

func TestKeysAndRedirect(t *testing.T) {
	if err := (Keys{}).Check("X", false); !errors.Is(err, ErrNoKeys) {
		t.Error(err)
	}
	if err := (Keys{ClientID: "id"}).Check("LinkedIn", true); !errors.Is(err, ErrNoKeys) {
		t.Error(err)
	}
	if err := (Keys{ClientID: "id", ClientSecret: "s"}).Check("LinkedIn", true); err != nil {
		t.Error(err)
	}
	reg := LoopbackRedirectURI(47810)
	if reg != "http://127.0.0.1:47810/callback" || CheckRedirect("X", reg, reg) != nil {
		t.Errorf("%q", reg)
	}
	if err := CheckRedirect("X", "http://127.0.0.1:51234/callback", reg); !errors.Is(err, ErrPortTaken) || !strings.Contains(err.Error(), "47810") {
		t.Errorf("port taken: %v", err)
	}
}

func TestManualFlow(t *testing.T) {
	if _, err := NewManualFlow(nil); err == nil {
		t.Error("nil config")
	}
	var gotForm url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		gotForm = r.PostForm
		switch r.PostForm.Get("code") {
		case "good":
			w.Write([]byte(`{"data":[{"access_token":"tok","user_id":17841405793187218}]}`))
		case "down":
			w.WriteHeader(502)
		default:
			w.WriteHeader(400)
			w.Write([]byte(`{"error_type":"OAuthException","code":400,"error_message":"Invalid authorization code"}`))
		}
	}))
	defer srv.Close()
	cfg := &oauth2.Config{ClientID: "id", ClientSecret: "sec", RedirectURL: PasteRedirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: "https://www.instagram.com/oauth/authorize", TokenURL: srv.URL}}
	m, err := NewManualFlow(cfg)
	if err != nil {
		t.Fatal(err)
	}
	au, _ := url.Parse(m.AuthCodeURL())
	if au.Query().Get("state") != m.State() || au.Query().Get("code_challenge_method") != "S256" || au.Query().Get("redirect_uri") != PasteRedirectURI {
		t.Errorf("auth URL %s", au)
	}
	tok, err := m.Exchange(context.Background(), srv.Client(), "Instagram", "good", now)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "tok" || FromOAuth2(tok).UserID != "17841405793187218" {
		t.Errorf("token %+v", tok)
	}
	if gotForm.Get("code_verifier") == "" || gotForm.Get("client_secret") != "sec" || gotForm.Get("redirect_uri") != PasteRedirectURI {
		t.Errorf("form %v", gotForm)
	}
	var ee *oauth.ExchangeError
	if _, err := m.Exchange(context.Background(), srv.Client(), "Instagram", "bad", now); !errors.As(err, &ee) || ee.StatusCode != 400 {
		t.Errorf("bad code: %v", err)
	}
	if _, err := m.Exchange(context.Background(), srv.Client(), "Instagram", "down", now); !network.IsTransient(err) {
		t.Errorf("down: %v", err)
	}
}
