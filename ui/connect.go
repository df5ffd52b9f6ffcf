package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/oauth"
)

// wireAccountActions connects the Accounts window's actions to the engine.
func (s *shell) wireAccountActions() {
	a := s.accounts
	a.onConnect = func(network string) {
		n, _ := s.engine.Networks().Lookup(network)
		switch n.SignIn {
		case core.SignInLoopback:
			s.runSignIn("Connecting to "+n.Title, func(ctx context.Context, in core.SignIn) (account.Account, error) {
				return s.engine.Connect(ctx, network, nil, in)
			}, "connected")
		case core.SignInPaste:
			info, _ := keyedInfo(s.engine, network)
			s.pasteSignIn(info, nil)
		default:
			s.askSignInForm(n, nil)
		}
	}
	a.onSetup = s.showNetworkSetup
	a.needsSetup = func(ctx context.Context) map[string]bool {
		missing := map[string]bool{}
		for _, n := range s.engine.KeyedNetworks() {
			if s.engine.NetworkKeysProblem(ctx, n.Name) != nil {
				missing[n.Name] = true
			}
		}
		return missing
	}
	a.onUpdate = s.update
	a.onUpdateAll = s.updateAll
	a.onCheck = s.check
	a.onRemove = s.confirmRemove
}

// keyedInfo is what the person needs to know of a network that takes
// their own app keys.
func keyedInfo(e *core.Engine, network string) (core.NetworkInfo, bool) {
	for _, n := range e.KeyedNetworks() {
		if n.Name == network {
			return n, true
		}
	}
	return core.NetworkInfo{}, false
}

// askSignInForm asks what the network's sign-in form asks (a server; a
// handle and an app password), then signs in. For an update it asks only
// what must be given again (a new app password).
func (s *shell) askSignInForm(n core.NetworkEntry, existing *account.Account) {
	w := s.accounts.window
	var items []*widget.FormItem
	var fields []core.FormField
	var entries []*widget.Entry
	focus := -1
	identity := true
	for _, f := range n.Form {
		if existing != nil && f.Advanced {
			continue
		}
		e := widget.NewEntry()
		if f.Secret {
			e = widget.NewPasswordEntry()
		}
		e.SetPlaceHolder(f.Placeholder)
		if !f.Optional || f.Check != nil {
			f := f
			e.Validator = func(v string) error {
				if !f.Optional && f.Empty != "" && strings.TrimSpace(v) == "" {
					return errors.New(f.Empty)
				}
				return f.Validate(v)
			}
		}
		if existing != nil && !f.Update && identity {
			// The profile being updated is the one signed in to.
			e.SetText(strings.TrimPrefix(existing.Handle, "@"))
			e.Disable()
			identity = false
		} else if focus < 0 {
			focus = len(entries)
		}
		item := widget.NewFormItem(f.Label, e)
		item.HintText = f.Hint
		items, fields, entries = append(items, item), append(fields, f), append(entries, e)
	}
	title, action := n.FormTitle, "Connect"
	if title == "" {
		title = "Connect a " + n.Title + " profile"
	}
	if n.SignIn.Browser() {
		action = "Continue in browser"
	}
	if existing != nil {
		title, action = "Update "+existing.Handle, "Reconnect"
	}
	d := dialog.NewForm(title, action, "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		values := map[string]string{}
		secret := ""
		for i, f := range fields {
			values[f.Key] = entries[i].Text
			if f.Secret && f.Update {
				secret = entries[i].Text
			}
		}
		if existing != nil {
			id := existing.ID
			s.runSignIn("Updating "+existing.Handle, func(ctx context.Context, in core.SignIn) (account.Account, error) {
				in.AppPassword = secret
				return s.engine.Update(ctx, id, in)
			}, "reconnected")
			return
		}
		first := ""
		if len(entries) > 0 {
			first = entries[0].Text
		}
		progress := "Connecting " + first
		if n.SignIn.Browser() {
			progress = "Connecting to " + first
		}
		name := n.Name
		s.runSignIn(progress, func(ctx context.Context, in core.SignIn) (account.Account, error) {
			return s.engine.Connect(ctx, name, values, in)
		}, "connected")
	}, w)
	if len(items) > 1 {
		d.Resize(fyne.NewSize(520, 340))
	} else {
		d.Resize(fyne.NewSize(480, 220))
	}
	d.Show()
	s.logDialog(title, "")
	if focus >= 0 {
		w.Canvas().Focus(entries[focus])
	}
}

