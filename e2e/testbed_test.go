package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/socialomm/desktop/internal/testbed"
)

// These tests prove each part of the test bed works on this machine, so a
// failure in an app test is not a broken test bed.

func sendMail(t *testing.T, mp *testbed.Mailpit, subject, body string) error {
	t.Helper()
	auth := smtp.PlainAuth("", "user", "secret", mp.SMTPHost())
	msg := "From: SocialOmm <app@example.org>\r\n" +
		"To: person@example.org\r\n" +
		"Subject: " + subject + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" + body + "\r\n"
	return smtp.SendMail(mp.SMTPAddr(), auth, "app@example.org", []string{"person@example.org"}, []byte(msg))
}

func TestTestbedMailpit(t *testing.T) {
	mp := testbed.StartMailpit(t)
	if err := sendMail(t, mp, "First", "Your Mastodon connection was lost."); err != nil {
		t.Fatalf("sending through Mailpit: %v", err)
	}
	list := mp.WaitMessages(t, 1, 10*time.Second)
	if list[0].Subject != "First" || len(list[0].To) != 1 || list[0].To[0].Address != "person@example.org" {
		t.Fatalf("unexpected message: %+v", list[0])
	}
	full := mp.Message(t, list[0].ID)
	if !strings.Contains(full.Text, "Your Mastodon connection was lost.") {
		t.Fatalf("message text = %q", full.Text)
	}

	// An outage: the SMTP port refuses while stopped, and everything comes
	// back on the same ports with the stored mail kept.
	mp.Stop(t)
	if c, err := net.DialTimeout("tcp", mp.SMTPAddr(), time.Second); err == nil {
		c.Close()
		t.Fatalf("SMTP port %d still accepts connections after Stop", mp.SMTPPort())
	}
	if err := sendMail(t, mp, "Lost", "x"); err == nil {
		t.Fatalf("sending during the outage succeeded")
	}
	mp.Start(t)
	if err := sendMail(t, mp, "Second", "after the outage"); err != nil {
		t.Fatalf("sending after restart: %v", err)
	}
	list = mp.WaitMessages(t, 2, 10*time.Second)
	if len(list) != 2 || list[0].Subject != "Second" || list[1].Subject != "First" {
		t.Fatalf("after restart, messages = %+v; want Second, First", list)
	}
	mp.DeleteAll(t)
	if n := len(mp.Messages(t)); n != 0 {
		t.Fatalf("%d messages after DeleteAll", n)
	}
}

func TestTestbedGoToSocial(t *testing.T) {
	gts := testbed.StartGoToSocial(t)
	resp, err := http.Get(gts.URL() + "/api/v1/instance")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/instance: %s", resp.Status)
	}

	const password = "Correct-Horse-Battery-9"
	gts.CreateUser(t, "alice", "alice@example.org", password)
	token := gts.AccessToken(t, "alice@example.org", password, "read write")
	if status, body := testbed.VerifyCredentials(t, gts.URL(), token); status != http.StatusOK || !strings.Contains(string(body), `"username":"alice"`) {
		t.Fatalf("verify_credentials: %d %s", status, body)
	}

	// A restart keeps port, user and token.
	gts.Stop(t)
	if _, err := http.Get(gts.URL() + "/api/v1/instance"); err == nil {
		t.Fatalf("GoToSocial still answers after Stop")
	}
	gts.Start(t)
	if status, body := testbed.VerifyCredentials(t, gts.URL(), token); status != http.StatusOK {
		t.Fatalf("verify_credentials after restart: %d %s", status, body)
	}

	// Deleting the account is how a token is made to answer 401.
	testbed.DeleteAccount(t, gts.URL(), token, password)
	status, body := testbed.VerifyCredentials(t, gts.URL(), token)
	if status != http.StatusUnauthorized {
		t.Fatalf("verify_credentials after delete: %d %s", status, body)
	}
	t.Logf("token after account delete: %d %s", status, body)
}

