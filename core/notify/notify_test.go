package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
)

// TestEventContent checks that every kind names the network and @handle,
// what happened and when (in the person's zone), why, what it affects and
// what to do, on the desktop and in both parts of the email.
func TestEventContent(t *testing.T) {
	at := start // 14:00 CET
	cases := []struct {
		name  string
		ev    Event
		title string
		// wants must appear in the desktop body and in both email parts.
		wants []string
	}{
		{"disconnected", Event{Kind: Disconnected, Profile: ana, At: at, Reason: account.ReasonPasswordChanged,
			HeldPosts: 3, NextDue: at.Add(-time.Hour)},
			"Mastodon @ana@example.social is disconnected",
			[]string{"Mastodon @ana@example.social", "lost its connection", "Tue 9 Feb 2027, 14:00 CET",
				account.ReasonPasswordChanged.Describe(), "3 scheduled posts are on hold; the next was due at 13:00",
				UpdateSteps}},
		{"disconnected, nothing queued", Event{Kind: Disconnected, Profile: cat, At: at, Reason: account.ReasonRevoked},
			"Bluesky @cat.bsky.social is disconnected",
			[]string{"Bluesky @cat.bsky.social", "Tue 9 Feb 2027, 14:00 CET", account.ReasonRevoked.Describe(),
				"No scheduled posts are waiting", UpdateSteps}},
		{"expired", Event{Kind: Expired, Profile: ana, At: at, ExpiresAt: at, Reason: account.ReasonExpired,
			HeldPosts: 1, NextDue: at.Add(26 * time.Hour)},
			"Mastodon @ana@example.social has expired",
			[]string{"Mastodon @ana@example.social", "ended on Tue 9 Feb 2027, 14:00 CET",
				account.ReasonExpired.Describe(), "1 scheduled post is on hold; the next is due at Wed 10 Feb, 16:00",
				UpdateSteps}},
		{"expiring", Event{Kind: Expiring, Profile: ana, At: at, ExpiresAt: at.Add(7 * 24 * time.Hour), DaysLeft: 7,
			HeldPosts: 2, NextDue: at.Add(3 * time.Hour)},
			"Mastodon @ana@example.social expires in 7 days",
			[]string{"Mastodon @ana@example.social", "ends on Tue 16 Feb 2027, 14:00 CET, in 7 days",
				"limited time", "2 scheduled posts are waiting for this profile; the next is due at 17:00",
				UpdateSteps + " before then"}},
		{"post failed", Event{Kind: PostFailed, Profile: bob, At: at.Add(time.Minute), PostID: 9, PostScheduled: at,
			PostText:  "Our spring sale starts today with twenty percent off every single item in the shop",
			PostError: "Text character limit of 500 exceeded"},
			"Post to Mastodon @bob@example.social failed",
			[]string{"Mastodon @bob@example.social", "scheduled for Tue 9 Feb 2027, 14:00 CET", "did not go out",
				"“Our spring sale starts today with twenty percent off every…”",
				"The network said: Text character limit of 500 exceeded.", "This post on this profile only",
				"Open SocialOmm → Queue"}},
		{"post held", Event{Kind: PostHeld, Profile: bob, At: at.Add(-2 * time.Hour), Reason: account.ReasonRevoked,
			PostID: 4, PostScheduled: at, PostText: "Hello", HeldPosts: 3, NextDue: at},
			"3 posts on hold for Mastodon @bob@example.social",
			[]string{"Mastodon @bob@example.social", "scheduled for Tue 9 Feb 2027, 14:00 CET (“Hello”)",
				"disconnected since Tue 9 Feb 2027, 12:00 CET", account.ReasonRevoked.Describe(),
				"3 scheduled posts are on hold; the next was due at 14:00", UpdateSteps}},
		{"reminder", Event{Kind: Disconnected, Profile: ana, At: at.Add(-3 * 24 * time.Hour), Reminder: 2,
			Reason: account.ReasonInvalid, HeldPosts: 5, NextDue: at.Add(-time.Hour)},
			"Still disconnected: Mastodon @ana@example.social",
			[]string{"Mastodon @ana@example.social", "disconnected since Sat 6 Feb 2027, 14:00 CET (3 days)",
				account.ReasonInvalid.Describe(), "5 scheduled posts are on hold; the next was due at 13:00",
				UpdateSteps}},
	}
	r := renderer{loc: cet, now: at}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.ev.validate(); err != nil {
				t.Fatal(err)
			}
			d := r.render(c.ev, ChannelDesktop)
			if d.Title != c.title {
				t.Errorf("desktop title = %q, want %q", d.Title, c.title)
			}
			contains(t, "desktop body", d.Text, c.wants...)
			if d.HTML != "" {
				t.Error("desktop message has an HTML part")
			}
			m := r.render(c.ev, ChannelEmail)
			contains(t, "email subject", m.Title, c.ev.Profile.Name())
			contains(t, "email text", m.Text, c.wants...)
			contains(t, "email text", m.Text, "Why: ", "Affects: ", "What to do: ")
			contains(t, "email HTML", m.HTML, "<html>", "<b>Why:</b>", "<b>What to do:</b>")
			for _, w := range c.wants {
				contains(t, "email HTML", m.HTML, esc(w))
			}
		})
	}

	t.Run("reconnected is desktop only", func(t *testing.T) {
		b := newBed(t)
		chans := b.enqueue(Event{Kind: Reconnected, Profile: ana, At: at, HeldPosts: 2})
		if fmt.Sprint(chans) != "[desktop]" {
			t.Fatalf("channels = %v", chans)
		}
		b.deliver()
		got := b.desktop.list()
		if len(got) != 1 || got[0].Title != "Mastodon @ana@example.social is connected again" {
			t.Fatalf("shown = %+v", got)
		}
		contains(t, "desktop body", got[0].Text, "14:00 CET", "2 held posts can go out now")
		if n := len(b.mailer.list()); n != 0 {
			t.Fatalf("%d emails for a reconnection", n)
		}
	})
}

