package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/settings"
)

// fakeEmailBackend keeps settings in a map, validating like the real one.
type fakeEmailBackend struct {
	mu       sync.Mutex
	values   map[string]string
	password string
	sets     []string
	testErr  error
	tests    int
	retries  int
	pending  []notify.Waiting
}

func newFakeEmailBackend() *fakeEmailBackend {
	return &fakeEmailBackend{values: map[string]string{
		"smtp.host": "smtp.example.org", "smtp.port": "587", "smtp.security": "starttls",
		"smtp.username": "ana", "email.from": "SocialOmm <alerts@example.org>", "email.to": "ana@example.org",
	}}
}

func (f *fakeEmailBackend) Get(_ context.Context, key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if key == "smtp.password" {
		if f.password != "" {
			return settings.SecretMask, nil
		}
		return "", nil
	}
	return f.values[key], nil
}

func (f *fakeEmailBackend) Set(_ context.Context, key, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	def, ok := settings.Lookup(key)
	if !ok {
		return errors.New("unknown setting " + key)
	}
	v, err := def.Normalize(value)
	if err != nil {
		return errors.New(key + ": " + err.Error())
	}
	f.sets = append(f.sets, key)
	if key == "smtp.password" {
		f.password = v
		return nil
	}
	f.values[key] = v
	return nil
}

func (f *fakeEmailBackend) SendTestEmail(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tests++
	return f.testErr
}

func (f *fakeEmailBackend) Pending(context.Context) ([]notify.Waiting, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pending, nil
}

func (f *fakeEmailBackend) RetryNow(context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retries++
	return 0, nil
}

func (f *fakeEmailBackend) snapshot() (sets []string, values map[string]string, password string, tests int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	values = map[string]string{}
	for k, v := range f.values {
		values[k] = v
	}
	return append([]string(nil), f.sets...), values, f.password, f.tests
}

// newTestEmailSection builds the section on a test window and waits for
// its first load.
func newTestEmailSection(t *testing.T, b *fakeEmailBackend) (*emailSection, func()) {
	t.Helper()
	a := test.NewTempApp(t)
	w := a.NewWindow("Settings")
	t.Cleanup(w.Close)
	s := buildEmailSection(w, b)
	w.SetContent(s.content)
	jobs := make(chan struct{}, 10)
	s.afterWork = func() { jobs <- struct{}{} }
	wait := func() {
		t.Helper()
		select {
		case <-jobs:
		case <-time.After(10 * time.Second):
			t.Fatal("the background job did not finish")
		}
	}
	s.load()
	wait()
	return s, wait
}

func TestEmailSectionValidationBlocksSave(t *testing.T) {
	b := newFakeEmailBackend()
	s, wait := newTestEmailSection(t, b)
	if got := s.entries["email.to"].Text; got != "ana@example.org" {
		t.Fatalf("To shows %q", got)
	}
	if !s.save.Disabled() {
		t.Fatal("Save is enabled with nothing changed")
	}

	s.entries["email.to"].SetText("ana at example")
	if !s.save.Disabled() || !s.test.Disabled() {
		t.Fatal("Save or Send test email is enabled with a bad address")
	}
	if !strings.Contains(s.status.Text, "Fix the highlighted field") || !strings.Contains(s.status.Text, "is not an email address") {
		t.Fatalf("status = %q", s.status.Text)
	}
	test.Tap(s.save)
	s.onSave() // even called directly, nothing is stored
	if sets, _, _, _ := b.snapshot(); len(sets) != 0 {
		t.Fatalf("saved %v with a bad address", sets)
	}

	s.entries["email.to"].SetText("ana@example.org, bob@example.org")
	s.entries["smtp.port"].SetText("70000")
	if !s.save.Disabled() || !strings.Contains(s.status.Text, "from 1 to 65535") {
		t.Fatalf("bad port: save disabled %v, status %q", s.save.Disabled(), s.status.Text)
	}
	s.entries["smtp.port"].SetText("465")
	s.security.SetSelected("TLS")
	if s.save.Disabled() {
		t.Fatalf("Save stays disabled once fixed: %q", s.status.Text)
	}
	test.Tap(s.save)
	wait()
	sets, values, _, _ := b.snapshot()
	if s.status.Text != "Saved." || values["email.to"] != "ana@example.org, bob@example.org" ||
		values["smtp.port"] != "465" || values["smtp.security"] != "tls" {
		t.Fatalf("status %q, values %v", s.status.Text, values)
	}
	if strings.Join(sets, ",") != "smtp.port,smtp.security,email.to" {
		t.Fatalf("saved keys = %v, want only the changed ones", sets)
	}
	if !s.save.Disabled() {
		t.Fatal("Save stays enabled after saving")
	}
}

