package ui

import (
	"context"
	"errors"
	"maps"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/settings"
)

// emailBackend is what the Settings window's email section needs: the
// settings (Get and Set, from a *settings.Service) and the notification
// outbox (SendTestEmail, Pending and RetryNow, from a *notify.Service);
// emailServices joins the two.
type emailBackend interface {
	Get(ctx context.Context, key string) (string, error)
	Set(ctx context.Context, key, value string) error
	// SendTestEmail sends a test email with the saved settings and returns
	// what went wrong in plain words (the mail server's own words).
	SendTestEmail(ctx context.Context) error
	// Pending lists the notifications not sent yet and why.
	Pending(ctx context.Context) ([]notify.Waiting, error)
	// RetryNow retries waiting mail at once (after the settings changed).
	RetryNow(ctx context.Context) (int, error)
}

// emailServices is the real emailBackend: the settings and the
// notification outbox side by side. Build the section with
// newEmailSection(w, emailServices{Settings: e.Settings(), Notify: e.Notify()}).
type emailServices struct {
	Settings *settings.Service
	Notify   *notify.Service
}

func (b emailServices) Get(ctx context.Context, key string) (string, error) {
	return b.Settings.Get(ctx, key)
}

func (b emailServices) Set(ctx context.Context, key, value string) error {
	return b.Settings.Set(ctx, key, value)
}

func (b emailServices) SendTestEmail(ctx context.Context) error { return b.Notify.SendTestEmail(ctx) }

func (b emailServices) Pending(ctx context.Context) ([]notify.Waiting, error) {
	return b.Notify.Pending(ctx)
}

func (b emailServices) RetryNow(ctx context.Context) (int, error) { return b.Notify.RetryNow(ctx) }

// securityChoices are the Select's labels for smtp.security's values.
var securityChoices = []struct{ label, value, port string }{
	{"STARTTLS", "starttls", "587"},
	{"TLS", "tls", "465"},
	{"none", "none", "25"},
}

// emailKeys are the plain (non-secret) settings the section edits, in the
// order they are saved.
var emailKeys = []string{"smtp.host", "smtp.port", "smtp.security", "smtp.username", "email.from", "email.to"}

// emailSection edits the mail settings, sends a test email and shows the
// mail that is waiting.
type emailSection struct {
	window  fyne.Window
	backend emailBackend
	content fyne.CanvasObject

	entries  map[string]*widget.Entry // smtp.host, smtp.port, smtp.username, email.from, email.to
	security *widget.Select
	password *widget.Entry
	forget   *widget.Button
	save     *widget.Button
	test     *widget.Button
	status   *widget.Label
	waiting  *fyne.Container

	loaded      map[string]string // values as last loaded or saved
	passwordSet bool
	busy        bool
	loading     bool // values are being put into the fields
	// afterWork, when set, is called on the UI goroutine after each
	// background job has updated the widgets (tests wait on it).
	afterWork func()
}

// newEmailSection builds the email part of the Settings window.
func newEmailSection(w fyne.Window, backend emailBackend) fyne.CanvasObject {
	s := buildEmailSection(w, backend)
	s.load()
	return s.content
}

func buildEmailSection(w fyne.Window, backend emailBackend) *emailSection {
	s := &emailSection{window: w, backend: backend, entries: map[string]*widget.Entry{}, loaded: map[string]string{}}
	form := widget.NewForm()
	add := func(key, label, placeholder, hint string) {
		def, _ := settings.Lookup(key)
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		e.Validator = func(v string) error { _, err := def.Normalize(v); return err }
		e.OnChanged = func(string) { s.onFieldChanged() }
		s.entries[key] = e
		item := widget.NewFormItem(label, e)
		item.HintText = hint
		form.AppendItem(item)
	}
	add("smtp.host", "Mail server", "smtp.example.com", "Your mail provider's outgoing (SMTP) server.")
	add("smtp.port", "Port", "587", "Usually 587 with STARTTLS, 465 with TLS.")

	labels := make([]string, len(securityChoices))
	for i, c := range securityChoices {
		labels[i] = c.label
	}
	s.security = widget.NewSelect(labels, s.onSecurityChanged)
	secItem := widget.NewFormItem("Security", s.security)
	secItem.HintText = "STARTTLS or TLS encrypt the connection; none sends in the clear (only for a server on this computer)."
	form.AppendItem(secItem)

	add("smtp.username", "User name", "you@example.com", "Leave empty if the server needs no sign-in.")
	s.password = widget.NewPasswordEntry()
	s.password.OnChanged = func(string) { s.onFieldChanged() }
	s.forget = widget.NewButton("Forget", s.onForgetPassword)
	s.forget.Disable()
	pwItem := widget.NewFormItem("Password", container.NewBorder(nil, nil, nil, s.forget, s.password))
	pwItem.HintText = "Kept in the system keyring, never in SocialOmm's files."
	form.AppendItem(pwItem)
	add("email.from", "From", "SocialOmm <you@example.com>", "The sender of the notification emails.")
	add("email.to", "To", "you@example.com", "Where notification emails go; separate several with commas.")

	s.save = widget.NewButton("Save", s.onSave)
	s.save.Importance = widget.HighImportance
	s.save.Disable()
	s.test = widget.NewButton("Send test email", s.onSendTest)
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.waiting = container.NewVBox()

	heading := widget.NewLabelWithStyle("Email notifications", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := widget.NewLabel("SocialOmm writes to you when a profile is lost or about to expire, or a post fails. " +
		"Fill in your mail provider's outgoing server; email goes out once the server, From and To are set.")
	intro.Wrapping = fyne.TextWrapWord
	waitingHeading := widget.NewLabelWithStyle("Mail waiting to be sent", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	refresh := widget.NewButton("Refresh", s.reloadWaiting)
	refresh.Importance = widget.LowImportance
	s.content = container.NewVBox(
		heading, intro, form,
		container.NewHBox(s.save, s.test),
		s.status,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, refresh, waitingHeading),
		s.waiting,
	)
	return s
}

// background runs fn off the UI goroutine with a timeout.
func (s *emailSection) background(timeout time.Duration, fn func(ctx context.Context)) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		fn(ctx)
	}()
}