func TestInvalidEventsAreRefused(t *testing.T) {
	b := newBed(t)
	for _, ev := range []Event{
		{Kind: "exploded", Profile: ana, At: start},
		{Kind: Disconnected, Profile: Profile{AccountID: 1}, At: start},
		{Kind: Disconnected, Profile: ana},
		{Kind: Expiring, Profile: ana, At: start},
		{Kind: PostFailed, Profile: ana, At: start},
	} {
		if _, err := b.svc.Enqueue(ctx, ev); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("Enqueue(%+v) = %v, want ErrInvalidEvent", ev, err)
		}
	}
}

// TestDeliveredOnceAcrossRestarts: the same event enqueued again, by the same
// or a restarted app, before or after delivery, goes out once per channel.
func TestDeliveredOnceAcrossRestarts(t *testing.T) {
	ev := lost(ana, start, account.ReasonRevoked)
	cases := []struct {
		name  string
		steps func(b *bed)
	}{
		{"enqueued twice, delivered", func(b *bed) {
			b.enqueue(ev)
			if again := b.enqueue(ev); len(again) != 0 {
				t.Errorf("second Enqueue queued %v", again)
			}
			b.clock.Advance(time.Minute)
			b.deliver()
		}},
		{"restart before delivery", func(b *bed) {
			b.enqueue(ev)
			b.restart()
			b.enqueue(ev)
			b.clock.Advance(time.Minute)
			b.deliver()
		}},
		{"restart after delivery", func(b *bed) {
			b.enqueue(ev)
			b.clock.Advance(time.Minute)
			b.deliver()
			b.restart()
			if again := b.enqueue(ev); len(again) != 0 {
				t.Errorf("Enqueue after restart queued %v", again)
			}
			b.clock.Advance(time.Hour)
			b.deliver()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBed(t)
			c.steps(b)
			b.clock.Advance(48 * time.Hour)
			if n, err := b.deliver(); n != 0 || err != nil {
				t.Fatalf("later delivery sent %d (%v)", n, err)
			}
			if d, m := len(b.desktop.list()), len(b.mailer.list()); d != 1 || m != 1 {
				t.Fatalf("desktop %d, email %d; want 1 each", d, m)
			}
			if p := b.pending(); len(p) != 0 {
				t.Fatalf("still pending: %+v", p)
			}
		})
	}
}

// TestMailServerDown: mail waits with backoff while the server refuses,
// survives a restart, and goes out exactly once when the server is back.
// The desktop is not held up by it.
func TestMailServerDown(t *testing.T) {
	b := newBed(t)
	down := &MailError{Words: "Could not reach the mail server smtp.example.org:587: it refused the connection (is the server down, or the port wrong?)."}
	b.mailer.fail(down)
	b.enqueue(Event{Kind: PostFailed, Profile: bob, At: start, PostID: 7, PostScheduled: start, PostText: "Hi", PostError: "Server error"})

	n, err := b.deliver()
	if n != 1 || err == nil || !strings.Contains(err.Error(), "refused the connection") {
		t.Fatalf("first delivery: %d messages, err %v; want the desktop one and the mail error", n, err)
	}
	if len(b.desktop.list()) != 1 {
		t.Fatal("the desktop notification waited for the mail server")
	}

	// Backoff: 1 min, 2 min, 4 min, … capped at 1 h.
	wantWaits := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, wait := range wantWaits {
		p := b.pending()
		if len(p) != 1 || p[0].Channel != ChannelEmail || p[0].Attempts != i+1 {
			t.Fatalf("attempt %d: pending = %+v", i+1, p)
		}
		if got := p[0].NextAttempt.Sub(b.clock.Now()); got != wait {
			t.Fatalf("after attempt %d the next try is in %s, want %s", i+1, got, wait)
		}
		contains(t, "why", p[0].Why, "Not sent yet: Could not reach the mail server", "next try at")
		if p[0].LastError != down.Words {
			t.Fatalf("last error = %q", p[0].LastError)
		}
		b.clock.Advance(wait - time.Second)
		if n, _ := b.deliver(); n != 0 {
			t.Fatalf("attempt %d: sent before the backoff ran out", i+1)
		}
		if i == 3 {
			b.restart() // the app restarts while the server is still down
		}
		b.clock.Advance(time.Second)
		if n, _ := b.deliver(); n != 0 {
			t.Fatalf("sent while down")
		}
	}
	if b.mailer.tries != 1+len(wantWaits) {
		t.Fatalf("%d tries, want %d", b.mailer.tries, 1+len(wantWaits))
	}

	// The server is back; the app restarts once more before the next try.
	b.mailer.fail(nil)
	b.restart()
	b.clock.Advance(time.Hour)
	if n, err := b.deliver(); n != 1 || err != nil {
		t.Fatalf("after the outage: %d sent, %v", n, err)
	}
	b.clock.Advance(24 * time.Hour)
	b.deliver()
	mails := b.mailer.list()
	if len(mails) != 1 || mails[0].msg.Title != "Post to Mastodon @bob@example.social failed" {
		t.Fatalf("mails = %+v", mails)
	}
	if len(b.pending()) != 0 || len(b.desktop.list()) != 1 {
		t.Fatalf("pending %+v, desktop %d", b.pending(), len(b.desktop.list()))
	}
}

