package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/settings"
	"github.com/socialomm/desktop/core/store"
)

var ctx = context.Background()

// cet is the person's zone in these tests: 13:00 UTC reads 14:00 CET.
var cet = time.FixedZone("CET", 3600)

var start = time.Date(2027, 2, 9, 13, 0, 0, 0, time.UTC)

const smtpPassword = "Hunter2-Very-Secret"

type fakeDesktop struct {
	mu    sync.Mutex
	shown []Message
	err   error
	seen  chan struct{}
}

func newFakeDesktop() *fakeDesktop { return &fakeDesktop{seen: make(chan struct{}, 100)} }

func (f *fakeDesktop) Notify(_ context.Context, title, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.shown = append(f.shown, Message{Title: title, Text: body})
	f.seen <- struct{}{}
	return nil
}

func (f *fakeDesktop) list() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.shown...)
}

func (f *fakeDesktop) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

type sentMail struct {
	cfg MailConfig
	msg Message
}

type fakeMailer struct {
	mu   sync.Mutex
	sent []sentMail
	err  error
	// tries counts every call, failed ones included.
	tries int
}

func (f *fakeMailer) Send(_ context.Context, cfg MailConfig, m Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries++
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, sentMail{cfg, m})
	return nil
}

func (f *fakeMailer) list() []sentMail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMail(nil), f.sent...)
}

func (f *fakeMailer) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// syncBuffer is a log sink safe for Run's goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// bed is one app's data folder with the notification service on it.
type bed struct {
	t       *testing.T
	dir     string
	clock   *clock.Fake
	store   *store.Store
	cfg     *settings.Service
	desktop *fakeDesktop
	mailer  *fakeMailer
	logs    *syncBuffer
	svc     *Service
}

// newBed opens a fresh data folder with email set up and both channels on.
func newBed(t *testing.T) *bed {
	t.Helper()
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	b := &bed{t: t, dir: t.TempDir(), clock: clock.NewFake(start), desktop: newFakeDesktop(), mailer: &fakeMailer{}}
	b.open()
	for k, v := range map[string]string{
		"smtp.host": "smtp.example.org", "smtp.port": "587", "smtp.security": "starttls",
		"smtp.username": "ana", "smtp.password": smtpPassword,
		"email.from": "SocialOmm <alerts@example.org>", "email.to": "ana@example.org",
	} {
		b.set(k, v)
	}
	return b
}

// open opens the store and a new Service, as an app start does.
func (b *bed) open() {
	b.t.Helper()
	st, err := store.Open(ctx, b.dir, store.Options{Now: b.clock.Now})
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { st.Close() })
	b.store = st
	b.cfg = &settings.Service{Store: st, Secrets: secret.NewKeyring()}
	if b.logs == nil {
		b.logs = &syncBuffer{}
	}
	b.svc = New(st, b.cfg, Options{
		Clock: b.clock, Location: cet, Desktop: b.desktop, Mailer: b.mailer,
		Logger: slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
}

// restart closes the store and opens everything again on the same folder.
func (b *bed) restart() {
	b.t.Helper()
	b.store.Close()
	b.open()
}

func (b *bed) set(key, value string) {
	b.t.Helper()
	if err := b.cfg.Set(ctx, key, value); err != nil {
		b.t.Fatalf("set %s: %v", key, err)
	}
}

func (b *bed) enqueue(ev Event) []Channel {
	b.t.Helper()
	chans, err := b.svc.Enqueue(ctx, ev)
	if err != nil {
		b.t.Fatalf("Enqueue(%s): %v", ev.Kind, err)
	}
	return chans
}

// deliver runs DeliverDue and returns how many messages went out; send
// failures are expected in some tests and returned separately.
func (b *bed) deliver() (int, error) {
	b.t.Helper()
	return b.svc.DeliverDue(ctx)
}

func (b *bed) pending() []Waiting {
	b.t.Helper()
	list, err := b.svc.Pending(ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	return list
}

// outboxDump is every text the outbox holds, for leak checks.
func (b *bed) outboxDump() string {
	b.t.Helper()
	rows, err := b.store.DB().Query(`SELECT event_key, channel, subject, body_text, body_html, state, last_error, kind, batch, event FROM outbox`)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	var all strings.Builder
	for rows.Next() {
		cols := make([]string, 10)
		ptrs := make([]any, 10)
		for i := range cols {
			ptrs[i] = &cols[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.t.Fatal(err)
		}
		all.WriteString(strings.Join(cols, "|") + "\n")
	}
	return all.String()
}

var (
	ana = Profile{AccountID: 1, Network: "mastodon", Handle: "@ana@example.social", DisplayName: "Ana"}
	bob = Profile{AccountID: 2, Network: "mastodon", Handle: "@bob@example.social", DisplayName: "Bob"}
	cat = Profile{AccountID: 3, Network: "bluesky", Handle: "@cat.bsky.social", DisplayName: "Cat"}
	dan = Profile{AccountID: 4, Network: "mastodon", Handle: "@dan@other.example", DisplayName: "Dan"}
)

func lost(p Profile, at time.Time, reason account.Reason) Event {
	return Event{Kind: Disconnected, Profile: p, At: at, Reason: reason, HeldPosts: 3, NextDue: at.Add(2 * time.Hour)}
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}
