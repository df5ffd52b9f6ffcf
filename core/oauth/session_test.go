package oauth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/fositetest"
	"golang.org/x/oauth2"
)

// page is what the test browser ended on.
type visited struct {
	status int
	body   string
	header http.Header
	url    *url.URL // final URL, the callback with code and state
}

// testBrowser is the "browser" of these tests: it follows redirects like a real
// one, from the network's authorization page to our loopback callback.
type testBrowser struct {
	client *http.Client
	mu     sync.Mutex
	pages  []visited
}

func newBrowser() *testBrowser {
	return &testBrowser{client: &http.Client{Timeout: 10 * time.Second}}
}

func (b *testBrowser) Open(ctx context.Context, u string) error {
	_, err := b.get(ctx, u)
	return err
}

func (b *testBrowser) get(ctx context.Context, u string) (visited, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return visited{}, err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return visited{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return visited{}, err
	}
	v := visited{status: resp.StatusCode, body: string(body), header: resp.Header, url: resp.Request.URL}
	b.mu.Lock()
	b.pages = append(b.pages, v)
	b.mu.Unlock()
	return v, nil
}

func (b *testBrowser) last(t *testing.T) visited {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pages) == 0 {
		t.Fatal("the browser visited nothing")
	}
	return b.pages[len(b.pages)-1]
}

// mustGet visits u and fails the test on a transport error.
func (b *testBrowser) mustGet(t *testing.T, u string) visited {
	t.Helper()
	v, err := b.get(context.Background(), u)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	return v
}

// assertClosed proves the loopback listener is gone: connecting is refused.
func assertClosed(t *testing.T, redirectURI string) {
	t.Helper()
	u, err := url.Parse(redirectURI)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("listener %s still accepts connections", u.Host)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", u.Host, err)
	}
}

func assertOpen(t *testing.T, redirectURI string) {
	t.Helper()
	u, _ := url.Parse(redirectURI)
	c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		t.Fatalf("listener %s not accepting: %v", u.Host, err)
	}
	c.Close()
}

