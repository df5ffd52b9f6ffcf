package e2e

import (
	"image"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/testbed"
)

// Where things are in the windows, which Xvfb (no window manager) opens at
// the top left: the Accounts header's Settings button, the Settings
// window's Email tab, and the email section's "Send test email" button.
const (
	settingsButtonX, settingsButtonY = settingsX, headerY
	emailTabX, emailTabY             = 138, 21
	sendTestX, sendTestY             = 117, 594
)

// TestSettingsEmailSection opens Settings → Email in the real window, takes
// a screenshot, and sends a test email to Mailpit from it.
func TestSettingsEmailSection(t *testing.T) {
	c := newCLIApp(t)
	testbed.StartKeyring(t)
	mail := testbed.StartMailpit(t)
	for _, kv := range [][2]string{
		{"smtp.host", mail.SMTPHost()}, {"smtp.port", strconv.Itoa(mail.SMTPPort())}, {"smtp.security", "none"},
		{"email.from", "SocialOmm <socialomm@example.org>"}, {"email.to", "owner@example.org"},
	} {
		if p, code := c.run(t, "settings", "set", kv[0], kv[1]); code != 0 {
			t.Fatalf("settings set %s: %s", kv[0], p.Output())
		}
	}
	d := testbed.StartXvfb(t)
	cmd := exec.Command(c.bin, "--data-dir", c.dataDir)
	cmd.Env = d.Env(t, testbed.TempHome(t)...)
	app := testbed.StartProcess(t, "socialomm-window", cmd)
	d.WaitWindow(t, "SocialOmm — Accounts", time.Minute)
	app.WaitOutput(t, "accounts window shows profiles", 30*time.Second)

	// Each click waits for the screen to change after the one before: the
	// Settings window can be mapped before it has painted over Accounts,
	// and clicks then land on the Accounts window (seen once in a full run).
	accounts := d.ScreenshotPainted(t, "settings-accounts", 30*time.Second)
	d.Click(t, settingsButtonX, settingsButtonY)
	d.WaitWindow(t, "SocialOmm — Settings", 30*time.Second)
	general := d.ScreenshotUntil(t, "settings-open", 30*time.Second, "the Settings window painted", func(img image.Image) bool {
		return !samePixels(t, accounts, img)
	})
	d.Click(t, emailTabX, emailTabY)
	before := d.ScreenshotUntil(t, "settings-email-before", 30*time.Second, "the Email tab", func(img image.Image) bool {
		return !samePixels(t, general, img)
	})
	d.Click(t, sendTestX, sendTestY)
	msgs := mail.WaitMessages(t, 1, time.Minute)
	if msgs[0].Subject != "SocialOmm test email" || msgs[0].To[0].Address != "owner@example.org" {
		t.Fatalf("test email: %+v", msgs[0])
	}
	// The window says how the send went on its own time, after the mail
	// is out: wait for it (the testbed fails if it never shows).
	d.ScreenshotUntil(t, "settings-email", 30*time.Second, "the test email's result", func(img image.Image) bool {
		return !samePixels(t, before, img)
	})
	app.Signal(t, syscall.SIGTERM)
	if code := app.WaitExit(t, 15*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
