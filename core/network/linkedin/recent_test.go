package linkedin_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/internal/contract"
)

// TestRecentPosts looks for a post as after an unknown outcome, on the
// contract server's listing: the post is on page 2 (a hundred newer ones
// come first); the same words posted before the claim are not taken.
func TestRecentPosts(t *testing.T) {
	f := connect(t, false)
	ctx := context.Background()
	text := "Fresh #bread (today) at 10_00, ask @ana [sic] *now*"
	f.srv.AddPost(`Fresh {hashtag|\#|bread} \(today\) at 10\_00, ask \@ana \[sic\] \*now\*`, start.Add(-2*time.Hour))
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
	if n := len(f.srv.RequestsTo("GET /rest/posts")); n != 2 {
		t.Errorf("asked %d pages, want 2", n)
	}
	// Nothing made since then: the listing says so, and nothing is found.
	none, err := network.FindRecent(ctx, f.a, f.acct, f.creds, "Never posted", start.Add(-5*time.Minute))
	if err != nil || len(none) != 0 {
		t.Errorf("a post never made: %+v, %v", none, err)
	}
}

// Without the permission to read a member's posts LinkedIn answers 403
// ACCESS_DENIED: the post cannot be looked for, but the connection, which
// still posts, is not lost.
func TestRecentPostsWithoutPermission(t *testing.T) {
	f := connect(t, false)
	f.srv.SetState(contract.ScopeLost)
	_, err := network.FindRecent(context.Background(), f.a, f.acct, f.creds, "x", start)
	if err == nil || network.ReasonOf(err) != "" || network.IsTransient(err) {
		t.Fatalf("got %v, want a plain error", err)
	}
}
