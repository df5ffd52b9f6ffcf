package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
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
		handles := map[int64]string{}
		var ready []schedule.HeldPost
		for _, h := range held {
			a, err := s.engine.Account(ctx, h.AccountID)
			if err != nil || a.State == account.Disconnected {
				continue
			}
			handles[h.AccountID] = a.Handle
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
// that overrides it.
func (s *shell) showReleaseChoice(held []schedule.HeldPost, handles map[int64]string, now time.Time) {
	w := s.accounts.window
	intro := widget.NewLabel(fmt.Sprintf("%d post(s) waited while a profile was disconnected or SocialOmm was closed. "+
		"Choose what happens to them: nothing goes out until you do.", len(held)))
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
	rows := container.NewVBox()
	per := make([]*widget.Select, len(held))
	for i, h := range held {
		choice := widget.NewSelect([]string{choiceAll, choiceNow, choiceKeep, choiceSkip}, nil)
		choice.SetSelected(choiceAll)
		per[i] = choice
		text := widget.NewLabel(fmt.Sprintf("%s · %s · waited %s\n%s", handles[h.AccountID],
			h.DueAt.Local().Format("2 Jan 15:04"), schedule.WaitedWords(now.Sub(h.DueAt)), shortText(h.Text, 90)))
		text.Wrapping = fyne.TextWrapWord
		rows.Add(container.NewBorder(nil, nil, nil, container.NewGridWrap(fyne.NewSize(170, choice.MinSize().Height), choice), text))
		rows.Add(widget.NewSeparator())
	}
	body := container.NewBorder(
		container.NewVBox(intro, widget.NewLabelWithStyle("All at once", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			all, container.NewHBox(widget.NewLabel("      older than:"), container.NewGridWrap(fyne.NewSize(140, age.MinSize().Height), age)),
			widget.NewLabelWithStyle("Or per post", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})),
		nil, nil, nil, container.NewVScroll(rows))
	d := dialog.NewCustomConfirm("Posts that waited", "Apply", "Decide later", body, func(ok bool) {
		if !ok {
			return
		}
		choices := make([]schedule.Release, len(held))
		for i := range held {
			choices[i] = releaseFor(per[i].Selected, all.Selected, age.Selected)
		}
		go s.applyRelease(held, choices)
	}, w)
	d.Resize(fyne.NewSize(640, 520))
	d.Show()
}

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

// applyRelease runs off the UI goroutine and says what happened.
func (s *shell) applyRelease(held []schedule.HeldPost, choices []schedule.Release) {
	ctx := context.Background()
	var sum schedule.Released
	var firstErr error
	for i, h := range held {
		got, err := s.engine.ReleaseHeldPost(ctx, h, choices[i])
		if err != nil && firstErr == nil {
			firstErr = err
		}
		sum.Now, sum.Kept, sum.Skipped = sum.Now+got.Now, sum.Kept+got.Kept, sum.Skipped+got.Skipped
	}
	fyne.Do(func() {
		w := s.accounts.window
		if firstErr != nil {
			showProblem("Posts that waited", firstErr.Error(), w)
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
