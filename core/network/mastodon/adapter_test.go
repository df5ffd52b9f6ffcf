package mastodon

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
)

const token = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"

// mastodonAccount is shaped like Mastodon's documented verify_credentials.
const mastodonAccount = `{
  "id": "14715",
  "username": "trwnh",
  "acct": "trwnh",
  "display_name": "infinite love ⴳ",
  "locked": false,
  "bot": false,
  "discoverable": true,
  "group": false,
  "created_at": "2016-11-24T10:02:12.085Z",
  "note": "<p>i have approximate knowledge of many things.</p>",
  "url": "https://mastodon.social/@trwnh",
  "avatar": "https://files.mastodon.social/accounts/avatars/000/014/715/original/34aa222f4ae2e0a9.png",
  "avatar_static": "https://files.mastodon.social/accounts/avatars/000/014/715/original/34aa222f4ae2e0a9.png",
  "header": "https://files.mastodon.social/accounts/headers/000/014/715/original/5c6fc24edb3bb873.jpg",
  "followers_count": 821,
  "following_count": 178,
  "statuses_count": 33120,
  "last_status_at": "2019-11-24",
  "source": {"privacy": "public", "sensitive": false, "language": "", "note": "i have approximate knowledge of many things.", "fields": [], "follow_requests_count": 0},
  "emojis": [],
  "fields": []
}`

// gotosocialAccount is shaped like GoToSocial v0.18.3's verify_credentials
// for a new user without a picture or display name.
const gotosocialAccount = `{
  "id": "01V9W87SHVNYWE73745KFPQ474",
  "username": "ana",
  "acct": "ana",
  "display_name": "",
  "locked": false,
  "discoverable": false,
  "bot": false,
  "created_at": "2026-03-04T10:00:00.000Z",
  "note": "",
  "url": "http://127.0.0.1:8080/@ana",
  "avatar": "http://127.0.0.1:8080/assets/default_avatars/GoToSocial_icon4.webp",
  "avatar_static": "http://127.0.0.1:8080/assets/default_avatars/GoToSocial_icon4.webp",
  "header": "http://127.0.0.1:8080/assets/default_header.webp",
  "followers_count": 0,
  "following_count": 0,
  "statuses_count": 0,
  "last_status_at": null,
  "emojis": [],
  "fields": [],
  "source": {"privacy": "unlisted", "sensitive": false, "language": "en", "status_content_type": "text/plain", "note": "", "fields": [], "follow_requests_count": 0},
  "role": {"name": "user"}
}`

// mastodonStatus is shaped like Mastodon's documented POST /api/v1/statuses answer.
const mastodonStatus = `{
  "id": "103254962155278888",
  "created_at": "2019-12-05T11:34:47.196Z",
  "in_reply_to_id": null,
  "in_reply_to_account_id": null,
  "sensitive": false,
  "spoiler_text": "",
  "visibility": "public",
  "language": "en",
  "uri": "https://mastodon.social/users/trwnh/statuses/103254962155278888",
  "url": "https://mastodon.social/@trwnh/103254962155278888",
  "replies_count": 0,
  "reblogs_count": 0,
  "favourites_count": 0,
  "favourited": false,
  "reblogged": false,
  "muted": false,
  "bookmarked": false,
  "pinned": false,
  "content": "<p>Hello from SocialOmm</p>",
  "reblog": null,
  "application": {"name": "SocialOmm", "website": null},
  "account": {"id": "14715", "username": "trwnh", "acct": "trwnh"},
  "media_attachments": [],
  "mentions": [],
  "tags": [],
  "emojis": [],
  "card": null,
  "poll": null
}`

// fake is a Mastodon-like server recording what it was asked.
type fake struct {
	base    string
	handler atomic.Pointer[http.HandlerFunc]
	last    atomic.Pointer[http.Request]
	form    atomic.Pointer[url.Values]
	hits    atomic.Int64
}

func newFake(t *testing.T, h http.HandlerFunc) *fake {
	f := &fake{}
	f.set(h)
	f.base = serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/instance" {
			w.Write([]byte(mastodonV2Instance))
			return
		}
		f.hits.Add(1)
		r.ParseForm()
		form := r.PostForm
		f.form.Store(&form)
		f.last.Store(r)
		(*f.handler.Load())(w, r)
	})
	return f
}

func (f *fake) set(h http.HandlerFunc) { f.handler.Store(&h) }

