package core

import (
	"testing"

	"github.com/socialomm/desktop/core/network"
)

// The scheduler publishes through publishingAdapter; a post of unknown
// outcome is looked for through the same wrapper, so it must not hide the
// network's list of recent posts (it once did, and every interrupted
// Mastodon post went to unconfirmed without being looked for).
func TestPublishingAdapterKeepsRecentPostsListing(t *testing.T) {
	e, _, _ := newTestEngine(t)
	for name, ad := range e.adapters {
		_, direct := ad.(network.RecentPoster)
		_, wrapped := network.RecentPosterOf(publishingAdapter{Adapter: ad, e: e})
		if direct != wrapped {
			t.Errorf("%s: lists recent posts %v, through the publishing wrapper %v", name, direct, wrapped)
		}
	}
	// Every network SocialOmm posts to can list a profile's own posts.
	for _, name := range []string{"mastodon", "bluesky", "x", "linkedin", "facebook", "instagram", "threads"} {
		ad, ok := e.adapters[name]
		if !ok {
			t.Errorf("no %s adapter", name)
			continue
		}
		if _, ok := network.RecentPosterOf(publishingAdapter{Adapter: ad, e: e}); !ok {
			t.Errorf("%s: cannot look for a post of unknown outcome", name)
		}
	}
}