// TestRetryNowAfterSettingsChange: fixed settings are tried at once.
func TestRetryNowAfterSettingsChange(t *testing.T) {
	b := newBed(t)
	b.mailer.fail(&MailError{Words: "The mail server smtp.example.org:587 did not accept the user name or password. It said: 535 5.7.8 nope"})
	b.enqueue(Event{Kind: PostFailed, Profile: bob, At: start, PostScheduled: start})
	b.deliver()
	b.mailer.fail(nil)
	if n, _ := b.deliver(); n != 0 {
		t.Fatal("retried before the backoff")
	}
	if n, err := b.svc.RetryNow(ctx); n != 1 || err != nil {
		t.Fatalf("RetryNow = %d, %v", n, err)
	}
	if n, _ := b.deliver(); n != 1 || len(b.mailer.list()) != 1 {
		t.Fatalf("not sent after RetryNow")
	}
}

// TestCrashBetweenSendAndMark: a row claimed by an app that then stopped is
// sent again once the claim lease runs out: never lost, at worst doubled.
func TestCrashBetweenSendAndMark(t *testing.T) {
	b := newBed(t)
	b.enqueue(Event{Kind: PostFailed, Profile: bob, At: start, PostScheduled: start})
	claimed, err := b.svc.claim(ctx, b.clock.Now())
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d rows, %v", len(claimed), err)
	}
	// The "crashed" app never marks them. A new one does not take them
	// while the claim may still be live…
	b.restart()
	if n, _ := b.deliver(); n != 0 {
		t.Fatal("took a row another deliverer holds")
	}
	p := b.pending()
	if len(p) != 2 || p[0].Why != "Being sent now." {
		t.Fatalf("pending = %+v", p)
	}
	// …and sends them once the lease has run out.
	b.clock.Advance(5 * time.Minute)
	if n, err := b.deliver(); n != 2 || err != nil {
		t.Fatalf("after the lease: %d sent, %v", n, err)
	}
	b.clock.Advance(time.Hour)
	b.deliver()
	if len(b.desktop.list()) != 1 || len(b.mailer.list()) != 1 {
		t.Fatalf("desktop %d, mail %d", len(b.desktop.list()), len(b.mailer.list()))
	}
}

// TestLostTogetherMakeOneMessage: accounts lost within the window make one
// desktop notification and one email listing all; one lost later is told
// on its own.
func TestLostTogetherMakeOneMessage(t *testing.T) {
	b := newBed(t)
	b.enqueue(lost(ana, b.clock.Now(), account.ReasonPasswordChanged))
	b.clock.Advance(20 * time.Second)
	b.enqueue(lost(bob, b.clock.Now(), account.ReasonPasswordChanged))
	b.enqueue(Event{Kind: Expired, Profile: cat, At: b.clock.Now(), ExpiresAt: b.clock.Now(), Reason: account.ReasonExpired})
	// Other events are not held back by the window.
	b.enqueue(Event{Kind: PostFailed, Profile: dan, At: b.clock.Now(), PostScheduled: b.clock.Now(), PostText: "x"})
	if n, _ := b.deliver(); n != 2 {
		t.Fatalf("%d sent at once, want the failed post's 2", n)
	}
	p := b.pending()
	if len(p) != 6 {
		t.Fatalf("pending = %d rows, want 6 held", len(p))
	}
	contains(t, "why", p[0].Why, "Held until 14:01 so that other connections lost at the same time go in the same message")

	b.clock.Advance(40 * time.Second) // the first one's window is over
	if n, err := b.deliver(); n != 2 || err != nil {
		t.Fatalf("%d messages after the window (%v), want 1 desktop + 1 email", n, err)
	}
	shown := b.desktop.list()[1]
	if shown.Title != "3 profiles disconnected" {
		t.Fatalf("desktop title = %q", shown.Title)
	}
	contains(t, "merged desktop body", shown.Text,
		"Mastodon @ana@example.social: disconnected on Tue 9 Feb 2027, 14:00 CET", account.ReasonPasswordChanged.Describe(),
		"Mastodon @bob@example.social: disconnected on Tue 9 Feb 2027, 14:00 CET",
		"Bluesky @cat.bsky.social: expired on Tue 9 Feb 2027, 14:00 CET", account.ReasonExpired.Describe(),
		"3 scheduled posts are on hold", "Open SocialOmm → Accounts")
	mails := b.mailer.list()
	mail := mails[len(mails)-1].msg
	if mail.Title != "3 profiles disconnected: Mastodon @ana@example.social, Mastodon @bob@example.social, Bluesky @cat.bsky.social" {
		t.Fatalf("subject = %q", mail.Title)
	}
	contains(t, "merged email", mail.Text, "SocialOmm lost its connection to 3 profiles:", "- Mastodon @ana@example.social", "What to do:")
	contains(t, "merged HTML", mail.HTML, "<ul>", "<li><b>Bluesky @cat.bsky.social: expired on")
	if mail.ID == "" || !strings.HasSuffix(mail.ID, "@example.org") {
		t.Fatalf("Message-ID = %q", mail.ID)
	}

	// Dan is lost two minutes later: a message of his own.
	b.clock.Advance(2 * time.Minute)
	b.enqueue(lost(dan, b.clock.Now(), account.ReasonInvalid))
	b.clock.Advance(time.Minute)
	if n, _ := b.deliver(); n != 2 {
		t.Fatalf("%d sent for Dan", n)
	}
	if got := b.desktop.list()[2].Title; got != "Mastodon @dan@other.example is disconnected" {
		t.Fatalf("Dan's title = %q", got)
	}
	if len(b.pending()) != 0 {
		t.Fatalf("pending: %+v", b.pending())
	}
}

