package network

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
)

// pagedLister lists its pages in order until page says stop.
type pagedLister struct {
	pages [][]RecentPost
	read  int
}

func (l *pagedLister) RecentPosts(ctx context.Context, acct account.Account, creds Credentials, since time.Time, page func([]RecentPost) bool) error {
	for _, p := range l.pages {
		l.read++
		if !page(p) {
			return nil
		}
	}
	return nil
}

func post(id string, at time.Time, text string) RecentPost {
	return RecentPost{Published: Published{RemoteID: id, URL: "https://example.net/" + id}, Text: text, CreatedAt: at}
}

func TestFindRecent(t *testing.T) {
	since := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return since.Add(d) }
	cases := []struct {
		name      string
		pages     [][]RecentPost // newest first
		want      []string
		wantRead  int
		wantError error
	}{
		{"on page 2, white space laid out differently",
			[][]RecentPost{{post("9", at(3*time.Minute), "other")}, {post("8", at(time.Minute), "Hello\n\nworld "), post("1", at(-time.Hour), "old")}},
			[]string{"8"}, 2, nil},
		{"a post before since is ignored, and no page is read past it",
			[][]RecentPost{{post("1", at(-time.Second), "Hello world")}, {post("0", at(-time.Hour), "Hello world")}},
			nil, 1, nil},
		{"a same-text older post is not taken",
			[][]RecentPost{{post("3", at(time.Minute), "Hello world"), post("2", at(-time.Minute), "Hello world")}},
			[]string{"3"}, 1, nil},
		{"two copies: oldest first",
			[][]RecentPost{{post("b", at(2*time.Minute), "Hello world")}, {post("a", at(time.Minute), "Hello world")}},
			[]string{"a", "b"}, 2, nil},
		{"time unreadable: counts as recent", [][]RecentPost{{post("z", time.Time{}, "Hello world")}}, []string{"z"}, 1, nil},
		{"nothing listed: confident", nil, nil, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &pagedLister{pages: c.pages}
			got, err := FindRecent(t.Context(), l, account.Account{}, Credentials{}, "Hello world", since)
			if !errors.Is(err, c.wantError) {
				t.Fatalf("err = %v, want %v", err, c.wantError)
			}
			ids := []string{}
			for _, p := range got {
				ids = append(ids, p.RemoteID)
				if p.URL != "https://example.net/"+p.RemoteID {
					t.Errorf("link lost: %+v", p)
				}
			}
			if !slices.Equal(ids, append([]string{}, c.want...)) {
				t.Errorf("found %v, want %v", ids, c.want)
			}
			if l.read != c.wantRead {
				t.Errorf("read %d pages, want %d", l.read, c.wantRead)
			}
		})
	}
	t.Run("more pages since then than it reads", func(t *testing.T) {
		l := &pagedLister{}
		for i := range MaxRecentPages + 5 {
			l.pages = append(l.pages, []RecentPost{post(fmt.Sprint(i), at(time.Hour), "other")})
		}
		if _, err := FindRecent(t.Context(), l, account.Account{}, Credentials{}, "Hello world", since); !errors.Is(err, ErrTooManyRecent) {
			t.Fatalf("err = %v, want ErrTooManyRecent", err)
		}
		if l.read != MaxRecentPages {
			t.Errorf("read %d pages, want %d", l.read, MaxRecentPages)
		}
	})
}

// wrapping adds nothing to the adapter it wraps but says it wraps one.
type wrapping struct{ Adapter }

func (w wrapping) Unwrap() Adapter { return w.Adapter }

type listingAdapter struct {
	Adapter
	pagedLister
}

func TestRecentPosterOf(t *testing.T) {
	l := &listingAdapter{}
	if got, ok := RecentPosterOf(wrapping{wrapping{l}}); !ok || got != l {
		t.Errorf("through two wrappers: %v %v", got, ok)
	}
	if _, ok := RecentPosterOf(wrapping{}); ok {
		t.Error("an empty wrapper lists posts")
	}
}

func TestPublishKey(t *testing.T) {
	due := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	k := PublishKey("socialomm-1-2", due)
	if k != PublishKey("socialomm-1-2", due) || k == PublishKey("socialomm-1-3", due) {
		t.Errorf("keys: %q", k)
	}
	if got, ok := KeyDue(k); !ok || !got.Equal(due) {
		t.Errorf("KeyDue(%q) = %v %v", k, got, ok)
	}
	for _, bad := range []string{"", "socialomm-1-2", "x@", "x@soon", "x@-5"} {
		if _, ok := KeyDue(bad); ok {
			t.Errorf("KeyDue(%q) read a time", bad)
		}
	}
}
