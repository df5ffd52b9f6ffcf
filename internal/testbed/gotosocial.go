package testbed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// GoToSocial is a real Mastodon-compatible server (GoToSocial v0.18.3,
// built into .cache/bin by scripts/testbed-deps.sh) on a free port of
// 127.0.0.1, speaking plain HTTP, with SQLite and local storage in the
// test's temp dir. Stop and Start keep the port and all data.
//
// Version limits to remember: PKCE is accepted but not enforced, there is
// no /oauth/revoke and no refresh token, a password change keeps tokens;
// DeleteAccount is how a token is made to answer 401.
type GoToSocial struct {
	port   int
	dir    string
	config string
	bin    string
	env    []string

	mu   sync.Mutex
	proc *Process
}

// GoToSocialOption changes the server's config file.
type GoToSocialOption func(cfg map[string]any)

// WithGoToSocialConfig sets one key of GoToSocial's YAML config (see
// .cache/gotosocial-src/example/config.yaml), e.g.
// WithGoToSocialConfig("statuses-max-chars", 500).
func WithGoToSocialConfig(key string, value any) GoToSocialOption {
	return func(cfg map[string]any) { cfg[key] = value }
}

// StartGoToSocial writes the config, starts the server and waits until
// GET /api/v1/instance answers with JSON (the server answers a maintenance
// page while it migrates its database).
func StartGoToSocial(t testing.TB, opts ...GoToSocialOption) *GoToSocial {
	t.Helper()
	root := Root(t)
	bin := cachedBin(t, "gotosocial")
	web := filepath.Join(root, ".cache", "gotosocial-src", "web")
	if _, err := os.Stat(filepath.Join(web, "template", "sign-in.tmpl")); err != nil {
		t.Fatalf("GoToSocial's web templates not found in %s: scripts/testbed-deps.sh unpacks them; run `make test`, which does", web)
	}
	wazeroCache := filepath.Join(root, ".cache", "gts-wazero")
	if err := os.MkdirAll(wazeroCache, 0o755); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	g := &GoToSocial{port: FreePort(t), dir: t.TempDir(), bin: bin}
	g.config = filepath.Join(g.dir, "config.yaml")
	storage := filepath.Join(g.dir, "storage")
	if err := os.MkdirAll(storage, 0o700); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	cfg := map[string]any{
		"log-level":                      "info",
		"log-client-ip":                  false,
		"host":                           g.Host(),
		"protocol":                       "http",
		"bind-address":                   "127.0.0.1",
		"port":                           g.port,
		"db-type":                        "sqlite",
		"db-address":                     filepath.Join(g.dir, "gts.sqlite"),
		"db-sqlite-cache-size":           "4MiB",
		"web-template-base-dir":          filepath.Join(web, "template") + "/",
		"web-asset-base-dir":             filepath.Join(web, "assets") + "/",
		"storage-backend":                "local",
		"storage-local-base-path":        storage,
		"accounts-registration-open":     false,
		"media-ffmpeg-pool-size":         1,
		"advanced-rate-limit-requests":   0,
		"advanced-throttling-multiplier": 0,
		"letsencrypt-enabled":            false,
	}
	for _, o := range opts {
		o(cfg)
	}
	// JSON is YAML: no YAML library needed.
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	if err := os.WriteFile(g.config, b, 0o600); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	// The WebAssembly build of ffmpeg takes seconds to compile; the cache
	// under .cache/ keeps later starts at about a second.
	g.env = Env(t, "GTS_WAZERO_COMPILATION_CACHE="+wazeroCache)
	g.Start(t)
	return g
}

// Start starts the server again on the same port and data after Stop.
func (g *GoToSocial) Start(t testing.TB) {
	t.Helper()
	g.mu.Lock()
	if g.proc != nil && !g.proc.Exited() {
		g.mu.Unlock()
		t.Fatalf("testbed: GoToSocial is already running")
	}
	g.mu.Unlock()
	waitFor(t, "GoToSocial's port to be free", 30*time.Second, nil, func() (bool, string) {
		return portFree(g.Host()), "port still taken"
	})
	cmd := exec.Command(g.bin, "--config-path", g.config, "server", "start")
	cmd.Env = g.env
	cmd.Dir = g.dir
	p := StartProcess(t, "gotosocial", cmd)
	g.mu.Lock()
	g.proc = p
	g.mu.Unlock()
	waitFor(t, "GoToSocial's GET /api/v1/instance", 2*time.Minute, p, func() (bool, string) {
		return httpReady(g.URL()+"/api/v1/instance", func(body []byte) bool {
			return json.Valid(body) && bytes.Contains(body, []byte(`"uri"`))
		})
	})
}

// Stop stops the server (SIGTERM, graceful) and waits until it is gone.
func (g *GoToSocial) Stop(t testing.TB) {
	t.Helper()
	g.mu.Lock()
	p := g.proc
	g.mu.Unlock()
	if p != nil {
		p.Stop()
	}
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234 (no slash).
func (g *GoToSocial) URL() string { return "http://" + g.Host() }

// Host is host:port, which is also the instance's domain.
func (g *GoToSocial) Host() string { return "127.0.0.1:" + strconv.Itoa(g.port) }

// SetConfig changes one key of the server's config file (as
// WithGoToSocialConfig does at the start); the server reads it at its next
// Start.
func (g *GoToSocial) SetConfig(t testing.TB, key string, value any) {
	t.Helper()
	b, err := os.ReadFile(g.config)
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	cfg := map[string]any{}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("testbed: GoToSocial's config: %v", err)
	}
	cfg[key] = value
	if b, err = json.MarshalIndent(cfg, "", "  "); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	if err := os.WriteFile(g.config, b, 0o600); err != nil {
		t.Fatalf("testbed: %v", err)
	}
}

