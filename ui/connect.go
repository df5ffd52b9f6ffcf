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
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network/bluesky"
	"github.com/socialomm/desktop/core/network/mastodon"
	"github.com/socialomm/desktop/core/oauth"
)

// wireAccountActions connects the Accounts window's actions to the engine.
func (s *shell) wireAccountActions() {
	a := s.accounts
	a.onConnect = func(network string) {
		switch network {
		case "bluesky":
			s.askBlueskySignIn(nil)
		default:
			s.askMastodonServer(network)
		}
	}
	a.onUpdate = s.update
	a.onCheck = s.check
	a.onRemove = s.confirmRemove
}

// askMastodonServer asks which server to connect to, then signs in.
func (s *shell) askMastodonServer(string) {
	w := s.accounts.window
	server := widget.NewEntry()
	server.SetPlaceHolder("mastodon.social")
	server.Validator = func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("type your server's address")
		}
		_, err := mastodon.NormalizeInstance(v)
		return err
	}
	item := widget.NewFormItem("Server", server)
	item.HintText = "Your server's address, like mastodon.social or @you@your.server"
	d := dialog.NewForm("Connect a Mastodon profile", "Continue in browser", "Cancel", []*widget.FormItem{item},
		func(ok bool) {
			if !ok {
				return
			}
			input := server.Text
			s.runSignIn("Connecting to "+input, func(ctx context.Context, in core.SignIn) (account.Account, error) {
				return s.engine.ConnectMastodon(ctx, input, in)
			}, "connected")
		}, w)
	d.Resize(fyne.NewSize(480, 220))
	d.Show()
	w.Canvas().Focus(server)
}

// askBlueskySignIn asks for a handle and an app password (for an update,
// only the new app password), then signs in.
func (s *shell) askBlueskySignIn(existing *account.Account) {
	w := s.accounts.window
	handle := widget.NewEntry()
	handle.SetPlaceHolder("you.bsky.social")
	password := widget.NewPasswordEntry()
	password.SetPlaceHolder("xxxx-xxxx-xxxx-xxxx")
	server := widget.NewEntry()
	server.SetPlaceHolder("Found from your handle")
	handle.Validator = func(v string) error {
		if !bluesky.IsHandle(v) {
			return errors.New("type your handle, like you.bsky.social")
		}
		return nil
	}
	password.Validator = func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("an app password is needed")
		}
		return nil
	}
	passwordItem := widget.NewFormItem("App password", password)
	passwordItem.HintText = "Not your main password. " + bluesky.AppPasswordHelp
	serverItem := widget.NewFormItem("Server (advanced)", server)
	serverItem.HintText = "Only if your account lives on your own server (PDS)"
	items := []*widget.FormItem{widget.NewFormItem("Handle", handle), passwordItem, serverItem}
	title, action := "Connect a Bluesky profile", "Connect"
	if existing != nil {
		handle.SetText(strings.TrimPrefix(existing.Handle, "@"))
		handle.Disable()
		items = items[:2]
		title, action = "Update "+existing.Handle, "Reconnect"
	}
	d := dialog.NewForm(title, action, "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		h, pw, pds := handle.Text, password.Text, server.Text
		if existing != nil {
			id := existing.ID
			s.runSignIn("Updating "+existing.Handle, func(ctx context.Context, in core.SignIn) (account.Account, error) {
				in.AppPassword = pw
				return s.engine.Update(ctx, id, in)
			}, "reconnected")
			return
		}
		s.runSignIn("Connecting "+h, func(ctx context.Context, in core.SignIn) (account.Account, error) {
			return s.engine.ConnectBluesky(ctx, h, pw, pds, in)
		}, "connected")
	}, w)
	d.Resize(fyne.NewSize(520, 340))
	d.Show()
	if existing == nil {
		w.Canvas().Focus(handle)
	} else {
		w.Canvas().Focus(password)
	}
}

func (s *shell) update(a account.Account) {
	if a.Network == "bluesky" {
		s.askBlueskySignIn(&a)
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
	hint := widget.NewLabel("Your browser opens the network's own sign-in page. SocialOmm waits up to 5 minutes.")
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
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
				dialog.ShowInformation("Profile "+done, fmt.Sprintf("%s is %s. %s", a.Handle, done, stateSentence(a, s.engine.Now())), w)
			case cancelled && errors.Is(err, oauth.ErrCancelled):
				// The person pressed Cancel: nothing to add.
			default:
				showProblem("Could not connect", core.Explain(err), w)
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
