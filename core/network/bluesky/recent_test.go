package bluesky

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
)

// TestRecentPosts pages listRecords with its cursor, as the lexicon
// com.atproto.repo.listRecords documents (records of uri, cid and value;
// a cursor while more remain).
func TestRecentPosts(t *testing.T) {
	f := newFakePDS(t)
	record := func(rkey, text, at string) map[string]any {
		return map[string]any{"uri": "at://" + testDID + "/app.bsky.feed.post/" + rkey, "cid": "bafyreib2rxk3rh6kzwq",
			"value": map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": at}}
	}
	f.on("com.atproto.repo.listRecords", func(w http.ResponseWriter, r recorded) {
		q, _ := url.ParseQuery(r.query)
		if q.Get("repo") != testDID || q.Get("collection") != "app.bsky.feed.post" || q.Get("limit") != "100" || r.auth != "Bearer access-token" {
			t.Errorf("asked %s (%s)", r.query, r.auth)
		}
		switch q.Get("cursor") {
		case "":
			writeJSON(w, 200, map[string]any{"cursor": "3mgaab2", "records": []any{
				record("3mgaab4", "Something else", "2026-03-01T12:04:00.000Z"),
				record("3mgaab3", "Later the same", "2026-03-01T12:03:00.000Z"),
			}})
		case "3mgaab2":
			writeJSON(w, 200, map[string]any{"cursor": "3mgaab0", "records": []any{
				record("3mgaab2", "Hello  Bluesky", "2026-03-01T12:02:00.000Z"),
				record("3mgaab1", "Hello Bluesky", "2026-03-01T11:00:00.000Z"),
			}})
		default:
			writeJSON(w, 200, map[string]any{"records": []any{record("3mgaab0", "Hello Bluesky", "2026-02-01T11:00:00.000Z")}})
		}
	})
	a := New(nil)
	creds := network.Credentials{AccessToken: "access-token"}
	var pages [][]network.RecentPost
	if err := a.RecentPosts(context.Background(), f.account(), creds, time.Time{}, func(list []network.RecentPost) bool {
		pages = append(pages, list)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 || len(pages[0]) != 2 || pages[1][0].Text != "Hello  Bluesky" ||
		!pages[1][0].CreatedAt.Equal(time.Date(2026, 3, 1, 12, 2, 0, 0, time.UTC)) ||
		pages[1][0].RemoteID != "at://"+testDID+"/app.bsky.feed.post/3mgaab2" || pages[1][0].URL == "" {
		t.Fatalf("pages %+v", pages)
	}

	// From 12:00: found on page 2; the same words at 11:00 are older and
	// not taken; the third page is never asked for.
	asked := len(f.calls("com.atproto.repo.listRecords"))
	found, err := network.FindRecent(context.Background(), a, f.account(), creds, "Hello Bluesky", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if err != nil || len(found) != 1 || found[0].RemoteID != "at://"+testDID+"/app.bsky.feed.post/3mgaab2" {
		t.Fatalf("FindRecent = %+v, %v", found, err)
	}
	if n := len(f.calls("com.atproto.repo.listRecords")) - asked; n != 2 {
		t.Errorf("asked %d pages, want 2", n)
	}
}