func TestTestbedNotifications(t *testing.T) {
	testbed.RequireSessionBus(t)
	d := testbed.StartXvfb(t)
	n := testbed.StartNotifications(t, d)

	// Quotes and a line break in the body exercise the dbus-monitor parser.
	body := "Sign in again: Accounts, \"⋯\", Update.\n   string \"not an argument\"\nThanks"
	if path, err := exec.LookPath("notify-send"); err == nil {
		cmd := exec.Command(path, "--app-name=SocialOmm", "--icon=dialog-warning", "Mastodon disconnected", body)
		cmd.Env = d.Env(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("notify-send: %v: %s", err, out)
		}
	} else {
		conn, err := dbus.ConnectSessionBus()
		if err != nil {
			t.Fatalf("session bus: %v", err)
		}
		defer conn.Close()
		obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
		call := obj.Call("org.freedesktop.Notifications.Notify", 0,
			"SocialOmm", uint32(0), "dialog-warning", "Mastodon disconnected", body,
			[]string{}, map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1))}, int32(5000))
		if call.Err != nil {
			t.Fatalf("Notify: %v", call.Err)
		}
	}
	got := n.Wait(t, 10*time.Second, func(x testbed.Notification) bool { return x.Summary == "Mastodon disconnected" })
	want := testbed.Notification{AppName: "SocialOmm", Icon: "dialog-warning", Summary: "Mastodon disconnected", Body: body}
	if got != want {
		t.Fatalf("captured %+v\nwant     %+v", got, want)
	}
	if all := n.All(); len(all) != 1 {
		t.Fatalf("All() = %d notifications, want 1: %+v", len(all), all)
	}

	// dunst draws it on the display: the screen is no longer black.
	path := d.ScreenshotPainted(t, "testbed-dunst-notification", 10*time.Second)
	t.Logf("notification on screen: %s", path)
}

// TestTestbedBrowserSignIn drives GoToSocial's real sign-in pages in
// headless chromium the way a connect test will: the "app" (here the test)
// opens the authorize URL through the opener script, the browser signs in
// and allows, and the loopback redirect receives a code that exchanges for
// a working token.
func TestTestbedBrowserSignIn(t *testing.T) {
	gts := testbed.StartGoToSocial(t)
	const email, password = "bob@example.org", "Correct-Horse-Battery-9"
	gts.CreateUser(t, "bob", email, password)

	codes := make(chan string, 1)
	loopback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case codes <- r.URL.Query().Get("code"):
		default:
		}
		io.WriteString(w, "<html><body>Connected. You can close this window.</body></html>")
	}))
	defer loopback.Close()
	redirect := loopback.URL + "/callback"
	app := gts.RegisterApp(t, "SocialOmm e2e", redirect, "read write")

	b := testbed.StartBrowser(t)
	authorize := gts.URL() + "/oauth/authorize?" + url.Values{
		"client_id": {app.ClientID}, "redirect_uri": {redirect},
		"response_type": {"code"}, "scope": {"read write"}, "state": {"xyz"},
	}.Encode()
	opener := exec.Command(strings.TrimPrefix(b.OpenerEnv(), "SOCIALOMM_BROWSER="), authorize)
	if out, err := opener.CombinedOutput(); err != nil {
		t.Fatalf("opener: %v: %s", err, out)
	}
	if got := b.WaitOpened(t, 5*time.Second); got != authorize {
		t.Fatalf("WaitOpened = %q, want %q", got, authorize)
	}

	final := b.SignInGoToSocial(t, authorize, email, password)
	if !strings.HasPrefix(final, redirect+"?") || !strings.Contains(final, "state=xyz") {
		t.Fatalf("browser ended at %q, want the loopback redirect with the state", final)
	}
	if text := b.Text(t); !strings.Contains(text, "Connected.") {
		t.Fatalf("loopback page text = %q", text)
	}
	code := <-codes
	resp, err := http.PostForm(gts.URL()+"/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {redirect},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token exchange: %s, %v", resp.Status, err)
	}
	if status, body := testbed.VerifyCredentials(t, gts.URL(), tok.AccessToken); status != http.StatusOK || !strings.Contains(string(body), `"username":"bob"`) {
		t.Fatalf("verify_credentials: %d %s", status, body)
	}
}
