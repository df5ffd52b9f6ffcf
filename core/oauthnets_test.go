package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/instagram"
	"github.com/socialomm/desktop/core/network/linkedin"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/network/x"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/settings"
	"github.com/socialomm/desktop/internal/contract"
)

// keyedBed is an engine on a data folder whose keyed networks answer from
// contract servers (through SOCIALOMM_TEST_ENDPOINTS, as the integration
// tests do), with a fake clock the servers share.
type keyedBed struct {
	t     *testing.T
	dir   string
	clk   *clock.Fake
	e     *Engine
	ports map[string]int
	// networks is the engine's catalog; the shipped one when empty.
	networks Catalog
}

func newKeyedBed(t *testing.T, endpoints map[string]string) *keyedBed {
	t.Helper()
	return newKeyedBedWith(t, endpoints, Catalog{})
}

// newKeyedBedWith is newKeyedBed with the engine offering networks.
func newKeyedBedWith(t *testing.T, endpoints map[string]string, networks Catalog) *keyedBed {
	t.Helper()
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	var pairs []string
	for n, u := range endpoints {
		pairs = append(pairs, n+"="+u)
	}
	t.Setenv(TestEndpointsEnv, strings.Join(pairs, ","))
	b := &keyedBed{t: t, dir: t.TempDir(), clk: clock.NewFake(start), ports: map[string]int{}, networks: networks}
	b.open()
	return b
}

// open opens (or, after Close, re-opens: a restart) the engine.
func (b *keyedBed) open() {
	b.t.Helper()
	e, err := Open(context.Background(), Options{DataDir: b.dir, Clock: b.clk, Networks: b.networks})
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { e.Close() })
	for n, p := range b.ports {
		e.keyed.ports[n] = p
	}
	b.e = e
}

func (b *keyedBed) restart() {
	b.t.Helper()
	b.e.Close()
	b.open()
}

func (b *keyedBed) set(key, value string) {
	b.t.Helper()
	if err := b.e.settings.Set(context.Background(), key, value); err != nil {
		b.t.Fatal(err)
	}
}

// freePort is a loopback port nothing listens on now, so these tests do
// not depend on the networks' fixed ports being free on the machine.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// browse is the person's browser: it opens the network's sign-in page,
// which approves at once and sends it on to SocialOmm's loopback listener.
func browse(_ context.Context, u string) error {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(u)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the sign-in ended on HTTP %d", resp.StatusCode)
	}
	return nil
}

func (b *keyedBed) storedTokens(a account.Account) (access, refresh string) {
	b.t.Helper()
	creds, err := b.e.credentials(context.Background(), a)
	if err != nil {
		b.t.Fatal(err)
	}
	return creds.AccessToken, creds.RefreshToken
}

func TestKeyedNetworksListAndDefaults(t *testing.T) {
	if settings.PasteRedirectURI != oauthnet.PasteRedirectURI {
		t.Fatalf("settings and oauthnet disagree on the paste redirect URI")
	}
	b := newKeyedBed(t, nil)
	ctx := context.Background()
	var names []string
	for _, n := range KeyedNetworks() {
		names = append(names, n.Name)
		for _, key := range []string{n.IDKey, n.SecretKey, n.RedirectKey} {
			if _, ok := settings.Lookup(key); key != "" && !ok {
				t.Errorf("%s: no setting %s", n.Name, key)
			}
		}
		if d, _ := settings.Lookup(n.SecretKey); d.Secret != secret.ClientSecret {
			t.Errorf("%s is not kept in the keyring", n.SecretKey)
		}
		if _, ok := b.e.adapters[n.Name]; !ok {
			t.Errorf("%s has no adapter", n.Name)
		}
		if !strings.HasPrefix(n.PortalURL, "https://") || n.Setup == "" || n.Life == "" {
			t.Errorf("%s lacks words for the person: %+v", n.Name, n)
		}
	}
	if strings.Join(names, " ") != "x linkedin facebook instagram threads" {
		t.Fatalf("networks %v", names)
	}
	// The redirect URIs to register are the fixed loopback ones for X and
	// LinkedIn, the paste address for the Meta networks.
	want := map[string]string{"x": x.RedirectURI, "linkedin": linkedin.RedirectURI, "facebook": oauthnet.PasteRedirectURI,
		"instagram": oauthnet.PasteRedirectURI, "threads": oauthnet.PasteRedirectURI}
	for n, uri := range want {
		if got := b.e.RedirectURI(ctx, n); got != uri {
			t.Errorf("%s redirect URI %q, want %q", n, got, uri)
		}
	}
	b.set("threads.redirect_uri", "https://example.org/socialomm")
	if got := b.e.RedirectURI(ctx, "threads"); got != "https://example.org/socialomm" {
		t.Errorf("threads redirect URI after setting it: %q", got)
	}
	if neverExpires("x") || !neverExpires("facebook") {
		t.Error("only Facebook Pages never expire")
	}
	if _, err := parseTestEndpoints("x=https://api.x.com"); err == nil {
		t.Error("test endpoints accepted a real host")
	}
	if _, err := parseTestEndpoints("mastodon=http://127.0.0.1:1"); err == nil {
		t.Error("test endpoints accepted a network without keys")
	}
}

