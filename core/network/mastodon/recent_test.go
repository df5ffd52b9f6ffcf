package mastodon

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
)

// statusPages answers GET /api/v1/accounts/14715/statuses as Mastodon
// documents it: an array of Status, the page before max_id (exclusive).
func statusPages(t *testing.T, pages map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/accounts/14715/statuses" || r.URL.Query().Get("limit") != "40" ||
			r.URL.Query().Get("exclude_reblogs") != "true" || r.Header.Get("Authorization") != "Bearer "+token {
			t.Errorf("asked %s", r.URL)
		}
		body, ok := pages[r.URL.Query().Get("max_id")]
		if !ok {
			body = "[]"
		}
		answer(200, body)(w, r)
	}
}

func TestRecentPosts(t *testing.T) {
	f := newFake(t, statusPages(t, map[string]string{
		"": `[
	  {"id":"103254962155278890","created_at":"2019-12-05T11:40:00.000Z","visibility":"public","uri":"https://mastodon.social/users/trwnh/statuses/103254962155278890","url":"https://mastodon.social/@trwnh/103254962155278890","content":"<p>Something else</p>"},
	  {"id":"","content":"skipped"},
	  {"id":"103254962155278889","created_at":"2019-12-05T11:35:02.000Z","visibility":"unlisted",
	   "uri":"https://mastodon.social/users/trwnh/statuses/103254962155278889","url":"https://mastodon.social/@trwnh/103254962155278889",
	   "content":"<p>Launch day! Read <a href=\"https://example.com/posts/very-long-article-name\" rel=\"nofollow noopener noreferrer\" target=\"_blank\"><span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/posts/very-long-ar</span><span class=\"invisible\">ticle-name</span></a> &amp; tell <span class=\"h-card\"><a href=\"https://mastodon.social/@ana\" class=\"u-url mention\">@<span>ana</span></a></span></p><p>second line<br />third <a href=\"https://mastodon.social/tags/go\" class=\"mention hashtag\" rel=\"tag\">#<span>go</span></a></p>"}
	]`,
		"103254962155278889": `[
	  {"id":"103254962155278888","created_at":"2019-12-05T11:34:47.196Z","visibility":"public","uri":"u","url":null,"content":"<p>Hello from SocialOmm</p>"},
	  {"id":"103254962155278887","created_at":"2019-12-05T11:20:00.000Z","visibility":"public","uri":"u2","url":"v2","content":"<p>Hello from SocialOmm</p>"}
	]`,
	}))
	a := New(nil)
	var pages [][]network.RecentPost
	err := a.RecentPosts(context.Background(), f.acct(), creds, time.Time{}, func(list []network.RecentPost) bool {
		pages = append(pages, list)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 || len(pages[0]) != 2 || len(pages[1]) != 2 {
		t.Fatalf("pages %+v", pages)
	}
	launch := pages[0][1]
	wantText := "Launch day! Read https://example.com/posts/very-long-article-name & tell @ana\n\nsecond line\nthird #go"
	if launch.Text != wantText {
		t.Errorf("Text %q\nwant %q", launch.Text, wantText)
	}
	if launch.RemoteID != "103254962155278889" || launch.URL != "https://mastodon.social/@trwnh/103254962155278889" ||
		!launch.CreatedAt.Equal(time.Date(2019, 12, 5, 11, 35, 2, 0, time.UTC)) {
		t.Errorf("launch %+v", launch)
	}
	if pages[1][0].URL != "u" || pages[1][0].Text != "Hello from SocialOmm" {
		t.Errorf("a status without url: %+v", pages[1][0])
	}

	// Looked for from 11:30: the wanted post is on page 2; the same text
	// at 11:20 is older and not taken; nothing past it is asked for.
	since := time.Date(2019, 12, 5, 11, 30, 0, 0, time.UTC)
	asked := f.hits.Load()
	found, err := network.FindRecent(context.Background(), a, f.acct(), creds, "Hello from SocialOmm", since)
	if err != nil || len(found) != 1 || found[0].RemoteID != "103254962155278888" {
		t.Fatalf("FindRecent = %+v, %v", found, err)
	}
	if n := f.hits.Load() - asked; n != 2 {
		t.Errorf("asked %d pages, want 2", n)
	}
	found, err = network.FindRecent(context.Background(), a, f.acct(), creds,
		"Launch day! Read https://example.com/posts/very-long-article-name & tell @ana\nsecond line\nthird #go\n", since)
	if err != nil || len(found) != 1 || found[0].RemoteID != "103254962155278889" {
		t.Errorf("the HTML post laid out differently: %+v, %v", found, err)
	}

	noID := f.acct()
	noID.RemoteID = ""
	if err := a.RecentPosts(context.Background(), noID, creds, since, func([]network.RecentPost) bool { return true }); err == nil {
		t.Error("no remote id accepted")
	}
	f.set(answer(200, `{"not":"a list"}`))
	if err := a.RecentPosts(context.Background(), f.acct(), creds, since, func([]network.RecentPost) bool { return true }); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("got %v", err)
	}
}
