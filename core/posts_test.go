package core

import (
	"testing"

	"github.com/socialomm/desktop/core/schedule"
)

// The scheduler publishes through publishingAdapter; a post of unknown
// outcome is looked for through the same wrapper, so it must not hide the
// network's list of recent posts (it once did, and every interrupted
// Mastodon post went to unconfirmed without being looked for).
func TestPublishingAdapterKeepsRecentPostsListing(t *testing.T) {
	e, _, _ := newTestEngine(t)
	listing := 0
	for name, ad := range e.adapters {
		_, direct := ad.(schedule.RecentLister)
		_, wrapped := schedule.ListerOf(publishingAdapter{Adapter: ad, e: e})
		if direct != wrapped {
			t.Errorf("%s: lists recent posts %v, through the publishing wrapper %v", name, direct, wrapped)
		}
		if direct {
			listing++
		}
	}
	if _, ok := schedule.ListerOf(publishingAdapter{Adapter: e.adapters["mastodon"], e: e}); !ok {
		t.Error("the Mastodon adapter's recent posts are hidden by the publishing wrapper")
	}
	if listing == 0 {
		t.Error("no adapter lists recent posts")
	}
}