func (s *shell) update(a account.Account) {
	n, _ := s.engine.Networks().Lookup(a.Network)
	switch n.SignIn {
	case core.SignInAppPassword:
		s.askSignInForm(n, &a)
		return
	case core.SignInPaste:
		info, _ := keyedInfo(s.engine, a.Network)
		s.pasteSignIn(info, &a)
		return
	}
	s.runSignIn("Updating "+a.Handle, func(ctx context.Context, in core.SignIn) (account.Account, error) {
		return s.engine.Update(ctx, a.ID, in)
	}, "reconnected")
}

// runSignIn shows the browser flow's progress with a Cancel button while the
// engine works off the UI goroutine.
func (s *shell) runSignIn(title string, run func(context.Context, core.SignIn) (account.Account, error), done string) {
	w := s.accounts.window
	ctx, cancel := context.WithCancel(context.Background())
	status := widget.NewLabel("Starting…")
	status.Wrapping = fyne.TextWrapWord
	bar := widget.NewProgressBarInfinite()
	hint := newSecondaryText("Your browser opens the network's own sign-in page. SocialOmm waits up to 5 minutes.",
		fyne.TextAlignLeading, fyne.TextStyle{})
	hint.Wrapping = fyne.TextWrapWord
	progress := dialog.NewCustom(title, "Cancel", container.NewVBox(status, bar, hint), w)
	progress.SetOnClosed(cancel)
	progress.Resize(fyne.NewSize(480, 200))
	progress.Show()
	in := core.SignIn{
		Open:     oauth.SystemOpener(s.logger),
		Progress: func(msg string) { fyne.Do(func() { status.SetText(msg) }) },
	}
	go func() {
		a, err := run(ctx, in)
		cancelled := ctx.Err() != nil
		cancel()
		fyne.Do(func() {
			progress.Hide()
			switch {
			case err == nil:
				text := fmt.Sprintf("%s is %s. %s", a.Handle, done, stateSentence(a, s.engine.Now()))
				info := dialog.NewInformation("Profile "+done, text, w)
				// Posts held while it was disconnected wait for a choice.
				info.SetOnClosed(func() { s.offerRelease(a.ID) })
				info.Show()
				s.logDialog("Profile "+done, text)
			case cancelled && errors.Is(err, oauth.ErrCancelled):
				// The person pressed Cancel: nothing to add.
			default:
				s.showConnectProblem(err)
			}
		})
	}()
}

func (s *shell) check(a account.Account) {
	s.accounts.markChecking(a.ID)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		checked, err := s.engine.Check(ctx, a.ID)
		fyne.Do(func() {
			s.accounts.reload()
			if err != nil {
				showProblem("Could not check "+a.Handle, core.Explain(err), s.accounts.window)
				return
			}
			dialog.ShowInformation("Checked "+a.Handle, stateSentence(checked, s.engine.Now()), s.accounts.window)
		})
	}()
}

// stateSentence says in words where an account stands after a check.
func stateSentence(a account.Account, now time.Time) string {
	switch {
	case a.State == account.Disconnected:
		return "Access is lost: " + a.Reason.Describe() + " Choose ⋯ → Update to reconnect."
	case a.LastError != "":
		return a.LastError
	}
	return "Access works. " + expiryLine(a, now) + "."
}

func (s *shell) confirmRemove(a account.Account) {
	w := s.accounts.window
	go func() {
		queued, _ := s.engine.QueuedPosts(context.Background(), a.ID)
		fyne.Do(func() {
			msg := fmt.Sprintf("SocialOmm will give up its access to %s at the network where it can, and delete its sign-in from this computer.", a.Handle)
			switch queued {
			case 0:
				msg += "\n\nNo posts are waiting for this profile."
			case 1:
				msg += "\n\n1 queued post for this profile will not be sent; posts to your other profiles still go out."
			default:
				msg += fmt.Sprintf("\n\n%d queued posts for this profile will not be sent; posts to your other profiles still go out.", queued)
			}
			text := widget.NewLabel(msg)
			text.Wrapping = fyne.TextWrapWord
			d := dialog.NewCustomConfirm("Remove "+a.Handle+"?", "Remove", "Keep", text, func(ok bool) {
				if ok {
					s.remove(a)
				}
			}, w)
			d.Resize(fyne.NewSize(460, 240))
			d.Show()
			s.logDialog("Remove "+a.Handle+"?", "")
		})
	}()
}

func (s *shell) remove(a account.Account) {
	w := s.accounts.window
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		report, err := s.engine.Remove(ctx, a.ID)
		fyne.Do(func() {
			if err != nil {
				showProblem("Could not remove "+a.Handle, core.Explain(err), w)
				return
			}
			if report.RevokeNote != "" {
				dialog.ShowInformation("Removed "+a.Handle, "The account was removed. "+report.RevokeNote, w)
			}
		})
	}()
}