// TestLossWhileMailServerDownMerges: the first notice and a reminder for the
// same account, both waiting for the mail server, make one entry.
func TestLossWhileMailServerDownMerges(t *testing.T) {
	b := newBed(t)
	b.mailer.fail(&MailError{Words: "down"})
	first := lost(ana, b.clock.Now(), account.ReasonRevoked)
	b.enqueue(first)
	b.clock.Advance(time.Minute)
	b.deliver()
	b.clock.Advance(24 * time.Hour)
	if chans, err := b.svc.Remind(ctx, first); err != nil || len(chans) != 2 {
		t.Fatalf("Remind = %v, %v", chans, err)
	}
	b.enqueue(lost(bob, b.clock.Now(), account.ReasonRevoked))
	b.mailer.fail(nil)
	b.clock.Advance(time.Minute)
	b.deliver()
	mails := b.mailer.list()
	if len(mails) != 1 {
		t.Fatalf("%d mails, want one merged", len(mails))
	}
	m := mails[0].msg
	if m.Title != "2 profiles need reconnecting: Mastodon @ana@example.social, Mastodon @bob@example.social" {
		t.Fatalf("subject = %q", m.Title)
	}
	contains(t, "text", m.Text, "Mastodon @ana@example.social: disconnected since Tue 9 Feb 2027, 14:00 CET (1 day)",
		"Mastodon @bob@example.social: disconnected on Wed 10 Feb 2027, 14:01 CET", "reminds you after 1 day")
	if n := strings.Count(m.Text, "- Mastodon @ana@example.social"); n != 1 {
		t.Fatalf("Ana is listed %d times:\n%s", n, m.Text)
	}
}

func TestReminderSchedule(t *testing.T) {
	lostAt := start
	d := 24 * time.Hour
	cases := []struct {
		after time.Duration
		n     int
		due   bool
	}{
		{0, 0, false}, {23 * time.Hour, 0, false}, {d, 1, true}, {2 * d, 1, true}, {3*d - time.Second, 1, true},
		{3 * d, 2, true}, {6 * d, 2, true}, {7 * d, 3, true}, {13 * d, 3, true}, {14 * d, 4, true}, {70 * d, 12, true},
	}
	for _, c := range cases {
		n, due := ReminderDue(lostAt, lostAt.Add(c.after))
		if n != c.n || due != c.due {
			t.Errorf("ReminderDue after %s = %d %v, want %d %v", c.after, n, due, c.n, c.due)
		}
		if due && ReminderAt(lostAt, n).After(lostAt.Add(c.after)) {
			t.Errorf("reminder %d is due at %s, after %s", n, ReminderAt(lostAt, n), c.after)
		}
	}
	if got := NextReminder(lostAt, lostAt.Add(4*d)); !got.Equal(lostAt.Add(7 * d)) {
		t.Errorf("NextReminder after 4 days = %s", got)
	}

	// A connection stays lost for 30 days, checked every hour: reminders at
	// 1, 3, 7, 14, 21 and 28 days, each once, never one per check.
	for _, on := range []string{"on", "off"} {
		t.Run("reminders "+on, func(t *testing.T) {
			b := newBed(t)
			b.set("notify.reminders", on)
			b.set("notify.email", "off")
			ev := lost(ana, b.clock.Now(), account.ReasonRevoked)
			b.enqueue(ev)
			var at []string
			for h := 0; h < 30*24; h++ {
				b.clock.Advance(59 * time.Minute)
				if _, err := b.svc.Remind(ctx, ev); err != nil {
					t.Fatal(err)
				}
				before := len(b.desktop.list())
				b.clock.Advance(time.Minute) // the batch window
				b.deliver()
				if len(b.desktop.list()) > before {
					at = append(at, fmt.Sprintf("%dd", int(b.clock.Now().Sub(ev.At)/(24*time.Hour))))
				}
			}
			want := "[0d 1d 3d 7d 14d 21d 28d]"
			if on == "off" {
				want = "[0d]"
			}
			if fmt.Sprint(at) != want {
				t.Fatalf("notified at %v, want %s", at, want)
			}
			if on == "on" {
				last := b.desktop.list()[len(b.desktop.list())-1]
				if last.Title != "Still disconnected: Mastodon @ana@example.social" {
					t.Fatalf("reminder title = %q", last.Title)
				}
				contains(t, "reminder", last.Text, "since Tue 9 Feb 2027, 14:00 CET (28 days)", UpdateSteps)
			}
		})
	}
}

