package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/oauth"
)

// updateAllDialog walks every profile that needs it through its sign-in,
// one at a time: progress ("3 of 7 — @ana on Mastodon"), Skip for the
// profile being signed in, Stop for the rest, then a summary.
type updateAllDialog struct {
	s      *shell
	d      *dialog.CustomDialog
	step   *widget.Label
	status *widget.Label
	bar    *widget.ProgressBar

	mu   sync.Mutex
	skip func() // the current step's Skip
}

func (s *shell) updateAll() {
	w := s.accounts.window
	ctx, stop := context.WithCancel(context.Background())
	u := &updateAllDialog{s: s, step: widget.NewLabelWithStyle("Finding the profiles that need you…", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		status: widget.NewLabel(""), bar: widget.NewProgressBar()}
	u.status.Wrapping = fyne.TextWrapWord
	hint := widget.NewLabel("Your browser opens each profile's sign-in page in turn. Sign in as the profile named above; " +
		"where several profiles share a server, sign out between them.")
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	skip := widget.NewButtonWithIcon("Skip this profile", theme.MediaSkipNextIcon(), u.onSkip)
	stopButton := widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), stop)
	body := container.NewVBox(u.step, u.bar, u.status, hint)
	u.d = dialog.NewCustomWithoutButtons("Update all that need it", body, w)
	u.d.SetButtons([]fyne.CanvasObject{skip, stopButton})
	u.d.Resize(fyne.NewSize(520, 260))
	u.d.Show()
	in := core.SignIn{
		Open:     oauth.SystemOpener(s.logger),
		Progress: func(msg string) { fyne.Do(func() { u.status.SetText(msg) }) },
	}
	go func() {
		results, err := s.engine.UpdateAll(ctx, in, u.onStep)
		stop()
		fyne.Do(func() {
			u.d.Hide()
			s.accounts.reload()
			if err != nil {
				showProblem("Update all", core.Explain(err), w)
				return
			}
			u.showSummary(results)
			s.logger.Info("update all done", "results", len(results))
		})
	}()
}

// onStep runs on the engine's goroutine before each sign-in.
func (u *updateAllDialog) onStep(st core.UpdateAllStep) {
	u.mu.Lock()
	u.skip = st.Skip
	u.mu.Unlock()
	title := u.s.engine.Networks().Title(st.Account.Network)
	fyne.Do(func() {
		u.step.SetText(fmt.Sprintf("%d of %d — %s on %s", st.Index, st.Total, st.Account.Handle, title))
		u.bar.SetValue(float64(st.Index-1) / float64(st.Total))
		u.status.SetText("Starting…")
		u.s.logger.Info("update all", "step", st.Index, "of", st.Total)
	})
}

func (u *updateAllDialog) onSkip() {
	u.mu.Lock()
	skip := u.skip
	u.mu.Unlock()
	if skip != nil {
		skip()
	}
}

// showSummary says what was renewed, skipped, and still needs the person.
func (u *updateAllDialog) showSummary(results []core.UpdateAllResult) {
	if len(results) == 0 {
		dialog.ShowInformation("Update all", "No profile needs you: none is disconnected or expiring soon.", u.s.accounts.window)
		return
	}
	renewed, skipped, needYou := core.UpdateAllCounts(results)
	var b strings.Builder
	fmt.Fprintf(&b, "Renewed %d, skipped %d, still need you %d.\n", renewed, skipped, needYou)
	groups := []struct {
		head string
		in   func(core.UpdateAllOutcome) bool
	}{
		{"Renewed", func(o core.UpdateAllOutcome) bool { return o == core.UpdateRenewed }},
		{"Skipped", func(o core.UpdateAllOutcome) bool { return o == core.UpdateSkipped }},
		{"Still need you", func(o core.UpdateAllOutcome) bool { return o == core.UpdateRefused || o == core.UpdateFailed }},
	}
	for _, g := range groups {
		head := "\n" + g.head + ":\n"
		for _, r := range results {
			if !g.in(r.Outcome) {
				continue
			}
			b.WriteString(head)
			head = ""
			line := "• " + r.Handle
			if r.Outcome == core.UpdateRefused || r.Outcome == core.UpdateFailed {
				line += ": " + r.Message
			}
			b.WriteString(line + "\n")
		}
	}
	text := widget.NewLabel(strings.TrimSpace(b.String()))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Update all: done", "Close", container.NewVScroll(text), u.s.accounts.window)
	d.SetOnClosed(func() { u.s.offerRelease(0) })
	d.Resize(fyne.NewSize(560, 360))
	d.Show()
}
