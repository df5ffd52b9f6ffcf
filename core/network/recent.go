package network

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
)

// RecentPost is one of a profile's own posts as its network lists it.
type RecentPost struct {
	Published
	// Text is the post's words as the person wrote them, as far as the
	// network gives them back: the adapter undoes what the network did to
	// them (HTML, shortened links, escapes).
	Text string
	// CreatedAt is when the network says the post was made; zero when it
	// gave no readable time.
	CreatedAt time.Time
}

// RecentPoster is implemented by adapters that can list a profile's own
// posts, which is how a post whose publish outcome is unknown is found
// before anything is sent again.
type RecentPoster interface {
	// RecentPosts hands the profile's own posts to page, newest first, one
	// page of the network's listing at a time, until page returns false or
	// the network has no more. since is when the posts of interest begin: an
	// adapter may ask the network for nothing older, but page decides when
	// to stop.
	RecentPosts(ctx context.Context, acct account.Account, creds Credentials, since time.Time, page func([]RecentPost) (more bool)) error
}

// RecentPosterOf finds the RecentPoster in ad, looking through adapters
// that wrap another one (they say so with Unwrap), so a wrapper that adds
// behaviour to Publish does not hide the network's list of posts.
func RecentPosterOf(ad Adapter) (RecentPoster, bool) {
	for ad != nil {
		if l, ok := ad.(RecentPoster); ok {
			return l, true
		}
		w, ok := ad.(interface{ Unwrap() Adapter })
		if !ok {
			return nil, false
		}
		ad = w.Unwrap()
	}
	return nil, false
}

// MaxRecentPages bounds how many pages FindRecent reads: a profile that
// posted more than that since is not searched to the end.
const MaxRecentPages = 50

// ErrTooManyRecent means the profile made more posts since the time asked
// about than FindRecent reads, so it cannot say the post is not there.
var ErrTooManyRecent = errors.New("more posts were made since then than SocialOmm can look through")

// FindRecent pages through the profile's posts back to since and returns
// those carrying text (SameText), oldest first. An empty list means the
// network listed everything since then and none matched. A post without a
// readable time counts as recent: better found than sent twice.
func FindRecent(ctx context.Context, rp RecentPoster, acct account.Account, creds Credentials, text string, since time.Time) ([]Published, error) {
	var found []RecentPost
	pages, reachedBack := 0, false
	err := rp.RecentPosts(ctx, acct, creds, since, func(list []RecentPost) bool {
		pages++
		for _, p := range list {
			if !p.CreatedAt.IsZero() && p.CreatedAt.Before(since) {
				reachedBack = true
				continue
			}
			if SameText(p.Text, text) {
				found = append(found, p)
			}
		}
		return !reachedBack && pages < MaxRecentPages
	})
	if err != nil {
		return nil, err
	}
	if len(found) == 0 && !reachedBack && pages >= MaxRecentPages {
		return nil, fmt.Errorf("%w (%d pages)", ErrTooManyRecent, pages)
	}
	slices.SortStableFunc(found, func(x, y RecentPost) int { return x.CreatedAt.Compare(y.CreatedAt) })
	out := make([]Published, len(found))
	for i, p := range found {
		out[i] = p.Published
	}
	return out, nil
}

// SameText reports whether a listed post carries text, ignoring how white
// space was laid out (networks trim it, and turn new lines into paragraphs).
func SameText(listed, text string) bool {
	return strings.Join(strings.Fields(listed), " ") == strings.Join(strings.Fields(text), " ")
}

// PublishKey makes the idempotency key of one target's publish from name
// (stable and unique per target) and when the target was due: the same
// for every attempt. The due time is in the key for networks whose record
// keys are times (a Bluesky record key is a timestamp identifier), so a
// key they derive sorts near the post's own time.
func PublishKey(name string, due time.Time) string {
	return name + "@" + strconv.FormatInt(due.Unix(), 10)
}

// KeyDue returns the due time PublishKey put into key.
func KeyDue(key string) (time.Time, bool) {
	i := strings.LastIndexByte(key, '@')
	if i < 0 {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(key[i+1:], 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, 0).UTC(), true
}