// TestChannelsFollowSettings: email only when on and set up; desktop only
// when on; reconnected never by email.
func TestChannelsFollowSettings(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]string
		kind Kind
		want string
	}{
		{"all on", nil, PostFailed, "[desktop email]"},
		{"email off", map[string]string{"notify.email": "off"}, PostFailed, "[desktop]"},
		{"no mail server", map[string]string{"smtp.host": ""}, PostFailed, "[desktop]"},
		{"no sender", map[string]string{"email.from": ""}, Disconnected, "[desktop]"},
		{"no recipient", map[string]string{"email.to": ""}, Expiring, "[desktop]"},
		{"desktop off", map[string]string{"notify.desktop": "off"}, PostFailed, "[email]"},
		{"both off", map[string]string{"notify.desktop": "off", "notify.email": "off"}, PostHeld, "[]"},
		{"reconnected", nil, Reconnected, "[desktop]"},
		{"reconnected, desktop off", map[string]string{"notify.desktop": "off"}, Reconnected, "[]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBed(t)
			for k, v := range c.set {
				b.set(k, v)
			}
			ev := Event{Kind: c.kind, Profile: ana, At: start, ExpiresAt: start.Add(7 * 24 * time.Hour), DaysLeft: 7, PostScheduled: start}
			if got := fmt.Sprint(b.enqueue(ev)); got != c.want {
				t.Fatalf("channels = %s, want %s", got, c.want)
			}
			var n int
			b.store.DB().QueryRow(`SELECT Count(*) FROM outbox WHERE channel = 'email'`).Scan(&n)
			if strings.Contains(c.want, "email") != (n == 1) {
				t.Fatalf("%d email rows", n)
			}
		})
	}
}

// TestTurnedOffBeforeDelivery: a notice waiting when its channel is turned
// off is dropped with the reason, not sent.
func TestTurnedOffBeforeDelivery(t *testing.T) {
	b := newBed(t)
	b.enqueue(lost(ana, start, account.ReasonRevoked))
	b.set("notify.email", "off")
	b.set("notify.desktop", "off")
	b.clock.Advance(time.Minute)
	if n, err := b.deliver(); n != 0 || err != nil {
		t.Fatalf("%d sent, %v", n, err)
	}
	var errs string
	b.store.DB().QueryRow(`SELECT group_concat(state || ': ' || last_error, ' / ') FROM outbox`).Scan(&errs)
	contains(t, "outbox", errs, "cancelled: Not shown: desktop notifications were turned off",
		"cancelled: Not sent: email notifications were turned off")
}

// TestReconnectedWithdrawsStaleNotices: an account lost and back within the
// batch window tells only that it is back.
func TestReconnectedWithdrawsStaleNotices(t *testing.T) {
	b := newBed(t)
	b.enqueue(lost(ana, start, account.ReasonInvalid))
	b.enqueue(Event{Kind: PostFailed, Profile: ana, At: start, PostScheduled: start})
	b.deliver()
	b.clock.Advance(30 * time.Second)
	b.enqueue(Event{Kind: Reconnected, Profile: ana, At: b.clock.Now()})
	b.clock.Advance(time.Minute)
	b.deliver()
	var titles []string
	for _, m := range b.desktop.list() {
		titles = append(titles, m.Title)
	}
	if fmt.Sprint(titles) != "[Post to Mastodon @ana@example.social failed Mastodon @ana@example.social is connected again]" {
		t.Fatalf("shown: %q", titles)
	}
	if len(b.mailer.list()) != 1 {
		t.Fatalf("mails: %+v", b.mailer.list())
	}
	if n, err := b.svc.Withdraw(ctx, ana.AccountID); n != 0 || err != nil {
		t.Fatalf("Withdraw = %d, %v", n, err)
	}
}