// Missing keys stop a connect before anything opens, with an error that
// says which setting to fill, where the keys are made and what to register.
func TestMissingKeysSayWhatToDo(t *testing.T) {
	b := newKeyedBed(t, nil)
	ctx := context.Background()
	opened := 0
	in := SignIn{Open: func(context.Context, string) error { opened++; return nil }}
	check := func(name string, err error, words ...string) {
		t.Helper()
		var nk *NeedsKeysError
		if !errors.Is(err, oauthnet.ErrNoKeys) || !errors.As(err, &nk) {
			t.Fatalf("%s: %v", name, err)
		}
		for _, w := range words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", name, err, w)
			}
		}
	}
	_, err := b.e.ConnectOAuth(ctx, "x", in)
	check("x", err, "x.client_id", "Settings → Networks → X", "https://developer.x.com/", x.RedirectURI)
	_, err = b.e.ConnectOAuth(ctx, "linkedin", in)
	check("linkedin", err, "linkedin.client_id and linkedin.client_secret", "https://www.linkedin.com/developers/apps", linkedin.RedirectURI)
	b.set("linkedin.client_id", "86abc")
	_, err = b.e.ConnectOAuth(ctx, "linkedin", in)
	check("linkedin without its secret", err, "fill in linkedin.client_secret in")
	for _, n := range []string{"facebook", "instagram", "threads"} {
		_, err = b.e.StartPaste(ctx, n)
		check(n, err, n+".app_id and "+n+".app_secret", "https://developers.facebook.com/apps", oauthnet.PasteRedirectURI)
		if b.e.NetworkKeysProblem(ctx, n) == nil {
			t.Errorf("%s has no keys but no problem", n)
		}
	}
	b.set("x.client_id", "abc")
	if err := b.e.NetworkKeysProblem(ctx, "x"); err != nil {
		t.Errorf("X needs only its client id: %v", err)
	}
	if opened != 0 {
		t.Fatal("a browser was opened without keys")
	}
}