// showProblem shows an error in plain words with a wrapped label, since
// Fyne's error dialog does not wrap long sentences.
func showProblem(title, msg string, w fyne.Window) {
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(title, "OK", text, w)
	d.Resize(fyne.NewSize(460, 200))
	d.Show()
}

// showNetworkSetup opens Settings on a network's section, where its app
// keys go.
func (s *shell) showNetworkSetup(network string) {
	s.showSettings()
	if w, ok := s.others["Settings"]; ok {
		showNetworkSection(w.Content(), network)
	}
}

// showConnectProblem shows why connecting failed; missing app keys get a
// button to their Settings section.
func (s *shell) showConnectProblem(err error) {
	w := s.accounts.window
	var nk *core.NeedsKeysError
	if !errors.As(err, &nk) {
		showProblem("Could not connect", core.Explain(err), w)
		s.logDialog("Could not connect", core.Explain(err))
		return
	}
	text := widget.NewLabel(core.Explain(err))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(nk.Network.Title+" needs setup", "Open Settings", "Close", text, func(ok bool) {
		if ok {
			s.showNetworkSetup(nk.Network.Name)
		}
	}, w)
	d.Resize(fyne.NewSize(480, 240))
	d.Show()
}

// pasteSignIn connects (or, with existing, updates) a Facebook Page,
// Instagram or Threads profile. Meta sends the sign-in only to an https
// address, not back to SocialOmm: the network's page opens in the browser,
// and the person copies the address the browser ends on into the dialog.
func (s *shell) pasteSignIn(info core.NetworkInfo, existing *account.Account) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var p *core.PasteSignIn
		var err, openErr error
		if existing != nil {
			p, err = s.engine.StartPasteUpdate(ctx, existing.ID)
		} else {
			p, err = s.engine.StartPaste(ctx, info.Name)
		}
		if err == nil {
			openErr = oauth.SystemOpener(s.logger)(ctx, p.URL)
		}
		fyne.Do(func() {
			if err != nil {
				s.showConnectProblem(err)
				return
			}
			s.showPasteDialog(info, p, existing, openErr)
		})
	}()
}

// pasteSteps is what the paste dialog asks the person to do.
func pasteSteps(redirectURI string) string {
	return "1. Sign in on the page that opened in your browser.\n" +
		"2. When the browser shows an address starting with " + redirectURI +
		" (a page that does not load), copy that whole address here."
}

// pasteDialog asks for the address the browser ended on: the steps, the
// address, a link to copy, and Cancel and Continue, whose actions the
// caller sets.
type pasteDialog struct {
	d       *dialog.CustomDialog
	address *widget.Entry
	status  *widget.Label
	cancel  *widget.Button
	cont    *widget.Button
}

func newPasteDialog(info core.NetworkInfo, p *core.PasteSignIn, title string, openErr error, w fyne.Window) *pasteDialog {
	steps := widget.NewLabel(pasteSteps(p.RedirectURI))
	steps.Wrapping = fyne.TextWrapWord
	address := widget.NewEntry()
	address.SetPlaceHolder(p.RedirectURI + "?code=…")
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	if openErr != nil {
		status.SetText("Your browser could not be opened (" + openErr.Error() + "). Copy the sign-in link below and open it in your browser.")
	}
	copyLink := widget.NewButtonWithIcon("Copy the sign-in link", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(p.URL)
		status.SetText("The sign-in link was copied: open it in your browser if no page opened.")
	})
	copyLink.Importance = widget.LowImportance
	parts := []fyne.CanvasObject{steps, address, container.NewHBox(copyLink)}
	if info.Note != "" {
		note := widget.NewLabel(info.Note)
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		parts = append(parts, note)
	}
	parts = append(parts, status)

	d := dialog.NewCustomWithoutButtons(title, container.NewVBox(parts...), w)
	cont := widget.NewButton("Continue", nil)
	cont.Importance = widget.HighImportance
	cont.Disable()
	cancel := widget.NewButton("Cancel", d.Hide)
	address.OnChanged = func(v string) {
		if strings.TrimSpace(v) == "" {
			cont.Disable()
		} else {
			cont.Enable()
		}
	}
	d.SetButtons([]fyne.CanvasObject{cancel, cont})
	d.Resize(fyne.NewSize(580, 1)) // as tall as its content
	return &pasteDialog{d: d, address: address, status: status, cancel: cancel, cont: cont}
}

// onContinue runs finish when Continue is tapped or an address is
// submitted with Enter.
func (pd *pasteDialog) onContinue(finish func()) {
	pd.cont.OnTapped = finish
	pd.address.OnSubmitted = func(v string) {
		if strings.TrimSpace(v) != "" && !pd.cont.Disabled() {
			finish()
		}
	}
}