// done marks the end of a background job, on the UI goroutine.
func (s *emailSection) done() {
	if s.afterWork != nil {
		s.afterWork()
	}
}

func (s *emailSection) load() {
	s.status.SetText("Loading…")
	s.setBusy(true)
	s.background(10*time.Second, func(ctx context.Context) {
		values := map[string]string{}
		var errs []error
		for _, key := range append(emailKeys, "smtp.password") {
			v, err := s.backend.Get(ctx, key)
			if err != nil {
				errs = append(errs, err)
			}
			values[key] = v
		}
		waiting, werr := s.backend.Pending(ctx)
		fyne.Do(func() {
			s.loading = true
			for _, key := range emailKeys {
				s.loaded[key] = values[key]
				if e, ok := s.entries[key]; ok {
					e.SetText(values[key])
				}
			}
			s.security.SetSelected(securityLabel(values["smtp.security"]))
			s.setPasswordSet(values["smtp.password"] != "")
			s.showWaiting(waiting, werr)
			s.setBusy(false)
			s.loading = false
			s.status.SetText("")
			s.onFieldChanged()
			if err := errors.Join(errs...); err != nil {
				s.status.SetText("Some settings could not be read: " + err.Error())
			}
			s.done()
		})
	})
}

func securityLabel(value string) string {
	for _, c := range securityChoices {
		if c.value == value {
			return c.label
		}
	}
	return securityChoices[0].label
}

func securityValue(label string) string {
	for _, c := range securityChoices {
		if c.label == label {
			return c.value
		}
	}
	return securityChoices[0].value
}

func (s *emailSection) setPasswordSet(set bool) {
	s.passwordSet = set
	s.password.SetText("")
	if set {
		s.password.SetPlaceHolder(settings.SecretMask)
		s.forget.Enable()
	} else {
		s.password.SetPlaceHolder("")
		s.forget.Disable()
	}
}

func (s *emailSection) setBusy(busy bool) {
	s.busy = busy
	if busy {
		s.save.Disable()
		s.test.Disable()
		return
	}
	s.test.Enable()
}

// onSecurityChanged follows the usual port when the port still shows
// another choice's usual one.
func (s *emailSection) onSecurityChanged(label string) {
	if s.loading {
		return
	}
	port := s.entries["smtp.port"]
	for _, c := range securityChoices {
		if c.label == label && port.Text != c.port {
			for _, other := range securityChoices {
				if other.port == port.Text && c.value != "none" {
					port.SetText(c.port)
					break
				}
			}
		}
	}
	s.onFieldChanged()
}

// values are the form's settings as typed.
func (s *emailSection) values() map[string]string {
	v := map[string]string{}
	for key, e := range s.entries {
		v[key] = e.Text
	}
	v["smtp.security"] = securityValue(s.security.Selected)
	return v
}

