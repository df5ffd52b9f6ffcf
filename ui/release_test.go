package ui

import (
	"testing"
	"time"

	"github.com/socialomm/desktop/core/schedule"
)

// TestReleaseFor: a post's own choice wins over the one for all.
func TestReleaseFor(t *testing.T) {
	cases := []struct {
		perPost, forAll, age string
		want                 schedule.Release
	}{
		{choiceAll, allNow, "1 day", schedule.Release{Mode: schedule.ReleaseNow}},
		{choiceAll, allKeep, "1 day", schedule.Release{Mode: schedule.ReleaseKeep}},
		{choiceAll, allSkip, "3 days", schedule.Release{Mode: schedule.ReleaseSkipOlder, OlderThan: 72 * time.Hour}},
		{choiceNow, allSkip, "1 hour", schedule.Release{Mode: schedule.ReleaseNow}},
		{choiceKeep, allNow, "", schedule.Release{Mode: schedule.ReleaseKeep}},
		{choiceSkip, allKeep, "", schedule.Release{Mode: schedule.ReleaseSkipOlder}},
	}
	for _, c := range cases {
		if got := releaseFor(c.perPost, c.forAll, c.age); got != c.want {
			t.Errorf("releaseFor(%q, %q, %q) = %+v, want %+v", c.perPost, c.forAll, c.age, got, c.want)
		}
	}
}