func TestEmailSectionSecurityFollowsUsualPort(t *testing.T) {
	s, _ := newTestEmailSection(t, newFakeEmailBackend())
	s.security.SetSelected("TLS")
	if got := s.entries["smtp.port"].Text; got != "465" {
		t.Fatalf("port after TLS = %q", got)
	}
	s.security.SetSelected("STARTTLS")
	if got := s.entries["smtp.port"].Text; got != "587" {
		t.Fatalf("port after STARTTLS = %q", got)
	}
	s.entries["smtp.port"].SetText("2525")
	s.security.SetSelected("TLS")
	if got := s.entries["smtp.port"].Text; got != "2525" {
		t.Fatalf("a chosen port was changed to %q", got)
	}
}

func TestEmailSectionSendTestReportsTheServer(t *testing.T) {
	b := newFakeEmailBackend()
	words := "The mail server smtp.example.org:587 did not take the mail. It said: 554 5.7.1 Relay access denied"
	b.testErr = errors.New(words)
	s, wait := newTestEmailSection(t, b)

	test.Tap(s.test)
	wait()
	if !strings.Contains(s.status.Text, "The test email was not sent. "+words) {
		t.Fatalf("status = %q", s.status.Text)
	}

	b.mu.Lock()
	b.testErr = nil
	b.mu.Unlock()
	// An unsaved change is saved before the test goes out.
	s.entries["email.to"].SetText("bob@example.org")
	test.Tap(s.test)
	wait()
	sets, values, _, tests := b.snapshot()
	if tests != 2 || values["email.to"] != "bob@example.org" || strings.Join(sets, ",") != "email.to" {
		t.Fatalf("tests %d, values %v, sets %v", tests, values, sets)
	}
	if s.status.Text != "Test email sent to bob@example.org. Check that mailbox (and its spam folder)." {
		t.Fatalf("status = %q", s.status.Text)
	}
}

func TestEmailSectionPasswordStaysHidden(t *testing.T) {
	b := newFakeEmailBackend()
	b.password = "old-secret"
	s, wait := newTestEmailSection(t, b)
	if s.password.Text != "" || s.password.PlaceHolder != settings.SecretMask || !s.password.Password {
		t.Fatalf("password entry: text %q placeholder %q hidden %v", s.password.Text, s.password.PlaceHolder, s.password.Password)
	}
	s.password.SetText("new-secret")
	test.Tap(s.save)
	wait()
	if _, _, pw, _ := b.snapshot(); pw != "new-secret" {
		t.Fatal("the new password was not stored")
	}
	if s.password.Text != "" || s.password.PlaceHolder != settings.SecretMask {
		t.Fatalf("after save the entry shows %q / %q", s.password.Text, s.password.PlaceHolder)
	}
	test.Tap(s.forget)
	wait()
	if _, _, pw, _ := b.snapshot(); pw != "" {
		t.Fatal("Forget kept the password")
	}
	if s.password.PlaceHolder != "" || !s.forget.Disabled() {
		t.Fatalf("after Forget: placeholder %q, forget enabled %v", s.password.PlaceHolder, !s.forget.Disabled())
	}
}

func TestEmailSectionListsMailWaiting(t *testing.T) {
	b := newFakeEmailBackend()
	b.pending = []notify.Waiting{
		{Channel: notify.ChannelEmail, Subject: "Mastodon @ana@example.social is disconnected",
			Why: "Not sent yet: Could not reach the mail server smtp.example.org:587. Tried 3 times; next try at 14:07."},
		{Channel: notify.ChannelDesktop, Subject: "desktop only"},
	}
	s, _ := newTestEmailSection(t, b)
	var texts []string
	for _, o := range s.waiting.Objects {
		texts = append(texts, emailTexts(o)...)
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "Mastodon @ana@example.social is disconnected") || !strings.Contains(all, "Could not reach the mail server") {
		t.Fatalf("waiting list = %q", all)
	}
	if strings.Contains(all, "desktop only") {
		t.Fatal("the email list shows a desktop notification")
	}
}

// emailTexts collects the label texts under o.
func emailTexts(o fyne.CanvasObject) []string {
	switch w := o.(type) {
	case *widget.Label:
		return []string{w.Text}
	case *fyne.Container:
		var out []string
		for _, c := range w.Objects {
			out = append(out, emailTexts(c)...)
		}
		return out
	}
	return nil
}

var _ emailBackend = emailServices{}
