package e2e

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/testbed"
)

// TestLostConnectionNotifiesDesktopAndEmail runs the real daemon: a profile
// whose account was deleted on GoToSocial gets its due post held, and the
// person learns of it on the desktop (dunst) and by email (Mailpit), with
// the profile named and what to do.
func TestLostConnectionNotifiesDesktopAndEmail(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	mail := testbed.StartMailpit(t)
	d := testbed.StartXvfb(t)
	notes := testbed.StartNotifications(t, d)
	fay := connectUsers(t, c, gts, "fay")["fay"]

	for _, kv := range [][2]string{
		{"smtp.host", mail.SMTPHost()}, {"smtp.port", strconv.Itoa(mail.SMTPPort())}, {"smtp.security", "none"},
		{"email.from", "SocialOmm <socialomm@example.org>"}, {"email.to", "owner@example.org"},
	} {
		if p, code := c.run(t, "settings", "set", kv[0], kv[1]); code != 0 {
			t.Fatalf("settings set %s: %s", kv[0], p.Output())
		}
	}
	token, _ := kr.AccessToken(t, "mastodon "+fay.Instance+" "+fay.RemoteID)
	testbed.DeleteAccount(t, gts.URL(), token, password)
	c.schedule(t, time.Now(), "A post that cannot go out", fay)

	cmd := exec.Command(c.bin, "daemon", "--data-dir", c.dataDir)
	cmd.Env = d.Env(t, testbed.TempHome(t)...)
	daemon := testbed.StartProcess(t, "daemon", cmd)

	held := notes.Wait(t, time.Minute, func(n testbed.Notification) bool { return strings.Contains(n.Summary, "on hold") })
	if held.AppName != "SocialOmm" || !strings.Contains(held.Summary, "@fay@") || !strings.Contains(held.Body, "Update") {
		t.Fatalf("held notification: %+v", held)
	}
	// Lost connections wait a minute so several lost together make one.
	lost := notes.Wait(t, 3*time.Minute, func(n testbed.Notification) bool { return strings.Contains(n.Summary, "disconnected") })
	if !strings.Contains(lost.Summary, "@fay@") || !strings.Contains(lost.Body, "Update") {
		t.Fatalf("disconnected notification: %+v", lost)
	}

	msgs := mail.WaitMessages(t, 2, 3*time.Minute)
	subjects := []string{}
	for _, m := range msgs {
		subjects = append(subjects, m.Subject)
		full := mail.Message(t, m.ID)
		if !strings.Contains(full.Text, "@fay@") || !strings.Contains(full.Text, "Update") || full.HTML == "" {
			t.Fatalf("email %q lacks the profile, what to do, or its HTML part:\n%s", m.Subject, full.Text)
		}
		if len(m.To) != 1 || m.To[0].Address != "owner@example.org" {
			t.Fatalf("email to %+v", m.To)
		}
	}
	joined := strings.Join(subjects, " | ")
	if !strings.Contains(joined, "on hold") || !strings.Contains(joined, "disconnected") {
		t.Fatalf("subjects %q", joined)
	}
	daemon.Signal(t, syscall.SIGTERM)
	if code := daemon.WaitExit(t, 15*time.Second); code != 0 {
		t.Fatalf("daemon exit %d", code)
	}
	// Exactly once per channel.
	if n := len(mail.Messages(t)); n != 2 {
		t.Fatalf("%d emails, want 2", n)
	}
}