// TestXConnectCheckRefreshRestartRevoke walks an X connection through its
// life against the contract server: the loopback sign-in, a check, the
// 2-hour access token renewed ahead of its end with rotation (stored before
// use, working after a restart, the old refresh token refused), Update,
// and a revoke noticed in one check.
func TestXConnectCheckRefreshRestartRevoke(t *testing.T) {
	port := freePort(t)
	srv := contract.NewX(t, oauthnet.LoopbackRedirectURI(port), true)
	b := newKeyedBed(t, map[string]string{"x": srv.URL})
	srv.SetNow(b.clk.Now)
	b.ports["x"] = port
	b.e.keyed.ports["x"] = port
	ctx := context.Background()
	b.set("x.client_id", srv.ClientID)

	var said []string
	in := SignIn{Open: browse, Progress: func(s string) { said = append(said, s) }}
	a, err := b.e.ConnectOAuth(ctx, "x", in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Network != "x" || a.RemoteID != "2244994945" || a.Handle != "@XDevelopers" || a.State != account.Connected {
		t.Fatalf("account %+v", a)
	}
	if !a.TokenExpiresAt.Equal(start.Add(2*time.Hour)) || !a.ExpiresAt.Equal(start.Add(90*24*time.Hour)) {
		t.Fatalf("token ends %v, connection %v", a.TokenExpiresAt, a.ExpiresAt)
	}
	if len(said) == 0 || !strings.Contains(strings.Join(said, " "), "sign in to X") {
		t.Errorf("progress %q", said)
	}
	req := srv.RequestsTo("GET /i/oauth2/authorize")
	if len(req) != 1 || req[0].Query.Get("redirect_uri") != oauthnet.LoopbackRedirectURI(port) || req[0].Query.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorize requests %+v", req)
	}
	firstAccess, firstRefresh := b.storedTokens(a)

	a, err = b.e.Check(ctx, a.ID)
	if err != nil || a.State != account.Connected || a.LastError != "" {
		t.Fatalf("check: %v %+v", err, a)
	}

	// Four minutes before the access token ends, publishing renews it first.
	b.clk.Advance(116 * time.Minute)
	creds, err := b.e.freshCredentials(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	access, refresh := b.storedTokens(a)
	if creds.AccessToken == firstAccess || creds.RefreshToken == firstRefresh || access != creds.AccessToken || refresh != creds.RefreshToken {
		t.Fatal("the renewal was not rotated, or not stored before use")
	}
	a, _ = b.e.Account(ctx, a.ID)
	if !a.TokenExpiresAt.Equal(b.clk.Now().Add(2 * time.Hour)) {
		t.Fatalf("token end after refresh %v", a.TokenExpiresAt)
	}
	if !a.ExpiresAt.Equal(start.Add(90 * 24 * time.Hour)) {
		t.Fatalf("a refresh moved the connection's end to %v", a.ExpiresAt)
	}

	// A restart, with the access token long ended: the check renews with
	// the stored refresh token instead of calling the connection lost.
	b.restart()
	b.clk.Advance(5 * time.Hour)
	a, err = b.e.Check(ctx, a.ID)
	if err != nil || a.State != account.Connected {
		t.Fatalf("check after restart: %v %+v", err, a)
	}
	if _, r2 := b.storedTokens(a); r2 == refresh {
		t.Fatal("the check did not renew the ended token")
	}

	// The first refresh token was spent: X refuses it.
	_, err = b.e.keyed.x.Refresh(ctx, a, network.Credentials{RefreshToken: firstRefresh})
	if network.ReasonOf(err) == account.ReasonNone {
		t.Fatalf("the spent refresh token still works: %v", err)
	}

	// Reusing a spent refresh token ended the chain (rotation's reuse
	// detection); Update signs in again as the same profile.
	a, err = b.e.Update(ctx, a.ID, in)
	if err != nil || a.State != account.Connected {
		t.Fatalf("update: %v %+v", err, a)
	}
	if log, _ := b.e.Activity(ctx, a.ID, 1); log[0].Message != msgReconnected {
		t.Fatalf("activity %+v", log)
	}

	// Update as another X user changes nothing.
	beforeAccess, _ := b.storedTokens(a)
	srv.Next("GET /2/users/me", contract.Answer{Body: `{"data":{"id":"99","name":"Someone Else","username":"someone"}}`})
	_, err = b.e.Update(ctx, a.ID, in)
	var other *OtherProfileError
	if !errors.As(err, &other) || !strings.Contains(err.Error(), "@someone") {
		t.Fatalf("update as another user: %v", err)
	}
	if after, _ := b.storedTokens(a); after != beforeAccess {
		t.Fatal("the other user's token replaced the account's")
	}

	// The person removes SocialOmm at X: one check says revoked.
	srv.RevokeAll()
	a, err = b.e.Check(ctx, a.ID)
	if err != nil || a.State != account.Disconnected || a.Reason != account.ReasonRevoked {
		t.Fatalf("after revoke: %v %s/%s %q", err, a.State, a.Reason, a.LastError)
	}
	if strings.Contains(a.LastError, firstAccess) {
		t.Fatal("a token in the error")
	}
}

// TestXPublishRefreshesAheadThroughTheScheduler: a post due when the access
// token is about to end goes out with a renewed token.
func TestXPublishRefreshesAheadThroughTheScheduler(t *testing.T) {
	port := freePort(t)
	srv := contract.NewX(t, oauthnet.LoopbackRedirectURI(port), false)
	b := newKeyedBed(t, map[string]string{"x": srv.URL})
	srv.SetNow(b.clk.Now)
	b.e.keyed.ports["x"] = port
	ctx := context.Background()
	b.set("x.client_id", srv.ClientID)
	b.set("x.client_secret", srv.ClientSecret)
	a, err := b.e.ConnectOAuth(ctx, "x", SignIn{Open: browse})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := b.storedTokens(a)
	b.clk.Advance(2*time.Hour - time.Minute)
	post, err := b.e.Posts().Schedule(ctx, "Hello from SocialOmm", time.Time{}, []int64{a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.e.Posts().Tick(ctx); err != nil {
		t.Fatal(err)
	}
	post, _ = b.e.Posts().Post(ctx, post.ID)
	if tg := post.Targets[0]; tg.State != schedule.Published || !strings.HasPrefix(tg.URL, "https://x.com/XDevelopers/status/") {
		t.Fatalf("target %+v", tg)
	}
	if now, _ := b.storedTokens(a); now == first {
		t.Fatal("published without renewing the ending token")
	}
}

// TestLinkedIn65601IsAskedAgain: LinkedIn's "revoked" right after a token
// is issued is asked once more before it counts; a second one is revoked.
func TestLinkedIn65601IsAskedAgain(t *testing.T) {
	port := freePort(t)
	srv := contract.NewLinkedIn(t, oauthnet.LoopbackRedirectURI(port), false)
	b := newKeyedBed(t, map[string]string{"linkedin": srv.URL})
	srv.SetNow(b.clk.Now)
	b.e.keyed.ports["linkedin"] = port
	ctx := context.Background()
	b.set("linkedin.client_id", srv.ClientID)
	b.set("linkedin.client_secret", srv.ClientSecret)

	// The flap answers the sign-in's own identity call.
	srv.Once(contract.Revoked)
	type result struct {
		a   account.Account
		err error
	}
	done := make(chan result, 1)
	go func() {
		a, err := b.e.ConnectOAuth(ctx, "linkedin", SignIn{Open: browse})
		done <- result{a, err}
	}()
	sleeping(t, b.clk)
	b.clk.Advance(linkedin.DefaultRetryDelay)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	a := r.a
	// 60 days from when LinkedIn issued the token, before the retry's wait.
	if a.Handle != "John Doe" || !a.ExpiresAt.Equal(start.Add(60*24*time.Hour)) {
		t.Fatalf("account %+v, expires %v", a, a.ExpiresAt)
	}
	if n := len(srv.RequestsTo("GET /v2/userinfo")); n != 2 {
		t.Fatalf("userinfo asked %d times, want 2", n)
	}

	// Revoked for real: the retry says so too.
	srv.SetState(contract.Revoked)
	go func() {
		a, err := b.e.Check(ctx, a.ID)
		done <- result{a, err}
	}()
	sleeping(t, b.clk)
	b.clk.Advance(linkedin.DefaultRetryDelay)
	r = <-done
	if r.err != nil || r.a.State != account.Disconnected || r.a.Reason != account.ReasonRevoked {
		t.Fatalf("after revoke: %v %+v", r.err, r.a)
	}

	// 65600 is invalid, without a retry.
	srv.SetState(contract.Invalid)
	a, err := b.e.Update(ctx, a.ID, SignIn{Open: browse})
	if err == nil {
		t.Fatalf("update with invalid tokens: %+v", a)
	}
	srv.SetState(contract.OK)
	if a, err = b.e.Update(ctx, a.ID, SignIn{Open: browse}); err != nil || a.State != account.Connected {
		t.Fatalf("update: %v %+v", err, a)
	}
	srv.SetState(contract.Invalid)
	if a, err = b.e.Check(ctx, a.ID); err != nil || a.Reason != account.ReasonInvalid {
		t.Fatalf("65600: %v %+v", err, a)
	}
}

// paste does what the person does: opens the sign-in page, which approves
// at once and sends the browser to the registered https address (where
// nothing answers), and copies that address.
func paste(t *testing.T, p *PasteSignIn) string {
	t.Helper()
	return contract.Location(t, p.URL)
}

// TestFacebookPagesNeverExpire: the paste sign-in lists the person's two
// Pages; the one they can post on becomes an account whose Page token
// never expires, whatever the lifespan.
func TestFacebookPagesNeverExpire(t *testing.T) {
	srv := contract.NewFacebook(t, oauthnet.PasteRedirectURI)
	b := newKeyedBed(t, map[string]string{"facebook": srv.URL})
	srv.SetNow(b.clk.Now)
	ctx := context.Background()
	b.set("facebook.app_id", srv.ClientID)
	b.set("facebook.app_secret", srv.ClientSecret)

	p, err := b.e.StartPaste(ctx, "facebook")
	if err != nil {
		t.Fatal(err)
	}
	if p.RedirectURI != oauthnet.PasteRedirectURI || !strings.HasPrefix(p.URL, srv.URL+"/v23.0/dialog/oauth?") {
		t.Fatalf("sign-in %+v", p)
	}
	if _, err := b.e.FinishPaste(ctx, p, "https://localhost/socialomm/callback?code=x&state=forged"); !errors.Is(err, oauthnet.ErrStateMismatch) {
		t.Fatalf("forged address: %v", err)
	}
	res, err := b.e.FinishPaste(ctx, p, paste(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pages) != 2 || res.Account.ID != 0 || res.User != "Ana Example" {
		t.Fatalf("result %+v", res)
	}
	bakery, reads := res.Pages[0], res.Pages[1]
	if bakery.Name != "Ana's Bakery" || !bakery.CanPost || reads.CanPost {
		t.Fatalf("pages %+v", res.Pages)
	}
	if _, err := b.e.ConnectFacebookPage(ctx, p, reads.ID); err == nil || !strings.Contains(err.Error(), "does not allow posting") {
		t.Fatalf("a Page without posting rights: %v", err)
	}
	a, err := b.e.ConnectFacebookPage(ctx, p, bakery.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Network != "facebook" || a.RemoteID != bakery.ID || a.Handle != "Ana's Bakery" || a.ExpiresAt != nil || a.State != account.Connected {
		t.Fatalf("page account %+v", a)
	}
	if list, _ := b.e.Accounts(ctx); len(list) != 1 {
		t.Fatalf("%d accounts, want 1", len(list))
	}

	// A year on, with a 30-day lifespan: still connected, never expires.
	b.set("lifespan.days", "30")
	b.clk.Advance(365 * 24 * time.Hour)
	b.e.sweep(ctx, true)
	a, _ = b.e.Account(ctx, a.ID)
	if a.State != account.Connected || a.ExpiresAt != nil {
		t.Fatalf("a year on: %+v", a)
	}

	// Posting goes to the Page feed.
	post, _ := b.e.Posts().Schedule(ctx, "Fresh bread at 7", time.Time{}, []int64{a.ID})
	b.e.Posts().Tick(ctx)
	post, _ = b.e.Posts().Post(ctx, post.ID)
	if post.Targets[0].State != schedule.Published || len(srv.Posts()) != 1 {
		t.Fatalf("target %+v", post.Targets[0])
	}

	// Update by someone who does not manage the Page changes nothing.
	srv.Pages = srv.Pages[1:]
	p, err = b.e.StartPasteUpdate(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.e.FinishPaste(ctx, p, paste(t, p))
	var other *OtherProfileError
	if !errors.As(err, &other) || !strings.Contains(err.Error(), "does not manage the Page Ana's Bakery") {
		t.Fatalf("update without the Page: %v", err)
	}

	// Facebook says the password changed: disconnected with that reason.
	srv.SetState(contract.PasswordChanged)
	if a, _ = b.e.Check(ctx, a.ID); a.Reason != account.ReasonPasswordChanged {
		t.Fatalf("password changed: %+v", a)
	}
}

// TestInstagramNeedsAnImageAndRenewsDaily: a text post to Instagram fails
// in plain words; a check a day after sign-in renews the long-lived token
// and moves the end later, never past the lifespan from sign-in.
func TestInstagramNeedsAnImageAndRenewsDaily(t *testing.T) {
	srv := contract.NewInstagram(t, oauthnet.PasteRedirectURI)
	b := newKeyedBed(t, map[string]string{"instagram": srv.URL})
	srv.SetNow(b.clk.Now)
	ctx := context.Background()
	b.set("instagram.app_id", srv.ClientID)
	b.set("instagram.app_secret", srv.ClientSecret)
	p, err := b.e.StartPaste(ctx, "instagram")
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.e.FinishPaste(ctx, p, paste(t, p))
	if err != nil {
		t.Fatal(err)
	}
	a := res.Account
	end := start.Add(contract.LongLivedLifetime * time.Second)
	if a.RemoteID != contract.InstagramUserID || a.Handle != "@anas.bakery" || !a.ExpiresAt.Equal(end) {
		t.Fatalf("account %+v, ends %v", a, a.ExpiresAt)
	}

	post, _ := b.e.Posts().Schedule(ctx, "Fresh bread at 7", time.Time{}, []int64{a.ID})
	b.e.Posts().Tick(ctx)
	post, _ = b.e.Posts().Post(ctx, post.ID)
	if tg := post.Targets[0]; tg.State != schedule.Failed || !strings.Contains(tg.Error, "needs an image") {
		t.Fatalf("target %+v", tg)
	}
	if len(srv.Requests()) == 0 || len(srv.RequestsTo("POST /v23.0/"+contract.InstagramUserID+"/media")) != 0 {
		t.Fatal("a text-only post reached Instagram")
	}

	// Under a day old: a check does not renew.
	access, _ := b.storedTokens(a)
	b.clk.Advance(12 * time.Hour)
	if a, _ = b.e.Check(ctx, a.ID); a.State != account.Connected {
		t.Fatalf("check: %+v", a)
	}
	if now, _ := b.storedTokens(a); now != access {
		t.Fatal("renewed a token under a day old")
	}
	// Over a day: renewed, and the end moves 60 days from now.
	b.clk.Advance(14 * time.Hour)
	if a, _ = b.e.Check(ctx, a.ID); a.State != account.Connected {
		t.Fatalf("check: %+v", a)
	}
	if now, _ := b.storedTokens(a); now == access {
		t.Fatal("a day-old token was not renewed")
	}
	if want := b.clk.Now().Add(contract.LongLivedLifetime * time.Second); !a.ExpiresAt.Equal(want) {
		t.Fatalf("end after renewal %v, want %v", a.ExpiresAt, want)
	}
	// With a 30-day lifespan the next renewal stops at 30 days from sign-in.
	b.set("lifespan.days", "30")
	b.clk.Advance(26 * time.Hour)
	if a, _ = b.e.Check(ctx, a.ID); !a.ExpiresAt.Equal(start.Add(30 * 24 * time.Hour)) {
		t.Fatalf("end with a 30-day lifespan %v", a.ExpiresAt)
	}
	if n := len(srv.RequestsTo("GET /refresh_access_token")); n != 2 {
		t.Fatalf("%d renewals, want 2", n)
	}
}

// TestThreadsPublishAndUpdateByPaste: Threads posts text in two steps, and
// Update opens the sign-in page and takes the pasted address through
// SignIn.Paste.
func TestThreadsPublishAndUpdateByPaste(t *testing.T) {
	srv := contract.NewThreads(t, oauthnet.PasteRedirectURI)
	b := newKeyedBed(t, map[string]string{"threads": srv.URL})
	srv.SetNow(b.clk.Now)
	ctx := context.Background()
	b.set("threads.app_id", srv.ClientID)
	b.set("threads.app_secret", srv.ClientSecret)
	p, err := b.e.StartPaste(ctx, "threads")
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.e.FinishPaste(ctx, p, paste(t, p))
	if err != nil {
		t.Fatal(err)
	}
	a := res.Account
	post, _ := b.e.Posts().Schedule(ctx, "Hello, Threads", time.Time{}, []int64{a.ID})
	b.e.Posts().Tick(ctx)
	post, _ = b.e.Posts().Post(ctx, post.ID)
	if post.Targets[0].State != schedule.Published || len(srv.Published()) != 1 {
		t.Fatalf("target %+v", post.Targets[0])
	}

	srv.SetState(contract.Expired)
	if a, _ = b.e.Check(ctx, a.ID); a.Reason != account.ReasonExpired {
		t.Fatalf("expired: %+v", a)
	}
	srv.SetState(contract.OK)
	var opened string
	in := SignIn{
		Open: func(_ context.Context, u string) error { opened = u; return nil },
		Paste: func(_ context.Context, p *PasteSignIn) (string, error) {
			if p.URL != opened || p.RedirectURI != oauthnet.PasteRedirectURI {
				return "", errors.New("asked to paste for another page")
			}
			return paste(t, p), nil
		},
	}
	if a, err = b.e.Update(ctx, a.ID, in); err != nil || a.State != account.Connected {
		t.Fatalf("update: %v %+v", err, a)
	}
}

// Instagram's adapter refuses text alone before asking the network.
func TestInstagramTextAloneIsRefusedInWords(t *testing.T) {
	_, err := instagram.New(nil).Publish(context.Background(), account.Account{}, network.Credentials{}, "hi", "k")
	if !errors.Is(err, instagram.ErrNeedsMedia) || !strings.Contains(Explain(err), "needs an image") {
		t.Fatalf("%v", err)
	}
}
