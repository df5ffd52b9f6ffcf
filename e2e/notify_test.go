package e2e

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/settings"
	"github.com/socialomm/desktop/core/store"
	"github.com/socialomm/desktop/internal/testbed"
)

// The notification tests drive core/notify in-process against the real
// Mailpit, gnome-keyring (the SMTP password) and dunst on the session bus.
// Time is a fake clock: delivery is stepped with DeliverDue, so backoff and
// the batch window take no wall time.

var (
	notifyStart = time.Date(2027, 2, 9, 13, 0, 0, 0, time.UTC) // 14:00 CET
	notifyZone  = time.FixedZone("CET", 3600)
)

const notifySMTPPassword = "Mailpit-Pass-4-e2e"

// notifyApp is one app's data folder with the notification service on it;
// reopen is an app restart.
type notifyApp struct {
	t       *testing.T
	dir     string
	clock   *clock.Fake
	desktop notify.Desktop
	logs    *notifyLogBuffer
	store   *store.Store
	cfg     *settings.Service
	svc     *notify.Service
}

type notifyLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *notifyLogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *notifyLogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// notifyDesktopOff stands in for the desktop in the mail tests.
type notifyDesktopOff struct{}

func (notifyDesktopOff) Notify(context.Context, string, string) error { return nil }

func newNotifyApp(t *testing.T, desktop notify.Desktop) *notifyApp {
	t.Helper()
	a := &notifyApp{t: t, dir: t.TempDir(), clock: clock.NewFake(notifyStart), desktop: desktop, logs: &notifyLogBuffer{}}
	a.open()
	return a
}

