package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/core/when"
)

// The held-posts choice's words.
const (
	choiceAll  = "As chosen above"
	choiceNow  = "Publish now"
	choiceKeep = "Keep its time"
	choiceSkip = "Skip it"

	allNow  = "Publish them all now"
	allKeep = "Keep their times (those in the past go now)"
	allSkip = "Skip the ones older than"
)

// ages offered for "Skip the ones older than".
var releaseAges = []struct {
	label string
	age   time.Duration
}{
	{"1 hour", time.Hour}, {"6 hours", 6 * time.Hour}, {"1 day", 24 * time.Hour},
	{"3 days", 72 * time.Hour}, {"1 week", 7 * 24 * time.Hour},
}

// offerRelease shows the posts that waited (held for accountID, every
// account when 0) together, so the person chooses what goes out, unless
// schedule.release_held is auto. Posts of profiles still disconnected are
// left out: they would only be held again.
func (s *shell) offerRelease(accountID int64) {
	go func() {
		ctx := context.Background()
		if !s.engine.ReleaseAsks(ctx) {
			return
		}
		held, err := s.engine.HeldPosts(ctx, accountID)
		if err != nil {
			s.logger.Warn("list held posts", "err", err)
			return
		}
		// One lookup per account, not per post: an agency's backlog is
		// thousands of posts over a few hundred profiles.
		handles := map[int64]string{}
		skip := map[int64]bool{}
		var ready []schedule.HeldPost
		for _, h := range held {
			if skip[h.AccountID] {
				continue
			}
			if _, ok := handles[h.AccountID]; !ok {
				a, err := s.engine.Account(ctx, h.AccountID)
				if err != nil || a.State == account.Disconnected {
					skip[h.AccountID] = true
					continue
				}
				handles[h.AccountID] = a.Handle
			}
			ready = append(ready, h)
		}
		if len(ready) == 0 {
			return
		}
		now := s.engine.Now()
		fyne.Do(func() {
			s.showReleaseChoice(ready, handles, now)
			s.logger.Info("held posts wait for a choice", "count", len(ready))
		})
	}()
}

// showReleaseChoice is the dialog: one choice for all, and one per post
// that overrides it. The posts are a list that draws only the rows on
// screen: a backlog of thousands (5,000 seeded profiles held 30,000) laid
// out as one box kept the UI goroutine busy for minutes.
func (s *shell) showReleaseChoice(held []schedule.HeldPost, handles map[int64]string, now time.Time) {
	w := s.accounts.window
	intro := widget.NewLabel(releaseIntro(len(held)))
	intro.Wrapping = fyne.TextWrapWord
	age := widget.NewSelect(nil, nil)
	for _, a := range releaseAges {
		age.Options = append(age.Options, a.label)
	}
	age.SetSelected("1 day")
	all := widget.NewRadioGroup([]string{allNow, allKeep, allSkip}, func(v string) {
		if v == allSkip {
			age.Enable()
		} else {
			age.Disable()
		}
	})
	all.Required = true
	all.SetSelected(allKeep)
	per := make([]string, len(held)) // each post's own choice; "" follows the one for all
	format := when.In(now, time.Local)
	rows := widget.NewList(func() int { return len(held) },
		func() fyne.CanvasObject { return newHeldRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			h := held[i]
			o.(*heldRow).show(fmt.Sprintf("%s · %s · waited %s", handles[h.AccountID], format.Compact(h.DueAt),
				schedule.WaitedWords(now.Sub(h.DueAt))), shortText(h.Text, 90), per[i], func(v string) { per[i] = v })
		})
	body := container.NewBorder(
		container.NewVBox(intro, widget.NewLabelWithStyle("All at once", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			// The age sits beside "Skip the ones older than", the radio's
			// last line, which it completes: a line of its own left the
			// posts' list room for barely two rows.
			container.NewHBox(all, container.NewVBox(layout.NewSpacer(),
				container.NewGridWrap(fyne.NewSize(140, age.MinSize().Height), age))),
			widget.NewLabelWithStyle("Or per post", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})),
		nil, nil, nil, rows)
	d := dialog.NewCustomConfirm("Posts that waited", "Apply", "Decide later", body, func(ok bool) {
		if !ok {
			return
		}
		choices := make([]schedule.Release, len(held))
		for i := range held {
			choices[i] = releaseFor(per[i], all.Selected, age.Selected)
		}
		go s.applyRelease(held, choices)
	}, w)
	d.Resize(fyne.NewSize(640, 520))
	d.Show()
}