// TestPasswordNeverLeaks: a mail server whose error repeats the password
// (as a broken one might) does not get it into the outbox, the logs, the
// errors or the pending list.
func TestPasswordNeverLeaks(t *testing.T) {
	b := newBed(t)
	b.mailer.fail(errors.New("535 authentication failed for ana:" + smtpPassword))
	b.enqueue(lost(ana, start, account.ReasonRevoked))
	b.clock.Advance(time.Minute)
	_, derr := b.deliver()
	if derr == nil {
		t.Fatal("no error reported")
	}
	terr := b.svc.SendTestEmail(ctx)
	pending := fmt.Sprintf("%+v", b.pending())
	cfg, err := b.svc.mailConfig(ctx)
	if err != nil || cfg.Password != smtpPassword {
		t.Fatalf("the mailer did not get the password: %v", err)
	}
	for what, text := range map[string]string{
		"DeliverDue error": derr.Error(), "SendTestEmail error": terr.Error(), "pending": pending,
		"outbox": b.outboxDump(), "logs": b.logs.String(),
		"config %v": fmt.Sprintf("%v", cfg), "config %+v": fmt.Sprintf("%+v", cfg), "config %#v": fmt.Sprintf("%#v", cfg),
	} {
		if strings.Contains(text, smtpPassword) {
			t.Errorf("%s contains the password:\n%s", what, text)
		}
	}
	contains(t, "pending", pending, "535 authentication failed for ana:[password]")
	if m := b.mailer.tries; m != 2 {
		t.Fatalf("%d tries", m)
	}
}

func TestSendTest(t *testing.T) {
	b := newBed(t)
	derr, merr := b.svc.SendTest(ctx)
	if derr != nil || merr != nil {
		t.Fatalf("SendTest = %v, %v", derr, merr)
	}
	if got := b.desktop.list(); len(got) != 1 || got[0].Title != "SocialOmm test notification" {
		t.Fatalf("desktop = %+v", got)
	}
	mails := b.mailer.list()
	if len(mails) != 1 || mails[0].msg.Title != "SocialOmm test email" {
		t.Fatalf("mails = %+v", mails)
	}
	cfg := mails[0].cfg
	if cfg.Host != "smtp.example.org" || cfg.Port != 587 || cfg.Security != "starttls" || cfg.Username != "ana" ||
		cfg.Password != smtpPassword || cfg.From != `SocialOmm <alerts@example.org>` || fmt.Sprint(cfg.To) != "[<ana@example.org>]" {
		t.Fatalf("config = %#v / to %v from %q", cfg, cfg.To, cfg.From)
	}

	b.desktop.fail(errors.New("no desktop notification could be shown (dbus: no service)"))
	b.mailer.fail(&MailError{Words: "The mail server smtp.example.org:587 did not take the mail. It said: 554 5.7.1 Relay access denied"})
	derr, merr = b.svc.SendTest(ctx)
	if derr == nil || !strings.Contains(derr.Error(), "no service") {
		t.Fatalf("desktop error = %v", derr)
	}
	if merr == nil || !strings.Contains(merr.Error(), "554 5.7.1 Relay access denied") {
		t.Fatalf("email error = %v", merr)
	}

	b.set("smtp.host", "")
	b.set("email.to", "")
	_, merr = b.svc.SendTest(ctx)
	if !errors.Is(merr, ErrEmailNotSetUp) || !strings.Contains(merr.Error(), "mail server (smtp.host), recipient (email.to)") {
		t.Fatalf("not set up: %v", merr)
	}
}

// TestRunDeliversWhenEnqueued: Run wakes when an event is queued, sends it,
// and stops with its context.
func TestRunDeliversWhenEnqueued(t *testing.T) {
	b := newBed(t)
	// Desktop only: stopping Run in the middle of a keyring read would
	// leave core/secret's reader running into the next test's MockInit.
	b.set("notify.email", "off")
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.svc.Run(runCtx) }()
	b.enqueue(Event{Kind: PostFailed, Profile: bob, At: start, PostScheduled: start})
	select {
	case <-b.desktop.seen:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not deliver the queued event")
	}
	// A lost connection waits for the batch window: Run sleeps until then.
	b.enqueue(lost(ana, b.clock.Now(), account.ReasonRevoked))
	if wait := b.svc.nextWake(ctx, b.clock.Now()); wait != time.Minute {
		t.Fatalf("Run would sleep %s, want the 1 min batch window", wait)
	}
	b.clock.Advance(time.Minute)
	b.svc.poke() // stands in for Run's timer firing, which the fake clock cannot order
	select {
	case <-b.desktop.seen:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not deliver after the batch window")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := b.desktop.list(); len(got) != 2 || got[1].Title != "Mastodon @ana@example.social is disconnected" {
		t.Fatalf("shown = %+v", got)
	}
}

func TestNextWake(t *testing.T) {
	b := newBed(t)
	if w := b.svc.nextWake(ctx, b.clock.Now()); w != time.Minute {
		t.Fatalf("empty outbox: sleep %s, want the 1 min poll", w)
	}
	b.enqueue(Event{Kind: PostFailed, Profile: bob, At: start, PostScheduled: start})
	if w := b.svc.nextWake(ctx, b.clock.Now()); w != time.Second {
		t.Fatalf("due row: sleep %s, want the 1 s floor", w)
	}
}