func (a *notifyApp) open() {
	a.t.Helper()
	st, err := store.Open(context.Background(), a.dir, store.Options{Now: a.clock.Now})
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() { st.Close() })
	a.store = st
	a.cfg = &settings.Service{Store: st, Secrets: secret.NewKeyring()}
	a.svc = notify.New(st, a.cfg, notify.Options{
		Clock: a.clock, Location: notifyZone, Desktop: a.desktop, IconDir: a.dir,
		Mailer: &notify.SMTPMailer{Timeout: 10 * time.Second, Now: a.clock.Now},
		Logger: slog.New(slog.NewTextHandler(a.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
}

func (a *notifyApp) restart() {
	a.t.Helper()
	a.store.Close()
	a.open()
}

func (a *notifyApp) set(pairs ...string) {
	a.t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := a.cfg.Set(context.Background(), pairs[i], pairs[i+1]); err != nil {
			a.t.Fatalf("set %s: %v", pairs[i], err)
		}
	}
}

// useMailpit points the app's email at Mailpit, with a user name and a
// password kept in the real keyring (Mailpit accepts any).
func (a *notifyApp) useMailpit(mp *testbed.Mailpit) {
	a.set("smtp.host", mp.SMTPHost(), "smtp.port", strconv.Itoa(mp.SMTPPort()), "smtp.security", "none",
		"smtp.username", "ana", "smtp.password", notifySMTPPassword,
		"email.from", "SocialOmm <alerts@example.org>", "email.to", "Ana <ana@example.org>")
}

func (a *notifyApp) enqueue(ev notify.Event) {
	a.t.Helper()
	if _, err := a.svc.Enqueue(context.Background(), ev); err != nil {
		a.t.Fatalf("Enqueue %s: %v", ev.Kind, err)
	}
}

// deliverAfter moves the clock on and delivers what is due.
func (a *notifyApp) deliverAfter(d time.Duration) (int, error) {
	a.t.Helper()
	a.clock.Advance(d)
	return a.svc.DeliverDue(context.Background())
}

// assertNoPassword checks the data folder's files (database, WAL) and the
// logs for the SMTP password.
func (a *notifyApp) assertNoPassword() {
	a.t.Helper()
	files := 0
	filepath.WalkDir(a.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(path)
		if bytes.Contains(data, []byte(notifySMTPPassword)) {
			a.t.Errorf("%s contains the SMTP password", path)
		}
		files++
		return nil
	})
	if files == 0 {
		a.t.Fatal("no files in the data folder")
	}
	if strings.Contains(a.logs.String(), notifySMTPPassword) {
		a.t.Error("the log contains the SMTP password")
	}
}

var (
	notifyAna = notify.Profile{AccountID: 1, Network: "mastodon", Handle: "@ana@example.social"}
	notifyBob = notify.Profile{AccountID: 2, Network: "mastodon", Handle: "@bob@example.social"}
)

// notifyCase is one event kind with what its email and its desktop
// notification must say.
type notifyCase struct {
	name    string
	event   func(now time.Time) notify.Event
	subject string // email
	summary string // desktop
	phrases []string
	noEmail bool
}

func notifyCases() []notifyCase {
	return []notifyCase{
		{name: "disconnected", event: func(now time.Time) notify.Event {
			return notify.Event{Kind: notify.Disconnected, Profile: notifyAna, At: now, Reason: account.ReasonPasswordChanged,
				HeldPosts: 3, NextDue: now.Add(-time.Hour)}
		},
			subject: "Mastodon @ana@example.social is disconnected",
			summary: "Mastodon @ana@example.social is disconnected",
			phrases: []string{"lost its connection to Mastodon @ana@example.social on Tue 9 Feb 2027, 14:00 CET",
				account.ReasonPasswordChanged.Describe(), "3 scheduled posts are on hold; the next was due at 13:00",
				"Open SocialOmm → Accounts → ⋯ → Update"}},
		{name: "expired", event: func(now time.Time) notify.Event {
			return notify.Event{Kind: notify.Expired, Profile: notifyAna, At: now, ExpiresAt: now, Reason: account.ReasonExpired}
		},
			subject: "The connection to Mastodon @ana@example.social has expired",
			summary: "Mastodon @ana@example.social has expired",
			phrases: []string{"ended on", "CET", account.ReasonExpired.Describe(), "No scheduled posts are waiting",
				"Open SocialOmm → Accounts → ⋯ → Update"}},
		{name: "expiring", event: func(now time.Time) notify.Event {
			return notify.Event{Kind: notify.Expiring, Profile: notifyBob, At: now, ExpiresAt: now.Add(7 * 24 * time.Hour), DaysLeft: 7}
		},
			subject: "The connection to Mastodon @bob@example.social expires in 7 days",
			summary: "Mastodon @bob@example.social expires in 7 days",
			phrases: []string{"ends on", "in 7 days", "limited time", "will be held until you renew it",
				"Open SocialOmm → Accounts → ⋯ → Update before then"}},
		{name: "post failed", event: func(now time.Time) notify.Event {
			return notify.Event{Kind: notify.PostFailed, Profile: notifyBob, At: now, PostID: 5, PostScheduled: now.Add(-time.Minute),
				PostText:  "Spring sale: twenty percent off everything in the shop until Sunday evening, come and see",
				PostError: "Text character limit of 500 exceeded"}
		},
			subject: "Post to Mastodon @bob@example.social failed",
			summary: "Post to Mastodon @bob@example.social failed",
			phrases: []string{"scheduled for", "did not go out", "“Spring sale: twenty percent off everything in the shop until…”",
				"The network said: Text character limit of 500 exceeded.", "Open SocialOmm → Queue"}},
		{name: "post held", event: func(now time.Time) notify.Event {
			return notify.Event{Kind: notify.PostHeld, Profile: notifyAna, At: now.Add(-3 * time.Hour), Reason: account.ReasonRevoked,
				PostID: 6, PostScheduled: now, PostText: "Good morning", HeldPosts: 2, NextDue: now}
		},
			subject: "2 posts on hold for Mastodon @ana@example.social",
			summary: "2 posts on hold for Mastodon @ana@example.social",
			phrases: []string{"(“Good morning”) was not sent", "disconnected since", account.ReasonRevoked.Describe(),
				"2 scheduled posts are on hold; the next was due at", "Open SocialOmm → Accounts → ⋯ → Update"}},
		{name: "post unconfirmed", event: func(now time.Time) notify.Event {
			return notify.Event{Kind: notify.PostUnconfirmed, Profile: notifyBob, At: now, PostID: 7, PostScheduled: now.Add(-time.Minute),
				PostText: "Launch day"}
		},
			subject: "Did your post to Mastodon @bob@example.social go out?",
			summary: "Did it go out?",
			phrases: []string{"SocialOmm lost track while sending your post scheduled for", "(“Launch day”) to Mastodon @bob@example.social",
				"look at the profile, then Retry or Delete"}},
		{name: "reconnected", event: func(now time.Time) notify.Event {
			return notify.Event{Kind: notify.Reconnected, Profile: notifyAna, At: now, HeldPosts: 2}
		},
			summary: "Mastodon @ana@example.social is connected again",
			phrases: []string{"can post to Mastodon @ana@example.social again", "2 held posts can go out now"},
			noEmail: true},
	}
}

// TestNotifyEmailForEachKindInMailpit: each event kind's email arrives in
// Mailpit with its subject, sender, recipient, text phrases and an HTML
// part; accounts lost together arrive as one email.
func TestNotifyEmailForEachKindInMailpit(t *testing.T) {
	testbed.StartKeyring(t)
	mp := testbed.StartMailpit(t)
	app := newNotifyApp(t, notifyDesktopOff{})
	app.useMailpit(mp)
	app.set("notify.desktop", "off")

	for _, c := range notifyCases() {
		t.Run(c.name, func(t *testing.T) {
			mp.DeleteAll(t)
			app.enqueue(c.event(app.clock.Now()))
			n, err := app.deliverAfter(time.Minute) // past the batch window
			if err != nil {
				t.Fatalf("DeliverDue: %v", err)
			}
			if c.noEmail {
				if n != 0 || len(mp.Messages(t)) != 0 {
					t.Fatalf("%s sent an email", c.name)
				}
				return
			}
			if n != 1 {
				t.Fatalf("%d messages sent, want 1", n)
			}
			list := mp.WaitMessages(t, 1, 10*time.Second)
			if len(list) != 1 {
				t.Fatalf("%d messages in Mailpit", len(list))
			}
			msg := mp.Message(t, list[0].ID)
			if msg.Subject != c.subject {
				t.Errorf("subject = %q, want %q", msg.Subject, c.subject)
			}
			if msg.From.Address != "alerts@example.org" || msg.From.Name != "SocialOmm" {
				t.Errorf("from = %+v", msg.From)
			}
			if len(msg.To) != 1 || msg.To[0].Address != "ana@example.org" || msg.To[0].Name != "Ana" {
				t.Errorf("to = %+v", msg.To)
			}
			for _, p := range append(c.phrases, "Why: ", "Affects: ", "What to do: ", "Settings → Email") {
				if !strings.Contains(msg.Text, p) {
					t.Errorf("text part lacks %q:\n%s", p, msg.Text)
				}
			}
			if !strings.Contains(msg.HTML, "<b>What to do:</b>") || !strings.Contains(msg.HTML, "Mastodon @") {
				t.Errorf("HTML part = %q", msg.HTML)
			}
			raw := mp.Raw(t, list[0].ID)
			for _, h := range []string{"multipart/alternative", "text/plain", "text/html", "Message-ID: <socialomm.", "User-Agent: SocialOmm"} {
				if !strings.Contains(raw, h) {
					t.Errorf("raw message lacks %q", h)
				}
			}
		})
	}

	t.Run("lost together, one email", func(t *testing.T) {
		mp.DeleteAll(t)
		now := app.clock.Now()
		app.enqueue(notify.Event{Kind: notify.Disconnected, Profile: notifyAna, At: now, Reason: account.ReasonPasswordChanged})
		app.clock.Advance(10 * time.Second)
		app.enqueue(notify.Event{Kind: notify.Disconnected, Profile: notifyBob, At: app.clock.Now(), Reason: account.ReasonPasswordChanged, HeldPosts: 1})
		if n, err := app.deliverAfter(50 * time.Second); n != 1 || err != nil {
			t.Fatalf("%d messages (%v), want 1", n, err)
		}
		list := mp.WaitMessages(t, 1, 10*time.Second)
		msg := mp.Message(t, list[0].ID)
		if msg.Subject != "2 profiles disconnected: Mastodon @ana@example.social, Mastodon @bob@example.social" {
			t.Fatalf("subject = %q", msg.Subject)
		}
		for _, p := range []string{"lost its connection to 2 profiles", "- Mastodon @ana@example.social: disconnected on",
			"- Mastodon @bob@example.social: disconnected on", "1 scheduled post is on hold", "choose ⋯ → Update"} {
			if !strings.Contains(msg.Text, p) {
				t.Errorf("text lacks %q:\n%s", p, msg.Text)
			}
		}
		if len(mp.Messages(t)) != 1 {
			t.Fatal("more than one email")
		}
	})
	app.assertNoPassword()
}

// TestNotifyMailpitOutageLosesNothing: the event happens while Mailpit is
// down; the app restarts during the outage; once Mailpit is back the email
// arrives exactly once.
func TestNotifyMailpitOutageLosesNothing(t *testing.T) {
	testbed.StartKeyring(t)
	mp := testbed.StartMailpit(t)
	app := newNotifyApp(t, notifyDesktopOff{})
	app.useMailpit(mp)
	ctx := context.Background()

	mp.Stop(t)
	app.enqueue(notify.Event{Kind: notify.Disconnected, Profile: notifyAna, At: app.clock.Now(), Reason: account.ReasonRevoked, HeldPosts: 2, NextDue: app.clock.Now().Add(time.Hour)})
	n, err := app.deliverAfter(time.Minute)
	if n != 1 || err == nil || !strings.Contains(err.Error(), "refused the connection") {
		t.Fatalf("during the outage: %d sent (the desktop one), err %v", n, err)
	}
	waiting, _ := app.svc.Pending(ctx)
	if len(waiting) != 1 || waiting[0].Channel != notify.ChannelEmail || !strings.Contains(waiting[0].Why, "Could not reach the mail server 127.0.0.1:"+strconv.Itoa(mp.SMTPPort())) {
		t.Fatalf("pending = %+v", waiting)
	}

	app.restart() // the app restarts while the server is still down
	if n, _ := app.deliverAfter(time.Minute); n != 0 {
		t.Fatal("sent during the outage")
	}
	if n, _ := app.deliverAfter(30 * time.Second); n != 0 {
		t.Fatal("retried before the backoff ran out")
	}

	mp.Start(t)
	app.restart() // and once more after it is back
	if n, err := app.deliverAfter(2 * time.Minute); n != 1 || err != nil {
		t.Fatalf("after the outage: %d sent, %v", n, err)
	}
	list := mp.WaitMessages(t, 1, 10*time.Second)
	msg := mp.Message(t, list[0].ID)
	if msg.Subject != "Mastodon @ana@example.social is disconnected" || !strings.Contains(msg.Text, "Tue 9 Feb 2027, 14:00 CET") {
		t.Fatalf("message = %q\n%s", msg.Subject, msg.Text)
	}

	// Later deliveries, another restart, and the same event enqueued again
	// (as the engine might on its next check) send nothing more.
	app.restart()
	app.enqueue(notify.Event{Kind: notify.Disconnected, Profile: notifyAna, At: notifyStart, Reason: account.ReasonRevoked})
	for i := 0; i < 3; i++ {
		if n, err := app.deliverAfter(time.Hour); n != 0 || err != nil {
			t.Fatalf("later delivery %d: %d sent, %v", i, n, err)
		}
	}
	if got := len(mp.Messages(t)); got != 1 {
		t.Fatalf("%d messages in Mailpit, want exactly 1", got)
	}
	if waiting, _ := app.svc.Pending(ctx); len(waiting) != 0 {
		t.Fatalf("still waiting: %+v", waiting)
	}
	app.assertNoPassword()
}

// TestNotifyDesktopForEachKindOnDunst: each kind's desktop notification is
// seen on the session bus with its summary, body, app name and icon.
func TestNotifyDesktopForEachKindOnDunst(t *testing.T) {
	d := testbed.StartXvfb(t)
	bus := testbed.StartNotifications(t, d)
	desktop := &notify.BeeepDesktop{IconDir: t.TempDir()}
	app := newNotifyApp(t, desktop)
	app.set("notify.email", "off")

	for _, c := range notifyCases() {
		t.Run(c.name, func(t *testing.T) {
			app.enqueue(c.event(app.clock.Now()))
			if n, err := app.deliverAfter(time.Minute); n != 1 || err != nil {
				t.Fatalf("%d shown, %v", n, err)
			}
			got := bus.Wait(t, 10*time.Second, func(x testbed.Notification) bool { return x.Summary == c.summary })
			if got.AppName != "SocialOmm" {
				t.Errorf("app name = %q", got.AppName)
			}
			if got.Icon != desktop.IconPath() || filepath.Base(got.Icon) != notify.IconFile {
				t.Errorf("icon = %q, want %q", got.Icon, desktop.IconPath())
			}
			if st, err := os.Stat(got.Icon); err != nil || st.Size() == 0 {
				t.Errorf("icon file: %v", err)
			}
			for _, p := range c.phrases {
				if !strings.Contains(got.Body, p) {
					t.Errorf("body lacks %q:\n%s", p, got.Body)
				}
			}
		})
	}

	t.Run("lost together, one notification", func(t *testing.T) {
		before := len(bus.All())
		now := app.clock.Now()
		app.enqueue(notify.Event{Kind: notify.Disconnected, Profile: notifyAna, At: now, Reason: account.ReasonRevoked})
		app.enqueue(notify.Event{Kind: notify.Expired, Profile: notifyBob, At: now, ExpiresAt: now, Reason: account.ReasonExpired})
		if n, err := app.deliverAfter(time.Minute); n != 1 || err != nil {
			t.Fatalf("%d shown, %v", n, err)
		}
		got := bus.Wait(t, 10*time.Second, func(x testbed.Notification) bool { return x.Summary == "2 profiles disconnected" })
		for _, p := range []string{"Mastodon @ana@example.social: disconnected on", "Mastodon @bob@example.social: expired on",
			account.ReasonRevoked.Describe(), "Open SocialOmm → Accounts"} {
			if !strings.Contains(got.Body, p) {
				t.Errorf("body lacks %q:\n%s", p, got.Body)
			}
		}
		if after := len(bus.All()); after != before+1 {
			t.Fatalf("%d notifications for two lost accounts, want 1", after-before)
		}
	})
	d.Screenshot(t, "notify-dunst")
}

// TestNotifySendTest: the test notification and email reach dunst and
// Mailpit; with Mailpit down the email's failure says so in plain words.
func TestNotifySendTest(t *testing.T) {
	testbed.StartKeyring(t)
	d := testbed.StartXvfb(t)
	bus := testbed.StartNotifications(t, d)
	mp := testbed.StartMailpit(t)
	app := newNotifyApp(t, &notify.BeeepDesktop{IconDir: t.TempDir()})
	app.useMailpit(mp)
	ctx := context.Background()

	desktopErr, emailErr := app.svc.SendTest(ctx)
	if desktopErr != nil || emailErr != nil {
		t.Fatalf("SendTest = %v, %v", desktopErr, emailErr)
	}
	got := bus.Wait(t, 10*time.Second, func(x testbed.Notification) bool { return x.Summary == "SocialOmm test notification" })
	if got.AppName != "SocialOmm" || !strings.Contains(got.Body, "desktop notifications work") {
		t.Fatalf("notification = %+v", got)
	}
	list := mp.WaitMessages(t, 1, 10*time.Second)
	msg := mp.Message(t, list[0].ID)
	if msg.Subject != "SocialOmm test email" || !strings.Contains(msg.Text, "email notifications work") || msg.HTML == "" {
		t.Fatalf("test email = %q\n%s", msg.Subject, msg.Text)
	}

	mp.Stop(t)
	_, emailErr = app.svc.SendTest(ctx)
	if emailErr == nil || !strings.Contains(emailErr.Error(), "Could not reach the mail server 127.0.0.1:"+strconv.Itoa(mp.SMTPPort())) ||
		strings.Contains(emailErr.Error(), notifySMTPPassword) {
		t.Fatalf("email error with Mailpit down = %v", emailErr)
	}
	app.assertNoPassword()
}