func (s *emailSection) invalid() error {
	for _, key := range emailKeys {
		if e, ok := s.entries[key]; ok {
			if err := e.Validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *emailSection) dirty() bool {
	if s.password.Text != "" {
		return true
	}
	for key, v := range s.values() {
		if v != s.loaded[key] {
			return true
		}
	}
	return false
}

func (s *emailSection) onFieldChanged() {
	if s.busy {
		return
	}
	if err := s.invalid(); err != nil {
		s.save.Disable()
		s.test.Disable()
		s.status.SetText("Fix the highlighted field to save: " + err.Error())
		return
	}
	s.test.Enable()
	if strings.HasPrefix(s.status.Text, "Fix the highlighted field") {
		s.status.SetText("")
	}
	if s.dirty() {
		s.save.Enable()
	} else {
		s.save.Disable()
	}
}

// saveValues stores what changed; it runs off the UI goroutine.
func (s *emailSection) saveValues(ctx context.Context, loaded, values map[string]string, password string) error {
	for _, key := range emailKeys {
		if values[key] == loaded[key] {
			continue
		}
		if err := s.backend.Set(ctx, key, values[key]); err != nil {
			return err
		}
	}
	if password != "" {
		if err := s.backend.Set(ctx, "smtp.password", password); err != nil {
			return err
		}
	}
	// Mail waiting after a failure is tried again with the new settings.
	_, err := s.backend.RetryNow(ctx)
	return err
}

// saved records a successful save on the UI goroutine.
func (s *emailSection) saved(values map[string]string, password string) {
	for key, v := range values {
		s.loaded[key] = v
	}
	if password != "" {
		s.setPasswordSet(true)
	}
}

func (s *emailSection) onSave() {
	if err := s.invalid(); err != nil {
		s.status.SetText("Fix the highlighted field to save: " + err.Error())
		return
	}
	values, password, loaded := s.values(), s.password.Text, maps.Clone(s.loaded)
	s.setBusy(true)
	s.status.SetText("Saving…")
	s.background(15*time.Second, func(ctx context.Context) {
		err := s.saveValues(ctx, loaded, values, password)
		waiting, werr := s.backend.Pending(ctx)
		fyne.Do(func() {
			s.setBusy(false)
			if err != nil {
				s.status.SetText("Not saved: " + err.Error())
				s.save.Enable()
			} else {
				s.saved(values, password)
				s.status.SetText("Saved.")
				s.save.Disable()
			}
			s.showWaiting(waiting, werr)
			s.done()
		})
	})
}

// onSendTest saves what was changed, then sends a test email and reports
// the outcome in the server's words.
func (s *emailSection) onSendTest() {
	if err := s.invalid(); err != nil {
		s.status.SetText("Fix the highlighted field first: " + err.Error())
		return
	}
	dirty := s.dirty()
	values, password, loaded := s.values(), s.password.Text, maps.Clone(s.loaded)
	to := strings.TrimSpace(values["email.to"])
	s.setBusy(true)
	if to == "" {
		s.status.SetText("Sending a test email…")
	} else {
		s.status.SetText("Sending a test email to " + to + "…")
	}
	s.background(90*time.Second, func(ctx context.Context) {
		var saveErr, sendErr error
		if dirty {
			saveErr = s.saveValues(ctx, loaded, values, password)
		}
		if saveErr == nil {
			sendErr = s.backend.SendTestEmail(ctx)
		}
		waiting, werr := s.backend.Pending(ctx)
		fyne.Do(func() {
			s.setBusy(false)
			switch {
			case saveErr != nil:
				s.status.SetText("Not saved, so no test email was sent: " + emailSentence(saveErr.Error()))
			case sendErr != nil:
				if dirty {
					s.saved(values, password)
				}
				s.status.SetText("The test email was not sent. " + emailSentence(sendErr.Error()))
			default:
				if dirty {
					s.saved(values, password)
				}
				s.status.SetText("Test email sent to " + to + ". Check that mailbox (and its spam folder).")
			}
			s.onFieldChanged()
			s.showWaiting(waiting, werr)
			s.done()
		})
	})
}

func (s *emailSection) onForgetPassword() {
	s.setBusy(true)
	s.background(15*time.Second, func(ctx context.Context) {
		err := s.backend.Set(ctx, "smtp.password", "")
		fyne.Do(func() {
			s.setBusy(false)
			if err != nil {
				s.status.SetText("The password was not removed: " + err.Error())
			} else {
				s.setPasswordSet(false)
				s.status.SetText("The password was removed from the keyring.")
			}
			s.onFieldChanged()
			s.done()
		})
	})
}

func (s *emailSection) reloadWaiting() {
	s.background(10*time.Second, func(ctx context.Context) {
		waiting, err := s.backend.Pending(ctx)
		fyne.Do(func() {
			s.showWaiting(waiting, err)
			s.done()
		})
	})
}

// showWaiting lists the mail not sent yet, each with why it waits.
func (s *emailSection) showWaiting(list []notify.Waiting, err error) {
	s.waiting.RemoveAll()
	if err != nil {
		s.waiting.Add(widget.NewLabel("Could not read the mail waiting: " + err.Error()))
		return
	}
	n := 0
	for _, w := range list {
		if w.Channel != notify.ChannelEmail {
			continue
		}
		n++
		title := widget.NewLabelWithStyle(w.Subject, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		title.Truncation = fyne.TextTruncateEllipsis
		why := widget.NewLabel(w.Why)
		why.Wrapping = fyne.TextWrapWord
		s.waiting.Add(container.NewVBox(title, why))
	}
	if n == 0 {
		s.waiting.Add(newSecondaryText("No mail is waiting: every notification email has gone out.",
			fyne.TextAlignLeading, fyne.TextStyle{}))
	}
}

// emailSentence starts a message with a capital and ends it with a stop.
func emailSentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	r, size := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[size:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, ")") {
		msg += "."
	}
	return msg
}
