package x_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
)

// TestRecentPosts looks for a post as after an unknown outcome, on the
// contract server's listing: the post is on page 2 (a hundred newer ones
// come first); the same words posted before the claim are not taken.
func TestRecentPosts(t *testing.T) {
	f := connect(t, true)
	ctx := context.Background()
	text := "Bread & butter <3 https://example.com/a?b=1&c=2 today"
	f.srv.AddPost(text, start.Add(-2*time.Hour))
	pub, err := f.a.Publish(ctx, f.acct, f.creds, text, "k")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		f.srv.AddPost(fmt.Sprintf("Later post %d", i), start.Add(time.Duration(i+1)*time.Second))
	}
	found, err := network.FindRecent(ctx, f.a, f.acct, f.creds, text, start.Add(-5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].RemoteID != pub.RemoteID || found[0].URL == "" {
		t.Fatalf("found %+v, want only %+v", found, pub)
	}
	if n := len(f.srv.RequestsTo("GET /2/users/2244994945/tweets")); n != 2 {
		t.Errorf("asked %d pages, want 2", n)
	}
	// Nothing made since then: the listing says so, and nothing is found.
	none, err := network.FindRecent(ctx, f.a, f.acct, f.creds, "Never posted", start.Add(-5*time.Minute))
	if err != nil || len(none) != 0 {
		t.Errorf("a post never made: %+v, %v", none, err)
	}
}