func assertPageHeaders(t *testing.T, v visited) {
	t.Helper()
	want := map[string]string{
		"Cache-Control":   "no-store",
		"Referrer-Policy": "no-referrer",
		"Content-Type":    "text/html; charset=utf-8",
	}
	for k, w := range want {
		if got := v.header.Get(k); got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	if csp := v.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	// Self-contained: nothing is loaded from anywhere.
	for _, bad := range []string{"<script", "<link", "<img", "src=", "@import", "url("} {
		if strings.Contains(v.body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

// callbackURL builds a redirect to the session as a network (or an attacker)
// would send it.
func callbackURL(s *Session, params url.Values) string {
	return s.RedirectURI() + "?" + params.Encode()
}

func captureLog() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	var mu sync.Mutex
	h := slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(h), &buf
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestRunAgainstFosite(t *testing.T) {
	for _, public := range []bool{true, false} {
		name := map[bool]string{true: "public client", false: "confidential client"}[public]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			srv := fositetest.Start(t, fositetest.Options{Public: public, Subject: "dana"})
			logger, logBuf := captureLog()
			b := newBrowser()
			// The redirect URL is filled in by Run; a stale one is replaced.
			cfg := srv.Config("http://127.0.0.1:9/stale")

			tok, err := Run(ctx, cfg, b.Open, Options{Logger: logger, NetworkName: "Fosite"})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if cfg.RedirectURL != "http://127.0.0.1:9/stale" {
				t.Error("Run modified the caller's config")
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" {
				t.Fatalf("token: access %v refresh %v", tok.AccessToken != "", tok.RefreshToken != "")
			}

			page := b.last(t)
			if page.status != http.StatusOK || !strings.Contains(page.body, "SocialOmm is connected to Fosite") ||
				!strings.Contains(page.body, "You can close this tab") {
				t.Fatalf("final page %d: %s", page.status, page.body)
			}
			assertPageHeaders(t, page)

			// What went out matches: the verifier sent to the token endpoint hashes
			// (S256) to the challenge sent to the authorization endpoint, over the
			// same loopback redirect URI.
			auths, toks := srv.AuthorizeRequests(), srv.TokenRequests()
			if len(auths) != 1 || len(toks) != 1 {
				t.Fatalf("%d authorize and %d token requests, want 1 and 1", len(auths), len(toks))
			}
			a, tr := auths[0], toks[0]
			if a.CodeChallengeMethod != "S256" || a.CodeChallenge == "" {
				t.Fatalf("authorize request: method %q challenge %q", a.CodeChallengeMethod, a.CodeChallenge)
			}
			if len(tr.CodeVerifier) < 43 || oauth2.S256ChallengeFromVerifier(tr.CodeVerifier) != a.CodeChallenge {
				t.Fatal("the verifier sent does not match the challenge sent")
			}
			if !strings.HasPrefix(a.RedirectURI, "http://127.0.0.1:") || !strings.HasSuffix(a.RedirectURI, "/callback") ||
				tr.RedirectURI != a.RedirectURI {
				t.Fatalf("redirect URIs: authorize %q token %q", a.RedirectURI, tr.RedirectURI)
			}
			if len(a.State) < 43 { // 32 random bytes, base64url
				t.Fatalf("state has %d characters, want at least 43", len(a.State))
			}
			if page.url.Query().Get("state") != a.State {
				t.Fatal("callback state differs from the one sent")
			}

			// The token works at the network.
			req, _ := http.NewRequest(http.MethodGet, srv.UserinfoURL(), nil)
			tok.SetAuthHeader(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("userinfo: %d", resp.StatusCode)
			}

			assertClosed(t, a.RedirectURI)

			// Nothing secret reached the log.
			logged := logBuf.String()
			if !strings.Contains(logged, "waiting for sign-in") {
				t.Fatalf("log lacks progress messages:\n%s", logged)
			}
			secrets := map[string]string{
				"code": page.url.Query().Get("code"), "state": a.State, "verifier": tr.CodeVerifier,
				"access token": tok.AccessToken, "refresh token": tok.RefreshToken,
			}
			if !public {
				secrets["client secret"] = srv.ClientSecret
			}
			for what, v := range secrets {
				if v == "" {
					t.Fatalf("%s is empty", what)
				}
				if strings.Contains(logged, v) {
					t.Errorf("log contains the %s:\n%s", what, logged)
				}
			}
		})
	}
}

func TestSplitFlowWithTamperedVerifierIsRefused(t *testing.T) {
	ctx := context.Background()
	srv := fositetest.Start(t, fositetest.Options{Public: true})
	b := newBrowser()

	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Networks that need the redirect URI before the config is built.
	cfg := srv.Config(s.RedirectURI())
	if err := b.Open(ctx, s.AuthCodeURL(cfg)); err != nil {
		t.Fatal(err)
	}
	code, err := s.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	assertClosed(t, s.RedirectURI())

	real := s.verifier
	s.verifier = oauth2.GenerateVerifier() // well-formed, but not the one challenged
	_, err = s.Exchange(ctx, cfg, code)
	var ee *ExchangeError
	if !errors.As(err, &ee) || ee.Code != "invalid_grant" || ee.StatusCode != http.StatusBadRequest {
		t.Fatalf("Exchange with a tampered verifier: %v, want invalid_grant", err)
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("ExchangeError does not unwrap to *oauth2.RetrieveError: %T", errors.Unwrap(err))
	}
	if strings.Contains(err.Error(), code) || strings.Contains(err.Error(), real) {
		t.Fatal("error text carries the code or the verifier")
	}
	toks := srv.TokenRequests()
	if len(toks) != 1 || toks[0].CodeVerifier != s.verifier || toks[0].Error != "invalid_grant" {
		t.Fatalf("token log = %+v", toks)
	}
}

func TestAuthCodeURL(t *testing.T) {
	s, err := Start(context.Background(), Options{CallbackPath: "oauth/done"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.RedirectURI(), "http://127.0.0.1:") || !strings.HasSuffix(s.RedirectURI(), "/oauth/done") {
		t.Fatalf("RedirectURI = %q", s.RedirectURI())
	}
	cfg := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{AuthURL: "https://net.example/authorize"}, Scopes: []string{"a", "b"}}
	u, err := url.Parse(s.AuthCodeURL(cfg,
		oauth2.SetAuthURLParam("code_challenge", "attacker"), oauth2.SetAuthURLParam("prompt", "consent")))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := map[string]string{
		"client_id": "c", "redirect_uri": s.RedirectURI(), "response_type": "code", "scope": "a b",
		"state": s.state, "code_challenge": oauth2.S256ChallengeFromVerifier(s.verifier),
		"code_challenge_method": "S256", "prompt": "consent",
	}
	for k, w := range want {
		if got := q.Get(k); got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	if cfg.RedirectURL != "" {
		t.Error("AuthCodeURL modified cfg")
	}
}

func TestBadCallbacksDoNotEndTheWait(t *testing.T) {
	ctx := context.Background()
	srv := fositetest.Start(t, fositetest.Options{Public: true})
	b := newBrowser()
	s, err := Start(ctx, Options{NetworkName: "Fosite"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := srv.Config(s.RedirectURI())

	bad := []struct {
		name   string
		params url.Values
	}{
		{"wrong state with a code", url.Values{"code": {"attacker-code"}, "state": {"not-this-attempt"}}},
		{"missing state", url.Values{"code": {"attacker-code"}}},
		{"empty state", url.Values{"code": {"attacker-code"}, "state": {""}}},
		{"wrong state trying to cancel", url.Values{"error": {"access_denied"}, "state": {"x"}}},
		{"state with a prefix of the real one", url.Values{"code": {"attacker-code"}, "state": {s.state[:10]}}},
	}
	for i, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			v := b.mustGet(t, callbackURL(s, tc.params))
			if v.status != http.StatusBadRequest || !strings.Contains(v.body, "This sign-in did not come from this attempt") {
				t.Fatalf("got %d: %s", v.status, v.body)
			}
			assertPageHeaders(t, v)
			if got := s.Rejected(); got != i+1 {
				t.Fatalf("Rejected() = %d, want %d", got, i+1)
			}
			assertOpen(t, s.RedirectURI())
		})
	}

	// The real sign-in still completes, and its code is the one Wait returns.
	if err := b.Open(ctx, s.AuthCodeURL(cfg)); err != nil {
		t.Fatal(err)
	}
	code, err := s.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if code == "attacker-code" || code != b.last(t).url.Query().Get("code") {
		t.Fatal("Wait returned another code than the network's")
	}
	if _, err := s.Exchange(ctx, cfg, code); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	assertClosed(t, s.RedirectURI())
}

func TestCallbackAfterCompletionIsGone(t *testing.T) {
	ctx := context.Background()
	b := newBrowser()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	good := callbackURL(s, url.Values{"code": {"first"}, "state": {s.state}})
	if v := b.mustGet(t, good); v.status != http.StatusOK {
		t.Fatalf("first callback: %d", v.status)
	}
	for _, u := range []string{
		good, // the same answer again (a reload, or a replay)
		callbackURL(s, url.Values{"code": {"second"}, "state": {s.state}}),
		callbackURL(s, url.Values{"error": {"access_denied"}, "state": {s.state}}),
	} {
		v := b.mustGet(t, u)
		if v.status != http.StatusGone || !strings.Contains(v.body, "This sign-in is already finished") {
			t.Fatalf("later callback: %d %s", v.status, v.body)
		}
		assertPageHeaders(t, v)
	}
	code, err := s.Wait(ctx)
	if err != nil || code != "first" {
		t.Fatalf("Wait = %q, %v; want the first code", code, err)
	}
	assertClosed(t, s.RedirectURI())
}

func TestOtherRequests(t *testing.T) {
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, _ := url.Parse(s.RedirectURI())
	good := url.Values{"code": {"c"}, "state": {s.state}}.Encode()
	cases := []struct {
		name   string
		method string
		target string
		host   string
		want   int
	}{
		{"other path", http.MethodGet, "/favicon.ico", "", http.StatusNotFound},
		{"root", http.MethodGet, "/?" + good, "", http.StatusNotFound},
		{"POST", http.MethodPost, "/callback?" + good, "", http.StatusMethodNotAllowed},
		{"HEAD", http.MethodHead, "/callback?" + good, "", http.StatusMethodNotAllowed},
		{"foreign Host header (DNS rebinding)", http.MethodGet, "/callback?" + good, "evil.example:" + u.Port(), http.StatusMisdirectedRequest},
		{"localhost Host header", http.MethodGet, "/callback?" + good, "localhost:" + u.Port(), http.StatusMisdirectedRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://"+u.Host+tc.target, nil)
			if tc.host != "" {
				req.Host = tc.host
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	// None of them ended the attempt.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Wait(ctx); !errors.Is(err, ErrCancelled) {
		t.Fatalf("Wait = %v, want ErrCancelled (nothing should have finished the attempt)", err)
	}
}

func TestNetworkRefusals(t *testing.T) {
	cases := []struct {
		name      string
		params    url.Values
		wantIs    error
		wantCode  string
		wantIn    []string
		wantNotIn []string
		status    int
	}{
		{
			name:     "access denied",
			params:   url.Values{"error": {"access_denied"}, "error_description": {"The user said no"}},
			wantIs:   ErrDenied,
			wantCode: "access_denied",
			wantIn:   []string{"You declined to connect", "Nothing was changed"},
			status:   http.StatusOK,
		},
		{
			name: "provider error, description escaped",
			params: url.Values{"error": {"server_error"},
				"error_description": {`Try later <script>alert("x")</script> & "quotes"`}},
			wantCode:  "server_error",
			wantIn:    []string{"The sign-in did not work", "server_error", "Try later &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;"},
			wantNotIn: []string{"<script>"},
			status:    http.StatusOK,
		},
		{
			name:     "provider error without description",
			params:   url.Values{"error": {"temporarily_unavailable"}},
			wantCode: "temporarily_unavailable",
			wantIn:   []string{"refused the sign-in (temporarily_unavailable)"},
			status:   http.StatusOK,
		},
		{
			name:   "neither code nor error",
			params: url.Values{},
			wantIs: ErrNoCode,
			wantIn: []string{"carried no sign-in code"},
			status: http.StatusBadRequest,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			b := newBrowser()
			var page visited
			// A network that refuses: the "browser" lands straight on the callback.
			open := func(ctx context.Context, authURL string) error {
				p := url.Values{}
				for k, v := range tc.params {
					p[k] = v
				}
				u, err := url.Parse(authURL)
				if err != nil {
					return err
				}
				p.Set("state", u.Query().Get("state"))
				v, err := b.get(ctx, u.Query().Get("redirect_uri")+"?"+p.Encode())
				page = v
				return err
			}
			cfg := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{AuthURL: "http://127.0.0.1:9/authorize", TokenURL: "http://127.0.0.1:9/token"}}
			tok, err := Run(ctx, cfg, open, Options{})
			if tok != nil || err == nil {
				t.Fatalf("Run = %v, %v; want an error", tok, err)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Fatalf("error %v is not %v", err, tc.wantIs)
			}
			if tc.wantCode != "" {
				var pe *ProviderError
				if !errors.As(err, &pe) || pe.Code != tc.wantCode || pe.Description != tc.params.Get("error_description") {
					t.Fatalf("error = %#v, want ProviderError %q", err, tc.wantCode)
				}
				if tc.wantCode != "access_denied" && errors.Is(err, ErrDenied) {
					t.Fatal("a provider error matched ErrDenied")
				}
			}
			if page.status != tc.status {
				t.Fatalf("page status %d, want %d", page.status, tc.status)
			}
			for _, w := range tc.wantIn {
				if !strings.Contains(page.body, w) {
					t.Errorf("page lacks %q:\n%s", w, page.body)
				}
			}
			for _, w := range tc.wantNotIn {
				if strings.Contains(page.body, w) {
					t.Errorf("page contains %q", w)
				}
			}
			assertPageHeaders(t, page)
			assertClosed(t, page.url.String())
		})
	}
}

func TestDeniedAtFosite(t *testing.T) {
	ctx := context.Background()
	srv := fositetest.Start(t, fositetest.Options{Public: true})
	srv.SetDeny(true)
	b := newBrowser()
	_, err := Run(ctx, srv.Config(""), b.Open, Options{NetworkName: "Fosite"})
	if !errors.Is(err, ErrDenied) {
		t.Fatalf("Run = %v, want ErrDenied", err)
	}
	if err.Error() != "you declined to connect" {
		t.Fatalf("error text %q", err.Error())
	}
	page := b.last(t)
	if !strings.Contains(page.body, "You declined to connect SocialOmm to Fosite") {
		t.Fatalf("page: %s", page.body)
	}
	if len(srv.TokenRequests()) != 0 {
		t.Fatal("a denied sign-in reached the token endpoint")
	}
	assertClosed(t, page.url.String())
}

func TestTimeout(t *testing.T) {
	s, err := Start(context.Background(), Options{Timeout: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	code, err := s.Wait(context.Background())
	if code != "" || !errors.Is(err, ErrTimeout) {
		t.Fatalf("Wait = %q, %v; want ErrTimeout", code, err)
	}
	var te *TimeoutError
	if !errors.As(err, &te) || te.After != 30*time.Millisecond {
		t.Fatalf("error %#v", err)
	}
	assertClosed(t, s.RedirectURI())
	// A second Wait gives the same answer at once.
	if _, err2 := s.Wait(context.Background()); err2 != err {
		t.Fatalf("second Wait = %v", err2)
	}
}

func TestTimeoutClosesTheListenerWithoutWait(t *testing.T) {
	s, err := Start(context.Background(), Options{Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.serveDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the listener outlived its timeout")
	}
	assertClosed(t, s.RedirectURI())
}

func TestTimeoutMessages(t *testing.T) {
	cases := map[time.Duration]string{
		DefaultTimeout:                        "no sign-in arrived within 5 minutes",
		time.Minute:                           "no sign-in arrived within 1 minute",
		90 * time.Second:                      "no sign-in arrived within 1 minute 30 seconds",
		2*time.Hour + time.Second:             "no sign-in arrived within 2 hours 1 second",
		20 * time.Millisecond:                 "no sign-in arrived within 20ms",
		10*time.Minute + 400*time.Millisecond: "no sign-in arrived within 10 minutes",
	}
	for d, want := range cases {
		if got := (&TimeoutError{After: d}).Error(); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.timeout != DefaultTimeout || s.path != DefaultCallbackPath {
		t.Fatalf("defaults: timeout %v path %q", s.timeout, s.path)
	}
}

func TestCancel(t *testing.T) {
	cause := errors.New("the person pressed Cancel")
	cases := []struct {
		name   string
		ctx    func() (context.Context, func())
		wantIs []error
	}{
		{"cancelled", func() (context.Context, func()) {
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, cancel
		}, []error{ErrCancelled}},
		{"cancelled with a cause", func() (context.Context, func()) {
			ctx, cancel := context.WithCancelCause(context.Background())
			return ctx, func() { cancel(cause) }
		}, []error{ErrCancelled, cause}},
		{"caller's deadline", func() (context.Context, func()) {
			ctx, cancel := context.WithDeadline(context.Background(), time.Now())
			return ctx, cancel
		}, []error{ErrCancelled, context.DeadlineExceeded}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(context.Background(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx, cancel := tc.ctx()
			waited := make(chan error, 1)
			go func() {
				_, err := s.Wait(ctx)
				waited <- err
			}()
			cancel()
			err = <-waited
			for _, w := range tc.wantIs {
				if !errors.Is(err, w) {
					t.Errorf("Wait = %v, not %v", err, w)
				}
			}
			assertClosed(t, s.RedirectURI())
			// A callback after cancelling cannot connect anymore.
			if _, err := newBrowser().get(context.Background(), callbackURL(s, url.Values{"code": {"c"}, "state": {s.state}})); err == nil {
				t.Fatal("callback reached a cancelled attempt")
			}
		})
	}
}

func TestClose(t *testing.T) {
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	assertClosed(t, s.RedirectURI())
	if _, err := s.Wait(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait after Close = %v, want ErrClosed", err)
	}
}

func TestRunOpenerFailure(t *testing.T) {
	var redirect string
	boom := errors.New("no browser")
	open := func(_ context.Context, authURL string) error {
		u, _ := url.Parse(authURL)
		redirect = u.Query().Get("redirect_uri")
		return boom
	}
	cfg := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{AuthURL: "http://127.0.0.1:9/authorize"}}
	if _, err := Run(context.Background(), cfg, open, Options{}); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the opener's error", err)
	}
	assertClosed(t, redirect)
}

func TestListenerBindsLoopbackOnly(t *testing.T) {
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, _ := url.Parse(s.RedirectURI())
	if u.Hostname() != "127.0.0.1" {
		t.Fatalf("host %q", u.Hostname())
	}
	// Each attempt gets its own port.
	s2, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.RedirectURI() == s.RedirectURI() || s2.state == s.state || s2.verifier == s.verifier {
		t.Fatal("two attempts share a port, state or verifier")
	}
}

func TestPreferredPortIsUsedWhenFreeAndFallsBackWhenTaken(t *testing.T) {
	first, err := Start(context.Background(), Options{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	portOf := func(s *Session) int {
		u, _ := url.Parse(s.RedirectURI())
		p, _ := net.LookupPort("tcp", u.Port())
		return p
	}
	port := portOf(first)
	// Taken: the second attempt gets another port instead of failing.
	second, err := Start(context.Background(), Options{Timeout: time.Minute, PreferredPort: port})
	if err != nil {
		t.Fatal(err)
	}
	if got := portOf(second); got == port {
		t.Fatalf("second session shares port %d", port)
	}
	second.Close()
	first.Close()
	// Free again: it is used, so the registered redirect URI fits.
	third, err := Start(context.Background(), Options{Timeout: time.Minute, PreferredPort: port})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if want := "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"; third.RedirectURI() != want {
		t.Fatalf("redirect %s, want %s", third.RedirectURI(), want)
	}
}
