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
	listing := 0
	for name, ad := range e.adapters {
		_, direct := ad.(network.RecentPoster)
		_, wrapped := network.RecentPosterOf(publishingAdapter{Adapter: ad, e: e})
		if direct != wrapped {
			t.Errorf("%s: lists recent posts %v, through the publishing wrapper %v", name, direct, wrapped)
		}
		if direct {
			listing++
		}
	}
	if listing != len(e.adapters) {
		t.Errorf("%d of %d adapters list recent posts; every network can", listing, len(e.adapters))
	}
}
