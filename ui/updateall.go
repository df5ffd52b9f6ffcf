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
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/oauth"
)

// updateAllDialog walks every profile that needs it through its sign-in,
// one at a time: progress ("3 of 7 — @ana on Mastodon"), Skip for the
// profile being signed in, Stop for the rest, then a summary.
type updateAllDialog struct {
	s      *shell
	w      fyne.Window // the Accounts window, where it shows
	d      *dialog.CustomDialog
	step   *widget.Label
	status *widget.Label
	bar    *widget.ProgressBar

	stop context.CancelFunc // Stop: ends the walk

	mu   sync.Mutex
	skip func() // the current step's Skip
}

func (s *shell) updateAll() { s.runUpdateAll(s.accounts.window, s.accounts.reload) }

// runUpdateAll is Update all over w; reload shows the accounts again after.
func (s *shell) runUpdateAll(w fyne.Window, reload func()) {
	ctx, stop := context.WithCancel(context.Background())
	u := &updateAllDialog{s: s, w: w, step: widget.NewLabelWithStyle("Finding the profiles that need you…", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		status: widget.NewLabel(""), bar: widget.NewProgressBar(), stop: stop}
	u.status.Wrapping = fyne.TextWrapWord
	hint := newSecondaryText("Your browser opens each profile's sign-in page in turn. Sign in as the profile named above; "+
		"where several profiles share a server, sign out between them.", fyne.TextAlignLeading, fyne.TextStyle{})
	hint.Wrapping = fyne.TextWrapWord
	skip := widget.NewButtonWithIcon("Skip this profile", theme.MediaSkipNextIcon(), u.onSkip)
	stopButton := u.stopButton()
	body := container.NewVBox(u.step, u.bar, u.status, hint)
	u.d = dialog.NewCustomWithoutButtons("Update all that need it", body, w)
	u.d.SetButtons([]fyne.CanvasObject{skip, stopButton})
	u.d.Resize(fyne.NewSize(520, 260))
	u.d.Show()
	in := core.SignIn{
		Open:     oauth.SystemOpener(s.logger),
		Progress: func(msg string) { fyne.Do(func() { u.status.SetText(msg) }) },
		// One app password or pasted address per profile, asked when its
		// turn comes.
		AskAppPassword: u.askAppPassword,
		Paste:          u.askPaste,
	}
	go func() {
		results, err := s.engine.UpdateAll(ctx, in, u.onStep)
		stop()
		fyne.Do(func() {
			u.d.Hide()
			reload()
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

// askAppPassword runs on the engine's goroutine: over the progress it
// asks for the app password of the profile whose turn it is, and waits.
// "Skip this profile" declines; Stop, or the progress's Skip, closes it.
func (u *updateAllDialog) askAppPassword(ctx context.Context, a account.Account) (string, error) {
	n, _ := u.s.engine.Networks().Lookup(a.Network)
	field := core.FormField{Label: "App password"}
	for _, f := range n.Form {
		if f.Secret && f.Update {
			field = f
		}
	}
	title := field.Label + " for " + a.Handle
	answer := make(chan string, 1)
	var d *dialog.CustomDialog
	fyne.Do(func() {
		w := u.w
		entry := widget.NewPasswordEntry()
		entry.SetPlaceHolder(field.Placeholder)
		text := a.Handle + " on " + n.Title + " signs in again with a new " + strings.ToLower(field.Label) + "."
		if field.Hint != "" {
			text += " " + field.Hint
		}
		intro := widget.NewLabel(text)
		intro.Wrapping = fyne.TextWrapWord
		reconnect := widget.NewButtonWithIcon("Reconnect", theme.ConfirmIcon(), nil)
		reconnect.Importance = widget.HighImportance
		reconnect.Disable()
		skip := widget.NewButtonWithIcon("Skip this profile", theme.MediaSkipNextIcon(), nil)
		d = dialog.NewCustomWithoutButtons(title, container.NewVBox(intro, entry), w)
		answerWith := func(v string) {
			d.Hide()
			offer(answer, v)
		}
		reconnect.OnTapped = func() { answerWith(entry.Text) }
		skip.OnTapped = func() { answerWith("") }
		entry.OnChanged = func(v string) {
			if v == "" {
				reconnect.Disable()
			} else {
				reconnect.Enable()
			}
		}
		entry.OnSubmitted = func(v string) {
			if v != "" {
				answerWith(v)
			}
		}
		d.SetButtons([]fyne.CanvasObject{u.stopButton(), skip, reconnect})
		d.Resize(fyne.NewSize(480, 1)) // as tall as its content
		d.Show()
		w.Canvas().Focus(entry)
		u.s.logger.Info("update all asks", "question", "app password", "account", a.ID)
		u.s.logDialog(title, text)
	})
	select {
	case v := <-answer:
		if v == "" {
			return "", core.Skip("no " + strings.ToLower(field.Label) + " was given, so nothing was changed")
		}
		return v, nil
	case <-ctx.Done():
		fyne.Do(func() { d.Hide() })
		return "", ctx.Err()
	}
}

// askPaste runs on the engine's goroutine once it has opened the paste
// sign-in's page: the same steps as a single Update, with "Skip this
// profile" instead of Cancel, and waits for the address.
func (u *updateAllDialog) askPaste(ctx context.Context, p *core.PasteSignIn) (string, error) {
	info, _ := keyedInfo(u.s.engine, p.Network)
	title := "Update " + p.Title
	if a, ok := p.Updating(); ok {
		title = "Update " + a.Handle
	}
	answer := make(chan string, 1)
	var pd *pasteDialog
	fyne.Do(func() {
		w := u.w
		pd = newPasteDialog(info, p, title, nil, w)
		answerWith := func(v string) {
			pd.d.Hide()
			offer(answer, v)
		}
		pd.cancel.SetText("Skip this profile")
		pd.cancel.OnTapped = func() { answerWith("") }
		pd.onContinue(func() { answerWith(strings.TrimSpace(pd.address.Text)) })
		pd.d.SetButtons([]fyne.CanvasObject{u.stopButton(), pd.cancel, pd.cont})
		pd.show(w)
		u.s.logger.Info("update all asks", "question", "pasted address", "network", p.Network)
		u.s.logDialog(title, pasteSteps(p.RedirectURI))
	})
	select {
	case v := <-answer:
		if v == "" {
			return "", core.Skip("no address was pasted, so nothing was changed")
		}
		return v, nil
	case <-ctx.Done():
		fyne.Do(func() { pd.d.Hide() })
		return "", ctx.Err()
	}
}

// stopButton is Stop on a question, which covers the progress's own.
func (u *updateAllDialog) stopButton() *widget.Button {
	return widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), u.stop)
}

// offer hands an answer on once: a second tap finds the answer taken.
func offer(answer chan<- string, v string) {
	select {
	case answer <- v:
	default:
	}
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
		dialog.ShowInformation("Update all", "No profile needs you: none is disconnected or expiring soon.", u.w)
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
	d := dialog.NewCustom("Update all: done", "Close", container.NewVScroll(text), u.w)
	d.SetOnClosed(func() { u.s.offerRelease(0) })
	d.Resize(fyne.NewSize(560, 360))
	d.Show()
	u.s.logDialog("Update all: done", text.Text)
}
