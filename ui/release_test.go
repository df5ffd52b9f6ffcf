package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

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

// TestHeldPostsChoiceDrawsOnlyTheRowsOnScreen: a backlog of 20,000 held
// posts opens as a list that builds the rows on screen only (one box of
// 20,000 rows kept the UI goroutine busy for minutes), and a post's own
// choice stays with that post when its row is reused for another.
func TestHeldPostsChoiceDrawsOnlyTheRowsOnScreen(t *testing.T) {
	app := test.NewTempApp(t)
	w := app.NewWindow("SocialOmm — Accounts")
	w.Resize(fyne.NewSize(880, 640))
	t.Cleanup(w.Close)
	sh := &shell{app: app, accounts: &accountsScreen{window: w}}
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	held := make([]schedule.HeldPost, 20000)
	for i := range held {
		held[i] = schedule.HeldPost{TargetID: int64(i + 1), PostID: int64(i + 1), AccountID: int64(i%300 + 1),
			DueAt: now.Add(-time.Duration(i+1) * time.Minute), Text: fmt.Sprintf("Post number %d", i+1)}
	}
	handles := map[int64]string{}
	for i := 1; i <= 300; i++ {
		handles[int64(i)] = fmt.Sprintf("@client%d@example.org", i)
	}
	sh.showReleaseChoice(held, handles, now)

	top := w.Canvas().Overlays().Top()
	if top == nil || !hasText(shown(t, top), releaseIntro(len(held))) {
		t.Fatal("the held-posts dialog is not shown with its count")
	}
	var list *widget.List
	var rows []*heldRow
	walkObjects(t, top, func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.List:
			list = v
		case *heldRow:
			rows = append(rows, v)
		}
	})
	if list == nil {
		t.Fatal("the posts are not in a list")
	}
	if len(rows) == 0 || len(rows) > 60 {
		t.Fatalf("%d post rows built for 20,000 posts, want only the few on screen", len(rows))
	}
	first := rows[0]
	if !strings.HasPrefix(first.text.Text, "Post number 1") || first.choice.Selected != choiceAll {
		t.Fatalf("the first row shows %q, %q", first.text.Text, first.choice.Selected)
	}
	first.choice.SetSelected(choiceSkip)
	list.ScrollToBottom()
	list.ScrollToTop()
	rows = rows[:0]
	walkObjects(t, top, func(o fyne.CanvasObject) {
		if r, ok := o.(*heldRow); ok && r.Visible() {
			rows = append(rows, r)
		}
	})
	choices := map[string]string{}
	for _, r := range rows {
		choices[r.text.Text] = r.choice.Selected
	}
	if choices["Post number 1"] != choiceSkip {
		t.Errorf("post 1's own choice after scrolling away and back: %q, want %q", choices["Post number 1"], choiceSkip)
	}
	for text, c := range choices {
		if text != "Post number 1" && c != choiceAll {
			t.Errorf("%s took another post's choice: %q", text, c)
		}
	}
}

// Thousands are grouped in the held-posts dialog's first line, as in the
// Accounts window's count ("5,000 profiles"): an agency's backlog is large.
func TestReleaseIntroGroupsThousands(t *testing.T) {
	for n, want := range map[int]string{1: "1 post waited", 2: "2 posts waited", 31833: "31,833 posts waited", 1000000: "1,000,000 posts waited"} {
		if got := releaseIntro(n); !strings.HasPrefix(got, want) {
			t.Errorf("releaseIntro(%d) = %q, want it to start %q", n, got, want)
		}
	}
}