// ConfigPath is the server's config file, for running other admin commands.
func (g *GoToSocial) ConfigPath() string { return g.config }

// Admin runs `gotosocial --config-path CONFIG admin ARGS...` (it works on
// the database directly, also while the server runs) and returns its
// output; it fails the test when the command fails.
func (g *GoToSocial) Admin(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command(g.bin, append([]string{"--config-path", g.config, "admin"}, args...)...)
	cmd.Env = g.env
	cmd.Dir = g.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("testbed: gotosocial admin %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// CreateUser creates a local user with `admin account create`, already
// confirmed and approved, so they can sign in at once (the sign-in form
// takes the email as "username"). GoToSocial rejects weak passwords: use
// something like "Correct-Horse-Battery-9".
func (g *GoToSocial) CreateUser(t testing.TB, username, email, password string) {
	t.Helper()
	g.Admin(t, "account", "create", "--username", username, "--email", email, "--password", password)
}

// App is a client application registered with POST /api/v1/apps.
type App struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// OOBRedirect is the out-of-band redirect URI GoToSocial accepts.
const OOBRedirect = "urn:ietf:wg:oauth:2.0:oob"

// RegisterApp registers a client application.
func (g *GoToSocial) RegisterApp(t testing.TB, name, redirectURI, scopes string) App {
	t.Helper()
	var app App
	body := postForm(t, http.DefaultClient, g.URL()+"/api/v1/apps", url.Values{
		"client_name":   {name},
		"redirect_uris": {redirectURI},
		"scopes":        {scopes},
	}, http.StatusOK)
	if err := json.Unmarshal(body, &app); err != nil || app.ClientID == "" {
		t.Fatalf("testbed: POST /api/v1/apps: %v: %s", err, body)
	}
	return app
}

// AccessToken signs the user in through GoToSocial's own HTML forms with
// plain HTTP (no browser): authorize, sign in with email and password,
// approve, exchange the out-of-band code. It returns a user access token
// with the given scopes (e.g. "read write"). Use it to prepare state; the
// app's own connect flow is tested with the real browser.
func (g *GoToSocial) AccessToken(t testing.TB, email, password, scopes string) string {
	t.Helper()
	app := g.RegisterApp(t, "testbed", OOBRedirect, scopes)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	var code string
	client := &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/oauth/oob" {
				code = req.URL.Query().Get("code")
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	q := url.Values{
		"client_id":     {app.ClientID},
		"redirect_uri":  {OOBRedirect},
		"response_type": {"code"},
		"scope":         {scopes},
	}
	resp, err := client.Get(g.URL() + "/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatalf("testbed: GET /oauth/authorize: %v", err)
	}
	drain(resp)
	if resp.Request.URL.Path != "/auth/sign_in" {
		t.Fatalf("testbed: GET /oauth/authorize ended at %s (%s), want the sign-in page", resp.Request.URL, resp.Status)
	}
	// Signing in redirects back to the authorize page (200).
	postForm(t, client, g.URL()+"/auth/sign_in", url.Values{"username": {email}, "password": {password}}, http.StatusOK)
	// Approving redirects to /oauth/oob?code=..., where CheckRedirect stops.
	postForm(t, client, g.URL()+"/oauth/authorize", url.Values{}, http.StatusFound)
	if code == "" {
		t.Fatalf("testbed: approving the app at %s gave no code", g.URL())
	}
	body := postForm(t, client, g.URL()+"/oauth/token", url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {app.ClientID},
		"client_secret": {app.ClientSecret},
		"redirect_uri":  {OOBRedirect},
	}, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("testbed: POST /oauth/token: %v: %s", err, body)
	}
	return tok.AccessToken
}

// VerifyCredentials calls GET /api/v1/accounts/verify_credentials with the
// token and returns the HTTP status and body.
func VerifyCredentials(t testing.TB, baseURL, accessToken string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+"/api/v1/accounts/verify_credentials", nil)
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := quickClient.Do(req)
	if err != nil {
		t.Fatalf("testbed: GET verify_credentials: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// DeleteAccount deletes the token's own account with
// POST /api/v1/accounts/delete (the password confirms it) and waits until
// the token answers 401: GoToSocial deletes in the background. This is how
// a test makes a connection's token "lost".
func DeleteAccount(t testing.TB, baseURL, accessToken, password string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, baseURL+"/api/v1/accounts/delete",
		strings.NewReader(url.Values{"password": {password}}.Encode()))
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := quickClient.Do(req)
	if err != nil {
		t.Fatalf("testbed: POST /api/v1/accounts/delete: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		t.Fatalf("testbed: POST /api/v1/accounts/delete: %s: %s", resp.Status, body)
	}
	waitFor(t, "the deleted account's token to answer 401", time.Minute, nil, func() (bool, string) {
		status, body := VerifyCredentials(t, baseURL, accessToken)
		return status == http.StatusUnauthorized, fmt.Sprintf("verify_credentials: %d %s", status, body)
	})
}

func postForm(t testing.TB, client *http.Client, u string, form url.Values, want int) []byte {
	t.Helper()
	resp, err := client.PostForm(u, form)
	if err != nil && !errors.Is(err, http.ErrUseLastResponse) {
		t.Fatalf("testbed: POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("testbed: POST %s: %s, want %d: %.500s", u, resp.Status, want, body)
	}
	return body
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
