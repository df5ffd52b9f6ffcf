package core

import (
	"context"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
)

// TestLifespanCountsFromTheStoredSignIn: the sign-in time the lifespan
// counts from is stored on the account by connect and Update, and the
// activity log's words do not move it.
func TestLifespanCountsFromTheStoredSignIn(t *testing.T) {
	e, clk, _ := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok"})
	if a.SignedInAt == nil || !a.SignedInAt.Equal(start) {
		t.Fatalf("connect stored sign-in %v, want %v", a.SignedInAt, start)
	}

	// A log line that reads like a sign-in is no sign-in.
	clk.Advance(10 * 24 * time.Hour)
	if err := e.store.LogActivity(ctx, a.ID, "connected", msgReconnected); err != nil {
		t.Fatal(err)
	}
	a, _ = e.Account(ctx, a.ID)
	if got := e.signedInAt(ctx, a); !got.Equal(start) {
		t.Fatalf("after a log line: signed in at %v, want %v", got, start)
	}

	// Update (a fresh sign-in of the same profile) moves it.
	a = connect(t, e, "ana", network.Credentials{AccessToken: "tok2"})
	if got := e.signedInAt(ctx, a); !got.Equal(clk.Now()) {
		t.Fatalf("after Update: signed in at %v, want %v", got, clk.Now())
	}
}