// releaseIntro heads the held-posts dialog.
func releaseIntro(n int) string {
	what := notify.Count(n) + " posts"
	if n == 1 {
		what = "1 post"
	}
	return what + " waited while a profile was disconnected or SocialOmm was closed. " +
		"Choose what happens to them: nothing goes out until you do."
}

// heldRow is one held post in the dialog: who, when and how long it
// waited, its first words, and its own choice.
type heldRow struct {
	widget.BaseWidget
	head    *widget.RichText
	text    *widget.Label
	choice  *widget.Select
	content fyne.CanvasObject
}

func newHeldRow() *heldRow {
	r := &heldRow{head: newSecondaryText("", fyne.TextAlignLeading, fyne.TextStyle{}), text: widget.NewLabel(""),
		choice: widget.NewSelect([]string{choiceAll, choiceNow, choiceKeep, choiceSkip}, nil)}
	r.head.Truncation = fyne.TextTruncateEllipsis
	r.text.Truncation = fyne.TextTruncateEllipsis
	r.content = container.NewBorder(nil, nil, nil,
		container.NewCenter(container.NewGridWrap(fyne.NewSize(170, r.choice.MinSize().Height), r.choice)),
		container.New(layout.NewCustomPaddedVBoxLayout(0), r.head, r.text))
	r.ExtendBaseWidget(r)
	return r
}

// show fills a (reused) row; chosen is the post's own choice, "" for the
// one for all; set keeps a new one.
func (r *heldRow) show(head, text, chosen string, set func(string)) {
	setSecondaryText(r.head, head)
	r.text.SetText(text)
	r.choice.OnChanged = nil // the row is reused: no echo into another post
	if chosen == "" {
		chosen = choiceAll
	}
	r.choice.SetSelected(chosen)
	r.choice.OnChanged = set
}

func (r *heldRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

// releaseFor turns the dialog's choices for one post into a Release.
func releaseFor(perPost, forAll, ageLabel string) schedule.Release {
	switch perPost {
	case choiceNow:
		return schedule.Release{Mode: schedule.ReleaseNow}
	case choiceKeep:
		return schedule.Release{Mode: schedule.ReleaseKeep}
	case choiceSkip:
		// Older than nothing: skipped whatever its age.
		return schedule.Release{Mode: schedule.ReleaseSkipOlder}
	}
	switch forAll {
	case allNow:
		return schedule.Release{Mode: schedule.ReleaseNow}
	case allSkip:
		for _, a := range releaseAges {
			if a.label == ageLabel {
				return schedule.Release{Mode: schedule.ReleaseSkipOlder, OlderThan: a.age}
			}
		}
	}
	return schedule.Release{Mode: schedule.ReleaseKeep}
}

// applyRelease runs off the UI goroutine and says what happened: every
// choice in one transaction, so all are decided or none.
func (s *shell) applyRelease(held []schedule.HeldPost, choices []schedule.Release) {
	sum, err := s.engine.ReleaseHeldPosts(context.Background(), held, choices)
	fyne.Do(func() {
		w := s.accounts.window
		if err != nil {
			showProblem("Posts that waited", "Nothing was changed ("+core.Explain(err)+"). The posts stay held: "+
				"choose again after the next Update, or with `socialomm posts release`.", w)
			return
		}
		dialog.ShowInformation("Posts that waited", fmt.Sprintf("%d going out now, %d keep their time, %d skipped (the Queue says so).",
			sum.Now, sum.Kept, sum.Skipped), w)
	})
}

func shortText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