// TestNoSessionBusNoDesktop: without a session bus the desktop channel
// says so instead of letting D-Bus autolaunch a stray daemon.
func TestNoSessionBusNoDesktop(t *testing.T) {
	withBus := t.TempDir()
	if err := os.WriteFile(filepath.Join(withBus, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		name string
		env  map[string]string
		run  string
		want bool
	}{
		{"address set", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, empty, true},
		{"runtime dir bus", map[string]string{"XDG_RUNTIME_DIR": withBus}, empty, true},
		{"user run dir bus", nil, withBus, true},
		{"nothing", map[string]string{"XDG_RUNTIME_DIR": empty}, empty, false},
	}
	for _, c := range cases {
		if got := sessionBusIn(env(c.env), c.run); got != c.want {
			t.Errorf("%s: sessionBusIn = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestExpiryWarnings(t *testing.T) {
	end := start.Add(20 * 24 * time.Hour)
	d := 24 * time.Hour
	for _, days := range [][]int{{14, 7, 1}, {1, 14, 7}} {
		for _, c := range []struct {
			before time.Duration
			day    int
			due    bool
		}{
			{20 * d, 0, false}, {14*d + time.Second, 0, false}, {14 * d, 14, true}, {10 * d, 14, true},
			{7 * d, 7, true}, {2 * d, 7, true}, {d, 1, true}, {time.Hour, 1, true}, {0, 0, false}, {-time.Hour, 0, false},
		} {
			day, due := ExpiryWarningDue(end, end.Add(-c.before), days)
			if day != c.day || due != c.due {
				t.Errorf("days %v, %s before the end: %d %v, want %d %v", days, c.before, day, due, c.day, c.due)
			}
		}
	}

	// A connection ending in 20 days, checked every 6 hours: one warning
	// per warning day, never one per check.
	for _, c := range []struct {
		warnDays string
		want     string
	}{
		{"14,7,1", "[expires in 14 days expires in 7 days expires in 24 hours]"},
		{"3", "[expires in 3 days]"},
	} {
		t.Run(c.warnDays, func(t *testing.T) {
			b := newBed(t)
			b.set("notify.warn_days", c.warnDays)
			b.set("notify.email", "off")
			for b.clock.Now().Before(end) {
				ev := Event{Kind: Expiring, Profile: ana, ExpiresAt: end, HeldPosts: 1, NextDue: end.Add(time.Hour)}
				if _, err := b.svc.Warn(ctx, ev); err != nil {
					t.Fatal(err)
				}
				b.deliver()
				b.clock.Advance(6 * time.Hour)
			}
			var got []string
			for _, m := range b.desktop.list() {
				got = append(got, strings.TrimPrefix(m.Title, ana.Name()+" "))
			}
			if fmt.Sprint(got) != c.want {
				t.Fatalf("warnings %v, want %s", got, c.want)
			}
		})
	}
	if _, err := newBed(t).svc.Warn(ctx, Event{Kind: Disconnected, Profile: ana, At: start}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("Warn of a disconnection: %v", err)
	}
}

type stoppingMailer struct{ stop context.CancelFunc }

func (m stoppingMailer) Send(ctx context.Context, _ MailConfig, _ Message) error {
	m.stop() // the app is quitting while the mail is on its way
	<-ctx.Done()
	return ctx.Err()
}

// TestStopMidSendKeepsTheRowUntried: a send cut short by shutdown is not a
// failure: the row waits, untried, for the next start.
func TestStopMidSendKeepsTheRowUntried(t *testing.T) {
	b := newBed(t)
	b.set("notify.desktop", "off")
	b.enqueue(Event{Kind: PostFailed, Profile: bob, At: start, PostScheduled: start})
	runCtx, stop := context.WithCancel(ctx)
	quitting := New(b.store, b.cfg, Options{Clock: b.clock, Location: cet, Desktop: b.desktop, Mailer: stoppingMailer{stop}})
	if n, err := quitting.DeliverDue(runCtx); n != 0 || err != nil {
		t.Fatalf("DeliverDue while stopping = %d, %v", n, err)
	}
	p := b.pending()
	if len(p) != 1 || p[0].Attempts != 0 || p[0].LastError != "" || p[0].Why != "Waiting to be sent." {
		t.Fatalf("pending after a stop = %+v", p)
	}
	if n, err := b.deliver(); n != 1 || err != nil || len(b.mailer.list()) != 1 {
		t.Fatalf("next start: %d sent, %v", n, err)
	}
}

// TestExpiringTogetherMakeOneMessage: profiles connected in one sitting
// reach their warning days together; an agency with hundreds gets one
// desktop notification naming a few, and one email listing them all.
func TestExpiringTogetherMakeOneMessage(t *testing.T) {
	b := newBed(t)
	d := 24 * time.Hour
	const n = 40
	for i := 0; i < n; i++ {
		p := Profile{AccountID: int64(100 + i), Network: "mastodon", Handle: fmt.Sprintf("@shop%02d@example.social", i)}
		// Later accounts end sooner: the message lists the soonest first.
		ev := Event{Kind: Expiring, Profile: p, ExpiresAt: start.Add(14*d - time.Duration(i)*time.Hour), HeldPosts: i % 2}
		if chans, err := b.svc.Warn(ctx, ev); err != nil || len(chans) != 2 {
			t.Fatalf("Warn %d = %v, %v", i, chans, err)
		}
	}
	if sent, _ := b.deliver(); sent != 0 {
		t.Fatalf("%d sent inside the batch window", sent)
	}
	p := b.pending()
	if len(p) != 2*n {
		t.Fatalf("%d pending, want %d", len(p), 2*n)
	}
	contains(t, "why", p[0].Why, "so that other connections expiring at the same time go in the same message")

	b.clock.Advance(time.Minute)
	if sent, err := b.deliver(); sent != 2 || err != nil {
		t.Fatalf("%d messages after the window (%v), want 1 desktop + 1 email", sent, err)
	}
	shown := b.desktop.list()[0]
	if shown.Title != "40 profiles expire soon" {
		t.Fatalf("desktop title = %q", shown.Title)
	}
	contains(t, "desktop body", shown.Text,
		"• Mastodon @shop39@example.social: expires in 13 days, on Sun 21 Feb 2027, 23:00 CET; 1 scheduled post waiting",
		"• and 35 more", "the filter Expiring soon lists them")
	if lines := strings.Count(shown.Text, "\n"); lines != desktopShown+1 {
		t.Fatalf("desktop body has %d lines, want %d profiles and the rest counted:\n%s", lines, desktopShown, shown.Text)
	}
	mail := b.mailer.list()[0].msg
	if mail.Title != "40 profiles expire soon: Mastodon @shop39@example.social, Mastodon @shop38@example.social, Mastodon @shop37@example.social and 37 more" {
		t.Fatalf("subject = %q", mail.Title)
	}
	for i := 0; i < n; i++ {
		if c := strings.Count(mail.Text, fmt.Sprintf("- Mastodon @shop%02d@example.social: expires in", i)); c != 1 {
			t.Errorf("shop%02d is listed %d times in the email", i, c)
		}
	}
	contains(t, "email", mail.Text, "40 connections end soon:", "20 scheduled posts are waiting", "What to do:")
	contains(t, "HTML", mail.HTML, "<li>Mastodon @shop00@example.social: expires in 14 days")
	if len(b.pending()) != 0 {
		t.Fatalf("pending after delivery: %+v", b.pending())
	}

	// A lone warning later reads as before.
	b.clock.Advance(time.Hour)
	b.svc.Warn(ctx, Event{Kind: Expiring, Profile: ana, ExpiresAt: b.clock.Now().Add(7 * d)})
	b.clock.Advance(time.Minute)
	b.deliver()
	if got := b.desktop.list()[1].Title; got != "Mastodon @ana@example.social expires in 7 days" {
		t.Fatalf("lone warning = %q", got)
	}
}

// WarnAll queues the warnings due among many connections (a sweep's
// batch) together, exactly as Warn one by one would: the due ones once,
// the others not, and nothing again on the next call.
func TestWarnAllQueuesTheWarningsDueTogether(t *testing.T) {
	b := newBed(t)
	b.set("notify.email", "off")
	d := 24 * time.Hour
	evs := []Event{
		{Kind: Expiring, Profile: ana, ExpiresAt: start.Add(7 * d)},  // due: the 7-day warning
		{Kind: Expiring, Profile: bob, ExpiresAt: start.Add(20 * d)}, // not yet
		{Kind: Expiring, Profile: cat, ExpiresAt: start.Add(12 * time.Hour)},
	}
	if err := b.svc.WarnAll(ctx, evs); err != nil {
		t.Fatal(err)
	}
	waiting := func() []string {
		var keys []string
		for _, w := range b.pending() {
			keys = append(keys, w.Subject)
		}
		return keys
	}
	first := waiting()
	if all := strings.Join(first, " | "); len(first) != 2 || !strings.Contains(all, "@ana@") || !strings.Contains(all, "@cat.") || strings.Contains(all, "@bob@") {
		t.Fatalf("queued %v, want ana's and cat's warnings only", first)
	}
	if err := b.svc.WarnAll(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if again := waiting(); fmt.Sprint(again) != fmt.Sprint(first) {
		t.Fatalf("a second WarnAll changed the outbox: %v, then %v", first, again)
	}
	// One invalid event: nothing of the call is queued.
	if err := b.svc.WarnAll(ctx, []Event{{Kind: Expiring, Profile: dan, ExpiresAt: start.Add(d)}, {Kind: Disconnected, Profile: bob}}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("WarnAll with a disconnection: %v", err)
	}
	if after := waiting(); fmt.Sprint(after) != fmt.Sprint(first) {
		t.Fatalf("a refused WarnAll queued %v", after)
	}
}

// Counts in notices group their thousands, as the window writes them: an
// agency's merged notice may count tens of thousands of held posts.
func TestCountsGroupThousands(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {31833, "31,833"}, {1234567, "1,234,567"}, {-4500, "-4,500"}} {
		if got := Count(c.n); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if got := plural(31833, "post", "posts"); got != "31,833 posts" {
		t.Errorf("plural(31833) = %q, want \"31,833 posts\"", got)
	}
	if got := plural(1, "post", "posts"); got != "1 post" {
		t.Errorf("plural(1) = %q, want \"1 post\"", got)
	}
}