func (f *fake) acct() account.Account {
	return account.Account{Network: "mastodon", Instance: f.base, RemoteID: "14715"}
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

var creds = network.Credentials{AccessToken: token}

func TestName(t *testing.T) {
	if New(nil).Name() != "mastodon" {
		t.Fatal("Name")
	}
}

func TestVerifyMastodon(t *testing.T) {
	f := newFake(t, answer(200, mastodonAccount))
	p, err := New(nil).Verify(context.Background(), f.acct(), creds)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last.Load()
	if r.Method != http.MethodGet || r.URL.Path != "/api/v1/accounts/verify_credentials" {
		t.Errorf("asked %s %s", r.Method, r.URL.Path)
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		t.Errorf("Authorization %q", r.Header.Get("Authorization"))
	}
	want := network.Profile{
		RemoteID:    "14715",
		Handle:      "@trwnh@mastodon.social", // the instance's domain, not the test server's host
		DisplayName: "infinite love ⴳ",
		AvatarURL:   "https://files.mastodon.social/accounts/avatars/000/014/715/original/34aa222f4ae2e0a9.png",
		ProfileURL:  "https://mastodon.social/@trwnh",
	}
	if p != want {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
}

func TestVerifyGoToSocialDefaults(t *testing.T) {
	// Without an instance endpoint the handle takes the base URL's host.
	base := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v") && strings.HasSuffix(r.URL.Path, "/instance") {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(gotosocialAccount))
	})
	p, err := New(nil).Verify(context.Background(), account.Account{Instance: base}, creds)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(base, "http://")
	want := network.Profile{
		RemoteID:    "01V9W87SHVNYWE73745KFPQ474",
		Handle:      "@ana@" + host,
		DisplayName: "ana",
		AvatarURL:   "",
		ProfileURL:  "http://127.0.0.1:8080/@ana",
	}
	if p != want {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
}

func TestVerifyAvatarsAndHandles(t *testing.T) {
	f := newFake(t, nil)
	a := New(nil)
	cases := []struct{ body, handle, avatar string }{
		{`{"id":"1","username":"ana","acct":"ana","avatar":"https://mastodon.social/avatars/original/missing.png"}`, "@ana@mastodon.social", ""},
		{`{"id":"1","username":"ana","acct":"ana","avatar":"https://cdn.example/avatars/original/missing.png"}`, "@ana@mastodon.social", ""},
		{`{"id":"1","username":"ana","acct":"ana@elsewhere.example","avatar":"https://cdn.example/a.png"}`, "@ana@elsewhere.example", "https://cdn.example/a.png"},
		{`{"id":"1","username":"ana","acct":""}`, "@ana@mastodon.social", ""},
	}
	for _, c := range cases {
		f.set(answer(200, c.body))
		p, err := a.Verify(context.Background(), f.acct(), creds)
		if err != nil || p.Handle != c.handle || p.AvatarURL != c.avatar || p.DisplayName != "ana" {
			t.Errorf("%s: got %+v, %v", c.body, p, err)
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	f := newFake(t, nil)
	a := New(nil)
	ctx := context.Background()

	f.set(answer(401, `{"error":"The access token is invalid"}`))
	_, err := a.Verify(ctx, f.acct(), creds)
	if network.ReasonOf(err) != account.ReasonInvalid {
		t.Errorf("401 invalid: %v", err)
	}

	f.set(answer(401, `{"error":"Unauthorized: token not supplied"}`))
	_, err = a.Verify(ctx, f.acct(), creds)
	if network.ReasonOf(err) != account.ReasonRevoked {
		t.Errorf("GoToSocial deleted account: %v", err)
	}

	f.set(answer(200, `{"username":"ana"}`))
	_, err = a.Verify(ctx, f.acct(), creds)
	if !network.IsTransient(err) || !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("200 without id: %v", err)
	}

	f.set(answer(503, `<html><body>Down for maintenance</body></html>`))
	_, err = a.Verify(ctx, f.acct(), creds)
	if !network.IsTransient(err) || network.ReasonOf(err) != "" {
		t.Errorf("503: %v", err)
	}

	_, err = a.Verify(ctx, account.Account{Instance: "not a url"}, creds)
	if !errors.Is(err, ErrNotServerAddress) {
		t.Errorf("bad instance: %v", err)
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Bearer error_description="bad token `+token+`"`)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(status)
			w.Write([]byte(`{"error":"token ` + token + ` rejected: ` + r.Header.Get("Authorization") + `"}`))
		}
	}
	f := newFake(t, nil)
	a := New(nil, WithAppLookup(func(context.Context, account.Account) (App, error) {
		return App{ClientID: "c", ClientSecret: "s3cr3t-value"}, nil
	}))
	ctx := context.Background()
	for _, status := range []int{400, 401, 403, 404, 422, 429, 500, 502} {
		f.set(echo(status))
		errs := []error{}
		_, err := a.Verify(ctx, f.acct(), creds)
		errs = append(errs, err)
		_, err = a.Publish(ctx, f.acct(), creds, "hello", "key")
		errs = append(errs, err)
		errs = append(errs, a.RecentPosts(ctx, f.acct(), creds, time.Time{}, func([]network.RecentPost) bool { return true }))
		errs = append(errs, a.Revoke(ctx, f.acct(), creds))
		for i, err := range errs {
			if err == nil {
				t.Errorf("status %d call %d: no error", status, i)
				continue
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "s3cr3t-value") {
				t.Errorf("status %d call %d: secret in %q", status, i, err)
			}
			var lost *network.LostAccessError
			if errors.As(err, &lost) && strings.Contains(lost.Message, token) {
				t.Errorf("status %d: token in Message", status)
			}
		}
	}
}

func TestPublish(t *testing.T) {
	f := newFake(t, answer(200, mastodonStatus))
	pub, err := New(nil).Publish(context.Background(), f.acct(), creds, "Hello from SocialOmm", "target-42")
	if err != nil {
		t.Fatal(err)
	}
	r := f.last.Load()
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/statuses" {
		t.Errorf("asked %s %s", r.Method, r.URL.Path)
	}
	if r.Header.Get("Authorization") != "Bearer "+token || r.Header.Get("Idempotency-Key") != "target-42" {
		t.Errorf("headers %v", r.Header)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", ct)
	}
	form := *f.form.Load()
	if len(form) != 1 || form.Get("status") != "Hello from SocialOmm" {
		t.Errorf("form %v (visibility must be left to the account's default)", form)
	}
	want := network.Published{RemoteID: "103254962155278888", URL: "https://mastodon.social/@trwnh/103254962155278888"}
	if pub != want {
		t.Errorf("got %+v", pub)
	}

	f.set(answer(200, `{"id":"9","uri":"https://gts.example/users/ana/statuses/9","url":null}`))
	pub, err = New(nil).Publish(context.Background(), f.acct(), creds, "x", "")
	if err != nil || pub.URL != "https://gts.example/users/ana/statuses/9" {
		t.Errorf("url falls back to uri: %+v %v", pub, err)
	}
	if f.last.Load().Header.Get("Idempotency-Key") != "" {
		t.Error("empty key sent")
	}
}

func TestPublishOutcomes(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, nil)
	a := New(nil)
	cases := []struct {
		name      string
		h         http.HandlerFunc
		unknown   bool
		transient bool
		rejected  bool
		reason    account.Reason
	}{
		{name: "422 too long", h: answer(422, `{"error":"Validation failed: Text character limit of 500 exceeded"}`), rejected: true},
		{name: "401", h: answer(401, `{"error":"The access token was revoked"}`), reason: account.ReasonRevoked},
		{name: "403 scope", h: answer(403, `{"error":"This action is outside the authorized scopes"}`), reason: account.ReasonScopeLost},
		{name: "429", h: answer(429, `{"error":"Too many requests"}`), transient: true},
		{name: "500", h: answer(500, `{"error":"Internal Server Error"}`), transient: true, unknown: true},
		{name: "504 gateway", h: answer(504, `<html>Gateway Time-out</html>`), transient: true, unknown: true},
		{name: "200 unreadable", h: answer(200, `<html>ok</html>`), transient: true, unknown: true},
		{name: "200 without id", h: answer(200, `{"content":"x"}`), transient: true, unknown: true},
		{name: "connection dropped after the post was sent", h: func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, transient: true, unknown: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.set(c.h)
			_, err := a.Publish(ctx, f.acct(), creds, "hello", "k")
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrOutcomeUnknown) != c.unknown {
				t.Errorf("ErrOutcomeUnknown = %v, want %v: %v", !c.unknown, c.unknown, err)
			}
			if network.IsTransient(err) != c.transient {
				t.Errorf("transient = %v: %v", !c.transient, err)
			}
			var re *RejectedError
			if errors.As(err, &re) != c.rejected {
				t.Errorf("rejected: %v", err)
			}
			if network.ReasonOf(err) != c.reason {
				t.Errorf("reason %q, want %q", network.ReasonOf(err), c.reason)
			}
			if c.unknown && !strings.Contains(err.Error(), "may or may not have been published") {
				t.Errorf("message %q does not say the outcome is unknown", err)
			}
		})
	}
}

func TestPublishNotSentIsNotUnknown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = New(nil).Publish(context.Background(), account.Account{Instance: "http://" + addr}, creds, "hello", "k")
	if !network.IsTransient(err) || !errors.Is(err, ErrUnreachable) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("got %v", err)
	}
}

func TestPublishEmpty(t *testing.T) {
	f := newFake(t, answer(200, mastodonStatus))
	if _, err := New(nil).Publish(context.Background(), f.acct(), creds, " \n ", "k"); err == nil {
		t.Fatal("empty post accepted")
	}
	if f.hits.Load() != 0 {
		t.Error("an empty post was sent")
	}
}

func TestTextLimitIsCached(t *testing.T) {
	var asked atomic.Int64
	var fail atomic.Bool
	base := serve(t, func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if fail.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte(`{"domain":"gts.example","configuration":{"statuses":{"max_characters":5000}}}`))
	})
	clk := clock.NewFake(time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC))
	a := New(nil, WithClock(clk))
	acct := account.Account{Instance: base}
	for range 3 {
		n, err := a.TextLimit(context.Background(), acct)
		if err != nil || n != 5000 {
			t.Fatalf("got %d, %v", n, err)
		}
	}
	if asked.Load() != 1 {
		t.Errorf("asked %d times, want once", asked.Load())
	}
	clk.Advance(7 * time.Hour)
	fail.Store(true)
	n, err := a.TextLimit(context.Background(), acct)
	if err != nil || n != 5000 {
		t.Errorf("stale value not kept when the server is down: %d, %v", n, err)
	}

	down := New(nil)
	n, err = down.TextLimit(context.Background(), acct)
	if err == nil || n != DefaultTextLimit {
		t.Errorf("first ask while down: %d, %v", n, err)
	}
}

func TestRevoke(t *testing.T) {
	f := newFake(t, answer(200, `{}`))
	app := App{ClientID: "cid", ClientSecret: "csecret"}
	var lookedUp account.Account
	a := New(nil, WithAppLookup(func(_ context.Context, acct account.Account) (App, error) {
		lookedUp = acct
		return app, nil
	}))
	if err := a.Revoke(context.Background(), f.acct(), creds); err != nil {
		t.Fatal(err)
	}
	form := *f.form.Load()
	if f.last.Load().URL.Path != "/oauth/revoke" || form.Get("client_id") != "cid" || form.Get("client_secret") != "csecret" || form.Get("token") != token {
		t.Errorf("asked %s with %v", f.last.Load().URL.Path, form)
	}
	if lookedUp.RemoteID != "14715" {
		t.Error("lookup did not get the account")
	}

	f.set(answer(404, `{"error":"Not Found"}`))
	if err := a.Revoke(context.Background(), f.acct(), creds); !errors.Is(err, network.ErrRevokeUnsupported) {
		t.Errorf("GoToSocial: %v", err)
	}

	if err := New(nil).Revoke(context.Background(), f.acct(), creds); err == nil || errors.Is(err, network.ErrRevokeUnsupported) {
		t.Errorf("without a lookup: %v", err)
	}
	lookupErr := errors.New("not in the keyring")
	failing := New(nil, WithAppLookup(func(context.Context, account.Account) (App, error) { return App{}, lookupErr }))
	if err := failing.Revoke(context.Background(), f.acct(), creds); !errors.Is(err, lookupErr) {
		t.Errorf("lookup error: %v", err)
	}
}

func TestStoredHTTPInstanceIsUpgraded(t *testing.T) {
	base, err := baseOf(account.Account{Instance: "http://mastodon.social"})
	if err != nil || base != "https://mastodon.social" {
		t.Fatalf("got %q, %v", base, err)
	}
}

// Go's transport replays a request carrying Idempotency-Key when a reused
// connection dies before any answer. GoToSocial ignores the key, so that
// replay could post twice: Publish must not let it happen.
func TestPublishIsNeverReplayedByTheTransport(t *testing.T) {
	var posts atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Write([]byte(mastodonAccount))
			return
		}
		posts.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	a := New(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}})
	ctx := context.Background()
	// Open a keep-alive connection first, so the post goes over a reused one.
	if _, err := a.Verify(ctx, f.acct(), creds); err != nil {
		t.Fatal(err)
	}
	_, err := a.Publish(ctx, f.acct(), creds, "hello", "k")
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("got %v", err)
	}
	if n := posts.Load(); n != 1 {
		t.Fatalf("the post reached the server %d times", n)
	}
}