// show shows the dialog with the address focused.
func (pd *pasteDialog) show(w fyne.Window) {
	pd.d.Show()
	w.Canvas().Focus(pd.address)
}

func (s *shell) showPasteDialog(info core.NetworkInfo, p *core.PasteSignIn, existing *account.Account, openErr error) {
	w := s.accounts.window
	title := "Connect " + info.Title
	if existing != nil {
		title = "Update " + existing.Handle
	}
	pd := newPasteDialog(info, p, title, openErr, w)
	d, address, status, cont := pd.d, pd.address, pd.status, pd.cont
	finish := func() {
		pasted := address.Text
		cont.Disable()
		address.Disable()
		status.SetText("Finishing the connection with " + info.Title + "…")
		go func() {
			ctx, stop := context.WithTimeout(context.Background(), time.Minute)
			defer stop()
			res, err := s.engine.FinishPaste(ctx, p, pasted)
			fyne.Do(func() {
				switch {
				case core.CanPasteAgain(err):
					// Nothing was used up: the person may paste again.
					status.SetText(core.Explain(err))
					address.Enable()
					cont.Enable()
				case err != nil:
					d.Hide()
					s.showConnectProblem(err)
				case len(res.Pages) > 0:
					d.Hide()
					s.choosePage(p, res)
				default:
					d.Hide()
					done := "connected"
					if existing != nil {
						done = "reconnected"
					}
					a := res.Account
					dialog.ShowInformation("Profile "+done, fmt.Sprintf("%s is %s. %s", a.Handle, done, stateSentence(a, s.engine.Now())), w)
				}
			})
		}()
	}
	pd.onContinue(finish)
	pd.show(w)
}

// pageLabel is a Page as the chooser lists it.
func pageLabel(p core.ProfileChoice) string {
	if p.Category != "" {
		return p.Name + " (" + p.Category + ")"
	}
	return p.Name
}

// choosePage asks which of the person's Facebook Pages to connect.
func (s *shell) choosePage(p *core.PasteSignIn, res core.PasteResult) {
	w := s.accounts.window
	var options, cannot []string
	byLabel := map[string]core.ProfileChoice{}
	for _, pg := range res.Pages {
		if !pg.CanPost {
			cannot = append(cannot, pg.Name)
			continue
		}
		options = append(options, pageLabel(pg))
		byLabel[pageLabel(pg)] = pg
	}
	if len(options) == 0 {
		showProblem("No Page to post on", "You signed in to Facebook as "+res.User+", whose role on "+strings.Join(cannot, ", ")+
			" does not allow posting. Ask a Page admin for content access, then connect again.", w)
		return
	}
	intro := widget.NewLabel("You signed in as " + res.User + ". Choose the Page SocialOmm posts to; each Page becomes its own profile in Accounts.")
	intro.Wrapping = fyne.TextWrapWord
	radio := widget.NewRadioGroup(options, nil)
	radio.Required = true
	radio.SetSelected(options[0])
	parts := []fyne.CanvasObject{intro, radio}
	if len(cannot) > 0 {
		note := newSecondaryText("Not listed, since your role there does not allow posting: "+strings.Join(cannot, ", ")+".",
			fyne.TextAlignLeading, fyne.TextStyle{})
		note.Wrapping = fyne.TextWrapWord
		parts = append(parts, note)
	}
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	parts = append(parts, status)
	d := dialog.NewCustomWithoutButtons("Choose a Facebook Page", container.NewVBox(parts...), w)
	connect := widget.NewButton("Connect Page", nil)
	connect.Importance = widget.HighImportance
	connect.OnTapped = func() {
		page := byLabel[radio.Selected]
		connect.Disable()
		status.SetText("Connecting " + page.Name + "…")
		go func() {
			ctx, stop := context.WithTimeout(context.Background(), time.Minute)
			defer stop()
			a, err := s.engine.ConnectChoice(ctx, p, page.ID)
			fyne.Do(func() {
				d.Hide()
				if err != nil {
					showProblem("Could not connect "+page.Name, core.Explain(err), w)
					return
				}
				dialog.ShowInformation("Page connected", fmt.Sprintf("%s is connected. %s", a.Handle, stateSentence(a, s.engine.Now())), w)
			})
		}()
	}
	d.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", d.Hide), connect})
	d.Resize(fyne.NewSize(520, 1)) // as tall as its content
	d.Show()
}

// logDialog notes at debug level a dialog the window shows, with its words,
// so the end-to-end tests read what the person is told (dialogs hold no
// secrets: errors never quote one).
func (s *shell) logDialog(title, text string) {
	if s.logger != nil {
		s.logger.Debug("dialog shown", "title", title, "text", text)
	}
}
